// The kubectl fidelity sweep of issue 19: many command scenarios (bench/support/
// kubectl-sweep-scenarios.ts) run with the real kubectl 1.32 against `kubemu up`, with kubemu's
// kubectl through `up`, and with kubemu's kubectl one-shot, each in a fresh home; then every line
// whose stdout, stderr's first line or exit status differs from the real kubectl's is listed
// (ages, UIDs, IPs, ports, resourceVersions, times and generated name suffixes masked).
//
// Run: npm run build && npx vite-node bench/kubectl-sweep.ts
//   SWEEP_MODES=real,up,one-shot   which runs to make (the others are read from SWEEP_OUT)
//   SWEEP_GROUPS=pods,secrets      only these groups
//   SWEEP_OUT=DIR                  where each run's results are kept (default: a fresh folder)
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {sweepFixtures, sweepGroups} from './support/kubectl-sweep-scenarios.js'
import {realKubectl} from '../test/support/real-kubectl.js'

const kubemu = resolve(import.meta.dirname, '../bin/kubemu')
const lineTimeoutSeconds = 90
const upStartMilliseconds = 120_000

type Mode = 'real' | 'up' | 'one-shot'
interface LineResult {
  readonly group: string
  readonly line: string
  readonly stdout: string
  readonly stderr: string
  readonly status: number | null
}

const modes = (process.env.SWEEP_MODES ?? 'real,up,one-shot').split(',') as Mode[]
const onlyGroups = process.env.SWEEP_GROUPS?.split(',')
const out = process.env.SWEEP_OUT ?? mkdtempSync(join(tmpdir(), 'kubectl-sweep-'))
mkdirSync(out, {recursive: true})

function runLine(command: string, env: NodeJS.ProcessEnv, cwd: string): Promise<{stdout: string; stderr: string; status: number | null}> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', `timeout ${lineTimeoutSeconds} bash -c ${JSON.stringify(command).replaceAll('$', '\\$').replaceAll('`', '\\`')}`], {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('close', (status) => done({stdout, stderr, status}))
  })
}

async function startUp(home: string): Promise<ChildProcess> {
  const child = spawn(kubemu, ['up', '--port', '0', '--etcd-ports', '0,0,0'], {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}, stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  await new Promise<void>((ready, failed) => {
    const timer = setTimeout(() => failed(new Error(`up did not elect its leaders in ${upStartMilliseconds} ms:\n${output}`)), upStartMilliseconds)
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      if (/leads kube-controller-manager/.test(output)) {
        clearTimeout(timer)
        ready()
      }
    })
    child.on('exit', (code) => failed(new Error(`up exited (${code}):\n${output}`)))
  })
  child.stdout!.resume()
  child.stderr!.resume()
  return child
}

async function stopUp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((done) => child.on('exit', done))
  child.kill('SIGINT')
  await exited
}

async function runMode(mode: Mode): Promise<LineResult[]> {
  const home = mkdtempSync(join(tmpdir(), `kubectl-sweep-${mode}-`))
  const fixtures = join(home, 'fix')
  for (const [name, text] of Object.entries(sweepFixtures)) {
    mkdirSync(dirname(join(fixtures, name)), {recursive: true})
    writeFileSync(join(fixtures, name), text)
  }
  const up = mode === 'one-shot' ? null : await startUp(home)
  // HOME too: kubectl's discovery cache (~/.kube/cache) is the run's own, not one other kubectls
  // on the machine share (one-shot clusters all have the same server URL).
  const env: NodeJS.ProcessEnv =
    mode === 'real'
      ? {...process.env, HOME: home, KUBEMU_HOME: home, KUBECONFIG: join(home, 'default', 'kubeconfig'), K: realKubectl}
      : {...process.env, HOME: home, KUBEMU_HOME: home, KUBECONFIG: '', K: `${kubemu} kubectl`}
  const results: LineResult[] = []
  try {
    for (const group of sweepGroups) {
      if (onlyGroups && !onlyGroups.includes(group.name)) continue
      const started = Date.now()
      await runLine(`$K create namespace ${group.name}`, env, home)
      for (const line of group.lines) {
        const command = line.replaceAll('FIX', fixtures).replaceAll('NS', group.name)
        const result = await runLine(command, env, home)
        results.push({group: group.name, line, stdout: mask(result.stdout, home), stderr: mask(result.stderr, home), status: result.status})
      }
      console.log(`${mode} ${group.name}: ${group.lines.length} lines in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    }
  } finally {
    if (up) await stopUp(up)
    rmSync(home, {recursive: true, force: true})
  }
  return results
}

/** What must differ between two runs, masked. */
function mask(text: string, home: string): string {
  return text
    .replaceAll(home, 'HOME')
    .replace(/[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ /g, 'KLOG ')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UID')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
    .replace(/[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}/g, 'TIME')
    .replace(/(resourceVersion"?: ?)"\d+"/g, '$1"RV"')
    .replace(/\b\d+\.\d+\.\d+\.\d+(:\d+)?\b/g, 'IP')
    .replace(/localhost:\d+/g, 'localhost:PORT')
    .replace(/([a-z0-9])-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}\b/g, '$1-HASH-XXXXX')
    .replace(/([a-z0-9])-[bcdfghjklmnpqrstvwxz2456789]{5}\b/g, '$1-XXXXX')
    .replace(/([a-z0-9])-[bcdfghjklmnpqrstvwxz2456789]{8,10}\b/g, '$1-HASH')
    .replace(/(^|\s)(\d+d)?(\d+h)?(\d+m)?(\d+s)?(?=\s|$)/gm, (whole, space: string, ...units: Array<string | undefined>) => (units.slice(0, 4).some(Boolean) ? `${space}AGE` : whole))
    .replace(/in \d+ milliseconds/g, 'in N milliseconds')
    // edit's copy of a failed edit: a random temporary file named after the binary
    .replace(/"\/tmp\/[^"]*-edit-\d+\.(yaml|json)"/g, '"/tmp/EDIT-COPY.$1"')
    .replace(/ +/g, ' ')
}

const firstLine = (text: string) => text.split('\n')[0] ?? ''

async function main(): Promise<void> {
  const byMode: Partial<Record<Mode, LineResult[]>> = {}
  for (const mode of ['real', 'up', 'one-shot'] as const) {
    const file = join(out, `${mode}.json`)
    if (modes.includes(mode)) {
      byMode[mode] = await runMode(mode)
      writeFileSync(file, JSON.stringify(byMode[mode], null, 1))
    } else if (existsSync(file)) {
      byMode[mode] = (JSON.parse(readFileSync(file, 'utf8')) as LineResult[]).filter((result) => !onlyGroups || onlyGroups.includes(result.group))
    }
  }
  const real = byMode.real
  if (!real) throw new Error(`no real kubectl results in ${out}`)
  let report = ''
  for (const mode of ['up', 'one-shot'] as const) {
    const ours = byMode[mode]
    if (!ours) continue
    const groupsFailed = new Set<string>()
    let differing = 0
    // A line may come twice in a group (the second time it meets what the first did): the nth
    // time of one is compared with the nth time of the other.
    const occurrence = (results: LineResult[]) => results.map((result, index) => `${result.group}\n${result.line}\n${results.slice(0, index).filter((other) => other.group === result.group && other.line === result.line).length}`)
    const ourKeys = occurrence(ours)
    const realKeys = occurrence(real)
    for (const [index, theirs] of real.entries()) {
      const mine = ours[ourKeys.indexOf(realKeys[index]!)]
      if (!mine) continue
      const differences: string[] = []
      if (mine.status !== theirs.status) differences.push(`  status: real ${theirs.status}, ours ${mine.status}`)
      if (firstLine(mine.stderr) !== firstLine(theirs.stderr)) differences.push(`  stderr: real ${JSON.stringify(firstLine(theirs.stderr))}\n          ours ${JSON.stringify(firstLine(mine.stderr))}`)
      if (mine.stdout !== theirs.stdout) differences.push(`  stdout: real ${JSON.stringify(theirs.stdout.slice(0, 600))}\n          ours ${JSON.stringify(mine.stdout.slice(0, 600))}`)
      if (differences.length === 0) continue
      differing++
      groupsFailed.add(theirs.group)
      report += `[${mode}] ${theirs.group}: ${theirs.line}\n${differences.join('\n')}\n`
    }
    const groups = new Set(real.map((result) => result.group))
    report += `== ${mode}: ${real.length - differing} of ${real.length} lines the same; groups all the same: ${groups.size - groupsFailed.size} of ${groups.size}\n`
  }
  writeFileSync(join(out, 'report.txt'), report)
  console.log(report)
  console.log(`results in ${out}`)
}

await main()

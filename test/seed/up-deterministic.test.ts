// Deterministic runs under `kubemu up`, through the real CLI: two `up --seed 7 --manual-clock` in
// fresh homes, the same script of commands through kubemu's kubectl, the real kubectl 1.32, `time
// advance`, member faults, status and trace → the same bytes (once the ports and the home folder,
// which the OS picks, are written the same way). With the clock running, a seeded `up` repeats
// what does not read the time: UIDs, generated names, IPs, node ports, node choices, leaders.
import {readdirSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl} from '../support/real-kubectl.js'

/** The longest wait for `up` to serve, or for one command of the script. */
const stepMillisecondsMax = 90_000

/** What a tutorial would run against `up`: `k` is kubemu, `r` the real kubectl. */
const script = [
  'k kubectl create deployment web --image=nginx:1.27 --replicas=3',
  'r get pods -o wide',
  'r get deployment web -o yaml',
  'k kubectl scale deployment web --replicas=5',
  'k kubectl get pods -o wide',
  'k kubectl expose deployment web --port=80 --type=NodePort',
  'r get service web -o yaml',
  'r get endpoints web',
  'k kubectl describe deployment web',
  'k kubectl set image deployment/web nginx=nginx:1.28',
  'r rollout status deployment/web --timeout=60s',
  'k kubectl rollout history deployment/web',
  'r get pods -o jsonpath={range .items[*]}{.metadata.name} {.metadata.uid} {.status.podIP} {.spec.nodeName} {.metadata.resourceVersion}{"\\n"}{end}',
  "k kubectl create job pi --image=perl:5.34 -- perl -e 'print 1'",
  'r get jobs pi -o wide',
  "k kubectl create cronjob tick --image=busybox:1.36 --schedule='*/1 * * * *' -- date",
  'k time advance 2m',
  'r get jobs,cronjobs',
  'r get events',
  'k kubectl run solo --image=busybox:1.36 --restart=Never -- sleep 1000',
  'r delete pod solo --wait=false',
  'k kubectl get pods -o wide',
  'k time advance 40s',
  'r get pods -o wide',
  'k status',
  'k member stop infra2',
  'k kubectl get leases -n kube-system',
  'k etcdctl endpoint status -w table',
  'k trace deployment/web',
  'r get all -o wide',
]

interface Run {
  readonly home: string
  readonly up: UpProcess
}

/** Starts `up` in a fresh home with `flags`; resolves once its control plane has elected its leaders (bounded). */
async function startUp(processes: UpProcess[], flags: readonly string[]): Promise<Run> {
  const home = temporaryFolder()
  const up = new UpProcess(home, flags)
  processes.push(up)
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`up did not elect its leaders within ${stepMillisecondsMax} ms:\n${up.output}`)), stepMillisecondsMax)))
  const exited = up.exited.then((code) => {
    throw new Error(`up exited (${code}) before serving:\n${up.output}`)
  })
  try {
    await Promise.race([up.until(/leader election: \S+ leads kube-controller-manager/), late, exited])
  } finally {
    clearTimeout(timer)
    exited.catch(() => undefined)
  }
  return {home, up}
}

/** Ctrl-C, and a clean exit within the bound. */
async function stopUp(up: UpProcess): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`up did not stop within ${stepMillisecondsMax} ms of Ctrl-C:\n${up.output.slice(-3000)}`)), stepMillisecondsMax)))
  try {
    await Promise.race([up.stop(), late])
  } finally {
    clearTimeout(timer)
  }
  expect(await up.exited).toBe(0)
}

function command(run: Run, line: string): Promise<ShellResult> {
  const environment = {...process.env, KUBEMU_HOME: run.home, KUBECONFIG: '', KUBEMU_SEED: '', NO_COLOR: '1'}
  const [tool, ...rest] = line.split(' ')
  const words = rest.join(' ')
  const shell = tool === 'k' ? `${kubemu} ${words}` : `${realKubectl} --kubeconfig=${run.home}/default/kubeconfig --request-timeout=60s ${shellQuotedJsonpath(words)}`
  // Every command is bounded (coreutils' timeout, exit 124): a hang fails the comparison, not the run.
  return runShell(`timeout ${stepMillisecondsMax / 1000} ${shell}`, {cwd: run.home, env: environment})
}

/** A jsonpath argument is one word for the shell. */
const shellQuotedJsonpath = (words: string) => words.replace(/-o (jsonpath=.*)$/, (_, path: string) => `-o '${path}'`)

/** The script's output, each command's status and streams in order, with what the OS picks (ports, the home folder) written the same way. */
async function transcript(run: Run, lines: readonly string[]): Promise<string> {
  let text = ''
  for (const line of lines) {
    const result = await command(run, line)
    text += `--- ${line}\nexit ${result.status}\n${result.stdout}${result.stderr}`
  }
  return text.replaceAll(run.home, '$HOME').replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
}

describe('deterministic runs under kubemu up', {timeout: 900_000}, () => {
  const processes = upProcessesOfSuite()

  it('prints the same bytes for the same 30 commands with --seed 7 --manual-clock, in two fresh homes', async () => {
    expect(script).toHaveLength(30)
    // The manual clock moves only with the script: the two homes' runs go side by side.
    const [first, second] = await Promise.all(
      [0, 1].map(async () => {
        const run = await startUp(processes, ['--seed', '7', '--manual-clock'])
        const output = await transcript(run, script)
        await stopUp(run.up)
        expect(run.up.output).toContain('cluster time 2025-01-01T00:00:00.000Z (manual: it moves only with kubemu time advance)')
        return output
      }),
    )
    expect(first).toBe(second)
    // Every command worked, and the output carries what the seed and the manual clock fix.
    expect([...first.matchAll(/^--- (.*)\nexit (\d+)$/gm)].filter((match) => match[2] !== '0').map((match) => match[1])).toEqual([])
    expect(first).toContain('creationTimestamp: "2025-01-01T00:00:00Z"')
    expect(first).toMatch(/web-[a-z0-9]{9,10}-[a-z0-9]{5} +1\/1 +Running +0 +0s +10\.244\.\d+\.\d+ +worker-\d/)
    expect(first).toContain('cluster time 2025-01-01T00:00:00Z -> 2025-01-01T00:02:00Z')
    // Time moved only with `time advance`: the CronJob fired in the 2m, and status counts from the epoch.
    expect(first).toMatch(/cronjob\.batch\/tick +\*\/1 \* \* \* \* +<none> +False +0 +60s +2m\n/)
    expect(first).toContain('cluster time 2025-01-01T00:02:40Z (seed epoch 2025-01-01T00:00:00Z + 2m40s)')
    expect(first).toContain('deployment.apps/web in namespace default: ')
  })

  it('repeats UIDs, names, IPs, node ports, node choices and leaders with --seed 7 and the clock running', async () => {
    const facts = [
      // The system pods' image pulls take time on the running clock: their random draws (events) come first.
      'r wait --for=condition=Ready pods --all -n kube-system --timeout=60s',
      'k kubectl create deployment web --image=nginx:1.27 --replicas=3',
      // wait, not rollout status: how many progress lines rollout status prints depends on timing.
      'r wait --for=condition=available deployment/web --timeout=60s',
      'r get pods -o jsonpath={range .items[*]}{.metadata.name} {.metadata.uid} {.status.podIP} {.spec.nodeName}{"\\n"}{end}',
      'k kubectl expose deployment web --port=80 --type=NodePort',
      'r get service web -o jsonpath={.metadata.uid} {.spec.clusterIP} {.spec.ports[0].nodePort}',
      'r get leases -n kube-system -o jsonpath={range .items[*]}{.metadata.name} {.spec.holderIdentity}{"\\n"}{end}',
    ]
    const outputs: string[] = []
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await startUp(processes, ['--seed', '7'])
      outputs.push(await transcript(run, facts))
      await stopUp(run.up)
      outputs.push(/etcd: (\S+) is the leader/.exec(run.up.output)?.[1] ?? 'no leader line')
    }
    expect(outputs[0]).toMatch(/^web-[a-z0-9]{9,10}-[a-z0-9]{5} [0-9a-f-]{36} 10\.244\.\d+\.\d+ worker-\d$/m)
    expect(outputs[0]).toMatch(/kube-scheduler control-plane\d?_[0-9a-f-]{36}/)
    expect(outputs[2]).toBe(outputs[0])
    expect(outputs[3]).toBe(outputs[1])
  })

  it('refuses --manual-clock on a cluster without a seed, creating nothing', async () => {
    const home = temporaryFolder()
    const result = await runShell(`${kubemu} up --manual-clock --port 0 --etcd-ports 0,0,0`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: ''}})
    expect(result).toEqual({status: 1, stdout: '', stderr: 'Error: --manual-clock needs a cluster created with a seed: give --seed N (or KUBEMU_SEED) when up creates it\n'})
    expect(readdirSync(home)).toEqual([])
  })
})

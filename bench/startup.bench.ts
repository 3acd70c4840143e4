// How quick kubemu's own commands are next to the real tools, measured side by side in one run:
// - one-shot (no `up`): `kubemu kubectl get pods` (empty namespace) and `kubemu etcdctl get foo`
//   against `node -e 0`, the floor of any Node CLI (target <= 1.5x);
// - through `kubemu up`: `kubemu kubectl get pods` against real kubectl on the same `up`, and
//   `kubemu etcdctl get`/`put` against real etcdctl on a real etcd 3.4 (target <= 2x).
// Each figure is the median of BENCH_RUNS runs: the wall time of the whole process, as a script sees
// it, and its CPU time (user + system, from bash's `time`), the steadier figure on a shared machine.
// NODE_EXTRA_CA_CERTS makes every Node process parse that CA bundle as it starts (about 80 ms of
// CPU on the development machine, where it is set; the Go tools read it lazily, only for TLS):
// when the environment sets it, every figure is measured twice, with it and without it.
// Run: npm run build && npx vite-node bench/startup.bench.ts
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {cpus, tmpdir, totalmem} from 'node:os'
import {join, resolve} from 'node:path'
import {freePort, RealEtcdMember} from '../test/support/real-etcd.js'
import {realKubectl as realKubectlFound} from '../test/support/real-kubectl.js'

const runs = Number(process.env.BENCH_RUNS ?? 11)
/** The real kubectl the figures compare with (1.32, as kubemu's clone). */
const realKubectl = process.env.BENCH_KUBECTL ?? realKubectlFound
const kubemu = resolve(import.meta.dirname, '../bin/kubemu')

interface Times {
  readonly wallMilliseconds: number
  readonly cpuMilliseconds: number
}

interface Figure {
  readonly name: string
  readonly times: Times
  readonly anchorName: string
  readonly anchorTimes: Times
  readonly target: number
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`
}

/** Medians of the wall and CPU time (the process and its children, as bash's `time` reports them). */
function median(command: string, argv: readonly string[], env: NodeJS.ProcessEnv): Times {
  const walls: number[] = []
  const cpus: number[] = []
  const line = `TIMEFORMAT='%3U %3S'; { time ${[command, ...argv].map(shellQuote).join(' ')} >/dev/null 2>"$BENCH_ERRORS" ; } 2>&1`
  for (let run = 0; run < runs; run++) {
    const errors = join(tmpdir(), `kubemu-startup-bench-${process.pid}.err`)
    const started = process.hrtime.bigint()
    const result = spawnSync('bash', ['-c', line], {env: {...env, BENCH_ERRORS: errors}, encoding: 'utf8'})
    walls.push(Number(process.hrtime.bigint() - started) / 1e6)
    const [user, system] = result.stdout.trim().split(/\s+/).map(Number)
    if (result.status !== 0 || user === undefined || system === undefined || Number.isNaN(user + system)) {
      throw new Error(`${command} ${argv.join(' ')} failed (${result.status}): ${result.stdout}${readFileSync(errors, 'utf8')}`)
    }
    cpus.push((user + system) * 1000)
    rmSync(errors, {force: true})
  }
  const middle = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  return {wallMilliseconds: middle(walls), cpuMilliseconds: middle(cpus)}
}

/** `kubemu up` on free ports in `home`; resolves once its control plane has elected its leaders. */
async function startUp(home: string, env: NodeJS.ProcessEnv): Promise<{child: ChildProcess; etcdEndpoint: string}> {
  const etcdPorts = [await freePort(), await freePort(), await freePort()]
  const child = spawn(kubemu, ['up', '--port', String(await freePort()), '--etcd-ports', etcdPorts.join(',')], {cwd: home, env})
  let output = ''
  await new Promise<void>((resolveUp, reject) => {
    const take = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      if (/leader election: \S+ leads/.test(output)) resolveUp()
    }
    child.stdout!.on('data', take)
    child.stderr!.on('data', take)
    child.once('exit', (code) => reject(new Error(`kubemu up exited (${code}) before serving:\n${output}`)))
  })
  return {child, etcdEndpoint: `127.0.0.1:${etcdPorts[0]}`}
}

async function stopUp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit))
  child.kill('SIGINT')
  await exited
}

function report(title: string, figures: readonly Figure[]): void {
  console.log(`${title} (median of ${runs} runs; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB): wall / CPU ms`)
  const shown = (times: Times) => `${times.wallMilliseconds.toFixed(0).padStart(5)} / ${times.cpuMilliseconds.toFixed(0).padStart(4)}`
  for (const figure of figures) {
    const wallRatio = figure.times.wallMilliseconds / figure.anchorTimes.wallMilliseconds
    const cpuRatio = figure.times.cpuMilliseconds / Math.max(1, figure.anchorTimes.cpuMilliseconds)
    const met = (ratio: number) => (ratio <= figure.target ? ' met' : '')
    console.log(
      `  ${figure.name.padEnd(40)} ${shown(figure.times)}  vs ${figure.anchorName.padEnd(36)} ${shown(figure.anchorTimes)}  = wall ${wallRatio.toFixed(2)}x${met(wallRatio)}, CPU ${cpuRatio.toFixed(2)}x${met(cpuRatio)} (target <= ${figure.target}x)`,
    )
  }
}

/** Every figure in one environment: one-shot against `node -e 0`, through `up` against the real tools. */
async function measure(extraEnv: NodeJS.ProcessEnv): Promise<Figure[]> {
  const figures: Figure[] = []
  const oneShotHome = mkdtempSync(join(tmpdir(), 'kubemu-startup-bench-'))
  const upHome = mkdtempSync(join(tmpdir(), 'kubemu-startup-bench-up-'))
  const oneShotEnv = {...extraEnv, KUBEMU_HOME: oneShotHome, KUBECONFIG: '', ETCDCTL_API: '3'}
  const upEnv = {...extraEnv, KUBEMU_HOME: upHome, KUBECONFIG: '', ETCDCTL_API: '3'}
  let up: ChildProcess | null = null
  const etcd = await RealEtcdMember.start()
  try {
    // One-shot: the first command bootstraps the cluster; the figures are of a cluster that exists.
    spawnSync(process.execPath, [kubemu, 'etcdctl', 'put', 'foo', 'bar'], {env: oneShotEnv})
    const floor = median(process.execPath, ['-e', '0'], oneShotEnv)
    figures.push({name: 'one-shot kubemu kubectl get pods', times: median(process.execPath, [kubemu, 'kubectl', 'get', 'pods'], oneShotEnv), anchorName: 'node -e 0', anchorTimes: floor, target: 1.5})
    figures.push({name: 'one-shot kubemu etcdctl get foo', times: median(process.execPath, [kubemu, 'etcdctl', 'get', 'foo'], oneShotEnv), anchorName: 'node -e 0', anchorTimes: floor, target: 1.5})

    // Through up, against the real tools.
    const started = await startUp(upHome, upEnv)
    up = started.child
    const kubeconfig = join(upHome, 'default', 'kubeconfig')
    const realEtcdctl = (argv: readonly string[]) => median('etcdctl', [`--endpoints=${etcd.endpoint}`, ...argv], upEnv)
    spawnSync('etcdctl', [`--endpoints=${etcd.endpoint}`, 'put', 'foo', 'bar'], {env: upEnv})
    spawnSync(process.execPath, [kubemu, 'etcdctl', 'put', 'foo', 'bar'], {env: upEnv})
    const kubectlAnchor = median(realKubectl, [`--kubeconfig=${kubeconfig}`, 'get', 'pods'], upEnv)
    figures.push({name: 'kubemu kubectl get pods through up', times: median(process.execPath, [kubemu, 'kubectl', 'get', 'pods'], upEnv), anchorName: 'real kubectl get pods against up', anchorTimes: kubectlAnchor, target: 2})
    figures.push({name: 'kubemu etcdctl get foo through up', times: median(process.execPath, [kubemu, 'etcdctl', 'get', 'foo'], upEnv), anchorName: 'real etcdctl get foo on real etcd', anchorTimes: realEtcdctl(['get', 'foo']), target: 2})
    figures.push({name: 'kubemu etcdctl put foo bar through up', times: median(process.execPath, [kubemu, 'etcdctl', 'put', 'foo', 'bar'], upEnv), anchorName: 'real etcdctl put foo bar on real etcd', anchorTimes: realEtcdctl(['put', 'foo', 'bar']), target: 2})
    figures.push({name: 'real etcdctl get foo against up', times: median('etcdctl', [`--endpoints=${started.etcdEndpoint}`, 'get', 'foo'], upEnv), anchorName: 'real etcdctl get foo on real etcd', anchorTimes: realEtcdctl(['get', 'foo']), target: 2})
    figures.push({name: 'node -e 0', times: floor, anchorName: 'real etcdctl get foo on real etcd', anchorTimes: realEtcdctl(['get', 'foo']), target: 2})
    return figures
  } finally {
    if (up) await stopUp(up)
    await etcd.stop()
    rmSync(oneShotHome, {recursive: true, force: true})
    rmSync(upHome, {recursive: true, force: true})
  }
}

report('startup figures', await measure(process.env))
if (process.env.NODE_EXTRA_CA_CERTS) {
  const {NODE_EXTRA_CA_CERTS: _caBundle, ...withoutExtraCertificates} = process.env
  report('startup figures without NODE_EXTRA_CA_CERTS (set here: each Node process parses that bundle as it starts)', await measure(withoutExtraCertificates))
}

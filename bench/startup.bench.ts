// How quick kubemu's own commands are next to the real tools, measured side by side in one run:
// - one-shot (no `up`): `kubemu kubectl get pods` (empty namespace) and `kubemu etcdctl get foo`
//   against `node -e 0`, the floor of any Node CLI (target <= 1.5x);
// - through `kubemu up`: `kubemu kubectl get pods` against real kubectl on the same `up`, and
//   `kubemu etcdctl get`/`put` against real etcdctl on a real etcd 3.4 (target <= 2x).
// Each figure is the median of BENCH_RUNS runs (wall time of the whole process, as a script sees it).
// Run: npm run build && npx vite-node bench/startup.bench.ts
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {cpus, tmpdir, totalmem} from 'node:os'
import {join, resolve} from 'node:path'
import {freePort, RealEtcdMember} from '../test/support/real-etcd.js'

const runs = Number(process.env.BENCH_RUNS ?? 11)
/** The real kubectl the figures compare with (1.32, as kubemu's clone). */
const realKubectl = process.env.BENCH_KUBECTL ?? 'kubectl'
const kubemu = resolve(import.meta.dirname, '../bin/kubemu')

interface Figure {
  readonly name: string
  readonly milliseconds: number
  readonly anchorName: string
  readonly anchorMilliseconds: number
  readonly target: number
}

function median(command: string, argv: readonly string[], env: NodeJS.ProcessEnv): number {
  const times: number[] = []
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint()
    const result = spawnSync(command, argv, {env, maxBuffer: 64 * 1024 * 1024})
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
    if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed (${result.status}): ${result.stderr}`)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
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

function report(figures: readonly Figure[]): void {
  console.log(`startup figures (median of ${runs} runs; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB)`)
  for (const figure of figures) {
    const ratio = figure.milliseconds / figure.anchorMilliseconds
    console.log(`  ${figure.name.padEnd(44)} ${figure.milliseconds.toFixed(1).padStart(7)} ms  vs ${figure.anchorName.padEnd(36)} ${figure.anchorMilliseconds.toFixed(1).padStart(7)} ms  = ${ratio.toFixed(2)}x (target <= ${figure.target}x${ratio <= figure.target ? ', met' : ''})`)
  }
}

const figures: Figure[] = []
const oneShotHome = mkdtempSync(join(tmpdir(), 'kubemu-startup-bench-'))
const upHome = mkdtempSync(join(tmpdir(), 'kubemu-startup-bench-up-'))
const oneShotEnv = {...process.env, KUBEMU_HOME: oneShotHome, KUBECONFIG: '', ETCDCTL_API: '3'}
const upEnv = {...process.env, KUBEMU_HOME: upHome, KUBECONFIG: '', ETCDCTL_API: '3'}
let up: ChildProcess | null = null
const etcd = await RealEtcdMember.start()
try {
  // One-shot: the first command bootstraps the cluster; the figures are of a cluster that exists.
  spawnSync(process.execPath, [kubemu, 'etcdctl', 'put', 'foo', 'bar'], {env: oneShotEnv})
  const floor = median(process.execPath, ['-e', '0'], oneShotEnv)
  figures.push({name: 'one-shot kubemu kubectl get pods', milliseconds: median(process.execPath, [kubemu, 'kubectl', 'get', 'pods'], oneShotEnv), anchorName: 'node -e 0', anchorMilliseconds: floor, target: 1.5})
  figures.push({name: 'one-shot kubemu etcdctl get foo', milliseconds: median(process.execPath, [kubemu, 'etcdctl', 'get', 'foo'], oneShotEnv), anchorName: 'node -e 0', anchorMilliseconds: floor, target: 1.5})

  // Through up, against the real tools.
  const started = await startUp(upHome, upEnv)
  up = started.child
  const kubeconfig = join(upHome, 'default', 'kubeconfig')
  const realEtcdctl = (argv: readonly string[]) => median('etcdctl', [`--endpoints=${etcd.endpoint}`, ...argv], upEnv)
  spawnSync('etcdctl', [`--endpoints=${etcd.endpoint}`, 'put', 'foo', 'bar'], {env: upEnv})
  spawnSync(process.execPath, [kubemu, 'etcdctl', 'put', 'foo', 'bar'], {env: upEnv})
  figures.push({name: 'kubemu kubectl get pods through up', milliseconds: median(process.execPath, [kubemu, 'kubectl', 'get', 'pods'], upEnv), anchorName: 'real kubectl get pods against up', anchorMilliseconds: median(realKubectl, [`--kubeconfig=${kubeconfig}`, 'get', 'pods'], upEnv), target: 2})
  figures.push({name: 'kubemu etcdctl get foo through up', milliseconds: median(process.execPath, [kubemu, 'etcdctl', 'get', 'foo'], upEnv), anchorName: 'real etcdctl get foo on real etcd', anchorMilliseconds: realEtcdctl(['get', 'foo']), target: 2})
  figures.push({name: 'kubemu etcdctl put foo bar through up', milliseconds: median(process.execPath, [kubemu, 'etcdctl', 'put', 'foo', 'bar'], upEnv), anchorName: 'real etcdctl put foo bar on real etcd', anchorMilliseconds: realEtcdctl(['put', 'foo', 'bar']), target: 2})
  figures.push({name: 'real etcdctl get foo against up', milliseconds: median('etcdctl', [`--endpoints=${started.etcdEndpoint}`, 'get', 'foo'], upEnv), anchorName: 'real etcdctl get foo on real etcd', anchorMilliseconds: realEtcdctl(['get', 'foo']), target: 2})
  report(figures)
} finally {
  if (up) await stopUp(up)
  await etcd.stop()
  rmSync(oneShotHome, {recursive: true, force: true})
  rmSync(upHome, {recursive: true, force: true})
}

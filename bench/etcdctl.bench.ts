// etcdctl command latency, as ratios measured side by side in one run:
// - `kubemu etcdctl get foo` against `node -e 0` (the floor of any Node CLI) and against real
//   `etcdctl get foo` on a real 3-member etcd 3.4 (target: <= 2.0x the bare Node start);
// - `get --prefix --keys-only /registry` over 10,000 keys, against real etcdctl on the same keys
//   (the outputs must also be byte-identical).
// Run: npx vite-node bench/etcdctl.bench.ts
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {EmbeddedCluster} from '../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../src/core/etcd/embedded-client.js'
import {RealEtcdClient} from '../src/core/store/real-etcd-client.js'
import {RealEtcdCluster} from '../test/support/real-etcd.js'

const runs = Number(process.env.BENCH_RUNS ?? 21)
const registryKeys = 10_000
const batch = 1000
const kubemu = resolve(import.meta.dirname, '../bin/kubemu')
const encoder = new TextEncoder()

function median(command: string, argv: string[], env: NodeJS.ProcessEnv, count = runs): {milliseconds: number; stdout: Buffer} {
  const times: number[] = []
  let stdout = Buffer.alloc(0)
  for (let run = 0; run < count; run++) {
    const started = process.hrtime.bigint()
    const result = spawnSync(command, argv, {env, maxBuffer: 64 * 1024 * 1024})
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
    if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed: ${result.stderr}`)
    stdout = result.stdout
  }
  times.sort((a, b) => a - b)
  return {milliseconds: times[Math.floor(times.length / 2)]!, stdout}
}

const home = mkdtempSync(join(tmpdir(), 'kubemu-bench-'))
const env = {...process.env, KUBEMU_HOME: home, ETCDCTL_API: '3'}
const etcd = await RealEtcdCluster.start()
try {
  const real = new RealEtcdClient('http://127.0.0.1:2379')
  await real.kv.put({key: encoder.encode('foo'), value: encoder.encode('bar')})
  spawnSync(process.execPath, [kubemu, 'etcdctl', 'put', 'foo', 'bar'], {env})

  const floor = median(process.execPath, ['-e', '0'], env).milliseconds
  const kubemuGet = median(process.execPath, [kubemu, 'etcdctl', 'get', 'foo'], env).milliseconds
  const realGet = median('etcdctl', ['get', 'foo'], env).milliseconds
  console.log(`etcdctl get foo (median of ${runs})`)
  console.log(`  node -e 0:              ${floor.toFixed(1)} ms`)
  console.log(`  real etcdctl, real etcd: ${realGet.toFixed(1)} ms`)
  console.log(`  kubemu etcdctl:         ${kubemuGet.toFixed(1)} ms`)
  console.log(`  ratio to node -e 0:     ${(kubemuGet / floor).toFixed(2)} (target <= 2.0)`)
  console.log(`  ratio to real etcdctl:  ${(kubemuGet / realGet).toFixed(2)}`)

  const cluster = EmbeddedCluster.open(join(home, 'default'))
  const embedded = new EmbeddedClient(cluster, {endpoint: 'infra1'})
  for (let offset = 0; offset < registryKeys; offset += batch) {
    const keys = Array.from({length: batch}, (_, index) => `/registry/pods/default/pod-${String(offset + index).padStart(5, '0')}`)
    await Promise.all(keys.map((key) => real.kv.put({key: encoder.encode(key), value: encoder.encode('{"kind":"Pod"}')})))
    await cluster.proposeAll(embedded.serving(), keys.map((key, index) => ({id: `bench-${offset + index}`, put: {key: encoder.encode(key), value: encoder.encode('{"kind":"Pod"}')}})), 60_000)
  }
  await embedded.close()
  await real.close()
  const argv = ['get', '--prefix', '--keys-only', '/registry']
  const kubemuList = median(process.execPath, [kubemu, 'etcdctl', ...argv], env, 7)
  const realList = median('etcdctl', argv, env, 7)
  console.log(`get --prefix --keys-only /registry over ${registryKeys} keys (median of 7)`)
  console.log(`  real etcdctl, real etcd: ${realList.milliseconds.toFixed(1)} ms`)
  console.log(`  kubemu etcdctl:         ${kubemuList.milliseconds.toFixed(1)} ms`)
  console.log(`  ratio kubemu/etcd:      ${(kubemuList.milliseconds / realList.milliseconds).toFixed(2)}`)
  console.log(`  outputs identical:      ${kubemuList.stdout.equals(realList.stdout)} (${kubemuList.stdout.length} bytes)`)
} finally {
  await etcd.stop()
  rmSync(home, {recursive: true, force: true})
}

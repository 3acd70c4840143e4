// What recording changes for `kubemu trace` costs: the same control-plane run (NODES nodes, PODS
// pods made by DEPLOYMENTS Deployments, one process, simulated delays zero) with the API server's
// change log on and off, alternated ROUNDS times in fresh processes so neither side gets a warmer
// JIT or page cache. Printed: each run's CPU and wall time, the medians of CPU time and the overhead
// (the bound: 5%).
// Run: node node_modules/vite-node/vite-node.mjs bench/trace-overhead.bench.ts
//      (NODES=… PODS=… DEPLOYMENTS=… ROUNDS=… to change the sizes; defaults: 100 nodes, 10,000 pods)
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {ApiServer} from '../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped, type NodeDefinition} from '../src/core/apiserver/bootstrap.js'
import {changeLogFileName, FileChangeLog} from '../src/core/apiserver/change-log.js'
import {ApiClient} from '../src/core/client/client.js'
import {resources} from '../src/core/client/resources.js'
import {ControlPlane} from '../src/core/controlplane/control-plane.js'
import {LazyEmbeddedStore} from '../src/core/store/lazy-embedded-store.js'
import {systemClock} from '../src/core/util/clock.js'
import {SeededRandom} from '../src/core/util/random.js'
import {createDeployments} from './support/deployments.js'

const nodeCount = Number(process.env.NODES ?? 100)
const podCount = Number(process.env.PODS ?? 10_000)
const deploymentCount = Number(process.env.DEPLOYMENTS ?? 50)
const rounds = Number(process.env.ROUNDS ?? 2)
/** settle() calls at most in one run (each is bounded in rounds). */
const settleCallsMax = 500
/** The bound on what recording may cost. */
const overheadBoundPercent = 5
const runFlag = 'TRACE_OVERHEAD_RUN'

/** One run in this process: prints a JSON line {seconds, pods, settled, changeLogBytes}. */
async function runOnce(recording: boolean): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'kubemu-trace-bench-'))
  const store = new LazyEmbeddedStore(folder)
  const changes = recording ? new FileChangeLog(folder) : undefined
  const api = new ApiServer({store, ...(changes ? {changes} : {})})
  const admin = new ApiClient(api, apiServerUser)
  const nodes: NodeDefinition[] = Array.from({length: nodeCount}, (_, index) => ({
    name: `node-${String(index).padStart(4, '0')}`, cpu: '64', memory: '256Gi', pods: '250', labels: {}, taints: [],
    address: `10.0.${Math.floor(index / 250)}.${(index % 250) + 1}`, podCidr: `10.${100 + Math.floor(index / 250)}.${index % 250}.0/24`,
  }))
  await ensureBootstrapped(api, Date.now(), nodes)
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  await createDeployments(admin, deploymentCount, podCount)
  const random = new SeededRandom(5)
  const plane = new ControlPlane(api, systemClock, () => random.next())
  let settled = false
  for (let calls = 0; !settled && calls < settleCallsMax; calls++) settled = (await plane.settle()).settled
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  plane.stop()
  changes?.close()
  const pods = (await store.list('/registry/pods/', {limit: 1})).remaining + 1
  const changeLogPath = join(folder, changeLogFileName)
  const changeLogBytes = recording ? statSync(changeLogPath).size : 0
  await store.close()
  rmSync(folder, {recursive: true, force: true})
  console.log(JSON.stringify({seconds, cpuSeconds, pods, settled, changeLogBytes}))
}

interface RunResult {
  seconds: number
  cpuSeconds: number
  pods: number
  settled: boolean
  changeLogBytes: number
}

function spawnRun(recording: boolean): RunResult {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, fileURLToPath(import.meta.url)], {
    env: {...process.env, [runFlag]: recording ? 'on' : 'off'}, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  })
  const line = child.stdout.trim().split('\n').pop() ?? ''
  if (child.status !== 0 || !line.startsWith('{')) throw new Error(`a run failed (exit ${child.status}):\n${child.stderr}`)
  return JSON.parse(line) as RunResult
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

if (process.env[runFlag]) {
  await runOnce(process.env[runFlag] === 'on')
} else {
  // Run as a script through vite-node: children re-run this file the same way.
  // CPU seconds (user + system) of the run, beside wall time: other work on a shared machine moves wall time far more.
  const on: number[] = []
  const off: number[] = []
  console.log(`${nodeCount} nodes, ${podCount} pods in ${deploymentCount} Deployments, ${rounds} rounds of off/on`)
  for (let round = 0; round < rounds; round++) {
    for (const recording of round % 2 === 0 ? [false, true] : [true, false]) {
      const result = spawnRun(recording)
      ;(recording ? on : off).push(result.cpuSeconds)
      const log = recording ? `, change log ${(result.changeLogBytes / 1024 / 1024).toFixed(1)} MiB` : ''
      console.log(`  recording ${recording ? 'on ' : 'off'}: ${result.cpuSeconds.toFixed(1)} s of CPU in ${result.seconds.toFixed(1)} s, ${result.pods} pods stored, settled: ${result.settled}${log}`)
    }
  }
  const overhead = (median(on) / median(off) - 1) * 100
  console.log(`median CPU: off ${median(off).toFixed(1)} s, on ${median(on).toFixed(1)} s → recording costs ${overhead.toFixed(1)}% (bound ${overheadBoundPercent}%)`)
}

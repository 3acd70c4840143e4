// Memory at kwok's stated scale: NODES nodes (1,000) and PODS pods (100,000), made by DEPLOYMENTS
// Deployments (100) through the whole control plane in one process (one-shot mode: simulated
// delays are zero), until every pod is Running. Printed: the time it took, the process's memory
// after a full garbage collection, and the floor measured in the same run: the bytes of the
// objects as etcd holds them (one JSON copy of every node and pod), since every loop must hold
// the pods in its informer cache at least once. And the peaks: the heap's highest point, sampled, and the
// process's peak resident memory.
// Run: node --expose-gc --max-old-space-size=8192 node_modules/vite-node/vite-node.mjs bench/scale.bench.ts
//      (NODES=… PODS=… DEPLOYMENTS=… to change the sizes; HEAP_SNAPSHOT=FILE writes the heap once settled;
//      HEAP_GROWING_PERCENT=N bounds V8's heap growth as `kubemu up` does, 0 leaves V8's default)
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {KubeObject} from '../src/core/api/object.js'
import {ApiServer} from '../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped, type NodeDefinition} from '../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../src/core/client/client.js'
import {resources} from '../src/core/client/resources.js'
import {runCompactor} from '../src/core/apiserver/compactor.js'
import {ControlPlane} from '../src/core/controlplane/control-plane.js'
import {LazyEmbeddedStore} from '../src/core/store/lazy-embedded-store.js'
import {systemClock} from '../src/core/util/clock.js'
import {SeededRandom} from '../src/core/util/random.js'
import {createDeployments} from './support/deployments.js'
import {writeHeapSnapshot} from 'node:v8'
import {constants as perfConstants, PerformanceObserver} from 'node:perf_hooks'
import {boundHeapGrowth, heapGrowingPercent} from '../src/core/host/heap-growth.js'

const nodeCount = Number(process.env.NODES ?? 1000)
const podCount = Number(process.env.PODS ?? 100_000)
const deploymentCount = Number(process.env.DEPLOYMENTS ?? 100)
/** settle() calls at most: each is bounded in rounds, and 100,000 pods take many rounds. */
const settleCallsMax = 1000
const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`
/** How often the heap's size is sampled for its highest point. */
const heapSampleMilliseconds = 100
/** The process's peak resident memory (Linux's VmHWM), or null where /proc does not tell it. */
const residentPeakBytes = (): number | null => {
  if (!existsSync('/proc/self/status')) return null
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return match ? Number(match[1]) * 1024 : null
}
const collectGarbage = () => (globalThis as {gc?: () => void}).gc?.()
// V8's heap growth bounded as under `kubemu up` (heap-growth.ts), unless HEAP_GROWING_PERCENT says otherwise (0: V8's default).
const growingPercent = Number(process.env.HEAP_GROWING_PERCENT ?? heapGrowingPercent)
if (growingPercent > 0) boundHeapGrowth(growingPercent)

/** etcd's --quota-backend-bytes at 8 GiB, what etcd's docs give as the largest suggested, as clusters this size run
 * it: with the 2 GiB default, a run without compaction ran out (NOSPACE) near 50,000 pods. */
const backendQuotaBytes = 8 * 1024 * 1024 * 1024
const folder = mkdtempSync(join(tmpdir(), 'kubemu-scale-bench-'))
const store = new LazyEmbeddedStore(folder, {backendQuotaBytes})
const api = new ApiServer({store})
const admin = new ApiClient(api, apiServerUser)
const nodes: NodeDefinition[] = Array.from({length: nodeCount}, (_, index) => ({
  name: `node-${String(index).padStart(4, '0')}`, cpu: '32', memory: '128Gi', pods: '110', labels: {'topology.kubernetes.io/zone': `zone-${index % 3}`}, taints: [],
  address: `10.${Math.floor(index / 250)}.${index % 250}.1`, podCidr: `10.${100 + Math.floor(index / 250)}.${index % 250}.0/24`,
}))
await ensureBootstrapped(api, Date.now(), nodes)
collectGarbage()
const baseline = process.memoryUsage()

const started = performance.now()
const cpuStarted = process.cpuUsage()
await createDeployments(admin, deploymentCount, podCount)
const random = new SeededRandom(5)
const plane = new ControlPlane(api, systemClock, () => random.next())
// kube-apiserver's compactor runs beside the loops, as under `kubemu up`.
const compaction = new AbortController()
const compactor = runCompactor(store, systemClock, compaction.signal, (message) => console.log(`  ${message}`))
// Progress once a minute: pods stored so far and memory (a one-key page tells the count).
const progress = setInterval(() => {
  void store.list('/registry/pods/', {limit: 1}).then((page) => {
    console.log(`  ${((performance.now() - started) / 1000).toFixed(0)} s: ${page.objects.length + page.remaining} pods stored, ${mebibytes(process.memoryUsage().rss)} resident, ${mebibytes(process.memoryUsage().heapUsed)} heap`)
  })
}, 60_000)
progress.unref()
// The heap's highest point decides the peak resident memory (V8 keeps the pages it grew to): sampled often.
let heapUsedMax = 0
// What made the resident peak: the sample with the most resident memory, split into V8's heap, buffers and the rest.
let residentPeakSample: NodeJS.MemoryUsage | null = null
const heapSampling = setInterval(() => {
  const usage = process.memoryUsage()
  heapUsedMax = Math.max(heapUsedMax, usage.heapUsed)
  if (!residentPeakSample || usage.rss > residentPeakSample.rss) residentPeakSample = usage
}, heapSampleMilliseconds)
heapSampling.unref()
// Full collections (mark-compacts) and the time all collections took, from V8's gc entries.
let markCompacts = 0
let gcMilliseconds = 0
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMilliseconds += entry.duration
    if (((entry as {detail?: unknown}).detail as {kind?: number} | undefined)?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) markCompacts++
  }
})
gcObserver.observe({entryTypes: ['gc']})
let settled = false
let calls = 0
let rounds = 0
while (!settled && calls < settleCallsMax) {
  const result = await plane.settle()
  settled = result.settled
  rounds += result.rounds
  calls++
  console.log(`  settle ${calls}: ${rounds} rounds, ${((performance.now() - started) / 1000).toFixed(0)} s, ${mebibytes(process.memoryUsage().rss)} resident`)
}
clearInterval(progress)
clearInterval(heapSampling)
gcObserver.disconnect()
const convergeSeconds = (performance.now() - started) / 1000
const cpu = process.cpuUsage(cpuStarted)
// Read before a heap snapshot, which takes memory of its own.
const residentPeak = residentPeakBytes()
collectGarbage()
const loaded = process.memoryUsage()
// HEAP_SNAPSHOT=FILE writes the heap as it is here (after the GC) for a look at what holds it.
if (process.env.HEAP_SNAPSHOT) console.log(`heap snapshot: ${writeHeapSnapshot(process.env.HEAP_SNAPSHOT)}`)

// The floor: the objects as stored, one copy.
let storedBytes = 0
let running = 0
let listed = 0
for (const prefix of ['/registry/pods/', '/registry/minions/']) {
  let continueAfter: string | undefined
  do {
    const page = await store.list(prefix, {limit: 5000, ...(continueAfter ? {continueAfter} : {})})
    for (const object of page.objects) {
      storedBytes += object.value.length
      if (prefix === '/registry/pods/') {
        listed++
        if ((JSON.parse(new TextDecoder().decode(object.value)) as KubeObject & {status?: {phase?: string}}).status?.phase === 'Running') running++
      }
    }
    continueAfter = page.continueAfter ?? undefined
  } while (continueAfter)
}
plane.stop()
compaction.abort()
await compactor

console.log(`${nodeCount} nodes, ${listed} pods in ${deploymentCount} Deployments: ${running} Running in ${convergeSeconds.toFixed(0)} s (${(running / convergeSeconds).toFixed(0)} pods/s; ${rounds} rounds, settled: ${settled}); CPU ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s (user+sys, all threads)`)
console.log(`V8's heap growth: ${growingPercent > 0 ? `bounded at ${growingPercent} %` : "V8's default"}; ${markCompacts} mark-compacts, ${(gcMilliseconds / 1000).toFixed(1)} s in garbage collection`)
console.log(`memory after a full GC${(globalThis as {gc?: unknown}).gc ? '' : ' (run with --expose-gc for it)'}: ${mebibytes(loaded.rss)} resident, ${mebibytes(loaded.heapUsed)} heap used (${mebibytes(loaded.heapUsed - baseline.heapUsed)} more than with the nodes alone), ${mebibytes(loaded.external)} outside the heap (buffers)`)
console.log(`floor: the nodes and pods as stored, one JSON copy: ${mebibytes(storedBytes)} | heap used ${(loaded.heapUsed / storedBytes).toFixed(1)}x the floor, resident ${(loaded.rss / storedBytes).toFixed(1)}x; ${((loaded.heapUsed - baseline.heapUsed) / Math.max(listed, 1) / 1024).toFixed(1)} KiB of heap per pod`)
console.log(`peak: heap used at most ${mebibytes(heapUsedMax)} (sampled every ${heapSampleMilliseconds} ms), resident at most ${residentPeak === null ? 'unknown' : mebibytes(residentPeak)}`)
const atPeak = residentPeakSample as NodeJS.MemoryUsage | null
if (atPeak) console.log(`at the sampled resident peak (${mebibytes(atPeak.rss)}): V8's heap ${mebibytes(atPeak.heapTotal)} (${mebibytes(atPeak.heapUsed)} used), memory V8 tracks outside its heap (buffers) ${mebibytes(atPeak.external)}, the rest (code, SQLite, the allocator) ${mebibytes(atPeak.rss - atPeak.heapTotal - atPeak.external)}`)
console.log('anchor: kwok states 1,000 nodes and 100,000 pods on one machine')
await store.close()
rmSync(folder, {recursive: true, force: true})

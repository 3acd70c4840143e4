// Scheduling throughput end to end through the store: NODES nodes (1,000 by default) and PODS
// pending pods (10,000), then the scheduler alone binds them all through pods/binding. Printed
// as pods per second, beside anchors (kube-scheduler's scheduler_perf threshold of 270 pods/s
// at 5,000 nodes; kwok's stated 20 pods/s) and beside the floor measured in the same run: the
// same number of plain object updates through the same API server and store (a bind is one).
// Run: npx vite-node bench/scheduler.bench.ts   (NODES=… PODS=… to change the sizes; AS_MASTERS=1
// runs the scheduler in system:masters, to see what its RBAC checks cost)
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ApiServer} from '../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped, type NodeDefinition} from '../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../src/core/client/client.js'
import {EventRecorder} from '../src/core/client/events.js'
import {InformerFactory} from '../src/core/client/informer-factory.js'
import {resources} from '../src/core/client/resources.js'
import {componentUsers} from '../src/core/controlplane/control-plane.js'
import {ControlPlaneRunner} from '../src/core/controlplane/runner.js'
import {Scheduler} from '../src/core/scheduler/scheduler.js'
import {LazyEmbeddedStore} from '../src/core/store/lazy-embedded-store.js'
import {systemClock} from '../src/core/util/clock.js'
import {SeededRandom} from '../src/core/util/random.js'

const nodeCount = Number(process.env.NODES ?? 1000)
const podCount = Number(process.env.PODS ?? 10_000)
const folder = mkdtempSync(join(tmpdir(), 'kubemu-scheduler-bench-'))
const store = new LazyEmbeddedStore(folder)
const api = new ApiServer({store})
const admin = new ApiClient(api, apiServerUser)

const nodes: NodeDefinition[] = Array.from({length: nodeCount}, (_, index) => ({
  name: `node-${String(index).padStart(4, '0')}`,
  cpu: '32',
  memory: '128Gi',
  pods: '110',
  labels: {'topology.kubernetes.io/zone': `zone-${index % 3}`},
  taints: [],
  address: `10.${Math.floor(index / 250)}.${index % 250}.1`,
  podCidr: `10.${100 + Math.floor(index / 250)}.${index % 250}.0/24`,
}))

let started = performance.now()
await ensureBootstrapped(api, Date.now(), nodes)
console.log(`bootstrap with ${nodeCount} nodes: ${((performance.now() - started) / 1000).toFixed(1)} s`)

const pod = (index: number) => ({
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: {name: `pod-${index}`, namespace: 'default', labels: {app: `app-${index % 50}`}},
  spec: {containers: [{name: 'main', image: 'nginx:1.27', resources: {requests: {cpu: '100m', memory: '128Mi'}}}]},
})
started = performance.now()
for (let index = 0; index < podCount; index++) await admin.create(resources.pods, pod(index) as never)
const createSeconds = (performance.now() - started) / 1000
console.log(`created ${podCount} pending pods: ${createSeconds.toFixed(1)} s (${(podCount / createSeconds).toFixed(0)} pods/s)`)

// The floor: as many single-object updates through the same API server and store as there are binds.
started = performance.now()
for (let index = 0; index < podCount; index++) {
  await admin.patch(resources.pods, 'default', `pod-${index}`, {metadata: {annotations: {touched: 'yes'}}})
}
const floorSeconds = (performance.now() - started) / 1000

const schedulerClient = new ApiClient(api, process.env.AS_MASTERS ? {name: 'system:kube-scheduler', groups: ['system:masters']} : componentUsers.scheduler, 'kube-scheduler')
const informers = new InformerFactory(schedulerClient)
const random = new SeededRandom(1)
const scheduler = {component: 'kube-scheduler', build: () => new Scheduler(schedulerClient, informers, () => new EventRecorder(schedulerClient, {component: 'default-scheduler'}, systemClock), systemClock, () => random.next())}
const runner = new ControlPlaneRunner(informers, [schedulerClient], [scheduler], systemClock, (line) => console.log(line))
started = performance.now()
const result = await runner.settle()
const scheduleSeconds = (performance.now() - started) / 1000
runner.stop()
const bound = (await admin.list<{spec: {nodeName?: string}} & import('../src/core/api/object.js').KubeObject>(resources.pods, 'default')).items.filter((item) => item.spec.nodeName).length
const throughput = bound / scheduleSeconds
const floor = podCount / floorSeconds
console.log(`scheduled and bound ${bound} of ${podCount} pods on ${nodeCount} nodes in ${scheduleSeconds.toFixed(1)} s (${result.rounds} rounds, settled: ${result.settled})`)
console.log(`throughput: ${throughput.toFixed(0)} pods/s | floor (one update per pod, same store, this run): ${floor.toFixed(0)} updates/s | ratio to floor ${(throughput / floor).toFixed(2)}`)
console.log(`anchors: kube-scheduler scheduler_perf threshold 270 pods/s (${(throughput / 270).toFixed(2)}x), kwok 20 pods/s (${(throughput / 20).toFixed(1)}x)`)
console.log(`memory: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB resident`)
await store.close()
rmSync(folder, {recursive: true, force: true})

// Convergence of `apply` for a Deployment of REPLICAS replicas (1,000 by default) on NODES nodes
// (100, of 32 CPUs): from the Deployment's creation until every replica is Running and the
// Deployment reports them available, one-shot mode (simulated delays are zero), in process.
// Printed beside the floor measured in the same run: the writes the convergence needs (each pod is
// created, bound, and has its status written twice; plus events) done as plain updates.
// Run: npx vite-node bench/convergence.bench.ts   (REPLICAS=… NODES=…)
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ApiServer} from '../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped, type NodeDefinition} from '../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../src/core/client/client.js'
import {resources} from '../src/core/client/resources.js'
import {ControlPlane} from '../src/core/controlplane/control-plane.js'
import {LazyEmbeddedStore} from '../src/core/store/lazy-embedded-store.js'
import {systemClock} from '../src/core/util/clock.js'
import {SeededRandom} from '../src/core/util/random.js'

const replicas = Number(process.env.REPLICAS ?? 1000)
const nodeCount = Number(process.env.NODES ?? 100)
const folder = mkdtempSync(join(tmpdir(), 'kubemu-convergence-bench-'))
const store = new LazyEmbeddedStore(folder)
const api = new ApiServer({store})
const admin = new ApiClient(api, apiServerUser)
const nodes: NodeDefinition[] = Array.from({length: nodeCount}, (_, index) => ({
  name: `node-${String(index).padStart(3, '0')}`, cpu: '32', memory: '128Gi', pods: '110', labels: {}, taints: [],
  address: `10.0.${Math.floor(index / 250)}.${(index % 250) + 1}`, podCidr: `10.${100 + Math.floor(index / 250)}.${index % 250}.0/24`,
}))
await ensureBootstrapped(api, Date.now(), nodes)
const random = new SeededRandom(3)

const before = process.memoryUsage().rss
let started = performance.now()
await admin.create(resources.deployments, {
  kind: 'Deployment', apiVersion: 'apps/v1', metadata: {name: 'big', namespace: 'default'},
  spec: {replicas, selector: {matchLabels: {app: 'big'}}, template: {metadata: {labels: {app: 'big'}}, spec: {containers: [{name: 'main', image: 'nginx:1.27', resources: {requests: {cpu: '100m', memory: '64Mi'}}}]}}},
} as never)
const plane = new ControlPlane(api, systemClock, () => random.next())
const result = await plane.settle()
plane.stop()
const convergeSeconds = (performance.now() - started) / 1000
const deployment = await admin.get<{status?: {availableReplicas?: number}} & import('../src/core/api/object.js').KubeObject>(resources.deployments, 'default', 'big')
const running = (await admin.list<{status?: {phase?: string}} & import('../src/core/api/object.js').KubeObject>(resources.pods, 'default')).items.filter((pod) => pod.status?.phase === 'Running').length

// The floor: as many plain updates as the convergence wrote at least (create, bind, two statuses per pod).
const floorWrites = replicas * 4
started = performance.now()
for (let index = 0; index < floorWrites; index++) await admin.patch(resources.deployments, 'default', 'big', {metadata: {annotations: {touch: String(index)}}})
const floorSeconds = (performance.now() - started) / 1000
console.log(`${replicas} replicas on ${nodeCount} nodes: ${running} Running, ${deployment.status?.availableReplicas ?? 0} available, in ${convergeSeconds.toFixed(1)} s (${result.rounds} rounds, settled: ${result.settled})`)
console.log(`floor: ${floorWrites} plain updates in ${floorSeconds.toFixed(1)} s | ratio ${(convergeSeconds / floorSeconds).toFixed(2)}x the floor`)
console.log(`memory: ${((process.memoryUsage().rss - before) / 1024 / 1024).toFixed(0)} MiB more resident during convergence, ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB in all`)
await store.close()
rmSync(folder, {recursive: true, force: true})

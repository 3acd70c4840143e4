// The kubelet's admission of PODS pods (250, 1,000, 3,000 and 10,000 by default) bound one after
// another to one node with room for all of them (its pod CIDR a /18), in process, as the kubelet
// meets them: each pod comes through the pods informer bound and unstarted, is admitted and given
// its IP, and comes again with its startTime and IP (the kubelet's first status write). Printed:
// CPU per pod of the informer's events, the admission and the IP together, and of the admission
// and of the IP alone, at each size. Both cost the node's pods per pod before they kept what they
// need as the informer's pods change (O(n²) per node), and IPs stopped at a /24's 253.
// Run: npx vite-node bench/kubelet-admission.bench.ts   (PODS=250,1000,3000,10000)
import type {Node, Pod} from '../src/core/api/kinds.js'
import type {ApiWatch, WatchEvent} from '../src/core/api/wire.js'
import type {ApiClient} from '../src/core/client/client.js'
import {Informer} from '../src/core/client/informer.js'
import {podsByNodeName} from '../src/core/client/pod-indexes.js'
import {resources} from '../src/core/client/resources.js'
import {SharedInformer} from '../src/core/client/shared-informer.js'
import {PodAdmission} from '../src/core/kubelet/admission.js'
import {PodIps} from '../src/core/kubelet/pod-ips.js'

const sizes = (process.env.PODS ?? '250,1000,3000,10000').split(',').map(Number)

/** A client whose pod list is empty and whose watch hands out the events the bench queues. */
function queuedClient(): {client: ApiClient; send: (event: WatchEvent) => void} {
  let waiting: ((events: WatchEvent[]) => void) | null = null
  const queue: WatchEvent[] = []
  const watch: ApiWatch = {
    next: () => (queue.length > 0 ? Promise.resolve(queue.splice(0)) : new Promise((resolve) => (waiting = resolve))),
    cancel: () => {},
  }
  const send = (event: WatchEvent) => {
    queue.push(event)
    const resolve = waiting
    waiting = null
    resolve?.(queue.splice(0))
  }
  const client = {list: async () => ({items: [], resourceVersion: '1'}), watch: async () => watch} as unknown as ApiClient
  return {client, send}
}

const cpuMilliseconds = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

async function run(podCount: number): Promise<{perPod: number; admitPerPod: number; ipPerPod: number}> {
  const {client, send} = queuedClient()
  const pods = new Informer<Pod>(new SharedInformer(client, resources.pods), resources.pods)
  pods.addIndex(podsByNodeName)
  await pods.shared.start()
  const admission = new PodAdmission(pods)
  const ips = new PodIps(pods)
  const node = {apiVersion: 'v1', kind: 'Node', metadata: {name: 'big'}, spec: {podCIDR: '10.200.0.0/18'}, status: {allocatable: {cpu: '1000', memory: '1Ti', pods: String(podCount + 1)}}} as unknown as Node
  let revision = 1
  let admitting = 0
  let addressing = 0
  const started = cpuMilliseconds()
  for (let index = 0; index < podCount; index++) {
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {name: `p-${index}`, namespace: 'default', uid: `uid-${index}`, resourceVersion: String(++revision)},
      spec: {nodeName: 'big', containers: [{name: 'app', image: 'registry.k8s.io/pause:3.10', resources: {requests: {cpu: '10m', memory: '10Mi'}}}]},
      status: {phase: 'Pending'},
    }
    send({type: 'ADDED', object: pod})
    await pods.shared.sync(revision)
    const admitStarted = cpuMilliseconds()
    const rejection = admission.admit(pods.get(`default/p-${index}`)!, node)
    admitting += cpuMilliseconds() - admitStarted
    if (rejection) throw new Error(`p-${index} rejected: ${rejection.message}`)
    const ipStarted = cpuMilliseconds()
    const podIP = ips.ipFor(node, pods.get(`default/p-${index}`)!)
    addressing += cpuMilliseconds() - ipStarted
    send({type: 'MODIFIED', object: {...pod, metadata: {...pod.metadata, resourceVersion: String(++revision)}, status: {phase: 'Pending', startTime: '2026-12-07T00:00:00Z', podIP}}})
    await pods.shared.sync(revision)
  }
  return {perPod: (cpuMilliseconds() - started) / podCount, admitPerPod: admitting / podCount, ipPerPod: addressing / podCount}
}

console.log(`the kubelet's admission of pods bound to one node, one after another (load average ${(await import('node:os')).loadavg().map((load) => load.toFixed(1)).join(' ')})`)
await run(200) // compiled before measuring
for (const size of sizes) {
  try {
    const {perPod, admitPerPod, ipPerPod} = await run(size)
    console.log(`  ${size} pods: ${(perPod * 1000).toFixed(0)} µs of CPU per pod (events, admission, IP), ${(admitPerPod * 1000).toFixed(0)} µs admitting, ${(ipPerPod * 1000).toFixed(0)} µs for the IP`)
  } catch (error) {
    console.log(`  ${size} pods: ${error instanceof Error ? error.message : String(error)}`)
  }
}

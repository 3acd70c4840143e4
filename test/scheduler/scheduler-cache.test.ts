// The scheduler's cache of nodes as node events change it, through the real path: an API server on
// a temporary store, the scheduler's informers, and its loop run by the control plane's runner
// between changes. A changed node is updated in place (its pods still counted), and the image
// counts ImageLocality reads follow each node's status as it changes and as nodes go.
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped, type NodeDefinition} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import {EventRecorder} from '../../src/core/client/events.js'
import {InformerFactory} from '../../src/core/client/informer-factory.js'
import {resources} from '../../src/core/client/resources.js'
import {componentUsers} from '../../src/core/controlplane/control-plane.js'
import {ControlPlaneRunner} from '../../src/core/controlplane/runner.js'
import type {Node, Pod} from '../../src/core/api/kinds.js'
import {MemorySchedulingReports} from '../../src/core/scheduler/reports.js'
import {Scheduler} from '../../src/core/scheduler/scheduler.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const worker = (name: string): NodeDefinition => ({name, cpu: '2', memory: '8Gi', pods: '110', labels: {}, taints: [], address: `10.0.0.${name.length}`, podCidr: `10.244.${name.length}.0/24`})
const image = {names: ['registry.example/big:1', 'big:1'], sizeBytes: 500 * 1024 * 1024}

describe("the scheduler's node cache, as node events change it", () => {
  let store: LazyEmbeddedStore
  let admin: ApiClient
  let runner: ControlPlaneRunner
  let reports: MemorySchedulingReports
  const clock = new ManualClock()

  beforeEach(async () => {
    store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    const api = new ApiServer({store, clock})
    await ensureBootstrapped(api, clock.nowMilliseconds(), [worker('a'), worker('b'), worker('c')])
    admin = new ApiClient(api, apiServerUser)
    const client = new ApiClient(api, componentUsers.scheduler, 'kube-scheduler')
    const informers = new InformerFactory(client)
    reports = new MemorySchedulingReports()
    const scheduler = {component: 'kube-scheduler', build: () => new Scheduler(client, informers, () => new EventRecorder(client, {component: 'default-scheduler'}, clock), clock, () => 0, undefined, reports)}
    runner = new ControlPlaneRunner(informers, [client], [scheduler], clock)
    expect((await runner.settle()).settled).toBe(true)
  })

  afterEach(async () => {
    runner.stop()
    await store.close()
  })

  const createPod = (name: string, spec: Partial<Pod['spec']> = {}, cpu = '1') => admin.create(resources.pods, {
    kind: 'Pod', apiVersion: 'v1', metadata: {name, namespace: 'default'},
    spec: {containers: [{name: 'main', image: 'big:1', resources: {requests: {cpu}}}], ...spec},
  } as Pod)
  const nodeOf = async (name: string) => (await admin.get<Pod>(resources.pods, 'default', name)).spec.nodeName
  const settle = async () => expect((await runner.settle()).settled).toBe(true)
  const patchNode = (name: string, patch: object, subresource?: string) => admin.patch(resources.nodes, '', name, patch, subresource ? {subresource, type: 'merge'} : undefined)
  /** What the scheduler's last attempt for the pod said of a node: its ImageLocality score, or its filter's verdict. */
  const verdictOn = async (pod: string, node: string) => {
    const uid = String((await admin.get<Pod>(resources.pods, 'default', pod)).metadata.uid)
    const entry = reports.read(uid)?.nodes.find((candidate) => candidate.node === node)
    return entry?.scores ? `ImageLocality=${entry.scores.ImageLocality}` : entry?.filter
  }

  it("a node's change is seen in place: its bound pods still count, its new labels count", async () => {
    await createPod('fill', {nodeSelector: {'kubernetes.io/hostname': 'a'}}, '2')
    await settle()
    expect(await nodeOf('fill')).toBe('a')
    // Node a changes (a label), then a pod that needs its CPU and label: a is still full.
    await patchNode('a', {metadata: {labels: {disk: 'ssd'}}})
    await settle()
    await createPod('needs-ssd', {nodeSelector: {disk: 'ssd'}})
    await settle()
    expect(await nodeOf('needs-ssd')).toBeUndefined()
    expect(await verdictOn('needs-ssd', 'a')).toBe('NodeResourcesFit: Insufficient cpu')
    expect(await verdictOn('needs-ssd', 'b')).toBe("NodeAffinity: node(s) didn't match Pod's node affinity/selector")
    // Node b gets the label: the waiting pod is tried again and fits there.
    await patchNode('b', {metadata: {labels: {disk: 'ssd'}}})
    clock.advance(60_000)
    await settle()
    expect(await nodeOf('needs-ssd')).toBe('b')
  })

  it("ImageLocality reads each node's images as its status lists them now, and forgets a node that goes", async () => {
    // No node has the image: no node scores for it.
    await createPod('first', {}, '100m')
    await settle()
    expect(await verdictOn('first', 'a')).toBe('ImageLocality=0')
    // b lists it: 500 MiB on 1 of the 3 nodes, (166.7 − 23) × 100 / (1000 − 23) = 14.
    await patchNode('b', {status: {images: [image]}}, 'status')
    await settle()
    await createPod('second', {}, '100m')
    await settle()
    expect(await nodeOf('second')).toBe('b')
    expect(await verdictOn('second', 'b')).toBe('ImageLocality=14')
    // a lists it too: 2 of 3, (333.3 − 23) × 100 / (1000 − 23) = 31 each.
    await patchNode('a', {status: {images: [image]}}, 'status')
    await settle()
    await createPod('third', {}, '100m')
    await settle()
    expect(await verdictOn('third', 'a')).toBe('ImageLocality=31')
    expect(await verdictOn('third', 'b')).toBe('ImageLocality=31')
    // b no longer lists it and c does: still 2 of 3.
    await patchNode('b', {status: {images: []}}, 'status')
    await patchNode('c', {status: {images: [image]}}, 'status')
    await settle()
    await createPod('fourth', {}, '100m')
    await settle()
    expect(await verdictOn('fourth', 'a')).toBe('ImageLocality=31')
    expect(await verdictOn('fourth', 'b')).toBe('ImageLocality=0')
    // c goes: a holds it alone of 2 nodes, (250 − 23) × 100 / (1000 − 23) = 23; with c's listing
    // still counted it would be 2 of 2 (48).
    await admin.delete(resources.nodes, '', 'c')
    await settle()
    await createPod('fifth', {}, '100m')
    await settle()
    expect(await verdictOn('fifth', 'a')).toBe('ImageLocality=23')
  })
})

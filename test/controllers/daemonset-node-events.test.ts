// The DaemonSet controller as node events reach it, through one long-lived control plane (its
// informers see each change as an event, as under `up`): a node whose labels come to match a
// DaemonSet's nodeSelector gets its pod, one whose labels stop matching loses it, and a status
// write of a node (what kubelets do every few seconds) leaves the DaemonSet's pods as they are.
import {afterEach, describe, expect, it} from 'vitest'
import type {Pod} from '../../src/core/api/kinds.js'
import {resources} from '../../src/core/client/resources.js'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

describe('the DaemonSet controller, as nodes change under a running control plane', () => {
  const clusters: InProcessCluster[] = []
  const planes: ControlPlane[] = []
  afterEach(async () => {
    for (const plane of planes.splice(0)) plane.stop()
    for (const cluster of clusters.splice(0)) await cluster.close()
  })

  it("follows a node's labels into and out of its nodeSelector, and not its status writes", async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0))
    const cluster = await inProcessCluster(clock, 11)
    clusters.push(cluster)
    const {admin} = cluster
    const plane = new ControlPlane(cluster.api, clock, () => cluster.random.next())
    planes.push(plane)
    const settle = async () => expect((await plane.settle()).settled).toBe(true)
    const template = {metadata: {labels: {app: 'agent'}}, spec: {nodeSelector: {disk: 'ssd'}, containers: [{name: 'agent', image: 'registry.k8s.io/pause:3.10'}]}}
    await admin.create(resources.daemonSets, {kind: 'DaemonSet', apiVersion: 'apps/v1', metadata: {name: 'agent', namespace: 'default'}, spec: {selector: {matchLabels: {app: 'agent'}}, template}} as never)
    await settle()
    const placed = async () => (await admin.list<Pod>(resources.pods, 'default')).items.filter((pod) => !pod.metadata.deletionTimestamp).map((pod) => `${pod.spec.nodeName}=${pod.status?.phase}`).sort()
    expect(await placed()).toEqual([])

    await admin.patch(resources.nodes, '', 'worker-2', {metadata: {labels: {disk: 'ssd'}}})
    await settle()
    expect(await placed()).toEqual(['worker-2=Running'])
    const before = (await admin.list<Pod>(resources.pods, 'default')).items.map((pod) => `${pod.metadata.name}@${pod.metadata.resourceVersion}`)

    // A status write of the node (its images, as a kubelet's status sync sends them) changes nothing.
    await admin.patch(resources.nodes, '', 'worker-2', {status: {images: [{names: ['registry.k8s.io/pause:3.10'], sizeBytes: 320_000}]}}, {subresource: 'status', type: 'merge'})
    await settle()
    expect((await admin.list<Pod>(resources.pods, 'default')).items.map((pod) => `${pod.metadata.name}@${pod.metadata.resourceVersion}`)).toEqual(before)

    await admin.patch(resources.nodes, '', 'worker-3', {metadata: {labels: {disk: 'ssd'}}})
    await admin.patch(resources.nodes, '', 'worker-2', {metadata: {labels: {disk: null}}})
    await settle()
    expect(await placed()).toEqual(['worker-3=Running'])
  })

  it('keeps a pod on a node newly tainted NoSchedule (counted misscheduled), removes it for NoExecute, and makes one pod for a template naming its node', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0))
    const cluster = await inProcessCluster(clock, 12)
    clusters.push(cluster)
    const {admin} = cluster
    const plane = new ControlPlane(cluster.api, clock, () => cluster.random.next())
    planes.push(plane)
    const settle = async () => expect((await plane.settle()).settled).toBe(true)
    const create = (name: string, spec: Record<string, unknown>) => admin.create(resources.daemonSets, {kind: 'DaemonSet', apiVersion: 'apps/v1', metadata: {name, namespace: 'default'}, spec: {selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {...spec, containers: [{name: 'agent', image: 'registry.k8s.io/pause:3.10'}]}}}} as never)
    const placed = async (app: string) => (await admin.list<Pod>(resources.pods, 'default')).items.filter((pod) => !pod.metadata.deletionTimestamp && pod.metadata.labels?.app === app).map((pod) => String(pod.spec.nodeName)).sort()
    const misscheduled = async (name: string) => ((await admin.get(resources.daemonSets, 'default', name)).status as {numberMisscheduled?: number}).numberMisscheduled ?? 0
    await create('agent', {})
    await settle()
    const everywhere = await placed('agent')
    expect(everywhere).toContain('worker-2')

    await admin.patch(resources.nodes, '', 'worker-2', {spec: {taints: [{key: 'dedicated', value: 'db', effect: 'NoSchedule'}]}})
    await settle()
    expect(await placed('agent')).toEqual(everywhere)
    expect(await misscheduled('agent')).toBe(1)

    await admin.patch(resources.nodes, '', 'worker-2', {spec: {taints: [{key: 'dedicated', value: 'db', effect: 'NoExecute'}]}})
    await settle()
    expect(await placed('agent')).toEqual(everywhere.filter((node) => node !== 'worker-2'))
    expect(await misscheduled('agent')).toBe(0)

    // kube's first check: a template's nodeName rules out every other node.
    await create('pinned', {nodeName: 'worker-1'})
    await settle()
    expect(await placed('pinned')).toEqual(['worker-1'])
  })

  it("adds kube's daemon tolerations as AddOrUpdate does, the network one for host-network pods, and keeps preferred node affinity", async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0))
    const cluster = await inProcessCluster(clock, 13)
    clusters.push(cluster)
    const {admin} = cluster
    const plane = new ControlPlane(cluster.api, clock, () => cluster.random.next())
    planes.push(plane)
    const preferred = [{weight: 10, preference: {matchExpressions: [{key: 'disk', operator: 'In', values: ['ssd']}]}}]
    const spec = {
      hostNetwork: true,
      tolerations: [{key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300}, {key: 'dedicated', operator: 'Exists'}],
      affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: preferred}},
      containers: [{name: 'agent', image: 'registry.k8s.io/pause:3.10'}],
    }
    await admin.create(resources.daemonSets, {kind: 'DaemonSet', apiVersion: 'apps/v1', metadata: {name: 'net', namespace: 'default'}, spec: {selector: {matchLabels: {app: 'net'}}, template: {metadata: {labels: {app: 'net'}}, spec}}} as never)
    expect((await plane.settle()).settled).toBe(true)
    const pod = (await admin.list<Pod>(resources.pods, 'default')).items.find((entry) => entry.spec.nodeName === 'worker-1')!
    // The template's not-ready toleration is replaced where it stands by the infinite one; the others follow in kube's order.
    expect(pod.spec.tolerations).toEqual([
      {key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute'},
      {key: 'dedicated', operator: 'Exists'},
      {key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute'},
      {key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule'},
      {key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule'},
      {key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule'},
      {key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule'},
      {key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule'},
    ])
    expect(pod.spec.affinity?.nodeAffinity).toEqual({
      preferredDuringSchedulingIgnoredDuringExecution: preferred,
      requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchFields: [{key: 'metadata.name', operator: 'In', values: ['worker-1']}]}]},
    })
  })
})

// A node whose kubelet stops, on the injected clock: NotReady (Unknown) and unreachable taints
// after the 40 s grace period, its pods evicted after their 300 s tolerationSeconds and replaced
// on the other nodes; started again, it is Ready, untainted, and finishes the evicted pods.
import {afterEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {resources} from '../../src/core/client/resources.js'
import {stoppedAnnotation} from '../../src/core/kubelet/heartbeat.js'
import type {Node, Pod} from '../../src/core/api/kinds.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

describe('node faults (injected clock)', () => {
  const clusters: InProcessCluster[] = []
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.close()
  })

  it('a stopped node goes NotReady, its pods are evicted after tolerationSeconds and rescheduled; started, it recovers', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 12, 0, 0))
    const cluster = await inProcessCluster(clock, 5)
    clusters.push(cluster)
    const admin = cluster.admin
    const settle = async () => expect((await cluster.settle()).settled).toBe(true)
    const template = {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image: 'nginx', resources: {requests: {cpu: '100m'}}}]}}
    await admin.create(resources.deployments, {kind: 'Deployment', apiVersion: 'apps/v1', metadata: {name: 'web', namespace: 'default'}, spec: {replicas: 6, selector: {matchLabels: {app: 'web'}}, template}} as never)
    await settle()
    const pods = async () => (await admin.list<Pod>(resources.pods, 'default')).items
    const onWorker1 = (await pods()).filter((pod) => pod.spec.nodeName === 'worker-1')
    expect(onWorker1.length).toBe(2)
    expect(onWorker1[0]!.spec.tolerations).toContainEqual({key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300})

    await admin.patch(resources.nodes, '', 'worker-1', {metadata: {annotations: {[stoppedAnnotation]: 'true'}}})
    const node = async () => admin.get<Node>(resources.nodes, '', 'worker-1')
    const ready = async () => ((await node()).status as {conditions: Array<{type: string; status: string; reason?: string}>}).conditions.find((condition) => condition.type === 'Ready')
    clock.advance(30_000)
    await settle()
    expect((await ready())!.status).toBe('True')
    clock.advance(15_000)
    await settle()
    expect(await ready()).toMatchObject({status: 'Unknown', reason: 'NodeStatusUnknown'})
    expect((await node()).spec!.taints!.map((taint) => `${taint.key}:${taint.effect}`).sort()).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'])
    // Tolerated for 300 s: still there after 200.
    clock.advance(200_000)
    await settle()
    expect((await pods()).filter((pod) => pod.spec.nodeName === 'worker-1' && !pod.metadata.deletionTimestamp)).toHaveLength(2)
    clock.advance(110_000)
    await settle()
    const after = await pods()
    const evicted = after.filter((pod) => pod.spec.nodeName === 'worker-1')
    expect(evicted.every((pod) => pod.metadata.deletionTimestamp)).toBe(true)
    const serving = after.filter((pod) => !pod.metadata.deletionTimestamp && pod.status?.phase === 'Running')
    expect(serving).toHaveLength(6)
    expect(serving.every((pod) => pod.spec.nodeName !== 'worker-1')).toBe(true)
    const events = (await admin.list<KubeObject & {reason?: string}>(resources.events, 'default')).items
    expect(events.filter((event) => event.reason === 'TaintManagerEviction')).toHaveLength(2)

    await admin.patch(resources.nodes, '', 'worker-1', {metadata: {annotations: {[stoppedAnnotation]: null}}})
    await settle()
    expect((await ready())!.status).toBe('True')
    expect((await node()).spec!.taints ?? []).toEqual([])
    expect((await pods()).filter((pod) => pod.spec.nodeName === 'worker-1')).toHaveLength(0)
  }, 120_000)
})

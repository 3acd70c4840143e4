// The disruption controller with an injected clock: a PodDisruptionBudget's status follows its pods
// (Deployments' scale for percentages and maxUnavailable), evictions charge it, and it recovers once
// the evicted pods are gone or their two minutes have passed.
import {afterEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {resources} from '../../src/core/client/resources.js'
import {evictedPodDeletionTimeoutMilliseconds} from '../../src/core/controllers/disruption.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

type Budget = KubeObject & {status: Record<string, unknown> & {disruptedPods?: Record<string, string>}}

describe('disruption controller (injected clock)', () => {
  const clusters: InProcessCluster[] = []
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.close()
  })

  const start = async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
    const cluster = await inProcessCluster(clock, Number(process.env.SEED ?? 20261124))
    clusters.push(cluster)
    const {admin} = cluster
    await admin.create(resources.deployments, {
      kind: 'Deployment', apiVersion: 'apps/v1', metadata: {name: 'web', namespace: 'default'},
      spec: {replicas: 3, selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image: 'nginx:1.27'}]}}},
    } as never)
    const budget = async () => admin.get<Budget>(resources.podDisruptionBudgets, 'default', 'web')
    const pods = async () => (await admin.list<KubeObject>(resources.pods, 'default')).items.filter((pod) => pod.metadata.labels?.app === 'web' && !pod.metadata.deletionTimestamp)
    const evict = (name: string) => admin.create(resources.pods, {apiVersion: 'policy/v1', kind: 'Eviction', metadata: {name, namespace: 'default'}} as KubeObject, 'eviction')
    return {clock, cluster, admin, budget, pods, evict}
  }

  it('counts healthy pods against maxUnavailable of the Deployment\'s scale, and recovers after each eviction', async () => {
    const {cluster, admin, budget, pods, evict} = await start()
    await admin.create(resources.podDisruptionBudgets, {apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: {name: 'web', namespace: 'default'}, spec: {maxUnavailable: 1, selector: {matchLabels: {app: 'web'}}}} as never)
    await cluster.settle()
    const observed = await budget()
    expect(observed.status).toEqual({
      observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3,
      conditions: [{type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: expect.any(String), reason: 'SufficientPods', message: ''}],
    })
    // Three drains in a row, each evicting one pod: the budget is charged, then recounted once the replacement is Ready.
    for (let round = 0; round < 3; round++) {
      const [first, second] = await pods()
      await evict(first!.metadata.name!)
      const charged = await budget()
      expect(charged.status).toMatchObject({disruptionsAllowed: 0, conditions: [{type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods'}]})
      expect(Object.keys(charged.status.disruptedPods!)).toEqual([first!.metadata.name])
      await expect(evict(second!.metadata.name!)).rejects.toThrow("Cannot evict pod as it would violate the pod's disruption budget.")
      await cluster.settle()
      const recovered = await budget()
      expect(recovered.status).toMatchObject({disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: [{status: 'True', reason: 'SufficientPods'}]})
      expect(recovered.status.disruptedPods).toBeUndefined()
    }
  }, 30_000)

  it('takes minAvailable as a count of matched pods, or as a percentage of the controllers\' scale', async () => {
    const {cluster, admin, budget} = await start()
    await admin.create(resources.podDisruptionBudgets, {apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: {name: 'web', namespace: 'default'}, spec: {minAvailable: '50%', selector: {matchLabels: {app: 'web'}}}} as never)
    await cluster.settle()
    expect((await budget()).status).toMatchObject({expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1})
    // Scaled to 5: half of 5 rounded up.
    await admin.patch(resources.deployments, 'default', 'web', {spec: {replicas: 5}})
    await cluster.settle()
    expect((await budget()).status).toMatchObject({expectedPods: 5, desiredHealthy: 3, currentHealthy: 5, disruptionsAllowed: 2})
    await admin.patch(resources.podDisruptionBudgets, 'default', 'web', {spec: {minAvailable: 4}})
    await cluster.settle()
    expect((await budget()).status).toMatchObject({observedGeneration: 2, expectedPods: 5, desiredHealthy: 4, disruptionsAllowed: 1})
    // A selector nothing matches: no pods, nothing allowed.
    await admin.patch(resources.podDisruptionBudgets, 'default', 'web', {spec: {selector: {matchLabels: {app: 'nobody'}}}})
    await cluster.settle()
    expect((await budget()).status).toMatchObject({observedGeneration: 3, expectedPods: 0, currentHealthy: 0, disruptionsAllowed: 0, conditions: [{status: 'False', reason: 'InsufficientPods'}]})
  }, 30_000)

  it('counts an evicted pod again once two minutes pass without its deletion', async () => {
    const {clock, cluster, admin, budget, pods} = await start()
    await admin.create(resources.podDisruptionBudgets, {apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: {name: 'web', namespace: 'default'}, spec: {minAvailable: 2, selector: {matchLabels: {app: 'web'}}}} as never)
    await cluster.settle()
    // As if an eviction had charged the budget and its delete had never happened.
    const [kept] = await pods()
    const current = await budget()
    await admin.update(resources.podDisruptionBudgets, {...current, status: {...current.status, disruptionsAllowed: 0, disruptedPods: {[kept!.metadata.name!]: new Date(clock.nowMilliseconds()).toISOString().replace(/\.\d+Z$/, 'Z')}}} as KubeObject, 'status')
    await cluster.settle()
    expect((await budget()).status).toMatchObject({currentHealthy: 2, disruptionsAllowed: 0, disruptedPods: {[kept!.metadata.name!]: expect.any(String)}})
    clock.advance(evictedPodDeletionTimeoutMilliseconds + 1000)
    await cluster.settle()
    const recounted = await budget()
    expect(recounted.status).toMatchObject({currentHealthy: 3, disruptionsAllowed: 1})
    expect(recounted.status.disruptedPods).toBeUndefined()
    const events = (await admin.list<KubeObject & {reason?: string; message?: string}>(resources.events, 'default')).items.filter((event) => event.reason === 'NotDeleted')
    expect(events.map((event) => event.message)).toEqual([`Pod was expected by PDB default/web to be deleted but it wasn't`])
  }, 30_000)
})

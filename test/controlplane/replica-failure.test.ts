// A ReplicaSet that cannot make its pods (a quota refuses them) still reports the pods it has, with
// kube's ReplicaFailure condition, which its Deployment shows too; both clear once pods can be made.
import {afterEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {resources} from '../../src/core/client/resources.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

type WithStatus = KubeObject & {status?: {replicas?: number; readyReplicas?: number; conditions?: Array<Record<string, string>>}}

describe('ReplicaFailure', () => {
  const clusters: InProcessCluster[] = []
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.close()
  })
  const start = async () => {
    const cluster = await inProcessCluster(new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0)), Number(process.env.SEED ?? 20261124))
    clusters.push(cluster)
    return {cluster, admin: cluster.admin}
  }
  /** A quota of `pods` pods in the default namespace. */
  const quota = (admin: InProcessCluster['admin'], pods: number) =>
    admin.create(resources.resourceQuotas, {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'q', namespace: 'default'}, spec: {hard: {pods: String(pods)}}} as never)

  it('is reported by the ReplicaSet and its Deployment while creates fail, with the pods it has counted', async () => {
    const {cluster, admin} = await start()
    await quota(admin, 3)
    await admin.create(resources.deployments, {
      kind: 'Deployment', apiVersion: 'apps/v1', metadata: {name: 'api', namespace: 'default'},
      spec: {replicas: 5, selector: {matchLabels: {app: 'api'}}, template: {metadata: {labels: {app: 'api'}}, spec: {containers: [{name: 'api', image: 'nginx'}]}}},
    } as never)
    await cluster.settle()
    const [set] = (await admin.list<WithStatus>(resources.replicaSets, 'default')).items
    expect(set!.status).toMatchObject({replicas: 3, readyReplicas: 3})
    const message = expect.stringMatching(/^pods "api-\w+-\w+" is forbidden: exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3$/)
    expect(set!.status!.conditions).toEqual([{type: 'ReplicaFailure', status: 'True', lastTransitionTime: '2026-11-24T12:00:00Z', reason: 'FailedCreate', message}])
    const deployment = await admin.get<WithStatus>(resources.deployments, 'default', 'api')
    expect(deployment.status!.conditions!.find((condition) => condition.type === 'ReplicaFailure')).toEqual({
      type: 'ReplicaFailure', status: 'True', lastUpdateTime: '2026-11-24T12:00:00Z', lastTransitionTime: '2026-11-24T12:00:00Z', reason: 'FailedCreate', message,
    })
    await admin.delete(resources.resourceQuotas, 'default', 'q')
    await cluster.settle()
    const [recovered] = (await admin.list<WithStatus>(resources.replicaSets, 'default')).items
    expect(recovered!.status).toMatchObject({replicas: 5, readyReplicas: 5})
    expect(recovered!.status!.conditions).toBeUndefined()
    expect((await admin.get<WithStatus>(resources.deployments, 'default', 'api')).status!.conditions!.map((condition) => condition.type)).toEqual(['Available', 'Progressing'])
  }, 30_000)

  it('leaves a StatefulSet counting the pods it has, with its FailedCreate event, while a quota refuses the next', async () => {
    const {cluster, admin} = await start()
    await quota(admin, 2)
    await admin.create(resources.statefulSets, {
      kind: 'StatefulSet', apiVersion: 'apps/v1', metadata: {name: 'db', namespace: 'default'},
      spec: {replicas: 3, serviceName: 'db', selector: {matchLabels: {app: 'db'}}, template: {metadata: {labels: {app: 'db'}}, spec: {containers: [{name: 'db', image: 'postgres'}]}}},
    } as never)
    await cluster.settle()
    expect((await admin.get<WithStatus>(resources.statefulSets, 'default', 'db')).status).toMatchObject({replicas: 2, readyReplicas: 2})
    const events = (await admin.list<KubeObject & {reason: string; message: string}>(resources.events, 'default')).items.filter((event) => event.reason === 'FailedCreate')
    expect(events.map((event) => event.message)).toEqual(['create Pod db-2 in StatefulSet db failed error: pods "db-2" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'])
  }, 30_000)

  it('leaves a DaemonSet counting the pods it has, with FailedCreate for the nodes a quota refuses', async () => {
    const {cluster, admin} = await start()
    await quota(admin, 2)
    await admin.create(resources.daemonSets, {
      kind: 'DaemonSet', apiVersion: 'apps/v1', metadata: {name: 'agent', namespace: 'default'},
      spec: {selector: {matchLabels: {app: 'agent'}}, template: {metadata: {labels: {app: 'agent'}}, spec: {containers: [{name: 'agent', image: 'fluentd'}]}}},
    } as never)
    await cluster.settle()
    // Three workers want a pod (the control plane's taint is not tolerated); the quota lets two be made.
    const status = (await admin.get<KubeObject & {status: Record<string, number>}>(resources.daemonSets, 'default', 'agent')).status
    expect({scheduled: status.currentNumberScheduled, ready: status.numberReady}).toEqual({scheduled: 2, ready: 2})
    const failed = (await admin.list<KubeObject & {reason: string; message: string}>(resources.events, 'default')).items.filter((event) => event.reason === 'FailedCreate')
    expect(failed.length).toBeGreaterThanOrEqual(1)
    expect(failed[0]!.message).toMatch(/^Error creating: pods "agent-\w+" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2$/)
  }, 30_000)
})


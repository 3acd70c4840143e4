// ResourceQuota scopes: a scoped quota counts only the pods in its scopes, in admission and in the
// resourcequota controller; scopes are kept to what they can count, and cannot change.
import {afterEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {resources} from '../../src/core/client/resources.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

type Quota = KubeObject & {spec: Record<string, unknown>; status?: {used?: Record<string, string>}}

describe('ResourceQuota scopes', () => {
  const clusters: InProcessCluster[] = []
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.close()
  })

  it('count only the pods in them, refuse resources they cannot count, and stay as created', async () => {
    const cluster = await inProcessCluster(new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0)), Number(process.env.SEED ?? 20261124))
    clusters.push(cluster)
    const {admin} = cluster
    const quota = (name: string, spec: Record<string, unknown>) => admin.create<Quota>(resources.resourceQuotas, {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name, namespace: 'default'}, spec} as never)
    await expect(quota('wrong', {hard: {cpu: '1', memory: '1Gi', pods: '10'}, scopes: ['BestEffort']})).rejects.toThrow(
      'ResourceQuota "wrong" is invalid: spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
    )
    await expect(quota('both', {hard: {pods: '10'}, scopes: ['Terminating', 'NotTerminating']})).rejects.toThrow(
      'ResourceQuota "both" is invalid: spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating", "NotTerminating"}: conflicting scopes',
    )
    await quota('best-effort', {hard: {pods: '2'}, scopes: ['BestEffort']})
    await quota('burstable', {hard: {pods: '1', 'requests.cpu': '1'}, scopeSelector: {matchExpressions: [{scopeName: 'NotBestEffort', operator: 'Exists'}]}})
    await quota('terminating', {hard: {pods: '5'}, scopes: ['Terminating']})
    const pod = (name: string, extra: {requests?: Record<string, string>; activeDeadlineSeconds?: number} = {}) => admin.create(resources.pods, {
      apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'default'},
      spec: {...(extra.activeDeadlineSeconds === undefined ? {} : {activeDeadlineSeconds: extra.activeDeadlineSeconds}), containers: [{name: 'main', image: 'busybox', ...(extra.requests ? {resources: {requests: extra.requests}} : {})}]},
    } as KubeObject)
    await pod('plain-1')
    await pod('batch-1', {activeDeadlineSeconds: 60})
    // BestEffort pods: the third passes neither best-effort's pods=2; the burstable quota is not asked.
    await expect(pod('plain-2')).rejects.toThrow('pods "plain-2" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=2, limited: pods=2')
    await pod('sized-1', {requests: {cpu: '500m'}})
    await expect(pod('sized-2', {requests: {cpu: '100m'}})).rejects.toThrow('pods "sized-2" is forbidden: exceeded quota: burstable, requested: pods=1, used: pods=1, limited: pods=1')
    await cluster.settle()
    const used = async (name: string) => (await admin.get<Quota>(resources.resourceQuotas, 'default', name)).status?.used
    expect(await used('best-effort')).toEqual({pods: '2'})
    expect(await used('burstable')).toEqual({pods: '1', 'requests.cpu': '500m'})
    expect(await used('terminating')).toEqual({pods: '1'})
    const current = await admin.get<Quota>(resources.resourceQuotas, 'default', 'best-effort')
    await expect(admin.update(resources.resourceQuotas, {...current, spec: {...current.spec, scopes: ['NotBestEffort']}} as KubeObject)).rejects.toThrow(
      'ResourceQuota "best-effort" is invalid: spec.scopes: Invalid value: []core.ResourceQuotaScope{"NotBestEffort"}: field is immutable',
    )
  }, 30_000)
})

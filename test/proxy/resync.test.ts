// kube-proxy's periodic resync on the injected cluster clock: every syncPeriod (30 s, or the
// ConfigMap's) even when nothing changed, counted as a running kube-proxy would have counted it;
// rules flushed behind its back come back at the next resync; --stats names the last sync's cause.
import {afterEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {resources} from '../../src/core/client/resources.js'
import {stoppedAnnotation} from '../../src/core/kubelet/heartbeat.js'
import {flushNodeRules, showNodeRulesStats, syncedProxyState} from '../../src/core/proxy/kube-proxy.js'
import {isKubeProxyPod} from '../../src/core/proxy/proxy-loop.js'
import type {Pod} from '../../src/core/api/kinds.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

describe("kube-proxy's periodic resync (injected clock)", () => {
  const clusters: InProcessCluster[] = []
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.close()
  })

  const start = async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 3, 12, 0, 0))
    const cluster = await inProcessCluster(clock, 11)
    clusters.push(cluster)
    expect((await cluster.settle()).settled).toBe(true)
    return {clock, cluster}
  }

  it('resyncs every 30 s of cluster time without changes, counting each resync a running kube-proxy made', async () => {
    const {clock, cluster} = await start()
    const first = cluster.syncedRules.read('worker-1')!
    expect(first.cause).toMatch(/^(kube-proxy started \(its first sync\)|a Service, EndpointSlice or Node it watches changed)$/)
    clock.advance(10_000)
    await cluster.settle()
    expect(cluster.syncedRules.read('worker-1')).toMatchObject({syncCount: first.syncCount, lastSyncMilliseconds: first.lastSyncMilliseconds})
    clock.advance(25_000)
    await cluster.settle()
    expect(cluster.syncedRules.read('worker-1')).toMatchObject({syncCount: first.syncCount + 1, lastSyncMilliseconds: first.lastSyncMilliseconds + 30_000, cause: 'periodic resync (syncPeriod 30s)'})
    clock.advance(65_000)
    await cluster.settle()
    expect(cluster.syncedRules.read('worker-1')).toMatchObject({syncCount: first.syncCount + 3, lastSyncMilliseconds: first.lastSyncMilliseconds + 90_000})
    const stats = await showNodeRulesStats(cluster.admin, cluster.syncedRules, 'worker-1')
    expect(stats).toContain('last sync cause:  periodic resync (syncPeriod 30s)\n')
    expect(stats).toMatch(/\nsync period: +30s \(next resync at 2026-12-03T12:02:00Z if nothing changes\)\n/)
    // A change syncs at once, and says so.
    await cluster.admin.create(resources.services, {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web', namespace: 'default'}, spec: {ports: [{port: 80}]}} as KubeObject)
    await cluster.settle()
    expect(cluster.syncedRules.read('worker-1')).toMatchObject({lastSyncMilliseconds: clock.nowMilliseconds(), cause: 'a Service, EndpointSlice or Node it watches changed'})
  })

  it("leaves a stopped node's rules without resyncs, and resyncs them again every period once it runs again", async () => {
    const {clock, cluster} = await start()
    await cluster.admin.patch(resources.nodes, '', 'worker-2', {metadata: {annotations: {[stoppedAnnotation]: 'true'}}})
    await cluster.settle()
    const stopped = cluster.syncedRules.read('worker-2')!
    clock.advance(95_000)
    await cluster.settle()
    expect(cluster.syncedRules.read('worker-2')).toMatchObject({syncCount: stopped.syncCount, lastSyncMilliseconds: stopped.lastSyncMilliseconds})
    // worker-1 went on resyncing meanwhile.
    expect(cluster.syncedRules.read('worker-1')!.cause).toBe('periodic resync (syncPeriod 30s)')
    await cluster.admin.patch(resources.nodes, '', 'worker-2', {metadata: {annotations: {[stoppedAnnotation]: null}}})
    await cluster.settle()
    const running = cluster.syncedRules.read('worker-2')!
    expect(running.lastSyncMilliseconds).toBeGreaterThan(stopped.lastSyncMilliseconds)
    clock.advance(30_000)
    await cluster.settle()
    expect(cluster.syncedRules.read('worker-2')).toMatchObject({syncCount: running.syncCount + 1, lastSyncMilliseconds: running.lastSyncMilliseconds + 30_000, cause: 'periodic resync (syncPeriod 30s)'})
  })

  it('puts rules flushed behind its back back at the next resync, and takes its syncPeriod from the ConfigMap', async () => {
    const {clock, cluster} = await start()
    const configMap = await cluster.admin.get<KubeObject & {data: Record<string, string>}>(resources.configMaps, 'kube-system', 'kube-proxy')
    await cluster.admin.update(resources.configMaps, {...configMap, data: {...configMap.data, 'config.conf': configMap.data['config.conf']!.replace('  minSyncPeriod: 1s\n  syncPeriod: 0s\n', '  minSyncPeriod: 1s\n  syncPeriod: 10s\n')}})
    const onWorker1 = (await cluster.admin.list<Pod>(resources.pods, 'kube-system')).items.find((pod) => isKubeProxyPod(pod) && pod.spec.nodeName === 'worker-1')!
    await cluster.admin.delete(resources.pods, 'kube-system', String(onWorker1.metadata.name))
    await cluster.settle()
    const started = cluster.syncedRules.read('worker-1')!
    expect(started.configuration.syncPeriodMilliseconds).toBe(10_000)
    expect(syncedProxyState(started).rules.nat.rules.some((rule) => rule.chain.startsWith('KUBE-SVC-'))).toBe(true)

    clock.advance(4_000)
    expect(await flushNodeRules(cluster.admin, cluster.syncedRules, 'worker-1', clock.nowMilliseconds())).toMatch(/^node\/worker-1: Service rules flushed; kube-proxy puts them back at its next sync \(its periodic resync comes every 10s, next at \S+\)\n$/)
    await cluster.settle()
    const flushed = cluster.syncedRules.read('worker-1')!
    expect(flushed.flushedMilliseconds).toBe(clock.nowMilliseconds())
    expect(syncedProxyState(flushed).rules.nat.rules.some((rule) => rule.chain.startsWith('KUBE-SVC-'))).toBe(false)
    expect(await showNodeRulesStats(cluster.admin, cluster.syncedRules, 'worker-1')).toContain('\nflushed:          ')
    clock.advance(6_000)
    await cluster.settle()
    const back = cluster.syncedRules.read('worker-1')!
    expect(back.flushedMilliseconds).toBeUndefined()
    expect(back).toMatchObject({lastSyncMilliseconds: started.lastSyncMilliseconds + 10_000, cause: 'periodic resync (syncPeriod 10s)'})
    expect(syncedProxyState(back).rules.nat.rules.some((rule) => rule.chain.startsWith('KUBE-SVC-'))).toBe(true)
  })
})

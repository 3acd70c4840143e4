// The kube-proxy on every node as a running loop, on the injected clock: it syncs its node's rules
// when Services and EndpointSlices change (at most once per minSyncPeriod), leaves a stopped
// node's rules as they were, and takes a new mode from its ConfigMap only when its pod restarts.
import {afterEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {resources} from '../../src/core/client/resources.js'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {stoppedAnnotation} from '../../src/core/kubelet/heartbeat.js'
import {syncedProxyState} from '../../src/core/proxy/kube-proxy.js'
import {saveRules} from '../../src/core/proxy/node-rules.js'
import {isKubeProxyPod} from '../../src/core/proxy/proxy-loop.js'
import type {Pod} from '../../src/core/api/kinds.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

const service = (name: string): KubeObject => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default'}, spec: {ports: [{port: 80}]}}) as KubeObject

describe('the kube-proxy loop (injected clock)', () => {
  const clusters: InProcessCluster[] = []
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.close()
  })

  const start = async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 3, 12, 0, 0))
    const cluster = await inProcessCluster(clock, 7)
    clusters.push(cluster)
    expect((await cluster.settle()).settled).toBe(true)
    /** The Service ports in the node's synced rules. */
    const synced = (node: string) => (cluster.syncedRules.read(node)?.ports ?? []).map((port) => port.name)
    return {clock, cluster, synced}
  }

  it("syncs every node whose kube-proxy runs, follows Services added and removed, and leaves a stopped node's rules as they were", async () => {
    const {clock, cluster, synced} = await start()
    const kubeProxies = (await cluster.admin.list<Pod>(resources.pods, 'kube-system')).items.filter(isKubeProxyPod)
    expect(kubeProxies.map((pod) => pod.spec.nodeName).sort()).toEqual(['control-plane', 'control-plane2', 'control-plane3', 'worker-1', 'worker-2', 'worker-3'])
    const first = cluster.syncedRules.read('worker-1')!
    expect(first).toMatchObject({configuration: {mode: 'iptables', minSyncPeriodMilliseconds: 1_000}, node: {name: 'worker-1'}, lastSyncMilliseconds: clock.nowMilliseconds()})
    expect(first.instance).toMatch(/^kube-system\/kube-proxy-\S+ \S+ 0$/)
    expect(synced('worker-1')).toEqual(['default/kubernetes:https', 'kube-system/kube-dns:dns', 'kube-system/kube-dns:dns-tcp', 'kube-system/kube-dns:metrics'])

    await cluster.admin.create(resources.services, service('web'))
    clock.advance(5_000)
    expect((await cluster.settle()).settled).toBe(true)
    expect(synced('worker-1')).toContain('default/web')
    const rules = saveRules(syncedProxyState(cluster.syncedRules.read('worker-3')!).rules, 'filter')
    expect(rules).toMatch(/-A KUBE-SERVICES -d \S+ -p tcp -m comment --comment "default\/web has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable/)
    expect(cluster.syncedRules.read('worker-1')!.syncCount).toBeGreaterThan(first.syncCount)

    await cluster.admin.delete(resources.services, 'default', 'web')
    expect((await cluster.settle()).settled).toBe(true)
    expect(synced('worker-1')).not.toContain('default/web')
    expect(synced('control-plane2')).not.toContain('default/web')

    // A stopped node runs no kube-proxy: its rules stay as they were, until it starts again.
    await cluster.admin.patch(resources.nodes, '', 'worker-2', {metadata: {annotations: {[stoppedAnnotation]: 'true'}}})
    expect((await cluster.settle()).settled).toBe(true)
    await cluster.admin.create(resources.services, service('late'))
    expect((await cluster.settle()).settled).toBe(true)
    expect(synced('worker-1')).toContain('default/late')
    expect(synced('worker-2')).not.toContain('default/late')

    await cluster.admin.patch(resources.nodes, '', 'worker-2', {metadata: {annotations: {[stoppedAnnotation]: null}}})
    expect((await cluster.settle()).settled).toBe(true)
    expect(synced('worker-2')).toContain('default/late')
  })

  it('syncs at most once per minSyncPeriod while the cluster runs', async () => {
    const {clock, cluster, synced} = await start()
    const plane = new ControlPlane(cluster.api, clock, () => cluster.random.next(), undefined, {syncedRules: cluster.syncedRules})
    try {
      clock.advance(5_000)
      await cluster.admin.create(resources.services, service('one'))
      await plane.settle(false)
      expect(synced('worker-2')).toContain('default/one')
      const syncedAt = cluster.syncedRules.read('worker-2')!.lastSyncMilliseconds
      expect(syncedAt).toBe(clock.nowMilliseconds())

      clock.advance(200)
      await cluster.admin.create(resources.services, service('two'))
      await plane.settle(false)
      expect(synced('worker-2')).not.toContain('default/two')
      expect(plane.nextDue()).toBe(syncedAt + 1_000)

      clock.advance(800)
      await plane.settle(false)
      expect(synced('worker-2')).toContain('default/two')
      expect(cluster.syncedRules.read('worker-2')!.lastSyncMilliseconds).toBe(syncedAt + 1_000)
    } finally {
      plane.stop()
    }
  })

  it('takes a new mode from the ConfigMap when the kube-proxy pod restarts, not before', async () => {
    const {cluster} = await start()
    const configMap = await cluster.admin.get<KubeObject & {data: Record<string, string>}>(resources.configMaps, 'kube-system', 'kube-proxy')
    await cluster.admin.update(resources.configMaps, {...configMap, data: {...configMap.data, 'config.conf': configMap.data['config.conf']!.replace('mode: iptables', 'mode: userspace')}})
    await cluster.admin.create(resources.services, service('web'))
    expect((await cluster.settle()).settled).toBe(true)
    expect(cluster.syncedRules.read('worker-3')!.configuration.mode).toBe('iptables')

    const onWorker3 = (await cluster.admin.list<Pod>(resources.pods, 'kube-system')).items.find((pod) => isKubeProxyPod(pod) && pod.spec.nodeName === 'worker-3')!
    await cluster.admin.delete(resources.pods, 'kube-system', String(onWorker3.metadata.name))
    expect((await cluster.settle()).settled).toBe(true)
    const restarted = cluster.syncedRules.read('worker-3')!
    expect(restarted).toMatchObject({configuration: {mode: 'userspace'}, syncCount: 1})
    expect(restarted.instance).not.toContain(String(onWorker3.metadata.name))
    expect(saveRules(syncedProxyState(restarted).rules, 'nat')).toMatch(/-A KUBE-PORTALS-CONTAINER -d \S+ -p tcp -m comment --comment "default\/web" -m tcp --dport 80 -j REDIRECT --to-ports \d+/)
    expect(cluster.syncedRules.read('worker-1')!.configuration.mode).toBe('iptables')
  })
})

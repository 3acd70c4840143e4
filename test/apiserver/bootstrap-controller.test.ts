// kube-apiserver's bootstrap controllers on the embedded cluster, on an injected clock: what a
// client deletes from under the API server (a wiped keyspace) comes back within the controllers'
// periods: the kubernetes Service and its endpoints every 10 s, the system namespaces, the
// bootstrap RBAC policy and the system PriorityClasses every minute; nodes do not.
import {describe, expect, it} from 'vitest'
import {allocationRepairMillisecondsInterval} from '../../src/core/apiserver/allocation-repair.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {changeRange, serviceIpOffset, serviceIpRange} from '../../src/core/apiserver/range-allocation.js'
import {BootstrapController, kubernetesServiceIntervalMilliseconds, runBootstrapController, systemObjectsIntervalMilliseconds} from '../../src/core/apiserver/bootstrap-controller.js'
import {coreDnsAddonObjects} from '../../src/core/apiserver/addons/coredns.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {SteppedClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

async function keys(store: LazyEmbeddedStore, prefix: string): Promise<string[]> {
  return (await store.list(prefix)).objects.map((object) => object.key)
}

/** kubeadm's addons write their own RBAC once; the API server's controllers do not write it again. */
const addonNames = new Set(coreDnsAddonObjects().map((object) => `/${object.resource}/${object.body.metadata?.name ?? ''}`))
const withoutAddons = (keys: string[]) => keys.filter((key) => ![...addonNames].some((suffix) => key.endsWith(suffix)))

async function wipe(store: LazyEmbeddedStore): Promise<void> {
  for (const key of await keys(store, '/')) await store.delete(key)
}

describe('bootstrap controller', () => {
  it('writes again, at its periods on the clock, what a wiped keyspace lost, and reports it once', async () => {
    const clock = new SteppedClock()
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    const api = new ApiServer({store, clock})
    try {
      await ensureBootstrapped(api, clock.nowMilliseconds())
      const before = {
        namespaces: await keys(store, '/registry/namespaces/'),
        roles: withoutAddons(await keys(store, '/registry/clusterroles/')),
        bindings: withoutAddons(await keys(store, '/registry/clusterrolebindings/')),
        priorityClasses: await keys(store, '/registry/priorityclasses/'),
      }
      const controller = new BootstrapController(api, clock)
      // Nothing is missing on a bootstrapped cluster; both checks are due again at their periods.
      expect(await controller.reconcile()).toEqual({created: [], repaired: [], failures: []})
      expect(controller.nextDue()).toBe(clock.nowMilliseconds() + kubernetesServiceIntervalMilliseconds)

      const reports: string[] = []
      const stop = new AbortController()
      let sleeping = clock.nextSleep()
      const running = runBootstrapController(controller, clock, stop.signal, (message) => reports.push(message))
      await sleeping
      await wipe(store)

      // 10 s: the Service's namespace is gone too; the failure is reported once.
      sleeping = clock.nextSleep()
      clock.advance(kubernetesServiceIntervalMilliseconds)
      await sleeping
      expect(reports).toEqual(['kube-apiserver: could not write the bootstrap objects (service default/kubernetes: namespaces "default" not found); trying again'])
      sleeping = clock.nextSleep()
      clock.advance(kubernetesServiceIntervalMilliseconds)
      await sleeping
      expect(reports).toHaveLength(1)
      expect(await keys(store, '/registry/namespaces/')).toEqual([])

      // The minute: namespaces, policy and PriorityClasses, then the Service at once.
      for (let passed = 2 * kubernetesServiceIntervalMilliseconds; passed < systemObjectsIntervalMilliseconds; passed += kubernetesServiceIntervalMilliseconds) {
        sleeping = clock.nextSleep()
        clock.advance(kubernetesServiceIntervalMilliseconds)
        await sleeping
      }
      expect(await keys(store, '/registry/namespaces/')).toEqual(before.namespaces)
      expect(await keys(store, '/registry/clusterroles/')).toEqual(before.roles)
      // kube-apiserver's own policy comes back; kubeadm's addon bindings (kube-proxy's) are kubeadm's to write.
      const restoredBindings = before.bindings.filter((key) => !key.includes('/kubeadm:'))
      expect(await keys(store, '/registry/clusterrolebindings/')).toEqual(restoredBindings)
      expect(await keys(store, '/registry/priorityclasses/')).toEqual(before.priorityClasses)
      expect(await keys(store, '/registry/services/')).toEqual(['/registry/services/endpoints/default/kubernetes', '/registry/services/specs/default/kubernetes'])
      expect(await keys(store, '/registry/endpointslices/')).toEqual(['/registry/endpointslices/default/kubernetes'])
      expect((await keys(store, '/registry/ranges/')).sort()).toEqual(['/registry/ranges/serviceips', '/registry/ranges/servicenodeports'])
      // Nodes are their kubelets' to register: a deleted Node is a removed node.
      expect(await keys(store, '/registry/minions/')).toEqual([])
      expect(reports.slice(1)).toEqual([
        'kube-apiserver: wrote again what was missing: namespace default, kube-system, kube-public, kube-node-lease; ' +
          `${before.roles.length} clusterroles; ${restoredBindings.length} clusterrolebindings; priorityclass system-node-critical, system-cluster-critical; ` +
          'rangeallocation servicenodeports; service default/kubernetes; endpointslice default/kubernetes; endpoints default/kubernetes',
      ])
      // The APIServices are the autoregister controller's, at an API server's start only.
      expect(await keys(store, '/registry/apiregistration.k8s.io/')).toEqual([])
      const service = JSON.parse(new TextDecoder().decode((await store.get('/registry/services/specs/default/kubernetes')).object!.value))
      expect(service.spec.clusterIP).toBe('10.96.0.1')

      // One object deleted by hand: back within 10 s.
      await store.delete('/registry/services/endpoints/default/kubernetes')
      sleeping = clock.nextSleep()
      clock.advance(kubernetesServiceIntervalMilliseconds)
      await sleeping
      expect(reports.at(-1)).toBe('kube-apiserver: wrote again what was missing: endpoints default/kubernetes')
      stop.abort()
      await running
    } finally {
      await store.close()
    }
  })

  it('repairs the allocators as kube-apiserver does: a cluster IP or node port no Service holds is released on the third check, one in use is marked at once', async () => {
    const clock = new SteppedClock()
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    const api = new ApiServer({store, clock})
    try {
      await ensureBootstrapped(api, clock.nowMilliseconds())
      const create = (body: object) => api.handle({method: 'POST', path: '/api/v1/namespaces/default/services', body: JSON.stringify(body), headers: {'content-type': 'application/json'}, user: apiServerUser})
      const web = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web'}, spec: {type: 'NodePort', clusterIP: '10.96.0.50', ports: [{port: 80, nodePort: 30080}]}}
      expect((await create(web)).status).toBe(201)
      const controller = new BootstrapController(api, clock)
      expect(await controller.reconcile()).toEqual({created: [], repaired: [], failures: []})
      // Deleted through etcd, past the Service REST: its cluster IP and node port stay allocated.
      await store.delete('/registry/services/specs/default/web')
      await store.delete('/registry/services/specs/default/kubernetes')
      const again = await create({...web, metadata: {name: 'web2'}})
      expect((again.body as {message: string}).message).toContain('failed to allocate IP 10.96.0.50: provided IP is already allocated')
      const checks: Array<{repaired: readonly string[]; failures: readonly string[]}> = []
      for (let check = 1; check <= 3; check++) {
        clock.advance(allocationRepairMillisecondsInterval)
        checks.push(await controller.reconcile())
      }
      // Twice flagged and kept (an allocation may be in flight), then released; the kubernetes
      // Service comes back in the same pass, once its address is free.
      expect(checks[0]!.repaired).toEqual([])
      expect(checks[0]!.failures).toEqual(['service default/kubernetes: Service "kubernetes" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated'])
      expect(checks[1]!.repaired).toEqual([])
      expect([...checks[2]!.repaired].sort()).toEqual([
        'the cluster IP 10.96.0.1 appears to have leaked: released it',
        'the cluster IP 10.96.0.50 appears to have leaked: released it',
        'the node port 30080 appears to have leaked: released it',
      ])
      expect(checks[2]!.failures).toEqual([])
      expect((await store.get('/registry/services/specs/default/kubernetes')).object).not.toBeNull()
      expect((await create({...web, metadata: {name: 'web2'}})).status).toBe(201)
      // The other way round: a Service whose address the bitmap lost is marked at the next check.
      await changeRange(store, serviceIpRange, (bitmap) => {
        bitmap.clear(serviceIpOffset('10.96.0.50')!)
        return true
      })
      clock.advance(allocationRepairMillisecondsInterval)
      expect((await controller.reconcile()).repaired).toEqual(['the cluster IP 10.96.0.50 was in use but not allocated: allocated it'])
    } finally {
      await store.close()
    }
  })
})

// kube-apiserver's bootstrap controllers on the embedded cluster, on an injected clock: what a
// client deletes from under the API server (a wiped keyspace) comes back within the controllers'
// periods: the kubernetes Service and its endpoints every 10 s, the system namespaces, the
// bootstrap RBAC policy and the system PriorityClasses every minute; nodes do not.
import {describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {BootstrapController, kubernetesServiceIntervalMilliseconds, runBootstrapController, systemObjectsIntervalMilliseconds} from '../../src/core/apiserver/bootstrap-controller.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {SteppedClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

async function keys(store: LazyEmbeddedStore, prefix: string): Promise<string[]> {
  return (await store.list(prefix)).objects.map((object) => object.key)
}

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
        roles: await keys(store, '/registry/clusterroles/'),
        bindings: await keys(store, '/registry/clusterrolebindings/'),
        priorityClasses: await keys(store, '/registry/priorityclasses/'),
      }
      const controller = new BootstrapController(api, clock)
      // Nothing is missing on a bootstrapped cluster; both checks are due again at their periods.
      expect(await controller.reconcile()).toEqual({created: [], failures: []})
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
      expect(await keys(store, '/registry/clusterrolebindings/')).toEqual(before.bindings)
      expect(await keys(store, '/registry/priorityclasses/')).toEqual(before.priorityClasses)
      expect(await keys(store, '/registry/services/')).toEqual(['/registry/services/endpoints/default/kubernetes', '/registry/services/specs/default/kubernetes'])
      expect(await keys(store, '/registry/endpointslices/')).toEqual(['/registry/endpointslices/default/kubernetes'])
      expect((await keys(store, '/registry/ranges/')).sort()).toEqual(['/registry/ranges/serviceips', '/registry/ranges/servicenodeports'])
      // Nodes are their kubelets' to register: a deleted Node is a removed node.
      expect(await keys(store, '/registry/minions/')).toEqual([])
      expect(reports.slice(1)).toEqual([
        'kube-apiserver: wrote again what was missing: namespace default, kube-system, kube-public, kube-node-lease; ' +
          `${before.roles.length} clusterroles; ${before.bindings.length} clusterrolebindings; priorityclass system-node-critical, system-cluster-critical; ` +
          'rangeallocation servicenodeports; service default/kubernetes; endpointslice default/kubernetes; endpoints default/kubernetes',
      ])
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
})

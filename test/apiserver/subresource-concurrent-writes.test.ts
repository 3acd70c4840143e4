// A write to a subresource without a resourceVersion (kubectl scale's PATCH of deployments/scale,
// kubectl debug's of pods/ephemeralcontainers) applies to whatever is stored: when another writer
// (a controller's status write) lands between the API server's read and its write, it is tried
// again, as kube's GuaranteedUpdate does. It answered 409 "the object has been modified". One
// that names a resourceVersion still gets the 409 once it is stale.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient, ApiClientError} from '../../src/core/client/client.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import type {Store} from '../../src/core/store/store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

/** The store, where the next `times` writes of `key` after `arm` are each preceded by `racing` (another writer's write of it). */
function racingStore(store: Store, key: string, racing: () => Promise<void>): {store: Store; arm: (times: number) => void; raced: () => number} {
  let armed = 0
  let raced = 0
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'update') {
        return async (...args: Parameters<Store['update']>) => {
          if (armed > 0 && args[0] === key) {
            armed--
            raced++
            await racing()
          }
          return target.update(...args)
        }
      }
      const value = Reflect.get(target, property, receiver) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return {store: wrapped, arm: (times) => (armed = times), raced: () => raced}
}

describe('subresource writes racing another writer', () => {
  it('are tried again when they name no resourceVersion, and refused when they name a stale one', {timeout: 60_000}, async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0))
    const shared = new LazyEmbeddedStore(temporaryFolder(), {clock})
    try {
      // The other writer: a second API server on the same store, as a controller's status write through another master.
      const other = new ApiClient(new ApiServer({store: shared, clock}), apiServerUser)
      let racingWrite: () => Promise<void> = async () => {}
      const race = racingStore(shared, '/registry/deployments/default/web', () => racingWrite())
      const api = new ApiServer({store: race.store, clock})
      await ensureBootstrapped(api, clock.nowMilliseconds())
      const admin = new ApiClient(api, apiServerUser)
      const deployment = {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {replicas: 1, selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image: 'nginx'}]}}}}
      await admin.request('POST', '/apis/apps/v1/namespaces/default/deployments', {body: deployment})
      let statusWrites = 0
      racingWrite = async () => {
        const current = (await other.request('GET', '/apis/apps/v1/namespaces/default/deployments/web')).body as KubeObject
        await other.request('PUT', '/apis/apps/v1/namespaces/default/deployments/web/status', {body: {...current, status: {observedGeneration: 1, replicas: ++statusWrites}}})
      }

      // Twice: the first attempt starts from the API server's own last write, the second from a read of the store.
      race.arm(2)
      const scaled = await admin.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', {body: {spec: {replicas: 3}}, contentType: 'application/merge-patch+json'})
      expect(race.raced()).toBe(2)
      expect((scaled.body as {spec: {replicas: number}}).spec.replicas).toBe(3)
      const stored = (await admin.request('GET', '/apis/apps/v1/namespaces/default/deployments/web')).body as KubeObject & {spec: {replicas: number}; status: {replicas?: number}}
      expect(stored.spec.replicas).toBe(3)
      expect(stored.status.replicas).toBe(2)

      // Naming the resourceVersion read before the racing write: stale, so a 409.
      const before = String(stored.metadata.resourceVersion)
      race.arm(1)
      const refused = await admin.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', {body: {metadata: {resourceVersion: before}, spec: {replicas: 5}}, contentType: 'application/merge-patch+json'}).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(ApiClientError)
      expect((refused as ApiClientError).code).toBe(409)
    } finally {
      await shared.close()
    }
  })
})

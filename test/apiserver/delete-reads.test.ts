// A DELETE reads the object once, for its admission and for the delete itself, as
// kube-apiserver's delete does (the store's Get, then the admission's validation of that object
// and the guarded delete): kubemu read it twice, one store read and decode more per deleted pod.
import {afterEach, describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {temporaryFolder} from '../support/temp.js'
import {countingStore} from '../support/counting-store.js'

const stores: LazyEmbeddedStore[] = []
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
})

describe('DELETE', () => {
  it('reads the object once for admission and the delete; the answers are unchanged', async () => {
    const store = new LazyEmbeddedStore(temporaryFolder())
    stores.push(store)
    const {store: counted, gets} = countingStore(store)
    const api = new ApiServer({store: counted})
    await ensureBootstrapped(api, Date.now())
    const admin = new ApiClient(api, apiServerUser)
    await admin.create(resources.configMaps, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'gone', namespace: 'default'}, data: {a: 'b'}})
    const before = gets()
    const deleted = await admin.delete(resources.configMaps, 'default', 'gone')
    expect(gets() - before).toBe(1)
    expect(deleted).toMatchObject({kind: 'Status', status: 'Success', details: {name: 'gone', kind: 'configmaps'}})
    // A missing object is NotFound, a failed precondition a Conflict, as before.
    await expect(admin.delete(resources.configMaps, 'default', 'gone')).rejects.toMatchObject({code: 404, reason: 'NotFound', message: 'configmaps "gone" not found'})
    await admin.create(resources.configMaps, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'kept', namespace: 'default'}})
    // rest.BeforeDelete's early check names the kind and comes before admission.
    const kept = await admin.get(resources.configMaps, 'default', 'kept')
    await expect(admin.delete(resources.configMaps, 'default', 'kept', {preconditions: {uid: 'other'}})).rejects.toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on ConfigMap "kept": the UID in the precondition (other) does not match the UID in record (${kept.metadata.uid}). The object might have been deleted and then recreated`,
    })
    await expect(admin.delete(resources.configMaps, 'default', 'kept', {preconditions: {resourceVersion: '1'}})).rejects.toMatchObject({
      code: 409,
      message: `Operation cannot be fulfilled on ConfigMap "kept": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${kept.metadata.resourceVersion}). The object might have been modified`,
    })
  })
})

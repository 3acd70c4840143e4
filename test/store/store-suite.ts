// The Kubernetes-facing store's behaviour, as a suite any backend must pass.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Store, StoreError} from '../../src/core/store/store.js'
import {bytes, text} from '../support/temp.js'

async function expectStoreError(promise: Promise<unknown>, code: string): Promise<StoreError> {
  const error = await promise.then(() => null, (caught: unknown) => caught)
  expect(error).toBeInstanceOf(StoreError)
  expect((error as StoreError).code).toBe(code)
  return error as StoreError
}

export function storeSuite(name: string, open: () => Promise<Store>, cleanup: () => Promise<void>) {
  describe(`store on ${name}`, () => {
    let store: Store
    beforeAll(async () => {
      store = await open()
    }, 60_000)
    afterAll(async () => {
      await store.close()
      await cleanup()
    })

    it('creates once, then reports AlreadyExists', async () => {
      const created = await store.create('/registry/pods/default/a', bytes('{"v":1}'))
      expect(created.createRevision).toBe(created.modRevision)
      await expectStoreError(store.create('/registry/pods/default/a', bytes('{}')), 'AlreadyExists')
      const {object} = await store.get('/registry/pods/default/a')
      expect(text(object!.value)).toBe('{"v":1}')
    })

    it('updates only at the expected mod revision and reports the current object on conflict', async () => {
      const {object} = await store.get('/registry/pods/default/a')
      const updated = await store.update('/registry/pods/default/a', bytes('{"v":2}'), object!.modRevision)
      expect(updated.modRevision).toBeGreaterThan(object!.modRevision)
      expect(updated.createRevision).toBe(object!.createRevision)
      const conflict = await expectStoreError(store.update('/registry/pods/default/a', bytes('{"v":3}'), object!.modRevision), 'Conflict')
      expect(conflict.current?.modRevision).toBe(updated.modRevision)
      await expectStoreError(store.update('/registry/pods/default/missing', bytes('{}'), 5), 'NotFound')
    })

    it('lists a prefix in pages at one revision', async () => {
      for (const name of ['b', 'c', 'd']) await store.create(`/registry/pods/default/${name}`, bytes(name))
      const first = await store.list('/registry/pods/', {limit: 2})
      expect(first.objects.map((object) => object.key)).toEqual(['/registry/pods/default/a', '/registry/pods/default/b'])
      expect(first.remaining).toBe(2)
      await store.create('/registry/pods/default/e', bytes('e'))
      const second = await store.list('/registry/pods/', {limit: 10, revision: first.revision, continueAfter: first.continueAfter!})
      expect(second.objects.map((object) => object.key)).toEqual(['/registry/pods/default/c', '/registry/pods/default/d'])
      expect(second.continueAfter).toBeNull()
    })

    it('deletes guarded by mod revision', async () => {
      const {object} = await store.get('/registry/pods/default/b')
      await expectStoreError(store.delete('/registry/pods/default/b', object!.modRevision - 1), 'Conflict')
      const deleted = await store.delete('/registry/pods/default/b', object!.modRevision)
      expect(text(deleted.value)).toBe('b')
      await expectStoreError(store.delete('/registry/pods/default/b'), 'NotFound')
    })

    it('watches from a revision: added, modified, deleted', async () => {
      const start = (await store.get('/registry/x')).revision
      await store.create('/registry/configmaps/ns/w', bytes('1'))
      const {object} = await store.get('/registry/configmaps/ns/w')
      await store.update('/registry/configmaps/ns/w', bytes('2'), object!.modRevision)
      await store.delete('/registry/configmaps/ns/w')
      const watch = store.watch('/registry/configmaps/', start)
      const seen: string[] = []
      while (seen.length < 3) {
        const events = await watch.next()
        if (!events) break
        for (const event of events) seen.push(`${event.type} ${text(event.object.value)}`)
      }
      watch.cancel()
      expect(seen).toEqual(['ADDED 1', 'MODIFIED 2', 'DELETED 2'])
    })
  })
}


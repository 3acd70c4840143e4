// An update starts from what the registry last wrote of the object instead of reading the store
// (kube-apiserver starts from its watch cache's copy). Two registries on one store (two API
// servers) make each other's copies stale: every outcome must still be what a read of the store
// first would have given.
import {afterEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {builtinResources} from '../../src/core/api/resources.js'
import {Scheme} from '../../src/core/api/scheme.js'
import {ApiError} from '../../src/core/apiserver/api-errors.js'
import {Registry} from '../../src/core/apiserver/registry.js'
import {WrittenObjects} from '../../src/core/apiserver/written-objects.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'
import {countingStore} from '../support/counting-store.js'

const configMaps = new Scheme(builtinResources).resource('', 'v1', 'configmaps')!
let uids = 0
const environment = (clock: ManualClock) => ({nowMilliseconds: () => clock.nowMilliseconds(), newUid: () => `uid-${++uids}`, random: () => 0.5})

const stores: LazyEmbeddedStore[] = []
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
})

/** Two API servers on one store; `sharing`: with one set of written copies, as the API servers of one `up` process. */
async function twoApiServers(sharing = false) {
  const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0))
  const shared = new LazyEmbeddedStore(temporaryFolder(), {clock})
  stores.push(shared)
  const first = countingStore(shared)
  const second = countingStore(shared)
  const written = sharing ? new WrittenObjects() : undefined
  return {first: new Registry(first.store, environment(clock), written), firstGets: first.gets, second: new Registry(second.store, environment(clock), written), secondGets: second.gets}
}

const configMap = (data: Record<string, string>): KubeObject => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'settings', namespace: 'default'}, data} as KubeObject)
/** A transform as a patch makes one: the current object (a fresh one if there is none) with one more data key. */
const withData = (key: string, value: string) => (current: KubeObject | null): KubeObject => {
  const base = current ?? configMap({})
  return {...base, data: {...(base.data as Record<string, string>), [key]: value}}
}

describe("updates from the registry's own last write", () => {
  it('do not read the store while the copy is current', async () => {
    const {first, firstGets} = await twoApiServers()
    await first.create(configMaps, 'default', configMap({a: '1'}))
    const {object} = await first.update(configMaps, 'default', 'settings', withData('b', '2'))
    await first.update(configMaps, 'default', 'settings', withData('c', '3'))
    expect(firstGets()).toBe(0)
    expect((await first.get(configMaps, 'default', 'settings')).data).toEqual({a: '1', b: '2', c: '3'})
    expect(Number(object.metadata.resourceVersion)).toBeGreaterThan(0)
  })

  it("keep another API server's change made in between", async () => {
    const {first, firstGets, second} = await twoApiServers()
    await first.create(configMaps, 'default', configMap({a: '1'}))
    await second.update(configMaps, 'default', 'settings', withData('b', 'second'))
    const {object} = await first.update(configMaps, 'default', 'settings', withData('c', 'first'))
    expect(object.data).toEqual({a: '1', b: 'second', c: 'first'})
    expect(firstGets()).toBe(1)
    expect((await second.get(configMaps, 'default', 'settings')).data).toEqual({a: '1', b: 'second', c: 'first'})
  })

  it('take a resourceVersion that is current in the store though not in the copy, and refuse the copy\'s own once stale', async () => {
    const {first, second} = await twoApiServers()
    const created = await first.create(configMaps, 'default', configMap({a: '1'}))
    const {object: latest} = await second.update(configMaps, 'default', 'settings', withData('b', '2'))
    // The client read the newest version (through the second API server) and sends it back to the first.
    const {object} = await first.update(configMaps, 'default', 'settings', () => ({...latest, data: {a: '1', b: '2', c: '3'}}))
    expect(object.data).toEqual({a: '1', b: '2', c: '3'})
    await second.update(configMaps, 'default', 'settings', withData('d', '4'))
    const stale = first.update(configMaps, 'default', 'settings', () => ({...created, data: {x: '1'}}))
    await expect(stale).rejects.toBeInstanceOf(ApiError)
    await expect(stale).rejects.toMatchObject({code: 409})
  })

  it('write what the store lacks when the copy says there is nothing to change', async () => {
    const {first, second} = await twoApiServers()
    await first.create(configMaps, 'default', configMap({a: '1'}))
    await second.update(configMaps, 'default', 'settings', () => ({...configMap({a: 'changed'})}))
    // Compared with the copy ({a: '1'}) this changes nothing; the store holds {a: 'changed'}.
    const {object} = await first.update(configMaps, 'default', 'settings', () => configMap({a: '1'}))
    expect(object.data).toEqual({a: '1'})
    expect((await second.get(configMaps, 'default', 'settings')).data).toEqual({a: '1'})
  })

  it('answer not found once another API server deleted the object', async () => {
    const {first, second} = await twoApiServers()
    await first.create(configMaps, 'default', configMap({a: '1'}))
    await second.delete(configMaps, 'default', 'settings')
    // A ConfigMap is not created by an update (kube's AllowCreateOnUpdate is false for it).
    await expect(first.update(configMaps, 'default', 'settings', withData('b', '2'))).rejects.toMatchObject({code: 404})
    await expect(first.update(configMaps, 'default', 'settings', withData('b', '2'), {subresource: 'status'})).rejects.toMatchObject({code: 404})
  })

  it("start from the other API server's write when they share their copies, as up's do", async () => {
    const {first, second, secondGets} = await twoApiServers(true)
    await first.create(configMaps, 'default', configMap({a: '1'}))
    const {object} = await second.update(configMaps, 'default', 'settings', withData('b', '2'))
    expect(object.data).toEqual({a: '1', b: '2'})
    expect(secondGets()).toBe(0)
    expect((await first.get(configMaps, 'default', 'settings')).data).toEqual({a: '1', b: '2'})
  })

  it('serve a guaranteed update (a binding) from the copy, and from the store once the copy is stale', async () => {
    const {first, firstGets, second} = await twoApiServers()
    await first.create(configMaps, 'default', configMap({a: '1'}))
    const bound = await first.guaranteedUpdate(configMaps, 'default', 'settings', (current) => ({...current!, data: {...(current!.data as object), b: '2'}}))
    expect(bound.data).toEqual({a: '1', b: '2'})
    expect(firstGets()).toBe(0)
    // Changed through the other API server: the copy is stale, the guarded write fails, the store is read.
    await second.update(configMaps, 'default', 'settings', withData('c', 'second'))
    const again = await first.guaranteedUpdate(configMaps, 'default', 'settings', (current) => ({...current!, data: {...(current!.data as object), d: '4'}}))
    expect(again.data).toEqual({a: '1', b: '2', c: 'second', d: '4'})
    // A transform that leaves a stale copy as it is, or refuses it, is asked again with the store's object.
    await second.update(configMaps, 'default', 'settings', withData('e', '5'))
    const seen = await first.guaranteedUpdate(configMaps, 'default', 'settings', () => null)
    expect(seen.data).toMatchObject({e: '5'})
    await second.update(configMaps, 'default', 'settings', withData('f', '6'))
    const refusedOnlyStale = await first.guaranteedUpdate(configMaps, 'default', 'settings', (current) => {
      if ((current!.data as Record<string, string>).f !== '6') throw new Error('stale')
      return {...current!, data: {...(current!.data as object), g: '7'}}
    })
    expect(refusedOnlyStale.data).toMatchObject({f: '6', g: '7'})
  })
})

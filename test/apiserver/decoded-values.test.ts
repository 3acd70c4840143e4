// The readers of a write (watchers, the next update, a get) copy the object the API server
// decoded when it wrote, instead of parsing the stored JSON again. The copy must be what parsing
// would give, for exactly the bytes stored: a value changed past the API server (etcdctl put) is
// read as it now is, and no reader's change to its copy reaches another reader.
import {afterEach, describe, expect, it, vi} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {builtinResources} from '../../src/core/api/resources.js'
import {Scheme} from '../../src/core/api/scheme.js'
import {DecodedValues, decodedValuesMax} from '../../src/core/apiserver/decoded-values.js'
import {Registry} from '../../src/core/apiserver/registry.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {resources} from '../../src/core/client/resources.js'
import {inProcessCluster} from '../support/in-process-cluster.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const configMaps = new Scheme(builtinResources).resource('', 'v1', 'configmaps')!
const key = '/registry/configmaps/default/settings'
let uids = 0

const stores: LazyEmbeddedStore[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const store of stores.splice(0)) await store.close()
})

function registry(): Registry {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 12, 0, 0))
  const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
  stores.push(store)
  return new Registry(store, {nowMilliseconds: () => clock.nowMilliseconds(), newUid: () => `uid-${++uids}`, random: () => 0.5})
}

const configMap = (data: Record<string, string>): KubeObject => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'settings', namespace: 'default'}, data} as KubeObject)
const encode = (object: unknown) => new TextEncoder().encode(JSON.stringify(object))

describe('decoded stored values', () => {
  it('are copied to the readers of a write instead of parsed again', async () => {
    const api = registry()
    const created = await api.create(configMaps, 'default', configMap({a: '1'}))
    const parse = vi.spyOn(JSON, 'parse')
    const read = await api.get(configMaps, 'default', 'settings')
    expect(parse).not.toHaveBeenCalled()
    expect(read).toEqual(created)
    // Each reader has its own copy: a change to one is not seen by the next.
    ;(read.data as Record<string, string>).a = 'changed'
    created.metadata.labels = {changed: 'yes'}
    const again = await api.get(configMaps, 'default', 'settings')
    expect(again.data).toEqual({a: '1'})
    expect(again.metadata.labels).toBeUndefined()
  })

  it('are read afresh once the stored bytes change past the API server, and again when they come back', async () => {
    const api = registry()
    await api.create(configMaps, 'default', configMap({a: '1'}))
    const {object: stored} = await api.store.get(key)
    const original = stored!.value
    // etcdctl put of another object at the key: the next read shows it.
    const other = {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'settings', namespace: 'default', uid: 'by-hand'}, data: {b: '2'}}
    const replaced = await api.store.update(key, encode(other), stored!.modRevision)
    expect((await api.get(configMaps, 'default', 'settings')).data).toEqual({b: '2'})
    expect((await api.get(configMaps, 'default', 'settings')).metadata.uid).toBe('by-hand')
    // The first bytes written back (a new revision, the same value): decoded as before, at the new resourceVersion.
    const back = await api.store.update(key, original, replaced.modRevision)
    const read = await api.get(configMaps, 'default', 'settings')
    expect(read.data).toEqual({a: '1'})
    expect(read.metadata.resourceVersion).toBe(String(back.modRevision))
    // An update starts from what is stored, not from the first write's copy.
    const {object: updated} = await api.update(configMaps, 'default', 'settings', (current) => ({...current!, data: {...(current!.data as Record<string, string>), c: '3'}}))
    expect(updated.data).toEqual({a: '1', c: '3'})
  })

  it("are shared, frozen, with informers' watches (which change nothing), and copied for every other reader", async () => {
    const cluster = await inProcessCluster(new ManualClock(Date.UTC(2026, 11, 7, 12, 0, 0)), 1)
    const start = (await cluster.admin.list(resources.configMaps, 'default')).resourceVersion
    const shared = await cluster.admin.watch(resources.configMaps, start, 'default')
    const copied = (await cluster.admin.request('GET', '/api/v1/namespaces/default/configmaps', {query: {watch: 'true', resourceVersion: start}})).watch!
    const written = await cluster.admin.create<KubeObject>(resources.configMaps, configMap({a: '1'}))
    const [event] = (await shared.next())!
    const [other] = (await copied.next())!
    shared.cancel()
    copied.cancel()
    for (const object of [event!.object, other!.object] as KubeObject[]) {
      expect(object.data).toEqual({a: '1'})
      expect(object.metadata.resourceVersion).toBe(written.metadata.resourceVersion)
    }
    // The informer's event shares the API server's frozen copy: a change throws, and no reader sees one.
    const sharedObject = event!.object as KubeObject
    expect(Object.isFrozen(sharedObject.data)).toBe(true)
    expect(() => { (sharedObject.data as Record<string, string>).a = 'changed' }).toThrow(TypeError)
    // Another watcher's object is its own, as the answer to the write and every read are.
    const otherObject = other!.object as KubeObject
    expect(Object.isFrozen(otherObject.data)).toBe(false)
    ;(otherObject.data as Record<string, string>).a = 'changed'
    ;(written.data as Record<string, string>).a = 'changed too'
    expect((await cluster.admin.get<KubeObject>(resources.configMaps, 'default', 'settings')).data).toEqual({a: '1'})
  })

  it('answer only for the bytes they were made from, and keep at most their bound', () => {
    const values = new DecodedValues()
    const first = {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'x'}, data: {a: '1'}}
    const bytes = encode(first)
    expect(values.wrote('k', bytes, first)).toEqual(first)
    expect(values.decode('k', encode(first))).toEqual(first)
    const second = {...first, data: {a: '2'}}
    expect(values.decode('k', encode(second))).toEqual(second)
    expect(values.decode('other', bytes)).toEqual(first)
    // What JSON drops (an undefined field) is dropped from the kept object too.
    const withUndefined = {...first, data: {a: '1', gone: undefined}}
    expect(Object.keys(values.wrote('u', encode(withUndefined), withUndefined).data as object)).toEqual(['a'])
    for (let index = 0; index < decodedValuesMax + 10; index++) values.wrote(`key-${index}`, bytes, first)
    expect(values.size).toBe(decodedValuesMax)
  })
})

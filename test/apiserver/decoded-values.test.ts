// The readers of a write (watchers, the next update, a get) copy the object the API server
// decoded when it wrote, instead of parsing the stored JSON again. The copy must be what parsing
// would give, for exactly the bytes stored: a value changed past the API server (etcdctl put) is
// read as it now is, and no reader's change to its copy reaches another reader.
import {afterEach, describe, expect, it, vi} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {builtinResources} from '../../src/core/api/resources.js'
import {Scheme} from '../../src/core/api/scheme.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {decodedValueBytesKeptMax, decodedValueBytesMax, DecodedValues, decodedValues, decodedValuesMax} from '../../src/core/apiserver/decoded-values.js'
import {startHttpApi} from '../../src/core/server/http-api.js'
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

  it("are shared with informers' watches (which change nothing), and copied for every other reader", async () => {
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
    // The informer's event shares the API server's copy; another watcher's object is its own, as
    // the answer to the write and every read are: a change to those reaches no other reader.
    const sharedObject = event!.object as KubeObject
    const otherObject = other!.object as KubeObject
    expect(otherObject.data).not.toBe(sharedObject.data)
    ;(otherObject.data as Record<string, string>).a = 'changed'
    ;(written.data as Record<string, string>).a = 'changed too'
    expect((await cluster.admin.get<KubeObject>(resources.configMaps, 'default', 'settings')).data).toEqual({a: '1'})
    expect(sharedObject.data).toEqual({a: '1'})
    const again = (await cluster.admin.request('GET', '/api/v1/namespaces/default/configmaps', {query: {watch: 'true', resourceVersion: start}})).watch!
    expect(((await again.next())![0]!.object as KubeObject).data).toEqual({a: '1'})
    again.cancel()
  })

  it('are written out to HTTP watchers (kubectl get -w) without a copy per watcher', async () => {
    const store = new LazyEmbeddedStore(temporaryFolder())
    stores.push(store)
    const api = new ApiServer({store})
    await ensureBootstrapped(api, Date.now())
    const server = await startHttpApi(api)
    try {
      const headers = {authorization: `Bearer ${api.credentials.adminToken()}`}
      const listed = await (await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, {headers})).json() as {metadata: {resourceVersion: string}}
      const asTable = {...headers, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'}
      const watches = [`${server.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${listed.metadata.resourceVersion}`]
      const streams = await Promise.all([fetch(watches[0]!, {headers}), fetch(watches[0]!, {headers: asTable})])
      const copies = vi.spyOn(decodedValues, 'decode')
      const created = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, {method: 'POST', headers: {...headers, 'content-type': 'application/json'}, body: JSON.stringify(configMap({a: '1'}))})
      expect(created.status).toBe(201)
      const firstLines = await Promise.all(streams.map(async (stream) => {
        const reader = stream.body!.getReader()
        let text = ''
        while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value)
        await reader.cancel()
        return JSON.parse(text.slice(0, text.indexOf('\n'))) as {type: string; object: Record<string, unknown>}
      }))
      expect(firstLines[0]).toMatchObject({type: 'ADDED', object: {kind: 'ConfigMap', metadata: {name: 'settings'}, data: {a: '1'}}})
      expect(firstLines[1]).toMatchObject({type: 'ADDED', object: {kind: 'Table', rows: [{cells: ['settings', 1, expect.any(String)]}]}})
      expect(copies).not.toHaveBeenCalled()
    } finally {
      await server.close()
    }
  })

  it('answer only for the bytes they were made from, and keep at most their bound', () => {
    const values = new DecodedValues()
    const first = {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'x'}, data: {a: '1'}}
    const bytes = encode(first)
    values.keep('k', bytes, first)
    expect(values.decode('k', encode(first))).toEqual(first)
    const second = {...first, data: {a: '2'}}
    expect(values.decode('k', encode(second))).toEqual(second)
    expect(values.decode('other', bytes)).toEqual(first)
    // What JSON drops (an undefined field) is dropped from the kept object too.
    const withUndefined = {...first, data: {a: '1', gone: undefined}}
    values.keep('u', encode(withUndefined), withUndefined)
    expect(Object.keys(values.decode('u', encode(withUndefined)).data as object)).toEqual(['a'])
    // Shared only for the very bytes kept.
    expect(values.shared('k', bytes)).toEqual(first)
    expect(values.shared('k', encode(second))).toBeNull()
    for (let index = 0; index < decodedValuesMax + 10; index++) values.keep(`key-${index}`, bytes, first)
    expect(values.size).toBe(decodedValuesMax)
  })
})

describe('the decoded values kept, in bytes', () => {
  it('keeps no more than their byte budget, and no value past the size kept', () => {
    const values = new DecodedValues()
    const object = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'big'}} as KubeObject
    const megabyte = new Uint8Array(1024 * 1024 - 1)
    for (let index = 0; index < 40; index++) values.keep(`/registry/configmaps/default/big-${index}`, megabyte, object)
    expect(values.size).toBe(Math.floor(decodedValueBytesMax / megabyte.byteLength))
    values.keep('/registry/configmaps/default/huge', new Uint8Array(decodedValueBytesKeptMax + 1), object)
    expect(values.shared('/registry/configmaps/default/huge', new Uint8Array(decodedValueBytesKeptMax + 1))).toBeNull()
  })
})

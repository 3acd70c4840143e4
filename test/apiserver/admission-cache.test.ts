// Pod admission reads the namespace, service account, limit ranges, quotas and priority classes
// from caches, as kube-apiserver's plugins read informers, instead of the store on every write;
// and the caches never answer with what was changed since: writes through any API server on the
// same store object, of another process, or past the API servers (the watch `up` runs) take effect.
import {describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import type {HttpMethod, UserInfo} from '../../src/core/api/wire.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {admissionCachedKeyPrefixes, admissionCachedResources} from '../../src/core/apiserver/admission/cached-objects.js'
import {CachedChanges, watchCachedChanges} from '../../src/core/apiserver/cached-changes.js'
import {listPrefix} from '../../src/core/apiserver/keys.js'
import {builtinScheme} from '../../src/core/api/resources.js'
import type {Store} from '../../src/core/store/store.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const admin: UserInfo = {name: 'admin', groups: ['system:masters', 'system:authenticated']}

function call(api: ApiServer, method: HttpMethod, path: string, body?: unknown) {
  return api.handle({method, path, user: admin, headers: {'content-type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body)})
}

const pod = (name: string) => ({apiVersion: 'v1', kind: 'Pod', metadata: {name}, spec: {containers: [{name: 'c', image: 'registry.k8s.io/pause:3.10'}]}})
const createPod = (api: ApiServer, namespace: string, name: string) => call(api, 'POST', `/api/v1/namespaces/${namespace}/pods`, pod(name))
const namespace = (name: string) => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name}})
const serviceAccount = (name: string) => ({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'default', namespace: name}})

/** The store, counting the reads under each key prefix. */
function countingStore(inner: LazyEmbeddedStore): {store: Store; reads: (prefix: string) => number} {
  const counts: string[] = []
  const store: Store = {
    get: (key) => (counts.push(key), inner.get(key)),
    list: (prefix, options) => (counts.push(prefix), inner.list(prefix, options)),
    create: (key, value, options) => inner.create(key, value, options),
    update: (key, value, expected, options) => inner.update(key, value, expected, options),
    delete: (key, expected) => inner.delete(key, expected),
    watch: (prefix, revision) => inner.watch(prefix, revision),
    close: () => inner.close(),
    exclusiveWriterEpoch: () => inner.exclusiveWriterEpoch(),
    onWrite: (listener) => inner.onWrite(listener),
  }
  return {store, reads: (prefix) => counts.filter((key) => key.startsWith(prefix)).length}
}

describe('admission caches', () => {
  it('name the key prefixes the watch of cached objects covers', () => {
    const scheme = builtinScheme()
    expect(admissionCachedResources.map(({group, resource}) => listPrefix(scheme.preferredResource(group, resource)!, null))).toEqual([...admissionCachedKeyPrefixes])
  })

  it('read the store once for many pods, and see what another API server or another process writes', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 12, 0, 0))
    const lazy = new LazyEmbeddedStore(folder, {clock})
    const {store, reads} = countingStore(lazy)
    const first = new ApiServer({store, clock})
    const second = new ApiServer({store, clock})
    await ensureBootstrapped(first, clock.nowMilliseconds())

    expect((await createPod(first, 'default', 'a')).status).toBe(201)
    const before = admissionCachedKeyPrefixes.map(reads)
    for (const name of ['b', 'c', 'd']) expect((await createPod(first, 'default', name)).status).toBe(201)
    // Three more pods and not one more read of what admission consults (it was 2 to 4 per pod).
    expect(admissionCachedKeyPrefixes.map(reads)).toEqual(before)

    // A namespace, its service account and a quota written through the other API server count at once.
    expect((await createPod(first, 'team', 'a')).status).toBe(404)
    expect((await call(second, 'POST', '/api/v1/namespaces', namespace('team'))).status).toBe(201)
    expect((await call(second, 'POST', '/api/v1/namespaces/team/serviceaccounts', serviceAccount('team'))).status).toBe(201)
    expect((await createPod(first, 'team', 'a')).status).toBe(201)
    const quota = {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'two'}, spec: {hard: {pods: '2'}}}
    expect((await call(second, 'POST', '/api/v1/namespaces/team/resourcequotas', quota)).status).toBe(201)
    expect((await createPod(first, 'team', 'b')).status).toBe(201)
    const refused = await createPod(first, 'team', 'c')
    expect(refused.status).toBe(403)
    expect((refused.body as {message: string}).message).toContain('exceeded quota: two')
    // Deleted through the other API server: the namespace is terminating for the first one at once.
    expect((await call(second, 'DELETE', '/api/v1/namespaces/team')).status).toBe(202)
    expect((await createPod(first, 'team', 'd')).status).toBe(403)

    // Another process: this store gives the writer lock back, the other one writes a namespace.
    await lazy.releaseWriter()
    const other = new LazyEmbeddedStore(folder, {clock})
    const otherApi = new ApiServer({store: other, clock})
    expect((await call(otherApi, 'POST', '/api/v1/namespaces', namespace('elsewhere'))).status).toBe(201)
    expect((await call(otherApi, 'POST', '/api/v1/namespaces/elsewhere/serviceaccounts', serviceAccount('elsewhere'))).status).toBe(201)
    await other.close()
    expect((await createPod(first, 'elsewhere', 'a')).status).toBe(201)
    await lazy.close()
  })

  it('see a namespace written past the API servers once the watch of cached objects tells them', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 12, 0, 0))
    const store = new LazyEmbeddedStore(folder, {clock})
    const changes = new CachedChanges()
    const api = new ApiServer({store, clock, cachedChanges: changes})
    await ensureBootstrapped(api, clock.nowMilliseconds())
    const stop = new AbortController()
    const watching = watchCachedChanges(store, admissionCachedKeyPrefixes, changes, clock, stop.signal, (message) => {
      throw new Error(message)
    })
    try {
      expect((await createPod(api, 'default', 'a')).status).toBe(201)
      // Written through the etcd API, as etcdctl through `up`'s front door: no API server sees the write.
      const etcd = await store.embeddedClient()
      const encode = (value: object) => new TextEncoder().encode(JSON.stringify(value))
      await etcd.kv.put({key: new TextEncoder().encode('/registry/namespaces/default'), value: encode({...namespace('default'), metadata: {name: 'default', uid: 'x', creationTimestamp: '2026-12-06T12:00:00Z', deletionTimestamp: '2026-12-06T12:00:00Z'}, spec: {finalizers: ['kubernetes']}, status: {phase: 'Terminating'}})})
      let status = 0
      for (let attempt = 0; attempt < 200 && status !== 403; attempt++) {
        status = (await createPod(api, 'default', `b${attempt}`)).status
        if (status !== 403) await new Promise((resolve) => setImmediate(resolve))
      }
      expect(status).toBe(403)
    } finally {
      stop.abort()
      await watching
      await store.close()
    }
  })
})

describe('admission caches past one page of the store', () => {
  it('read every page of a resource: a namespace after the first 10,000 exists (a first page alone was taken for all)', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 12, 0, 0))
    const store = new LazyEmbeddedStore(folder, {clock})
    const api = new ApiServer({store, clock})
    try {
      await ensureBootstrapped(api, clock.nowMilliseconds())
      // 10,000 namespaces whose keys sort before default's, written past the API server.
      for (let index = 0; index < 10_000; index++) {
        const name = `a${String(index).padStart(5, '0')}`
        await store.create(`/registry/namespaces/${name}`, new TextEncoder().encode(JSON.stringify({kind: 'Namespace', apiVersion: 'v1', metadata: {name, uid: `uid-${index}`, creationTimestamp: '2026-12-06T12:00:00Z'}, spec: {finalizers: ['kubernetes']}, status: {phase: 'Active'}})))
      }
      expect((await call(api, 'POST', '/api/v1/namespaces/default/serviceaccounts', serviceAccount('default'))).status).toBeLessThan(500)
      expect((await createPod(api, 'default', 'after-the-first-page')).status).toBe(201)
    } finally {
      await store.close()
    }
  }, 120_000)
})

describe('ResourceQuota under requests side by side', () => {
  it('admits no more than the hard limit when pods are created at once (each charge checked against the quota as it is then)', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 12, 0, 0))
    const store = new LazyEmbeddedStore(folder, {clock})
    const first = new ApiServer({store, clock})
    const second = new ApiServer({store, clock})
    try {
      await ensureBootstrapped(first, clock.nowMilliseconds())
      expect((await call(first, 'POST', '/api/v1/namespaces', namespace('m9'))).status).toBe(201)
      expect((await call(first, 'POST', '/api/v1/namespaces/m9/serviceaccounts', serviceAccount('m9'))).status).toBe(201)
      const quota = {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'z'}, spec: {hard: {pods: '2'}}, status: {hard: {pods: '2'}, used: {pods: '0'}}}
      expect((await call(first, 'POST', '/api/v1/namespaces/m9/resourcequotas', quota)).status).toBe(201)
      const answers = await Promise.all(Array.from({length: 10}, (_, index) => createPod(index % 2 === 0 ? first : second, 'm9', `p${index}`)))
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(2)
      expect(answers.filter((answer) => answer.status === 403).map((answer) => (answer.body as {message?: string} | undefined)?.message ?? JSON.parse(String(answer.body)).message)).toEqual(Array(8).fill(expect.stringMatching(/exceeded quota: z, requested: pods=1, used: pods=2, limited: pods=2$/)))
      const stored = (await call(first, 'GET', '/api/v1/namespaces/m9/resourcequotas/z')).body
      const used = (typeof stored === 'string' ? JSON.parse(stored) : stored) as {status: {used: {pods: string}}}
      expect(used.status.used.pods).toBe('2')
    } finally {
      await store.close()
    }
  })
})

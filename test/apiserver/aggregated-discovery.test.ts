// Aggregated discovery (apidiscovery.k8s.io/v2) at /api and /apis, as kube-apiserver 1.32 serves it
// to clients that ask for it first (kubectl 1.32 does): every group version's resources in two
// answers, each one the legacy APIResourceList of its group version with subresources under their
// resource, with its own content type, an ETag, Vary: Accept; the legacy documents to everyone else.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {ApiResponse} from '../../src/core/api/wire.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {EtcdStore} from '../../src/core/store/store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const v2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
const v2beta1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList'
/** What client-go's discovery sends (kubectl 1.32). */
const kubectlAccept = `${v2},${v2beta1},application/json`

interface LegacyEntry {
  name: string
  namespaced: boolean
  kind: string
  verbs: string[]
  group?: string
  version?: string
  shortNames?: string[]
  categories?: string[]
}

describe('aggregated discovery', () => {
  let store: EtcdStore
  let api: ApiServer
  const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0))
  const get = (path: string, headers: Record<string, string> = {}): Promise<ApiResponse> =>
    api.handle({method: 'GET', path, headers: {authorization: `Bearer ${api.credentials.adminToken()}`, ...headers}})
  const json = (response: ApiResponse) => (typeof response.body === 'string' ? JSON.parse(response.body) : response.body)

  beforeAll(async () => {
    store = new EtcdStore(new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {seed: 3}), {endpoint: 'infra1'}))
    api = new ApiServer({store, clock})
    await ensureBootstrapped(api, clock.nowMilliseconds())
  }, 60_000)
  afterAll(async () => {
    await store.close()
  })

  it('answers kubectl\'s Accept with the v2 documents, in their content type, with an ETag that answers 304', async () => {
    const core = await get('/api', {accept: kubectlAccept})
    expect(core.status).toBe(200)
    expect(core.contentType).toBe(v2)
    expect(core.headers).toMatchObject({vary: 'Accept', 'cache-control': 'public'})
    expect(core.headers?.etag).toMatch(/^"[0-9A-F]{128}"$/)
    const list = json(core)
    expect(list).toMatchObject({kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}})
    expect(list.items).toHaveLength(1)
    expect(list.items[0].metadata).toEqual({creationTimestamp: null})
    const pods = list.items[0].versions[0].resources.find((resource: {resource: string}) => resource.resource === 'pods')
    expect(Object.keys(pods)).toEqual(['resource', 'responseKind', 'scope', 'singularResource', 'verbs', 'shortNames', 'categories', 'subresources'])
    expect(pods).toMatchObject({responseKind: {group: '', version: '', kind: 'Pod'}, scope: 'Namespaced', singularResource: 'pod', shortNames: ['po'], categories: ['all']})
    expect(pods.subresources.find((entry: {subresource: string}) => entry.subresource === 'eviction')).toEqual({subresource: 'eviction', responseKind: {group: 'policy', version: 'v1', kind: 'Eviction'}, verbs: ['create']})
    expect(pods.subresources.find((entry: {subresource: string}) => entry.subresource === 'status')).toEqual({subresource: 'status', responseKind: {group: '', version: '', kind: 'Pod'}, verbs: ['get', 'patch', 'update']})
    expect(list.items[0].versions[0].freshness).toBe('Current')
    // The same document again: 304 to a client that sends its ETag.
    const cached = await get('/api', {accept: kubectlAccept, 'if-none-match': core.headers!.etag!})
    expect(cached.status).toBe(304)
    expect(cached.body).toBe('')
    expect((await get('/api', {accept: kubectlAccept, 'if-none-match': '"0"'})).status).toBe(200)
    const named = await get('/apis', {accept: kubectlAccept})
    expect(named.contentType).toBe(v2)
    const deployments = json(named).items.find((item: {metadata: {name: string}}) => item.metadata.name === 'apps').versions[0].resources.find((resource: {resource: string}) => resource.resource === 'deployments')
    expect(deployments.subresources.find((entry: {subresource: string}) => entry.subresource === 'scale').responseKind).toEqual({group: 'autoscaling', version: 'v1', kind: 'Scale'})
  })

  it('holds what the legacy documents hold, group by group and version by version, in their order', async () => {
    const legacyGroups = json(await get('/apis', {accept: 'application/json'}))
    expect(legacyGroups.kind).toBe('APIGroupList')
    const aggregated = json(await get('/apis', {accept: kubectlAccept})).items
    expect(aggregated.map((item: {metadata: {name: string}}) => item.metadata.name)).toEqual(legacyGroups.groups.map((group: {name: string}) => group.name))
    const documents: Array<[string, unknown]> = [['/api/v1', json(await get('/api', {accept: kubectlAccept})).items[0].versions[0]]]
    for (const [index, group] of legacyGroups.groups.entries()) {
      const versions = aggregated[index].versions
      expect(versions.map((entry: {version: string}) => entry.version)).toEqual(group.versions.map((entry: {version: string}) => entry.version))
      for (const entry of versions) documents.push([`/apis/${group.name}/${entry.version}`, entry])
    }
    expect(documents.length).toBeGreaterThan(15)
    for (const [path, version] of documents) {
      const legacy = json(await get(path)).resources as LegacyEntry[]
      // The aggregated version converted back as client-go converts it.
      const converted: LegacyEntry[] = []
      for (const resource of (version as {resources: any[]}).resources) {
        converted.push({
          name: resource.resource,
          namespaced: resource.scope === 'Namespaced',
          kind: resource.responseKind.kind,
          verbs: resource.verbs,
          ...(resource.shortNames ? {shortNames: resource.shortNames} : {}),
          ...(resource.categories ? {categories: resource.categories} : {}),
        })
        for (const sub of resource.subresources ?? []) {
          converted.push({
            name: `${resource.resource}/${sub.subresource}`,
            namespaced: resource.scope === 'Namespaced',
            kind: sub.responseKind.kind,
            verbs: sub.verbs,
            ...(sub.responseKind.group ? {group: sub.responseKind.group, version: sub.responseKind.version} : {}),
          })
        }
      }
      const comparable = (entries: LegacyEntry[]) =>
        entries.map(({name, namespaced, kind, verbs, group, version, shortNames, categories}) => ({name, namespaced, kind, verbs, group, version, shortNames, categories})).sort((a, b) => (a.name < b.name ? -1 : 1))
      expect(comparable(converted), path).toEqual(comparable(legacy))
    }
  })

  it('answers v2beta1 to a client that asks for it alone, and the legacy documents to a plain Accept or none', async () => {
    const beta = await get('/apis', {accept: `application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,${v2beta1}`})
    expect(beta.contentType).toBe(v2beta1)
    expect(json(beta).apiVersion).toBe('apidiscovery.k8s.io/v2beta1')
    for (const accept of ['application/json', '*/*', `application/json,${v2}`, undefined]) {
      const legacy = await get('/api', accept === undefined ? {} : {accept})
      expect(json(legacy).kind, String(accept)).toBe('APIVersions')
      expect(legacy.contentType).toBeUndefined()
    }
    // Ranked as kube ranks them: by quality, then the more specific first.
    expect((await get('/api', {accept: `*/*,${v2}`})).contentType).toBe(v2)
    expect((await get('/api', {accept: `${v2};q=0.5,application/json`})).contentType).toBeUndefined()
    expect((await get('/api', {accept: `application/json;q=0.9,${v2beta1}`})).contentType).toBe(v2beta1)
    // Group versions have no aggregated document: the legacy one, whatever is asked.
    expect(json(await get('/apis/apps/v1', {accept: kubectlAccept})).kind).toBe('APIResourceList')
  })
})

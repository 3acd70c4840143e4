// List continue tokens as kube-apiserver's etcd3 store hands them out and reads them back
// (k8s.io/apiserver/pkg/storage/continue.go): unpadded URL-safe base64, the remaining item count,
// a 400 naming what is wrong with a bad token, and after compaction a 410 whose Status carries a
// token that lists the rest at the newest revision.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {EtcdStore} from '../../src/core/store/store.js'
import {temporaryFolder} from '../support/temp.js'

interface ListBody {
  metadata: {resourceVersion?: string; continue?: string; remainingItemCount?: number}
  items: Array<{metadata: {name: string}}>
  message?: string
  reason?: string
  code?: number
}

describe('list continue tokens', () => {
  let client: EmbeddedClient
  let store: EtcdStore
  let api: ApiServer
  const namespace = 'paged'
  const list = async (query: Record<string, string>) => {
    const response = await api.handle({method: 'GET', path: `/api/v1/namespaces/${namespace}/configmaps`, query, user: apiServerUser, headers: {}})
    return {status: response.status, body: response.body as ListBody}
  }
  const token = (body: object) => Buffer.from(JSON.stringify(body)).toString('base64url')

  beforeAll(async () => {
    client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {seed: 5}), {endpoint: 'infra1'})
    store = new EtcdStore(client)
    api = new ApiServer({store})
    await ensureBootstrapped(api, Date.now())
    const post = (path: string, body: object) => api.handle({method: 'POST', path, user: apiServerUser, headers: {'content-type': 'application/json'}, body: JSON.stringify(body)})
    expect((await post('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace}})).status).toBe(201)
    for (let index = 1; index <= 5; index++) {
      expect((await post(`/api/v1/namespaces/${namespace}/configmaps`, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `c${index}`}})).status).toBe(201)
    }
  }, 60_000)
  afterAll(async () => {
    await store.close()
  })

  it('hands out unpadded URL-safe base64 tokens with the remaining item count', async () => {
    const first = await list({limit: '2'})
    expect(first.body.items.map((item) => item.metadata.name)).toEqual(['c1', 'c2'])
    expect(first.body.metadata.remainingItemCount).toBe(3)
    const continued = first.body.metadata.continue!
    expect(continued).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(JSON.parse(Buffer.from(continued, 'base64url').toString())).toEqual({v: 'meta.k8s.io/v1', rv: Number(first.body.metadata.resourceVersion), start: 'c2\u0000'})
    const second = await list({limit: '2', continue: continued})
    expect(second.body.items.map((item) => item.metadata.name)).toEqual(['c3', 'c4'])
    expect(second.body.metadata.remainingItemCount).toBe(1)
    const last = await list({limit: '2', continue: second.body.metadata.continue!})
    expect(last.body.items.map((item) => item.metadata.name)).toEqual(['c5'])
    expect(last.body.metadata.continue).toBeUndefined()
    expect(last.body.metadata.remainingItemCount).toBeUndefined()
    // With a selector the count would be a guess: kube-apiserver leaves it out.
    const selected = await list({limit: '2', labelSelector: 'missing!=x'})
    expect(selected.body.metadata.continue).toBeDefined()
    expect(selected.body.metadata.remainingItemCount).toBeUndefined()
  })

  for (const [name, bad, message] of [
    ['a character outside the URL alphabet', 'abc!', 'illegal base64 data at input byte 3'],
    ['padding', `${token({v: 'meta.k8s.io/v1', rv: 5, start: 'c1\u0000'}).slice(0, 2)}==`, 'illegal base64 data at input byte 2'],
    ['a dangling character', 'abcde', 'illegal base64 data at input byte 4'],
    ['a body that is not JSON', Buffer.from('!x').toString('base64url'), "invalid character '!' looking for beginning of value"],
    ['another version', token({v: 'meta.k8s.io/v2', rv: 5, start: 'c1\u0000'}), 'server does not recognize this encoded version meta.k8s.io/v2'],
    ['revision 0', token({v: 'meta.k8s.io/v1', rv: 0, start: 'c1\u0000'}), 'incorrect encoded start resourceVersion (version meta.k8s.io/v1)'],
    ['an empty start key', token({v: 'meta.k8s.io/v1', rv: 5, start: ''}), 'encoded start key empty (version meta.k8s.io/v1)'],
    ['a path out of the prefix', token({v: 'meta.k8s.io/v1', rv: 5, start: '../secrets/x'}), '../secrets/x'],
    ['a revision that is a string', token({v: 'meta.k8s.io/v1', rv: '5', start: 'c1'}), 'json: cannot unmarshal string into Go struct field continueToken.rv of type int64'],
  ] as const) {
    it(`answers 400 for a token with ${name}`, async () => {
      const answer = await list({limit: '2', continue: bad})
      expect(answer.status).toBe(400)
      expect(answer.body).toMatchObject({reason: 'BadRequest', code: 400, message: `invalid continue token: continue key is not valid: ${message}`})
    })
  }

  it('answers 410 with a token for the rest once the revision is compacted, and that token lists the rest', async () => {
    const first = await list({limit: '2'})
    const post = await api.handle({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      user: apiServerUser,
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c6'}}),
    })
    const newest = Number((post.body as ListBody).metadata.resourceVersion)
    await client.kv.compact({revision: newest, physical: true})
    const expired = await list({limit: '2', continue: first.body.metadata.continue!})
    expect(expired.status).toBe(410)
    expect(expired.body).toMatchObject({
      reason: 'Expired',
      code: 410,
      message:
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    })
    const carryOn = expired.body.metadata.continue!
    expect(JSON.parse(Buffer.from(carryOn, 'base64url').toString())).toEqual({v: 'meta.k8s.io/v1', rv: -1, start: 'c2\u0000'})
    const rest = await list({continue: carryOn})
    expect(rest.status).toBe(200)
    expect(rest.body.items.map((item) => item.metadata.name)).toEqual(['c3', 'c4', 'c5', 'c6'])
    // A list at a compacted revision without a continue token: the etcd3 store's own text.
    const old = await list({resourceVersion: String(Number(first.body.metadata.resourceVersion) - 1), resourceVersionMatch: 'Exact'})
    expect(old.status).toBe(410)
    expect(old.body.message).toBe('The resourceVersion for the provided list is too old.')
  })
})

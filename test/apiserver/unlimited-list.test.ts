// A list without a limit is whole, as kube-apiserver answers it, even past the store's page of
// 10,000 objects: informers relist through it, and a list cut short would look like deletions.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {listPageObjectsMax} from '../../src/core/store/store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

describe('unlimited lists', () => {
  it('returns every object past the store page size, and pages when asked', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    const api = new ApiServer({store, clock})
    await ensureBootstrapped(api, clock.nowMilliseconds())
    const admin = new ApiClient(api, apiServerUser)
    const count = listPageObjectsMax + 25
    const configMap = (index: number) => ({kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: `c-${String(index).padStart(5, '0')}`, namespace: 'default'}, data: {index: String(index)}}) as unknown as KubeObject
    for (let start = 0; start < count; start += 500) {
      await Promise.all(Array.from({length: Math.min(500, count - start)}, (_, offset) => admin.create(resources.configMaps, configMap(start + offset))))
    }
    const whole = await api.handle({method: 'GET', path: '/api/v1/namespaces/default/configmaps', user: apiServerUser, headers: {}})
    const body = whole.body as {items: KubeObject[]; metadata: {continue?: string}}
    // kube-root-ca.crt is not in kubemu's namespaces; only the ones created here.
    expect(body.items.filter((item) => item.metadata.name?.startsWith('c-'))).toHaveLength(count)
    expect(body.metadata.continue).toBeUndefined()
    // Asked in pages, the same objects come page by page, each once, until no continue token is left.
    const paged: string[] = []
    let token: string | undefined
    for (let pages = 0; pages < 10; pages++) {
      const page = await api.handle({method: 'GET', path: '/api/v1/namespaces/default/configmaps', query: {limit: '4000', ...(token ? {continue: token} : {})}, user: apiServerUser, headers: {}})
      const pageBody = page.body as {items: KubeObject[]; metadata: {continue?: string}}
      expect(pageBody.items.length).toBeLessThanOrEqual(4000)
      paged.push(...pageBody.items.map((item) => String(item.metadata.name)))
      token = pageBody.metadata.continue
      if (!token) break
    }
    expect(token).toBeUndefined()
    expect(paged.filter((name) => name.startsWith('c-'))).toEqual(body.items.map((item) => String(item.metadata.name)).filter((name) => name.startsWith('c-')))
    await store.close()
  }, 120_000)
})

// The Node authorizer's view of the pods (node-graph.ts): kept between checks while this process
// holds the store alone, read in pages, and brought up to date with every pod written through the
// API server before a check answers, so a kubelet may read what a pod bound to it uses at once.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import type {ApiResponse, UserInfo} from '../../src/core/api/wire.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {NodePodGraph} from '../../src/core/apiserver/authorization/node-graph.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import type {ListOptions, Store} from '../../src/core/store/store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const kubelet = (node: string): UserInfo => ({name: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated']})

/** The store, counting the reads of pods (lists and gets) that go through it. */
function countingPodReads(store: Store): {store: Store; lists: () => number; gets: () => number} {
  let lists = 0
  let gets = 0
  const counted = new Proxy(store, {
    get(target, property) {
      if (property === 'list') {
        return (prefix: string, options?: ListOptions) => {
          if (prefix.startsWith('/registry/pods/')) lists++
          return target.list(prefix, options)
        }
      }
      if (property === 'get') {
        return (key: string) => {
          if (key.startsWith('/registry/pods/')) gets++
          return target.get(key)
        }
      }
      const value = Reflect.get(target, property) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
  return {store: counted, lists: () => lists, gets: () => gets}
}

async function cluster() {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 12, 0, 0))
  const inner = new LazyEmbeddedStore(temporaryFolder(), {clock})
  const counting = countingPodReads(inner)
  const api = new ApiServer({store: counting.store, clock})
  await ensureBootstrapped(api, clock.nowMilliseconds())
  const admin = new ApiClient(api, apiServerUser)
  const pod = (name: string, node: string | null, configMap?: string) =>
    ({
      kind: 'Pod', apiVersion: 'v1', metadata: {name, namespace: 'default'},
      spec: {...(node ? {nodeName: node} : {}), containers: [{name: 'main', image: 'busybox', ...(configMap ? {envFrom: [{configMapRef: {name: configMap}}]} : {})}]},
    }) as unknown as KubeObject
  const readConfigMap = (node: string, name: string): Promise<ApiResponse> => api.handle({method: 'GET', path: `/api/v1/namespaces/default/configmaps/${name}`, user: kubelet(node), headers: {}})
  await admin.create(resources.configMaps, {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'settings', namespace: 'default'}, data: {a: '1'}} as unknown as KubeObject)
  return {inner, counting, admin, pod, readConfigMap}
}

describe('the Node authorizer pod graph', () => {
  it('answers the kubelets of many nodes from one read of the pods, and sees every pod write at once', async () => {
    const {inner, counting, admin, pod, readConfigMap} = await cluster()
    // 40 nodes, each with a pod that uses nothing, and one pod on node-7 that uses the ConfigMap.
    await Promise.all(Array.from({length: 40}, (_, index) => admin.create(resources.pods, pod(`filler-${index}`, `node-${index}`))))
    await admin.create(resources.pods, pod('user', 'node-7', 'settings'))
    const listsBefore = counting.lists()
    const answers = await Promise.all(Array.from({length: 40}, (_, index) => readConfigMap(`node-${index}`, 'settings')))
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({length: 40}, (_, index) => (index === 7 ? 200 : 403)))
    // One read of the namespace's pods (a page), not one per check.
    expect(counting.lists() - listsBefore).toBe(1)
    expect((await readConfigMap('node-3', 'settings')).status).toBe(403)
    expect(counting.lists() - listsBefore).toBe(1)

    // A pod bound to node-3 that uses the ConfigMap: node-3's next check allows it, reading that pod alone.
    const getsBefore = counting.gets()
    await admin.create(resources.pods, pod('pending', null, 'settings'))
    expect((await readConfigMap('node-3', 'settings')).status).toBe(403)
    await admin.create(resources.pods, pod('bound', 'node-3', 'settings'))
    expect((await readConfigMap('node-3', 'settings')).status).toBe(200)
    expect(counting.lists() - listsBefore).toBe(1)
    expect(counting.gets() - getsBefore).toBe(2)
    // Gone, the relation goes with it.
    await admin.delete(resources.pods, 'default', 'bound', {gracePeriodSeconds: 0})
    expect((await readConfigMap('node-3', 'settings')).status).toBe(403)
    expect((await readConfigMap('node-7', 'settings')).status).toBe(200)
    await inner.close()
  }, 60_000)

  it('reads a namespace in pages and sees the pods of every page', async () => {
    const {inner, counting, admin, pod} = await cluster()
    await Promise.all(Array.from({length: 10}, (_, index) => admin.create(resources.pods, pod(`p-${index}`, `node-${index}`, index === 9 ? 'settings' : undefined))))
    const graph = new NodePodGraph(counting.store, '/registry/pods/', 3)
    const listsBefore = counting.lists()
    expect(await graph.related('default', 'node-9', 'configmaps', 'settings')).toBe(true)
    expect(await graph.related('default', 'node-8', 'configmaps', 'settings')).toBe(false)
    expect(await graph.related('default', 'node-0', 'serviceaccounts', 'default')).toBe(true)
    expect(await graph.related('other', 'node-9', 'configmaps', 'settings')).toBe(false)
    // 10 pods and the bootstrap's none in default, 3 a page: 4 pages, once; the empty namespace: 1.
    expect(counting.lists() - listsBefore).toBe(5)
    // A pod bound while another graph reads the namespace page by page: the next check sees it.
    const reading = new NodePodGraph(counting.store, '/registry/pods/', 1)
    const [during] = await Promise.all([reading.related('default', 'node-20', 'configmaps', 'settings'), admin.create(resources.pods, pod('late', 'node-20', 'settings'))])
    expect(typeof during).toBe('boolean')
    expect(await reading.related('default', 'node-20', 'configmaps', 'settings')).toBe(true)
    await inner.close()
  }, 60_000)

  it('without a writer epoch (other writers), reads the pods at each check, a page at a time', async () => {
    const {inner, counting, admin, pod} = await cluster()
    await Promise.all(Array.from({length: 7}, (_, index) => admin.create(resources.pods, pod(`p-${index}`, `node-${index}`, index === 6 ? 'settings' : undefined))))
    const shared: Store = new Proxy(counting.store, {get: (target, property) => (property === 'exclusiveWriterEpoch' ? () => null : (Reflect.get(target, property) as unknown))})
    const graph = new NodePodGraph(shared, '/registry/pods/', 2)
    const listsBefore = counting.lists()
    expect(await graph.related('default', 'node-6', 'configmaps', 'settings')).toBe(true)
    expect(counting.lists() - listsBefore).toBe(4)
    expect(await graph.related('default', 'node-5', 'configmaps', 'settings')).toBe(false)
    expect(counting.lists() - listsBefore).toBe(8)
    await inner.close()
  }, 60_000)
})

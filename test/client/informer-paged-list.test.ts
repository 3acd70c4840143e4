// An informer lists in pages, as client-go's reflector does (500 objects a page): a list of every
// object at once held them all decoded beside the cache, over 1 GiB of heap at 100,000 pods when
// a watch that fell behind a compaction made the informers list again.
import {describe, expect, it} from 'vitest'
import type {ApiClient} from '../../src/core/client/client.js'
import {InformerFactory} from '../../src/core/client/informer-factory.js'
import {resources} from '../../src/core/client/resources.js'
import {informerListPageObjectsMax} from '../../src/core/client/shared-informer.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster} from '../support/in-process-cluster.js'

describe('an informer\'s list', () => {
  it('reads pages of at most informerListPageObjectsMax objects, at one resourceVersion, and caches them all', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8, 0, 0))
    const cluster = await inProcessCluster(clock, 1)
    const count = informerListPageObjectsMax + 3
    for (let first = 0; first < count; first += 50) {
      await Promise.all(Array.from({length: Math.min(50, count - first)}, (_, offset) => cluster.admin.create(resources.configMaps, {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: `cm-${first + offset}`, namespace: 'default'}, data: {index: String(first + offset)}})))
    }
    const lists: Array<{items: number; query: Record<string, string>}> = []
    const client = new Proxy(cluster.admin, {
      get: (target, property, receiver) =>
        property === 'list'
          ? async (...args: Parameters<ApiClient['list']>) => {
              const listed = await target.list(...args)
              lists.push({items: listed.items.length, query: args[2] ?? {}})
              return listed
            }
          : Reflect.get(target, property, receiver),
    })
    const informer = new InformerFactory(client).informer(resources.configMaps)
    await informer.shared.sync()
    // kube-root-ca.crt of each namespace is listed too: at least two pages, none larger than the bound.
    expect(lists.length).toBeGreaterThanOrEqual(2)
    for (const list of lists) {
      expect(list.query.limit).toBe(String(informerListPageObjectsMax))
      expect(list.items).toBeLessThanOrEqual(informerListPageObjectsMax)
    }
    expect(lists[0]!.query.continue).toBeUndefined()
    expect(lists[1]!.query.continue).toBeDefined()
    for (let index = 0; index < count; index++) expect(informer.get(`default/cm-${index}`)?.data).toEqual({index: String(index)})
    // The watch goes on from the list: a change after it arrives.
    await cluster.admin.create(resources.configMaps, {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'late', namespace: 'default'}, data: {a: 'b'}})
    for (let round = 0; round < 100 && !informer.get('default/late'); round++) await informer.shared.sync()
    expect(informer.get('default/late')).toBeDefined()
  })
})

// An informer asked to sync again and again while its watch has nothing to deliver (a kind that
// rarely changes; the loops sync every informer at every turn) leaves nothing behind per sync:
// it asked the watch once and looks at whether that answer came, instead of racing the answer's
// promise, which hung one more reaction on it at every sync until the next event.
import {describe, expect, it} from 'vitest'
import type {ApiWatch} from '../../src/core/api/wire.js'
import type {ApiClient} from '../../src/core/client/client.js'
import {InformerFactory} from '../../src/core/client/informer-factory.js'
import {resources} from '../../src/core/client/resources.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster} from '../support/in-process-cluster.js'

describe('an idle informer', () => {
  it('subscribes once to its watch however often it syncs, and still gets the next event', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 8, 0, 0))
    const cluster = await inProcessCluster(clock, 1)
    let subscriptions = 0
    class CountedAnswer<T> extends Promise<T> {
      override then<A = T, B = never>(fulfilled?: ((value: T) => A | PromiseLike<A>) | null, rejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
        subscriptions++
        return super.then(fulfilled, rejected)
      }
    }
    const counted = (watch: ApiWatch): ApiWatch => ({
      next: () => {
        const answer = watch.next()
        return new CountedAnswer((resolve, reject) => void answer.then(resolve, reject))
      },
      cancel: () => watch.cancel(),
    })
    const client = new Proxy(cluster.admin, {
      get: (target, property, receiver) => (property === 'watch' ? async (...args: Parameters<ApiClient['watch']>) => counted(await target.watch(...args)) : Reflect.get(target, property, receiver)),
    })
    const informer = new InformerFactory(client).informer(resources.configMaps)
    await informer.shared.sync()
    const before = subscriptions
    for (let round = 0; round < 2_000; round++) await informer.shared.sync()
    expect(subscriptions - before).toBeLessThanOrEqual(2)
    await cluster.admin.create(resources.configMaps, {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'late', namespace: 'default'}, data: {a: 'b'}})
    for (let round = 0; round < 100 && !informer.get('default/late'); round++) await informer.shared.sync()
    expect(informer.get('default/late')?.metadata.name).toBe('late')
  })
})

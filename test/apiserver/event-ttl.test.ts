// Events live for kube-apiserver's --event-ttl (1 h) on an etcd lease, one lease serving the
// events of a reuse window (kube's lease manager), and they are gone from etcd after it.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {eventTtlSeconds} from '../../src/core/apiserver/registry.js'
import {ApiClient} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {leaseReuseSecondsMax} from '../../src/core/store/lease-manager.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const event = (name: string) =>
  ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {name, namespace: 'default'},
    involvedObject: {kind: 'Pod', name: 'web', namespace: 'default'},
    reason: 'Testing',
    message: name,
    type: 'Normal',
  }) as unknown as KubeObject

describe('event TTL', () => {
  it('attaches events to a shared lease and etcd drops them an hour later', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    const api = new ApiServer({store, clock})
    await ensureBootstrapped(api, clock.nowMilliseconds())
    const admin = new ApiClient(api, apiServerUser)
    const etcd = await store.embeddedClient()
    const leaseOf = async (name: string) => (await etcd.kv.range({key: new TextEncoder().encode(`/registry/events/default/${name}`)})).kvs[0]?.lease

    await admin.create(resources.events, event('first'))
    clock.advance(10_000)
    await admin.create(resources.events, event('second'))
    const lease = await leaseOf('first')
    expect(lease).toBeGreaterThan(0n)
    expect(await leaseOf('second')).toBe(lease)
    // kube grants the TTL plus the reuse window.
    expect((await etcd.lease.timeToLive(lease!, true)).grantedTtl).toBe(eventTtlSeconds + leaseReuseSecondsMax)
    // Other objects have no lease.
    expect((await etcd.kv.range({key: new TextEncoder().encode('/registry/namespaces/default')})).kvs[0]?.lease).toBe(0n)

    // Past the reuse window a new lease is granted.
    clock.advance((leaseReuseSecondsMax + 1) * 1000)
    await admin.create(resources.events, event('third'))
    expect(await leaseOf('third')).not.toBe(lease)

    clock.advance((eventTtlSeconds + leaseReuseSecondsMax) * 1000 - (leaseReuseSecondsMax + 1) * 1000 - 10_000 + 1)
    expect((await admin.list(resources.events, 'default')).items.map((item) => item.metadata.name)).toEqual(['third'])
    await store.close()
  })
})

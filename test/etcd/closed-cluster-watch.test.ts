// A watch waiting on a member whose cluster this process closes (a one-shot command giving the
// writer lock back) ends with etcd's error at once: before, it waited for applies that could never
// come, and with nothing else keeping the process alive Node ended it with status 13 in the middle
// of its work (a one-shot `kubectl proxy` interrupted while its loops caught up).
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {openEmbeddedClient} from '../../src/core/store/backends.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder} from '../support/temp.js'

describe('closing the cluster', () => {
  it('ends the watches of a member client waiting on it with "etcdserver: server stopped"', async () => {
    const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock: new ManualClock(), seed: 3}), {endpoint: 'infra2'})
    await client.kv.put({key: bytes('a'), value: bytes('1')})
    const watcher = client.watch.watch({key: bytes('a'), startRevision: 3})
    await watcher.created()
    const waiting = watcher.next()
    await client.embedded.close()
    await expect(waiting).rejects.toThrow('etcdserver: server stopped')
  })

  it('ends the watches of a failover client (the one-shot store) waiting on it the same way', async () => {
    const folder = temporaryFolder()
    const client = openEmbeddedClient(folder, {clock: new ManualClock(), seed: 3})
    await client.kv.put({key: bytes('a'), value: bytes('1')})
    const watcher = client.watch.watch({key: bytes('a'), startRevision: 3})
    await watcher.created()
    const waiting = watcher.next()
    await client.close()
    await expect(waiting).rejects.toThrow('etcdserver: server stopped')
    // What the closed cluster wrote is there for the next process that opens it.
    const reopened = openEmbeddedClient(folder, {clock: new ManualClock(), seed: 3})
    expect((await reopened.kv.range({key: bytes('a')})).kvs.map((kv) => Buffer.from(kv.value).toString())).toEqual(['1'])
    await reopened.close()
  })
})

describe('a one-shot store giving the writer lock back', () => {
  it('ends a watch that read through the writer, as a watch ends when its server goes away (its client watches again)', async () => {
    const store = new LazyEmbeddedStore(temporaryFolder(), {seed: 3})
    const created = await store.create('/registry/things/a', bytes('1'))
    const watch = store.watch('/registry/things/', created.modRevision + 1)
    const waiting = watch.next()
    await store.releaseWriter()
    expect(await waiting).toBeNull()
    await store.close()
  })
})

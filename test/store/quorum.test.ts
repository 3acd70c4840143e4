// The API server's etcd client on the embedded cluster knows every member, as kube-apiserver with
// several --etcd-servers: it prefers one, fails over when that one stops, loses no acknowledged
// write while members stop one after another, and without a quorum fails within its timeout
// with etcd's "request timed out" (on the injected clock: no real waiting).
import {describe, expect, it} from 'vitest'
import {defaultLayout} from '../../src/core/etcd/layout.js'
import {startMemberOf, stopMemberOf} from '../../src/core/etcd/member-faults.js'
import {EtcdError, etcdErrors} from '../../src/core/mvcc/errors.js'
import {openEmbeddedClient} from '../../src/core/store/backends.js'
import {ensureClientUser} from '../../src/core/store/client-user.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {EtcdStore} from '../../src/core/store/store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

const memberId = (name: string) => defaultLayout().members.find((member) => member.name === name)!.idNumber

describe('failover across members', () => {
  it('serves from the preferred member, and from the next running one while it is stopped', async () => {
    const clock = new ManualClock()
    const client = openEmbeddedClient(temporaryFolder(), {clock, seed: 7, preferredMember: 'infra2'})
    const store = new EtcdStore(client, clock)
    await store.create('/registry/a', bytes('1'))
    expect((await client.kv.range({key: bytes('/registry/a')})).header.memberId).toBe(memberId('infra2'))
    client.embedded.stopMember('infra2')
    // The order after the preferred member is the cluster's: infra1, then infra3.
    await store.create('/registry/b', bytes('2'))
    expect((await client.kv.range({key: bytes('/registry/b')})).header.memberId).toBe(memberId('infra1'))
    client.embedded.stopMember('infra1')
    client.embedded.startMember('infra2')
    const {object} = await store.get('/registry/b')
    expect(text(object!.value)).toBe('2')
    await client.close()
  })

  it('keeps the group commit: writes made together share a few Ready batches', async () => {
    const clock = new ManualClock()
    const client = openEmbeddedClient(temporaryFolder(), {clock, seed: 13, preferredMember: 'infra3'})
    const store = new EtcdStore(client, clock)
    await store.create('/registry/warm-up', bytes('0'))
    const leader = client.embedded.leader()!
    const fsyncsBefore = leader.walFsyncs
    await Promise.all(Array.from({length: 64}, (_, index) => store.create(`/registry/k${index}`, bytes(String(index)))))
    expect(leader.walFsyncs - fsyncsBefore).toBeLessThanOrEqual(4)
    await client.close()
  })

  it('moves a watch to a running member when its member stops', async () => {
    const clock = new ManualClock()
    const client = openEmbeddedClient(temporaryFolder(), {clock, seed: 9})
    const store = new EtcdStore(client, clock)
    const created = await store.create('/registry/a', bytes('1'))
    const watch = store.watch('/registry/', created.modRevision)
    const events = watch.next()
    stopMemberOf(client.embedded, 'infra1')
    await store.create('/registry/b', bytes('2'))
    expect((await events)!.map((event) => `${event.type} ${event.object.key}`)).toEqual(['ADDED /registry/b'])
    watch.cancel()
    await client.close()
  })

  it('loses no acknowledged write while each member in turn stops under a stream of writes', async () => {
    const clock = new ManualClock()
    const client = openEmbeddedClient(temporaryFolder(), {clock, seed: 11})
    const store = new EtcdStore(client, clock)
    const acknowledged: string[] = []
    const failures: string[] = []
    let next = 0
    const write = async (): Promise<boolean> => {
      const key = `/registry/configmaps/default/cm-${next++}`
      try {
        await store.create(key, bytes(key))
        acknowledged.push(key)
        return true
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error))
        return false
      }
    }
    for (const name of ['infra1', 'infra2', 'infra3']) {
      const inFlight = Array.from({length: 20}, () => write())
      // The member goes while the writes are on their way through it (or through another).
      await Promise.resolve()
      stopMemberOf(client.embedded, name)
      await Promise.all(inFlight)
      // With the member stopped, and after it started again, every write succeeds.
      for (let index = 0; index < 20; index++) if (!(await write())) throw new Error(`write ${next - 1} failed with ${name} stopped: ${failures.at(-1)}`)
      await startMemberOf(client.embedded, name)
      expect(await Promise.all(Array.from({length: 20}, () => write()))).toEqual(Array.from({length: 20}, () => true))
    }
    // Only a write caught on its member as it went fails, with etcd's "request timed out" (its
    // outcome unknown, as on etcd); none that was acknowledged is lost.
    expect(failures.length).toBeLessThanOrEqual(60)
    expect(new Set(failures)).toSatisfy((messages: Set<string>) => [...messages].every((message) => message === etcdErrors.timeout().message))
    const stored = new Set((await store.list('/registry/configmaps/')).objects.map((object) => object.key))
    for (const key of acknowledged) expect(stored).toContain(key)
    await client.close()
  })

  it('without a quorum fails within the request timeout with "request timed out", and recovers when a member starts', async () => {
    const clock = new ManualClock()
    const folder = temporaryFolder()
    const client = openEmbeddedClient(folder, {clock, seed: 5, requestTimeoutMilliseconds: 2_000})
    const store = new EtcdStore(client, clock)
    await store.create('/registry/a', bytes('1'))
    client.embedded.stopMember('infra1')
    client.embedded.stopMember('infra2')
    for (const request of [() => store.get('/registry/a'), () => store.create('/registry/b', bytes('2'))]) {
      const started = clock.nowMilliseconds()
      const error = await request().then(() => null, (failure: unknown) => failure)
      expect(error).toBeInstanceOf(EtcdError)
      expect((error as EtcdError).message).toBe('etcdserver: request timed out')
      // Each attempt gets a third of the time; the last may start just before the deadline.
      expect(clock.nowMilliseconds() - started).toBeLessThanOrEqual(2_000 + Math.ceil(2_000 / 3) + 100)
    }
    client.embedded.startMember('infra2')
    expect(text((await store.get('/registry/a')).object!.value)).toBe('1')
    await store.create('/registry/c', bytes('3'))
    await client.close()
  })
})

describe('the lock-free reader of one-shot commands', () => {
  it('reads from a running member, and not at all without a quorum', async () => {
    const clock = new ManualClock()
    const folder = temporaryFolder()
    const writer = new LazyEmbeddedStore(folder, {clock, seed: 3, requestTimeoutMilliseconds: 1_000})
    await writer.create('/registry/a', bytes('1'))
    const client = await writer.embeddedClient()
    client.embedded.stopMember('infra1')
    await writer.update('/registry/a', bytes('2'), (await writer.get('/registry/a')).object!.modRevision)
    await writer.close()
    // infra1's file still says 1: the reader must not serve it.
    const reader = new LazyEmbeddedStore(folder, {clock, requestTimeoutMilliseconds: 1_000})
    expect(text((await reader.get('/registry/a')).object!.value)).toBe('2')
    expect(reader.exclusiveWriterEpoch()).toBeNull() // read lock-free, from infra2
    await reader.close()

    const stopper = new LazyEmbeddedStore(folder, {clock, requestTimeoutMilliseconds: 1_000})
    ;(await stopper.embeddedClient()).embedded.stopMember('infra2')
    await stopper.close()
    const noQuorum = new LazyEmbeddedStore(folder, {clock, requestTimeoutMilliseconds: 1_000})
    await expect(noQuorum.get('/registry/a')).rejects.toThrow('etcdserver: request timed out')
    await noQuorum.close()
  })
})

describe("the API server's etcd user", () => {
  const credentials = {user: 'kube-apiserver-etcd-client', password: 'secret'}

  it('is made with the root role without a revision, once', async () => {
    const client = openEmbeddedClient(temporaryFolder(), {clock: new ManualClock(), seed: 2})
    await ensureClientUser(client, credentials)
    await ensureClientUser(client, credentials)
    expect((await client.auth.userGet(credentials.user)).roles).toEqual(['root'])
    expect((await client.auth.userList()).users).toEqual([credentials.user])
    expect((await client.kv.range({key: bytes('x')})).header.revision).toBe(1)
    await client.close()
  })

  it('logs in once auth is enabled after the client started, as clientv3 does', async () => {
    const clock = new ManualClock()
    const client = openEmbeddedClient(temporaryFolder(), {clock, seed: 4, etcdUser: credentials})
    const store = new EtcdStore(client, clock)
    await ensureClientUser(client, credentials)
    await store.create('/registry/a', bytes('1'))
    await client.auth.userAdd('root', 'root-secret')
    await client.auth.userGrantRole('root', 'root')
    await client.auth.enable()
    await store.create('/registry/b', bytes('2'))
    expect((await store.list('/registry/')).objects.map((object) => object.key)).toEqual(['/registry/a', '/registry/b'])
    await client.close()
  })
})

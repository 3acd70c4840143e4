import {describe, expect, it} from 'vitest'
import Database from 'better-sqlite3'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

function openClient(folder: string, clock: ManualClock, endpoint = 'infra1'): EmbeddedClient {
  return new EmbeddedClient(EmbeddedCluster.open(folder, {clock, seed: 7}), {endpoint})
}

describe('embedded cluster', () => {
  it('starts empty at revision 1, elects a leader in term 2, and the first write is revision 2', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock()
    const client = openClient(folder, clock)
    const empty = await client.kv.range({key: bytes('foo')})
    expect(empty.header.revision).toBe(1)
    expect(empty.header.raftTerm).toBe(2)
    expect(empty.header.memberId).toBe(0x8211f1d0f64f3269n)
    expect(empty.header.clusterId).toBe(17237436991929493444n)
    const put = await client.kv.put({key: bytes('foo'), value: bytes('bar')})
    expect(put.header.revision).toBe(2)
    const got = await client.kv.range({key: bytes('foo')})
    expect(got.kvs.map((kv) => [text(kv.key), text(kv.value), kv.createRevision, kv.modRevision, kv.version])).toEqual([['foo', 'bar', 2, 2, 1]])
    await client.close()
  })

  it('resumes without an election after a clean stop, and every member holds the data', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock()
    const first = openClient(folder, clock)
    await first.kv.put({key: bytes('a'), value: bytes('1')})
    const term = (await first.kv.range({key: bytes('a')})).header.raftTerm
    await first.close()
    let expected = '1'
    for (const endpoint of ['infra1', 'infra2', 'infra3']) {
      const again = openClient(folder, clock, endpoint)
      const response = await again.kv.range({key: bytes('a'), serializable: true})
      expect(response.header.raftTerm).toBe(term)
      expect(response.kvs.map((kv) => text(kv.value))).toEqual([expected])
      await again.kv.put({key: bytes('a'), value: bytes(endpoint)})
      expected = endpoint
      await again.close()
    }
    const last = openClient(folder, clock, 'infra2')
    const response = await last.kv.range({key: bytes('a')})
    expect(response.header.raftTerm).toBe(term)
    expect(response.header.revision).toBe(5)
    expect(text(response.kvs[0]!.value)).toBe('infra3')
    await last.close()
  })

  it('holds an election after a crash (no clean stop) and loses no acknowledged write', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock()
    const first = openClient(folder, clock)
    await first.kv.put({key: bytes('k'), value: bytes('v')})
    const term = (await first.kv.range({key: bytes('k')})).header.raftTerm
    first.embedded.abandon()
    const second = openClient(folder, clock)
    const response = await second.kv.range({key: bytes('k')})
    expect(response.header.raftTerm).toBeGreaterThan(term)
    expect(text(response.kvs[0]!.value)).toBe('v')
    await second.close()
  })
})

describe('group commit', () => {
  it('commits requests made together in a few Ready batches, each with its own revision and outcome', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock()
    const client = openClient(folder, clock)
    await client.kv.put({key: bytes('warm-up'), value: bytes('0')})
    const members = client.embedded.members()
    const fsyncsOf = () => members.map((member) => member.walFsyncs)
    const fsyncsBefore = fsyncsOf()
    const requests = 64
    const responses = await Promise.all(
      Array.from({length: requests}, (_, index) =>
        client.kv.txn({
          compare: [{key: bytes(`k${index % 32}`), target: 'mod', result: 'equal', modRevision: 0}],
          success: [{requestPut: {key: bytes(`k${index % 32}`), value: bytes(String(index))}}],
          failure: [],
        }),
      ),
    )
    // Two requests per key: exactly one of each pair finds the key absent.
    expect(responses.filter((response) => response.succeeded)).toHaveLength(32)
    const revisions = responses.filter((response) => response.succeeded).map((response) => response.header.revision)
    expect(new Set(revisions).size).toBe(32)
    // Each member fsyncs a few batches, not one per request. A commit needs a quorum's fsyncs,
    // not necessarily the leader's own: two followers may acknowledge before its fsync returns.
    const fsyncsDuring = fsyncsOf().map((count, index) => count - fsyncsBefore[index]!)
    for (const count of fsyncsDuring) expect(count).toBeLessThanOrEqual(4)
    expect(fsyncsDuring.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2)
    const range = await client.kv.range({key: bytes('k'), rangeEnd: bytes('l')})
    expect(range.count).toBe(32)
    expect(range.header.revision).toBe(2 + 32)
    await client.close()
  })
})

describe('the write lock of a member\'s file', () => {
  it('held by another connection (the checkpointer) makes a write wait its turn, with the event loop free, and the write goes through once it is let go', async () => {
    const folder = temporaryFolder()
    const cluster = EmbeddedCluster.open(folder, {clock: new ManualClock(), seed: 5})
    const client = new EmbeddedClient(cluster, {endpoint: 'infra1'})
    await client.kv.put({key: bytes('before'), value: bytes('1')})
    const leader = cluster.leader()!
    const other = new Database(leader.database.path)
    other.prepare('BEGIN IMMEDIATE').run()
    let settled = false
    const put = client.kv.put({key: bytes('during'), value: bytes('2')}).finally(() => (settled = true))
    // Turns of the event loop go by while the leader cannot write: it waits without blocking them.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve))
    // The put reaches the leader's pump within some turns (a busy machine stretches them); from its
    // first try on, the leader waits, between two tries as well.
    for (let turn = 0; turn < 200 && !leader.waitingForWriteLock; turn++) await new Promise((resolve) => setImmediate(resolve))
    expect(leader.waitingForWriteLock).toBe(true)
    expect(settled).toBe(false)
    // Reads go on meanwhile.
    expect(text((await client.kv.range({key: bytes('before'), serializable: true})).kvs[0]!.value)).toBe('1')
    other.prepare('COMMIT').run()
    other.close()
    const response = await put
    expect(response.header.revision).toBe(3)
    expect(leader.waitingForWriteLock).toBe(false)
    for (const endpoint of ['infra1', 'infra2', 'infra3']) {
      expect(text((await client.forMember(endpoint).kv.range({key: bytes('during')})).kvs[0]!.value)).toBe('2')
    }
    await client.close()
  })
})

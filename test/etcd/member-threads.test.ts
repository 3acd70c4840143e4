import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {startMember, stopMember} from '../../src/core/etcd/member-faults.js'
import {prefixEnd} from '../../src/core/mvcc/key-range.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

// The members' SQLite work in threads (member-thread.ts); the thread's code runs from dist/, so
// these tests need `npm run build` first, as the CLI tests do.
const clock = new ManualClock()
const threads = {clock, memberThreads: true}

async function hashes(folder: string): Promise<number[]> {
  const found: number[] = []
  for (const endpoint of ['infra1', 'infra2', 'infra3']) {
    const member = new EmbeddedClient(EmbeddedCluster.open(folder, {clock}), {endpoint})
    found.push((await member.maintenance.hashKv(0)).hash)
    await member.close()
  }
  return found
}

describe('members in threads', () => {
  it('answer concurrent writes in order, show every event of a revision to a watch, and leave files an in-process cluster reads', async () => {
    const folder = temporaryFolder()
    const client = new EmbeddedClient(EmbeddedCluster.open(folder, threads), {endpoint: 'infra1'})
    const watcher = client.watch.watch({key: bytes('w/'), rangeEnd: prefixEnd(bytes('w/'))})
    await watcher.created()
    const puts = await Promise.all(Array.from({length: 300}, (_, index) => client.kv.put({key: bytes(`w/${index % 30}`), value: bytes(`v${index}`), prevKv: true})))
    const revisions = puts.map((put) => put.header.revision).sort((a, b) => a - b)
    expect(new Set(revisions).size).toBe(300)
    expect(revisions[299]! - revisions[0]!).toBe(299)
    // prevKv comes back from the thread as the bytes it was.
    const withPrevious = puts.filter((put) => put.prevKv)
    expect(withPrevious.length).toBe(270)
    expect(text(withPrevious[0]!.prevKv!.key)).toMatch(/^w\//)
    const deleted = await client.kv.deleteRange({key: bytes('w/'), rangeEnd: prefixEnd(bytes('w/'))})
    expect(deleted.deleted).toBe(30)
    const seen: number[] = []
    while (seen.length < 330) {
      const response = await watcher.next()
      if (!response) break
      for (const event of response.events) seen.push(event.kv.modRevision)
    }
    watcher.cancel()
    expect(seen.slice(0, 300)).toEqual(revisions)
    // The delete's 30 events share one revision and arrive together, after the puts.
    expect(new Set(seen.slice(300))).toEqual(new Set([deleted.header.revision]))
    await client.close()
    const reopened = new EmbeddedClient(EmbeddedCluster.open(folder, {clock}), {endpoint: 'infra3'})
    expect((await reopened.kv.range({key: bytes('w/'), rangeEnd: prefixEnd(bytes('w/'))})).count).toBe(0)
    expect((await reopened.kv.range({key: bytes('w/3'), revision: deleted.header.revision - 1})).kvs.map((kv) => text(kv.value))).toEqual(['v273'])
    await reopened.close()
    expect(new Set(await hashes(folder)).size).toBe(1)
  })

  it('answer auth, lease and txn failures with etcd\'s errors across the thread', async () => {
    const folder = temporaryFolder()
    const client = new EmbeddedClient(EmbeddedCluster.open(folder, threads), {endpoint: 'infra2'})
    await expect(client.lease.revoke(4242n)).rejects.toThrow('etcdserver: requested lease not found')
    await client.lease.grant(600, 77n)
    await expect(client.lease.grant(600, 77n)).rejects.toThrow('etcdserver: lease already exists')
    await client.kv.put({key: bytes('l/1'), value: bytes('x'), lease: 77n})
    expect((await client.lease.timeToLive(77n, true)).keys.map((key) => text(key))).toEqual(['l/1'])
    await client.lease.revoke(77n)
    expect((await client.kv.range({key: bytes('l/1')})).count).toBe(0)
    await client.close()
  })

  it('a member whose thread dies is down: the others go on, the log says so, and it starts again and catches up', async () => {
    const folder = temporaryFolder()
    const lines: string[] = []
    const cluster = EmbeddedCluster.open(folder, {...threads, log: (line) => lines.push(line)})
    await new EmbeddedClient(cluster, {endpoint: 'infra1'}).kv.put({key: bytes('a'), value: bytes('1')})
    // Through the leader: the client's own member stays up.
    const client = new EmbeddedClient(cluster, {endpoint: cluster.leader()!.layout.name})
    const follower = cluster.members().find((member) => member.id !== cluster.leader()!.id)!
    expect(follower.crashThread()).toBe(true)
    const deadline = Date.now() + 5000
    while (cluster.member(follower.layout.name) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(cluster.member(follower.layout.name)).toBeNull()
    expect(lines.join('\n')).toContain(`etcd: member ${follower.layout.name} crashed`)
    for (let index = 0; index < 20; index++) await client.kv.put({key: bytes(`b/${index}`), value: bytes(`${index}`)})
    cluster.startMember(follower.layout.name)
    const restarted = cluster.member(follower.layout.name)!
    expect(await cluster.driveUntil(() => restarted.appliedIndex() >= cluster.leader()!.raft.log.committed, 10_000)).toBe(true)
    const fromRestarted = client.forMember(follower.layout.name)
    expect((await fromRestarted.kv.range({key: bytes('b/'), rangeEnd: prefixEnd(bytes('b/')), serializable: true})).count).toBe(20)
    await client.close()
    expect(new Set(await hashes(folder)).size).toBe(1)
  })

  it('a member behind a log compaction catches up from a snapshot the leader sends from its thread\'s file', async () => {
    const folder = temporaryFolder()
    const options = {...threads, snapshotEveryEntries: 50}
    await stopMember(folder, 'infra3', options)
    const client = new EmbeddedClient(EmbeddedCluster.open(folder, options), {endpoint: 'infra1'})
    for (let index = 0; index < 200; index++) await client.kv.put({key: bytes(`s/${index}`), value: bytes(`v${index}`)})
    await client.kv.compact({revision: 150})
    await client.close()
    expect((await startMember(folder, 'infra3', options)).caughtUp).toBe(true)
    const third = new EmbeddedClient(EmbeddedCluster.open(folder, {clock}), {endpoint: 'infra3'})
    expect((await third.kv.range({key: bytes('s/'), rangeEnd: prefixEnd(bytes('s/')), serializable: true})).count).toBe(200)
    await third.close()
    expect(new Set(await hashes(folder)).size).toBe(1)
  })

  it('a seeded cluster keeps its members in-process whatever is asked', async () => {
    const folder = temporaryFolder()
    const cluster = EmbeddedCluster.open(folder, {...threads, seed: 3})
    expect(cluster.members().every((member) => !member.crashThread())).toBe(true)
    await cluster.close()
  })
})

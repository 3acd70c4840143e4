// Member faults and network faults on the embedded cluster.
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {UnknownMemberError, startMember, stopMember} from '../../src/core/etcd/member-faults.js'
import {EtcdError} from '../../src/core/mvcc/errors.js'
import {prefixEnd} from '../../src/core/mvcc/key-range.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

const clock = new ManualClock()
const open = (folder: string, endpoint: string, commandTimeoutMilliseconds = 5000) =>
  new EmbeddedClient(EmbeddedCluster.open(folder, {clock, seed: 11}), {endpoint, commandTimeoutMilliseconds})

describe('member stop and start', () => {
  it('with one member stopped writes succeed, and the member catches up after start', async () => {
    const folder = temporaryFolder()
    await stopMember(folder, 'infra3', {clock})
    const client = open(folder, 'infra1')
    for (let index = 0; index < 50; index++) await client.kv.put({key: bytes(`k${index}`), value: bytes(`v${index}`)})
    await expect(client.kv.range({key: bytes('k1')}).then(() => 'served')).resolves.toBe('served')
    await client.close()
    const stoppedRead = open(folder, 'infra3')
    await expect(stoppedRead.kv.range({key: bytes('k1')})).rejects.toThrow('context deadline exceeded')
    await stoppedRead.close()
    expect((await startMember(folder, 'infra3', {clock})).caughtUp).toBe(true)
    const third = open(folder, 'infra3')
    const response = await third.kv.range({key: bytes('k'), rangeEnd: prefixEnd(bytes('k')), serializable: true})
    expect(response.count).toBe(50)
    expect(response.header.revision).toBe(51)
    await third.close()
  })

  it('with two members stopped a write fails after the command timeout and nothing is written', async () => {
    const folder = temporaryFolder()
    const first = open(folder, 'infra1')
    await first.kv.put({key: bytes('before'), value: bytes('1')})
    await first.close()
    await stopMember(folder, 'infra2', {clock})
    await stopMember(folder, 'infra3', {clock})
    const lonely = open(folder, 'infra1', 2000)
    const started = clock.nowMilliseconds()
    const error = await lonely.kv.put({key: bytes('lost'), value: bytes('x')}).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(EtcdError)
    expect((error as EtcdError).message).toBe('context deadline exceeded')
    expect(clock.nowMilliseconds() - started).toBeGreaterThanOrEqual(2000)
    await lonely.close()
    await startMember(folder, 'infra2', {clock})
    await startMember(folder, 'infra3', {clock})
    const all = open(folder, 'infra2')
    const lost = await all.kv.range({key: bytes('lost')})
    expect(lost.kvs).toEqual([])
    expect(lost.header.revision).toBe(2)
    await all.close()
  })

  it('stopping the leader leads to an election in a later term', async () => {
    const folder = temporaryFolder()
    const first = open(folder, 'infra2')
    await first.kv.put({key: bytes('a'), value: bytes('1')})
    const leader = first.embedded.leader()!.layout.name
    const term = first.embedded.leader()!.raft.term
    await first.close()
    await stopMember(folder, leader, {clock})
    const survivor = ['infra1', 'infra2', 'infra3'].find((name) => name !== leader)!
    const second = open(folder, survivor)
    await second.kv.put({key: bytes('a'), value: bytes('2')})
    expect(second.embedded.leader()!.raft.term).toBeGreaterThan(term)
    expect(second.embedded.leader()!.layout.name).not.toBe(leader)
    await second.close()
  })

  it('an unknown member name is refused with the names that exist', async () => {
    await expect(stopMember(temporaryFolder(), 'infra9', {clock})).rejects.toThrow(UnknownMemberError)
    await expect(stopMember(temporaryFolder(), 'infra9', {clock})).rejects.toThrow('(members: infra1, infra2, infra3)')
  })
})

describe('network faults', () => {
  it('writes through the leader succeed over a lossy, duplicating, delaying network, and all members converge', async () => {
    const opened = open(temporaryFolder(), 'infra2')
    await opened.kv.put({key: bytes('n'), value: bytes('start')})
    const cluster = opened.embedded
    // A proposal forwarded by a follower can be lost on such a network (then its client times
    // out, as with etcd); the leader's own proposals are retried by replication itself.
    const client = new EmbeddedClient(cluster, {endpoint: cluster.leader()!.layout.name})
    cluster.transport.setFaults({dropRate: 0.2, duplicateRate: 0.1, delayRoundsMax: 3})
    for (let index = 0; index < 40; index++) await client.kv.put({key: bytes(`n${index}`), value: bytes(`${index}`)})
    cluster.transport.heal()
    const commit = cluster.leader()!.raft.log.committed
    await cluster.driveUntil(() => cluster.members().every((member) => member.raft.log.applied === commit), 5000)
    for (const member of cluster.members()) {
      const response = new EmbeddedClient(cluster, {endpoint: member.layout.name})
      expect((await response.kv.range({key: bytes('n'), rangeEnd: prefixEnd(bytes('n')), serializable: true})).count, member.layout.name).toBe(41)
    }
    await opened.close()
  })

  it('a partitioned leader is replaced; the majority keeps accepting writes; the old leader catches up', async () => {
    const client = open(temporaryFolder(), 'infra1')
    await client.kv.put({key: bytes('p'), value: bytes('0')})
    const cluster = client.embedded
    const oldLeader = cluster.leader()!
    const others = cluster.members().filter((member) => member !== oldLeader)
    cluster.transport.partition([[oldLeader.id], others.map((member) => member.id)])
    // The majority elects a new leader once it stops hearing from the old one.
    await cluster.driveUntil(() => others.some((member) => member.raft.state === 'leader'), 5000)
    const majority = new EmbeddedClient(cluster, {endpoint: others[0]!.layout.name})
    await majority.kv.put({key: bytes('p'), value: bytes('1')})
    expect(cluster.leader()!.id).not.toBe(oldLeader.id)
    cluster.transport.heal()
    await cluster.driveUntil(() => oldLeader.raft.log.applied === cluster.leader()!.raft.log.committed, 5000)
    const fromOld = new EmbeddedClient(cluster, {endpoint: oldLeader.layout.name})
    expect(text((await fromOld.kv.range({key: bytes('p'), serializable: true})).kvs[0]!.value)).toBe('1')
    await client.close()
  })
})

describe('snapshots on real storage', () => {
  it('a member that fell behind a log compaction catches up from the leader\'s snapshot, and restarts from it', async () => {
    const folder = temporaryFolder()
    const options = {clock, seed: 13, snapshotEveryEntries: 50}
    await stopMember(folder, 'infra3', options)
    const client = new EmbeddedClient(EmbeddedCluster.open(folder, options), {endpoint: 'infra1'})
    await client.lease.grant(600, 77n)
    for (let index = 0; index < 200; index++) await client.kv.put({key: bytes(`s/${index}`), value: bytes(`v${index}`), lease: index % 2 === 0 ? 77n : 0n})
    await client.kv.compact({revision: 150})
    await client.close()
    // The leader's log no longer reaches back to what infra3 has: only a snapshot can help.
    const leaderLog = EmbeddedCluster.open(folder, options)
    const firstIndex = leaderLog.leader()?.raft.log.firstIndex() ?? leaderLog.members()[0]!.raft.log.firstIndex()
    expect(firstIndex).toBeGreaterThan(50)
    await leaderLog.close()
    expect((await startMember(folder, 'infra3', options)).caughtUp).toBe(true)
    const hashes: number[] = []
    for (const endpoint of ['infra1', 'infra2', 'infra3']) {
      const member = new EmbeddedClient(EmbeddedCluster.open(folder, options), {endpoint})
      const listed = await member.kv.range({key: bytes('s/'), rangeEnd: prefixEnd(bytes('s/')), serializable: true})
      expect(listed.count, endpoint).toBe(200)
      expect((await member.lease.timeToLive(77n, true)).keys.length, endpoint).toBe(100)
      hashes.push((await member.maintenance.hashKv(0)).hash)
      await member.close()
    }
    expect(new Set(hashes).size).toBe(1)
  })
})

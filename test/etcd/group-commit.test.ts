// Group commit across an fsync, as etcd's raft loop persists one Ready at a time: while a member's
// WAL fsync runs, the proposals and appends that arrive go to raft but no new write transaction
// opens; once the fsync ends, one Ready carries all of them (one transaction, one fsync). A
// leader's appends still go to the followers at once. A member's fsync is held here until the test
// lets it end (the real fsync runs, only its answer waits), so what it writes meanwhile is seen
// without any timing.
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import type {EtcdMember} from '../../src/core/etcd/member.js'
import {applySeed, seedVariable} from '../../src/core/seed.js'
import type {StorageError} from '../../src/core/storage/errors.js'
import {bytes, temporaryFolder} from '../support/temp.js'

const putsDuringSync = 5
/** Turns of the loop a wait looks at most: the members' real fsyncs end meanwhile, however slow the disk. */
const loopTurnsMax = 2_000_000
/** Turns of the loop given to the puts to reach raft and to any Ready that would write them. */
const settleTurns = 50

const nextTurn = () => new Promise((resume) => setImmediate(resume))

async function turnsUntil(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < loopTurnsMax && !condition(); turn++) await nextTurn()
  expect(condition()).toBe(true)
}

/** Holds the member's WAL fsync answers while `holding` (and counts the fsyncs begun meanwhile); counts its write transactions and what each Ready persists. */
function instrument(member: EtcdMember) {
  const database = member.database
  const state = {holding: false, held: [] as Array<() => void>, syncs: 0, transactions: 0, persisted: [] as number[]}
  const syncWal = database.syncWal.bind(database)
  database.syncWal = (done: (error: StorageError | null) => void) => {
    if (state.holding) state.syncs++
    syncWal((error) => (state.holding ? state.held.push(() => done(error)) : done(error)))
  }
  const tryBeginWrite = database.tryBeginWrite.bind(database)
  database.tryBeginWrite = () => {
    const began = tryBeginWrite()
    if (began) state.transactions++
    return began
  }
  const persistRaft = database.persistRaft.bind(database)
  database.persistRaft = (hardState, entries, snapshot) => {
    if (entries.length > 0) state.persisted.push(entries.length)
    persistRaft(hardState, entries, snapshot)
  }
  return {
    state,
    release: () => {
      state.holding = false
      for (const done of state.held.splice(0)) done()
    },
  }
}

/**
 * A running cluster whose `which` member (the leader or a follower) holds its fsync answers from
 * the first put on, put through the leader; resolves once that fsync has begun, with the counts
 * of that moment and the puts that follow, each proposed in a turn of the loop of its own
 * (without group commit each would be a Ready).
 */
async function heldWhilePutting(which: 'leader' | 'follower') {
  const cluster = EmbeddedCluster.open(temporaryFolder(), {memberThreads: false})
  await new EmbeddedClient(cluster, {endpoint: 'infra1'}).kv.put({key: bytes('warm'), value: bytes('up')})
  const leader = cluster.leader()!
  const followers = cluster.members().filter((member) => member !== leader)
  const held = which === 'leader' ? leader : followers[0]!
  const client = new EmbeddedClient(cluster, {endpoint: leader.layout.name})
  const {state, release} = instrument(held)
  state.holding = true
  const puts = [client.kv.put({key: bytes('k/0'), value: bytes('v')})]
  await turnsUntil(() => state.syncs > 0)
  const before = {transactions: state.transactions, persisted: state.persisted.length, lastIndex: leader.raft.log.lastIndex() + putsDuringSync}
  for (let put = 1; put <= putsDuringSync; put++) {
    puts.push(client.kv.put({key: bytes(`k/${put}`), value: bytes('v')}))
    await nextTurn()
  }
  return {cluster, leader, followers, held, client, state, release, puts, before}
}

describe('group commit across an fsync', () => {
  it('gathers the appends that reach a follower while it syncs into one transaction after it', async () => {
    const {cluster, leader, held: follower, client, state, release, puts, before} = await heldWhilePutting('follower')
    // The leader and the other follower commit them meanwhile.
    const responses = await Promise.all(puts)
    for (let turn = 0; turn < settleTurns; turn++) await nextTurn()
    expect(state.transactions, 'no write transaction opens while the fsync runs').toBe(before.transactions)
    release()
    expect(new Set(responses.map((response) => response.header.revision)).size).toBe(putsDuringSync + 1)
    const last = Math.max(...responses.map((response) => response.header.revision))
    await turnsUntil(() => follower.appliedIndex() >= leader.appliedIndex())
    // The first Ready after the fsync persists every append that arrived during it.
    expect(state.persisted[before.persisted]).toBe(putsDuringSync)
    const read = await new EmbeddedClient(cluster, {endpoint: follower.layout.name}).kv.range({key: bytes('k/'), rangeEnd: bytes('k0'), serializable: true})
    expect(read.kvs).toHaveLength(putsDuringSync + 1)
    expect(read.header.revision).toBe(last)
    await client.close()
  })

  it('gathers the proposals that reach the leader while it syncs into one transaction, and sends their appends at once', async () => {
    const {leader, followers, client, state, release, puts, before} = await heldWhilePutting('leader')
    // The followers get every proposal while the leader's fsync runs (and, both on disk, commit them).
    await turnsUntil(() => leader.raft.log.lastIndex() >= before.lastIndex)
    await turnsUntil(() => followers.every((follower) => follower.appliedIndex() >= before.lastIndex))
    expect(state.transactions, 'no write transaction opens on the leader while its fsync runs').toBe(before.transactions)
    release()
    const responses = await Promise.all(puts)
    expect(new Set(responses.map((response) => response.header.revision)).size).toBe(putsDuringSync + 1)
    expect(state.persisted[before.persisted]).toBe(putsDuringSync)
    expect((await client.kv.range({key: bytes('k/'), rangeEnd: bytes('k0')})).kvs).toHaveLength(putsDuringSync + 1)
    await client.close()
  })

  it('forwards a proposal through a follower to the leader while that follower syncs, and answers it once the fsync ends', async () => {
    const {leader, held, client, state, release, puts} = await heldWhilePutting('follower')
    const through = new EmbeddedClient(client.embedded, {endpoint: held.layout.name})
    const before = leader.raft.log.lastIndex()
    const forwarded = through.kv.put({key: bytes('via/follower'), value: bytes('v')})
    // The leader appends it while the follower's fsync is still held.
    await turnsUntil(() => leader.raft.log.lastIndex() > before)
    expect(state.holding).toBe(true)
    release()
    const [response] = await Promise.all([forwarded, ...puts])
    expect(response.header.revision).toBeGreaterThan(0)
    expect((await through.kv.range({key: bytes('via/follower')})).kvs).toHaveLength(1)
    await client.close()
  })

  it("keeps a seeded cluster's members writing while they sync, so that its Readies do not follow the fsyncs' timing", async () => {
    const folder = temporaryFolder()
    applySeed({[seedVariable]: '11'}, folder)
    const cluster = EmbeddedCluster.open(folder)
    expect(cluster.members().every((member) => !member.gathersWritesWhileSyncing)).toBe(true)
    await cluster.close()
  })
})

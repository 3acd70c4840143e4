// Each member keeps its auth state row in memory (mvcc/auth-store.ts): auth changed through one
// member must show at once in every member's answers, in-process and with members in threads,
// and also on a member that learns the change from a snapshot after missing it.
import {afterEach, describe, expect, it, vi} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder} from '../support/temp.js'

const endpoints = ['infra1', 'infra2', 'infra3'] as const
const users = ['root', 'alice', 'bob', undefined] as const
const readPermission = {type: 'READ', key: bytes('a'), rangeEnd: bytes('b')} as const

/** Each member's answer to each user reading `a1` and `b1`, and its auth status: "OK" or the error. */
async function answers(client: EmbeddedClient): Promise<Record<string, string>> {
  const seen: Record<string, string> = {}
  for (const endpoint of endpoints) {
    // A linearizable read as root first: the member has applied everything committed before.
    await client.forUser(endpoint, 'root').kv.range({key: bytes('sync')})
    const status = await client.forUser(endpoint, 'root').auth.status()
    seen[`${endpoint} status`] = `enabled=${status.enabled} revision=${status.authRevision}`
    for (const user of users) {
      for (const key of ['a1', 'b1']) {
        const reader = client.forUser(endpoint, user)
        seen[`${endpoint} ${user ?? 'nobody'} ${key}`] = await reader.kv.range({key: bytes(key), serializable: true}).then(
          (response) => `OK ${response.count}`,
          (error: Error) => error.message,
        )
      }
    }
  }
  return seen
}

/** What every member must answer, from the expected verdict per user and key. */
function expected(status: string, verdicts: Record<string, [a1: string, b1: string]>): Record<string, string> {
  const table: Record<string, string> = {}
  for (const endpoint of endpoints) {
    table[`${endpoint} status`] = status
    for (const user of users) {
      const [a1, b1] = verdicts[user ?? 'nobody']!
      table[`${endpoint} ${user ?? 'nobody'} a1`] = a1
      table[`${endpoint} ${user ?? 'nobody'} b1`] = b1
    }
  }
  return table
}

const ok = 'OK 1'
const denied = 'etcdserver: permission denied'
const noUser = 'etcdserver: user name is empty'
const everyoneReads = {root: [ok, ok], alice: [ok, ok], bob: [ok, ok], nobody: [ok, ok]} as Record<string, [string, string]>

afterEach(() => {
  vi.restoreAllMocks()
})

describe.each([
  ['in-process', {seed: 7}],
  ['in threads', {memberThreads: true}],
])('the auth state each member keeps (members %s)', (_mode, options) => {
  it('follows enable, users and roles, grants, revokes and disable through one member on every member', async () => {
    const clock = new ManualClock()
    const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock, ...options}), {endpoint: 'infra1'})
    const root = client.forUser('infra1', 'root')
    await client.kv.put({key: bytes('a1'), value: bytes('1')})
    await client.kv.put({key: bytes('b1'), value: bytes('1')})
    for (const user of ['root', 'alice', 'bob']) await client.auth.userAdd(user, user)
    await client.auth.userGrantRole('root', 'root')
    await client.auth.roleAdd('reader')
    await client.auth.roleGrantPermission('reader', readPermission)
    await client.auth.userGrantRole('alice', 'reader')
    expect(await answers(client)).toEqual(expected('enabled=false revision=8', everyoneReads))

    await client.auth.enable()
    expect(await answers(client)).toEqual(expected('enabled=true revision=9', {root: [ok, ok], alice: [ok, denied], bob: [denied, denied], nobody: [noUser, noUser]}))

    await root.auth.userGrantRole('bob', 'reader')
    expect(await answers(client)).toEqual(expected('enabled=true revision=10', {root: [ok, ok], alice: [ok, denied], bob: [ok, denied], nobody: [noUser, noUser]}))

    await root.auth.userRevokeRole('alice', 'reader')
    expect(await answers(client)).toEqual(expected('enabled=true revision=11', {root: [ok, ok], alice: [denied, denied], bob: [ok, denied], nobody: [noUser, noUser]}))

    await root.auth.roleRevokePermission('reader', readPermission.key, readPermission.rangeEnd)
    expect(await answers(client)).toEqual(expected('enabled=true revision=12', {root: [ok, ok], alice: [denied, denied], bob: [denied, denied], nobody: [noUser, noUser]}))

    await root.auth.disable()
    expect(await answers(client)).toEqual(expected('enabled=false revision=13', everyoneReads))

    await client.auth.enable()
    expect(await answers(client)).toEqual(expected('enabled=true revision=14', {root: [ok, ok], alice: [denied, denied], bob: [denied, denied], nobody: [noUser, noUser]}))
    await client.close()
  })

  it('follows auth changed while a member was cut off, when a snapshot brings it back', async () => {
    const clock = new ManualClock()
    const cluster = EmbeddedCluster.open(temporaryFolder(), {clock, snapshotEveryEntries: 20, ...options})
    const client = new EmbeddedClient(cluster, {endpoint: 'infra1'})
    await client.kv.put({key: bytes('a1'), value: bytes('1')})
    await client.kv.put({key: bytes('b1'), value: bytes('1')})
    await client.auth.userAdd('root', 'root')
    await client.auth.userGrantRole('root', 'root')
    expect(await answers(client)).toEqual(expected('enabled=false revision=3', everyoneReads))
    // A follower has read its auth state (above); now it misses the changes and the log they were in.
    const leader = cluster.leader()!
    const cutOff = endpoints.filter((name) => name !== leader.layout.name).at(-1)!
    const rest = endpoints.filter((name) => name !== cutOff)
    cluster.transport.partition([rest.map((name) => cluster.member(name)!.id), [cluster.member(cutOff)!.id]])
    const root = client.forUser(leader.layout.name, 'root')
    await client.forUser(leader.layout.name, undefined).auth.userAdd('alice', 'alice')
    await client.forUser(leader.layout.name, undefined).auth.enable()
    for (let write = 0; write < 60; write++) await root.kv.put({key: bytes(`filler/${write}`), value: bytes('x')})
    cluster.transport.heal()
    expect(await answers(client)).toEqual(expected('enabled=true revision=5', {root: [ok, ok], alice: [denied, denied], bob: [denied, denied], nobody: [noUser, noUser]}))
    await client.close()
  })
})

describe('the auth state row', () => {
  it('is read from the file once per member, not at every range', async () => {
    // Counted from before the cluster opens: a member reads its row at its first request or
    // apply, whenever that comes (a follower may apply the put only during the ranges).
    const readsByFile = new Map<string, number>()
    const getMeta = MemberDatabase.prototype.getMeta
    vi.spyOn(MemberDatabase.prototype, 'getMeta').mockImplementation(function (this: MemberDatabase, name: string) {
      if (name === 'auth') readsByFile.set(this.path, (readsByFile.get(this.path) ?? 0) + 1)
      return getMeta.call(this, name)
    })
    const clock = new ManualClock()
    const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock, seed: 7}), {endpoint: 'infra2'})
    await client.kv.put({key: bytes('k'), value: bytes('v')})
    for (let read = 0; read < 50; read++) await client.forUser(endpoints[read % endpoints.length]!, undefined).kv.range({key: bytes('k')})
    expect(readsByFile.size).toBeGreaterThan(0)
    for (const [file, reads] of readsByFile) expect(`${file}: ${reads}`).toBe(`${file}: 1`)
    await client.close()
  })
})

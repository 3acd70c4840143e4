// The `etcd3` npm client against `kubemu up`'s etcd front door, as an application uses it: KV and
// transactions, watches that resume across a leader change without losing or repeating an event,
// a lease kept alive past its TTL on the cluster clock, the lock and election helpers, and auth.
import {ConstantBackoff} from 'cockatiel'
import {Etcd3, EtcdAuthenticationFailedError, EtcdLockFailedError, EtcdPermissionDeniedError, type IOptions, type IWatchResponse, type Watcher} from 'etcd3'
import {beforeAll, describe, expect, it} from 'vitest'
import {memberNames, upForDescribe, type UpProcess} from '../support/up-fixture.js'

/** A client of the given members; watches reconnect quickly, as the tests wait on them. */
function clientOf(endpoints: readonly string[], options: Partial<IOptions> = {}): Etcd3 {
  return new Etcd3({hosts: endpoints.map((endpoint) => `http://${endpoint}`), faultHandling: {watchBackoff: new ConstantBackoff(100).next()}, ...options})
}

/** Resolves once `predicate` holds, re-checked whenever `emitter` says something changed. */
function whenTrue(emitter: {on(event: string, listener: () => void): unknown}, event: string, predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (predicate()) return resolve()
    emitter.on(event, () => {
      if (predicate()) resolve()
    })
  })
}

/** The member that leads etcd now, by name. */
async function leaderOf(client: Etcd3): Promise<string> {
  const status = await client.maintenance.status()
  const {members} = await client.cluster.memberList({})
  return members.find((member) => member.ID === status.leader)!.name
}

/**
 * Watchers (each through the endpoints `through` picks, given the leader's and the other members'
 * endpoints) see every write exactly once and in order while the etcd leader stops, writes go on
 * through the others, and it starts again.
 */
async function watchAcrossLeaderStop(up: UpProcess, open: (endpoints: readonly string[]) => Etcd3, through: (others: string[], leader: string) => string[][]): Promise<void> {
  const writer = open(up.endpoints)
  const leading = await leaderOf(writer)
  const others = memberNames.filter((name) => name !== leading).map((name) => up.endpointOf(name))
  const start = Number((await writer.get('/watch/').exec()).header.revision) + 1
  const watchers: Array<{watcher: Watcher; responses: IWatchResponse[]}> = []
  for (const endpoints of through(others, up.endpointOf(leading))) {
    const watcher = await open(endpoints).watch().prefix('/watch/').startRevision(String(start)).create()
    const entry = {watcher, responses: [] as IWatchResponse[]}
    watcher.on('data', (response) => entry.responses.push(response))
    watchers.push(entry)
  }
  const survivors = open(others)
  const expected: string[] = []
  const write = async (client: Etcd3, count: number) => {
    for (let index = 0; index < count; index++) {
      const key = `/watch/${expected.length}`
      await client.put(key).value(String(expected.length))
      expected.push(key)
    }
  }
  await write(writer, 5)
  await up.must(`member stop ${leading}`)
  // up serves on whatever a client does while a member stops.
  expect(up.child?.exitCode ?? null, 'kubemu up exited').toBeNull()
  await write(survivors, 5)
  expect(await leaderOf(survivors)).not.toBe(leading)
  await up.must(`member start ${leading}`)
  await write(writer, 5)
  const keysOf = (responses: IWatchResponse[]) => responses.flatMap((response) => response.events.map((event) => event.kv.key.toString()))
  for (const entry of watchers) {
    await whenTrue(entry.watcher, 'data', () => keysOf(entry.responses).length >= expected.length)
    expect(keysOf(entry.responses)).toEqual(expected)
    const revisions = entry.responses.flatMap((response) => response.events.map((event) => Number(event.kv.mod_revision)))
    expect(revisions.every((revision, index) => index === 0 || revision > revisions[index - 1]!)).toBe(true)
    expect(revisions[0]).toBeGreaterThanOrEqual(start)
    await entry.watcher.cancel()
  }
}

/** A `kubemu up` for the enclosing describe, and its clients, closed after it. */
function upForDescribeWithClients(): {up: () => UpProcess; open: (endpoints: readonly string[], options?: Partial<IOptions>) => Etcd3} {
  const clients: Etcd3[] = []
  const up = upForDescribe(undefined, () => {
    for (const client of clients) client.close()
  })
  return {
    up,
    open: (endpoints, options = {}) => {
      const client = clientOf(endpoints, options)
      clients.push(client)
      return client
    },
  }
}

describe('the etcd3 client against kubemu up', () => {
  const fixture = upForDescribeWithClients()
  const open = fixture.open
  let up: UpProcess
  beforeAll(() => {
    up = fixture.up()
  })

  it('KV: put, get, prefix, delete, and transactions with comparisons', async () => {
    const client = open(up.endpoints)
    await client.put('/kv/a').value('1')
    await client.put('/kv/b').value('2')
    await client.put('/kv/c').value('3')
    expect(await client.get('/kv/a').string()).toBe('1')
    expect(await client.get('/kv/missing').string()).toBeNull()
    expect(await client.getAll().prefix('/kv/').strings()).toEqual({'/kv/a': '1', '/kv/b': '2', '/kv/c': '3'})
    expect(await client.getAll().prefix('/kv/').count()).toBe(3)
    expect(await client.getAll().prefix('/kv/').limit(2).keys()).toEqual(['/kv/a', '/kv/b'])
    const before = await client.get('/kv/a').exec()
    expect(before.kvs[0]).toMatchObject({version: '1', create_revision: before.kvs[0]!.mod_revision})
    const written = await client.put('/kv/a').value('10').exec()
    const after = await client.get('/kv/a').exec()
    // The control plane writes too: the put's own revision is the key's new mod revision.
    expect(after.kvs[0]).toMatchObject({version: '2', create_revision: before.kvs[0]!.create_revision, mod_revision: written.header.revision})
    expect(Number(written.header.revision)).toBeGreaterThan(Number(before.header.revision))

    const swapped = await client.if('/kv/a', 'Value', '==', '10').then(client.put('/kv/a').value('11')).else(client.get('/kv/a')).commit()
    expect(swapped.succeeded).toBe(true)
    const refused = await client.if('/kv/a', 'Value', '==', '10').then(client.put('/kv/a').value('12')).else(client.get('/kv/a')).commit()
    expect(refused.succeeded).toBe(false)
    expect(refused.responses[0]!.response_range!.kvs[0]!.value.toString()).toBe('11')
    const created = await client.if('/kv/new', 'Create', '==', 0).then(client.put('/kv/new').value('x')).commit()
    expect(created.succeeded).toBe(true)
    expect((await client.if('/kv/new', 'Create', '==', 0).then(client.put('/kv/new').value('y')).commit()).succeeded).toBe(false)
    expect((await client.if('/kv/b', 'Version', '>', 0).and('/kv/c', 'Mod', '<', Number(after.header.revision) + 100).then(client.delete().key('/kv/b')).commit()).succeeded).toBe(true)

    const deleted = await client.delete().prefix('/kv/').getPrevious()
    expect(deleted.map((kv) => kv.key.toString()).sort()).toEqual(['/kv/a', '/kv/c', '/kv/new'])
    expect(await client.getAll().prefix('/kv/').count()).toBe(0)
  })

  it('watch: every event once, in order, through followers while the leader stops and starts', async () => {
    await watchAcrossLeaderStop(up, open, (others) => [[others[0]!], others])
  })

  it('lease: keep-alive holds a lease past its TTL on the cluster clock; without it the lease expires with its keys', async () => {
    const client = open(up.endpoints)
    const ttlSeconds = 10
    const lease = client.lease(ttlSeconds)
    await lease.put('/lease/held').value('yes')
    await lease.put('/lease/also-1').value('1')
    await lease.put('/lease/also-2').value('2')
    const watcher = await client.watch().prefix('/lease/').create()
    const deletions: IWatchResponse[] = []
    watcher.on('data', (response) => deletions.push(response))
    // Twice the TTL in cluster time (the steps plus the wall time they take), each step after a
    // keep-alive and short enough that the next keep-alive (every third of the TTL) comes in time.
    const started = Date.now()
    for (let step = 0; step < 4; step++) {
      await new Promise((resolve, reject) => {
        lease.once('keepaliveSucceeded', resolve)
        lease.once('lost', reject)
      })
      await up.advance(ttlSeconds * 300)
    }
    expect(4 * ttlSeconds * 0.3 + (Date.now() - started) / 1000).toBeGreaterThan(2 * ttlSeconds)
    expect(await client.get('/lease/held').string()).toBe('yes')
    const id = await lease.grant()
    const alive = await client.leaseClient.leaseTimeToLive({ID: id})
    expect(Number(alive.grantedTTL)).toBe(ttlSeconds)
    expect(Number(alive.TTL)).toBeGreaterThan(0)
    expect(Number(alive.TTL)).toBeLessThanOrEqual(ttlSeconds)
    // Stop keeping it alive (without revoking): past its TTL the lessor revokes it.
    lease.release()
    await up.must(`time advance ${ttlSeconds + 2}s`)
    const gone = await client.get('/lease/held').exec()
    expect(gone.kvs).toEqual([])
    // The revocation deletes the three keys in one revision, which a watch receives in one response.
    await whenTrue(watcher, 'data', () => deletions.length > 0)
    expect(deletions[0]!.events.map((event) => [event.type, event.kv.key.toString()])).toEqual([
      ['Delete', '/lease/also-1'],
      ['Delete', '/lease/also-2'],
      ['Delete', '/lease/held'],
    ])
    expect(new Set(deletions[0]!.events.map((event) => event.kv.mod_revision)).size).toBe(1)
    await watcher.cancel()
    expect(Number((await client.leaseClient.leaseTimeToLive({ID: id})).TTL)).toBe(-1)
    expect(await client.lease(1).grant().then((id) => typeof id)).toBe('string')
  })

  it('lock: one holder at a time, and a release passes it on', async () => {
    const first = open([up.endpoints[0]!])
    const second = open([up.endpoints[1]!])
    const held = await first.lock('/locks/job').ttl(10).acquire()
    await expect(second.lock('/locks/job').ttl(10).acquire()).rejects.toBeInstanceOf(EtcdLockFailedError)
    await held.release()
    const taken = await second.lock('/locks/job').ttl(10).acquire()
    await expect(first.lock('/locks/job').ttl(10).acquire()).rejects.toBeInstanceOf(EtcdLockFailedError)
    await taken.release()
    expect(await first.lock('/locks/job').do(async () => 'done')).toBe('done')
  })

  it('election: two candidates, one leads, observers follow, a resignation passes leadership on', async () => {
    const one = open([up.endpoints[0]!])
    const two = open([up.endpoints[2]!])
    const observer = await open([up.endpoints[1]!]).election('/elections/web', 10).observe()
    const changes: Array<string | undefined> = []
    observer.on('change', (value) => changes.push(value))
    const first = one.election('/elections/web', 10).campaign('candidate-1')
    await first.wait()
    const second = two.election('/elections/web', 10).campaign('candidate-2')
    // Waited on from the start: once candidate-1 resigns, the delete can reach candidate-2's watch
    // (another member, another connection) before the revoke's answer reaches candidate-1, and
    // 'elected' is emitted once only.
    const secondWins = second.wait()
    let secondElected = false
    second.on('elected', () => (secondElected = true))
    await whenTrue(observer, 'change', () => observer.leader() === 'candidate-1')
    expect(await one.election('/elections/web').leader()).toBe('candidate-1')
    expect(secondElected).toBe(false)
    await first.proclaim('candidate-1 again')
    await whenTrue(observer, 'change', () => observer.leader() === 'candidate-1 again')
    await first.resign()
    await secondWins
    await whenTrue(observer, 'change', () => observer.leader() === 'candidate-2')
    expect(await two.election('/elections/web').leader()).toBe('candidate-2')
    expect(changes).toEqual(expect.arrayContaining(['candidate-1', 'candidate-1 again', 'candidate-2']))
    await second.resign()
    await observer.cancel()
  })

  it('auth: a user with a role reads its range, is denied elsewhere, and a wrong password fails to authenticate', async () => {
    const admin = open(up.endpoints)
    await admin.user('root').create('root-password')
    await admin.user('root').addRole('root')
    await admin.role('reader').create()
    await admin.role('reader').grant({permission: 'Read', range: admin.range({prefix: '/app/'})})
    await admin.user('alice').create('alice-password')
    await admin.user('alice').addRole('reader')
    await admin.put('/app/config').value('v1')
    await admin.put('/secret/x').value('s')
    await admin.auth.authEnable({})
    try {
      const alice = open(up.endpoints, {auth: {username: 'alice', password: 'alice-password'}})
      expect(await alice.get('/app/config').string()).toBe('v1')
      await expect(alice.put('/app/config').value('v2')).rejects.toBeInstanceOf(EtcdPermissionDeniedError)
      await expect(alice.get('/secret/x').string()).rejects.toBeInstanceOf(EtcdPermissionDeniedError)
      const intruder = open(up.endpoints, {auth: {username: 'alice', password: 'wrong'}})
      await expect(intruder.get('/app/config').string()).rejects.toBeInstanceOf(EtcdAuthenticationFailedError)
      // Without credentials once auth is on: etcd answers "user name is empty", a permission error.
      await expect(open(up.endpoints).get('/app/config').string()).rejects.toThrow(/user name is empty|permission denied/)
    } finally {
      const root = open(up.endpoints, {auth: {username: 'root', password: 'root-password'}})
      await root.auth.authDisable({})
    }
    expect(await open(up.endpoints).get('/secret/x').string()).toBe('s')
  })

  // Known, issue 17 (being fixed on the watch-auth branch): watch ignores auth, so a user without
  // read permission on a key receives its values instead of etcd's permission denied.
  it('auth: a watch on a key the user may not read is refused with permission denied', async () => {
    const admin = open(up.endpoints)
    await admin.role('app-reader').create()
    await admin.role('app-reader').grant({permission: 'Read', range: admin.range({prefix: '/app/'})})
    await admin.user('bob').create('bob-password')
    await admin.user('bob').addRole('app-reader')
    await admin.auth.authEnable({})
    const root = open(up.endpoints, {auth: {username: 'root', password: 'root-password'}})
    try {
      const bob = open(up.endpoints, {auth: {username: 'bob', password: 'bob-password'}})
      const watcher = bob.watch().key('/secret/x').watcher()
      const outcome = await new Promise<unknown>((resolve) => {
        watcher.on('error', resolve)
        watcher.on('data', (response) => resolve(`delivered ${response.events.map((event) => event.kv.value.toString()).join(',')}`))
        watcher.on('connected', () => void root.put('/secret/x').value('s2'))
      })
      expect(outcome).toBeInstanceOf(EtcdPermissionDeniedError)
    } finally {
      await root.auth.authDisable({})
    }
  }, 30_000)
})

describe('the etcd3 client against kubemu up, watching through the leader that stops', () => {
  const fixture = upForDescribeWithClients()
  // A member that stops under a watch served through its port breaks that stream (it has no
  // header to send a cancellation with), as a dead etcd's connection breaks; up carries on.
  it('resumes the watch once the leader starts again, and up stays up meanwhile', async () => {
    await watchAcrossLeaderStop(fixture.up(), fixture.open, (_, leader) => [[leader]])
  })
})

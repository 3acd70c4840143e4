// Wall-clock lease expiry, also while no process runs, and the NOSPACE alarm.
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {nextRequestId} from '../../src/core/etcd/cluster-requests.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {defaultLayout} from '../../src/core/etcd/layout.js'
import {ReadOnlyMember} from '../../src/core/etcd/read-only-member.js'
import {EtcdError} from '../../src/core/mvcc/errors.js'
import {ManualClock, SteppedClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

describe('leases across suspended periods', () => {
  it('a 2 s lease granted in one command is gone 4 s later in the next', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock()
    const first = new EmbeddedClient(EmbeddedCluster.open(folder, {clock, seed: 4}), {endpoint: 'infra1'})
    const lease = await first.lease.grant(2)
    expect(lease.ttl).toBe(2)
    await first.kv.put({key: bytes('session'), value: bytes('alive'), lease: lease.id})
    await first.kv.put({key: bytes('kept'), value: bytes('forever')})
    await first.close()

    clock.advance(1000)
    const reader = ReadOnlyMember.open(folder, defaultLayout(), 'infra1', clock)!
    expect(reader.servesCurrentState(folder)).toBe(true)
    reader.close()

    // No process runs while time passes.
    clock.advance(3000)
    const stale = ReadOnlyMember.open(folder, defaultLayout(), 'infra1', clock)!
    expect(stale.servesCurrentState(folder)).toBe(false)
    stale.close()
    const second = new EmbeddedClient(EmbeddedCluster.open(folder, {clock, seed: 4}), {endpoint: 'infra2'})
    const response = await second.kv.range({key: bytes('session')})
    expect(response.kvs).toEqual([])
    // The revoke is a write of its own: revision 4 (two puts, then the lease's deletion).
    expect(response.header.revision).toBe(4)
    expect((await second.lease.timeToLive(lease.id, false)).ttl).toBe(-1)
    expect(text((await second.kv.range({key: bytes('kept')})).kvs[0]!.value)).toBe('forever')
    await second.close()
  })

  it('keep-alive moves the deadline; time-to-live counts down with the wall clock', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock()
    const client = new EmbeddedClient(EmbeddedCluster.open(folder, {clock, seed: 4}), {endpoint: 'infra1'})
    const lease = await client.lease.grant(10)
    clock.advance(6000)
    expect((await client.lease.timeToLive(lease.id, false)).ttl).toBe(3)
    await client.lease.keepAliveOnce(lease.id)
    clock.advance(6000)
    expect((await client.lease.timeToLive(lease.id, false)).ttl).toBe(3)
    clock.advance(4000)
    expect((await client.lease.timeToLive(lease.id, false)).ttl).toBe(-1)
    await expect(client.lease.keepAliveOnce(lease.id)).rejects.toThrow('etcdserver: requested lease not found')
    await client.close()
  })

  it('a sweep decided before a keep-alive was applied leaves the renewed lease alone', async () => {
    // The leader decides a sweep on what it applied, which may lag a keep-alive a follower already
    // applied and answered; in the log the keep-alive comes first, and the sweep must not undo it.
    const folder = temporaryFolder()
    const clock = new ManualClock()
    const cluster = EmbeddedCluster.open(folder, {clock, seed: 4})
    const client = new EmbeddedClient(cluster, {endpoint: 'infra1'})
    const lease = await client.lease.grant(10)
    await client.kv.put({key: bytes('session'), value: bytes('alive'), lease: lease.id})
    clock.advance(6000)
    await client.lease.keepAliveOnce(lease.id)
    clock.advance(6000)
    const staleSweep = {id: nextRequestId(), leaseRevoke: {id: lease.id, expiredAtMilliseconds: clock.nowMilliseconds()}}
    const outcome = await cluster.propose(cluster.leader()!, staleSweep, 5000)
    expect(outcome.ok).toBe(true)
    expect((await client.kv.range({key: bytes('session')})).count).toBe(1)
    expect((await client.lease.timeToLive(lease.id, false)).ttl).toBe(3)
    // Once the renewed deadline passed, the same sweep revokes it.
    clock.advance(4000)
    await cluster.propose(cluster.leader()!, {id: nextRequestId(), leaseRevoke: {id: lease.id, expiredAtMilliseconds: clock.nowMilliseconds()}}, 5000)
    expect(await cluster.settle(5000)).toBe(true)
    expect((await client.kv.range({key: bytes('session'), serializable: true})).count).toBe(0)
    await client.close()
  })
})

describe('lease expiry with auth enabled', () => {
  it("revokes an expired lease's keys whoever wrote them: the lessor sweeps as root", async () => {
    const clock = new ManualClock()
    const cluster = EmbeddedCluster.open(temporaryFolder(), {clock, seed: 5})
    const admin = new EmbeddedClient(cluster, {endpoint: 'infra1'})
    await admin.auth.userAdd('root', 'secret')
    await admin.auth.userGrantRole('root', 'root')
    await admin.auth.enable()
    const root = new EmbeddedClient(cluster, {endpoint: 'infra1', authenticatedUser: 'root'})
    const lease = await root.lease.grant(5)
    await root.kv.put({key: bytes('session'), value: bytes('alive'), lease: lease.id})
    clock.advance(10_000)
    expect((await root.kv.range({key: bytes('session')})).count).toBe(0)
    expect((await root.lease.timeToLive(lease.id, false)).ttl).toBe(-1)
    await root.close()
  })
})

describe('NOSPACE alarm', () => {
  it('in one process, expiry follows renewals and later grants (the lessor remembers the earliest deadline)', async () => {
    const clock = new ManualClock()
    const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock, seed: 6}), {endpoint: 'infra1'})
    const renewed = await client.lease.grant(5)
    await client.kv.put({key: bytes('renewed'), value: bytes('1'), lease: renewed.id})
    clock.advance(4000)
    await client.lease.keepAliveOnce(renewed.id)
    clock.advance(2000)
    // Past the first deadline, before the renewed one: the key is still there.
    expect((await client.kv.range({key: bytes('renewed')})).count).toBe(1)
    const short = await client.lease.grant(2)
    await client.kv.put({key: bytes('short'), value: bytes('1'), lease: short.id})
    clock.advance(2000)
    expect((await client.kv.range({key: bytes('short')})).count).toBe(0)
    expect((await client.kv.range({key: bytes('renewed')})).count).toBe(1)
    clock.advance(2000)
    expect((await client.kv.range({key: bytes('renewed')})).count).toBe(0)
    await client.close()
  })

  it('a write past the backend quota raises NOSPACE; writes fail until it is disarmed and space is freed', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock()
    const quota = 400 * 1024
    const client = new EmbeddedClient(EmbeddedCluster.open(folder, {clock, seed: 4}), {endpoint: 'infra1', backendQuotaBytes: quota})
    const value = new Uint8Array(8 * 1024).fill(0x61)
    let failure: unknown = null
    for (let index = 0; index < 200 && !failure; index++) {
      failure = await client.kv.put({key: bytes(`big/${index}`), value}).then(() => null, (error: unknown) => error)
    }
    expect(failure).toBeInstanceOf(EtcdError)
    expect((failure as EtcdError).message).toBe('etcdserver: mvcc: database space exceeded')
    const alarms = await client.maintenance.alarmList()
    expect(alarms.alarms).toEqual([{memberId: 0x8211f1d0f64f3269n, alarm: 'NOSPACE'}])
    // With the alarm raised every member refuses puts, even small ones, but still serves reads.
    await expect(client.kv.put({key: bytes('small'), value: bytes('x')})).rejects.toThrow('database space exceeded')
    await expect(client.kv.range({key: bytes('big/0')}).then((response) => response.count)).resolves.toBe(1)
    // The way out, as with etcd: delete, compact the history, defragment, disarm.
    const deleted = await client.kv.deleteRange({key: bytes('big/'), rangeEnd: bytes('big0')})
    await client.kv.compact({revision: deleted.header.revision})
    const before = (await client.maintenance.status()).dbSize
    await client.maintenance.defragment()
    expect((await client.maintenance.status()).dbSize).toBeLessThan(before)
    await client.maintenance.alarmDisarm(alarms.alarms[0]!)
    expect((await client.maintenance.alarmList()).alarms).toEqual([])
    await client.kv.put({key: bytes('small'), value: bytes('x')})
    await client.close()
  })
})

describe('watch progress notifications', () => {
  it('an idle watch with progress-notify gets an empty response at the current revision after the interval', async () => {
    const clock = new ManualClock()
    const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock, seed: 4}), {endpoint: 'infra1'})
    await client.kv.put({key: bytes('other'), value: bytes('1')})
    const watcher = client.watch.watch({key: bytes('quiet'), progressNotify: true})
    const started = clock.nowMilliseconds()
    const progress = await watcher.next()
    expect(progress?.events).toEqual([])
    expect(progress?.header.revision).toBe(2)
    expect(clock.nowMilliseconds() - started).toBe(10 * 60 * 1000)
    watcher.cancel()
    expect(await watcher.next()).toBeNull()
    await client.close()
  })

  it('a wait that a write ends leaves no progress timer behind, nor does a cancelled one', async () => {
    const clock = new SteppedClock()
    const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock, seed: 4}), {endpoint: 'infra1'})
    const watcher = client.watch.watch({key: bytes('busy'), progressNotify: true})
    const writes = 20
    for (let write = 0; write < writes; write++) {
      const next = watcher.next()
      // The wait holds one progress interval's sleep while it waits, and only then.
      expect(clock.pendingSleeps).toBe(1)
      await client.kv.put({key: bytes('busy'), value: bytes(String(write))})
      expect((await next)?.events.map((event) => text(event.kv.value))).toEqual([String(write)])
      expect(clock.pendingSleeps).toBe(0)
    }
    const waiting = watcher.next()
    expect(clock.pendingSleeps).toBe(1)
    watcher.cancel()
    expect(await waiting).toBeNull()
    expect(clock.pendingSleeps).toBe(0)
    await client.close()
  })
})

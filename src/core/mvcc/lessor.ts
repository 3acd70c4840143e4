import type {AppliedChange, LeaseTimeToLiveResponse} from './types.js'
import {etcdErrors} from './errors.js'
import type {KvStore} from './kv-store.js'
import {revisionHeader} from './kv-store.js'

/** etcd's MaxLeaseTTL. */
export const leaseTtlSecondsMax = 9_000_000_000
/** etcd's minimum TTL for its default timing (3/2 of a 1 s election timeout, rounded up). */
export const leaseTtlSecondsMin = 2
/** How many expired leases one sweep revokes at most. */
export const expiredLeasesPerSweepMax = 500

/**
 * Leases as etcd's lessor, with one difference that the one-shot process model needs: the expiry
 * is a wall-clock deadline stored with the lease (set by grant and keep-alive entries), so it
 * keeps counting while no process runs.
 */
export class Lessor {
  /**
   * No lease expires before this (null: not known). It may be earlier than the truth (a renewal
   * or revocation leaves it), never later, so the check before every request can skip the table.
   */
  private earliestExpiryMilliseconds: number | null = null

  constructor(private readonly store: KvStore) {}

  /** Forgets what is cached, after the tables were replaced or a transaction rolled back. */
  reload(): void {
    this.earliestExpiryMilliseconds = null
  }

  /** The TTL etcd actually grants for a requested one. */
  static grantedTtl(requested: number): number {
    if (requested > leaseTtlSecondsMax) throw etcdErrors.leaseTtlTooLarge()
    return Math.max(requested, leaseTtlSecondsMin)
  }

  grant(id: bigint, ttl: number, nowMilliseconds: number): {id: bigint; ttl: number} {
    const tables = this.store.database.kv
    if (tables.getLease(id)) throw etcdErrors.leaseExists()
    const granted = Lessor.grantedTtl(ttl)
    const expiryMilliseconds = nowMilliseconds + granted * 1000
    tables.saveLease({id, grantedTtl: granted, expiryMilliseconds})
    if (this.earliestExpiryMilliseconds !== null) this.earliestExpiryMilliseconds = Math.min(this.earliestExpiryMilliseconds, expiryMilliseconds)
    return {id, ttl: granted}
  }

  /** Deletes the lease and every key attached to it, in one revision. */
  revoke(id: bigint): {revision: number; events: AppliedChange[]} {
    const tables = this.store.database.kv
    if (!tables.getLease(id)) throw etcdErrors.leaseNotFound()
    const keys = tables.keysWithLease(id)
    const {events, revision} = this.store.write((transaction) => {
      for (const key of keys) transaction.deleteRange({key})
    })
    tables.deleteLease(id)
    return {revision, events}
  }

  renew(id: bigint, nowMilliseconds: number): number {
    const tables = this.store.database.kv
    const lease = tables.getLease(id)
    if (!lease || lease.expiryMilliseconds <= nowMilliseconds) throw etcdErrors.leaseNotFound()
    tables.saveLease({...lease, expiryMilliseconds: nowMilliseconds + lease.grantedTtl * 1000})
    return lease.grantedTtl
  }

  timeToLive(id: bigint, withKeys: boolean, nowMilliseconds: number): LeaseTimeToLiveResponse {
    const tables = this.store.database.kv
    const lease = tables.getLease(id)
    const header = revisionHeader(this.store.currentRevision())
    if (!lease || lease.expiryMilliseconds <= nowMilliseconds) return {header, id, ttl: -1, grantedTtl: 0, keys: []}
    // Go's int64(duration.Seconds()) truncates, so a fresh 600 s lease shows 599.
    const remaining = Math.trunc((lease.expiryMilliseconds - nowMilliseconds - 1) / 1000)
    return {header, id, ttl: Math.max(remaining, 0), grantedTtl: lease.grantedTtl, keys: withKeys ? tables.keysWithLease(id) : []}
  }

  /** The lease exists and its deadline passed at `nowMilliseconds`. */
  isExpired(id: bigint, nowMilliseconds: number): boolean {
    const lease = this.store.database.kv.getLease(id)
    return lease !== null && lease.expiryMilliseconds <= nowMilliseconds
  }

  list(nowMilliseconds: number): bigint[] {
    return this.store.database.kv
      .listLeases()
      .filter((lease) => lease.expiryMilliseconds > nowMilliseconds)
      .map((lease) => lease.id)
  }

  expired(nowMilliseconds: number): bigint[] {
    if (this.earliestExpiryMilliseconds !== null && nowMilliseconds < this.earliestExpiryMilliseconds) return []
    const expired = this.store.database.kv.expiredLeases(nowMilliseconds, expiredLeasesPerSweepMax)
    if (expired.length === 0) this.earliestExpiryMilliseconds = this.store.database.kv.earliestLeaseExpiry() ?? Number.POSITIVE_INFINITY
    return expired
  }
}

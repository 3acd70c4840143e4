// kube-apiserver's lease manager (storage/etcd3/lease_manager.go): objects with a TTL (events,
// --event-ttl) are attached to an etcd lease, and one lease serves every such write within a
// reuse window instead of one lease per object.
import type {LeaseApi} from '../etcd/api.js'
import type {Clock} from '../util/clock.js'

/** kube's defaults: reuse a lease for at most 60 s, or 5 % of the TTL, and for 1,000 objects. */
export const leaseReuseSecondsMax = 60
export const leaseReuseFraction = 0.05
export const leaseAttachedObjectsMax = 1000

export class LeaseManager {
  private previousLease = 0n
  private previousExpiryMilliseconds = 0
  private attachedObjects = 0

  constructor(
    private readonly leases: Pick<LeaseApi, 'grant'>,
    private readonly clock: Clock,
  ) {}

  /** A lease that lives at least `ttlSeconds` from now: the previous one when it still fits. */
  async leaseFor(ttlSeconds: number): Promise<bigint> {
    const now = this.clock.nowMilliseconds()
    const reuseSeconds = Math.min(Math.trunc(leaseReuseFraction * ttlSeconds), leaseReuseSecondsMax)
    const valid = now + ttlSeconds * 1000 < this.previousExpiryMilliseconds
    const sufficient = now + (ttlSeconds + reuseSeconds) * 1000 > this.previousExpiryMilliseconds
    this.attachedObjects++
    if (valid && sufficient && this.attachedObjects <= leaseAttachedObjectsMax) return this.previousLease
    // A little extra TTL, so the lease can serve the writes of the reuse window.
    const granted = await this.leases.grant(ttlSeconds + reuseSeconds)
    this.previousLease = granted.id
    this.previousExpiryMilliseconds = now + (ttlSeconds + reuseSeconds) * 1000
    this.attachedObjects = 1
    return granted.id
  }
}

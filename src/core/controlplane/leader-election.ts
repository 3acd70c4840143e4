// Leader election on Leases (client-go's leaderelection with a LeaseLock): a candidate holds the
// Lease while it renews it within leaseDurationSeconds; another takes it over only once it has
// expired; releasing empties the holder so a standby takes over at once.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {type ApiClient, isAlreadyExists, isConflict, isNotFound} from '../client/client.js'
import {resources} from '../client/resources.js'

/** kube-scheduler's and kube-controller-manager's defaults: 15 s leases, renewed every 2 s. */
export const leaseDurationSeconds = 15
export const leaseRetryMilliseconds = 2_000
/** Their renew deadline: a leader that could not renew for this long stops leading. */
export const renewDeadlineMilliseconds = 10_000

type Lease = KubeObject & {spec?: {holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number}}

/** A Lease's MicroTime, as client-go writes it. */
export const microTime = (milliseconds: number) => formatTimestamp(milliseconds).replace('Z', '.000000Z')

/** A Lease in kube-system, or null when there is none. */
export async function readLease<T extends KubeObject>(client: ApiClient, name: string): Promise<T | null> {
  try {
    return await client.get<T>(resources.leases, 'kube-system', name)
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

export class LeaderElector {
  private lastTry = Number.NEGATIVE_INFINITY
  private leader = false
  private renewedAt = Number.NEGATIVE_INFINITY
  private reportedFailure = ''

  constructor(
    private readonly client: ApiClient,
    readonly lockName: string,
    readonly identity: string,
  ) {}

  get isLeader(): boolean {
    return this.leader
  }

  /**
   * Acquires or renews the Lease when it is time; returns whether this candidate leads. A request
   * that fails (the Lease's namespace deleted, the server unavailable) throws; the candidate keeps
   * leading until the renew deadline has passed without a renewal.
   */
  async tryAcquireOrRenew(now: number): Promise<boolean> {
    if (now - this.lastTry < leaseRetryMilliseconds) return this.leader
    this.lastTry = now
    try {
      const leading = await this.acquireOrRenew(now)
      this.reportedFailure = ''
      return leading
    } catch (error) {
      if (this.leader && now - this.renewedAt >= renewDeadlineMilliseconds) this.leader = false
      throw error
    }
  }

  /**
   * One round for a candidate that must outlive its failures (`kubemu up`): a failed request is
   * reported once (until its message changes) and tried again at the next retry period; errors
   * `rethrown` picks are thrown instead.
   */
  async tryOrReport(now: number, report: (line: string) => void, rethrown: (error: unknown) => boolean = () => false): Promise<boolean> {
    try {
      return await this.tryAcquireOrRenew(now)
    } catch (error) {
      if (rethrown(error)) throw error
      const message = error instanceof Error ? error.message : String(error)
      if (message !== this.reportedFailure) report(`leader election: ${this.identity} for ${this.lockName}: ${message}; trying again every ${leaseRetryMilliseconds / 1000} s`)
      this.reportedFailure = message
      return this.leader
    }
  }

  private async acquireOrRenew(now: number): Promise<boolean> {
    const lease = await readLease<Lease>(this.client, this.lockName)
    const spec = lease?.spec ?? {}
    const held = spec.holderIdentity && spec.holderIdentity !== this.identity
    const expires = (Date.parse(spec.renewTime ?? '') || 0) + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000
    if (held && expires > now) {
      this.leader = false
      return false
    }
    const next = {
      holderIdentity: this.identity,
      leaseDurationSeconds,
      acquireTime: spec.holderIdentity === this.identity && spec.acquireTime ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: lease ? (spec.leaseTransitions ?? 0) + (spec.holderIdentity === this.identity ? 0 : 1) : 0,
    }
    try {
      if (lease) await this.client.update(resources.leases, {...lease, kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', spec: next})
      else await this.client.create(resources.leases, {kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: {name: this.lockName, namespace: 'kube-system'}, spec: next})
      this.leader = true
      this.renewedAt = now
    } catch (error) {
      if (!isConflict(error) && !isAlreadyExists(error)) throw error
      this.leader = false
    }
    return this.leader
  }

  /** Stops leading without a word to the API (its process died): the Lease runs out by itself. */
  forget(): void {
    this.leader = false
    this.lastTry = Number.NEGATIVE_INFINITY
  }

  /** Gives the Lease up (ReleaseOnCancel): an empty holder, which a standby takes at once. */
  async release(now: number): Promise<void> {
    if (!this.leader) return
    this.leader = false
    try {
      const lease = await this.client.get<Lease>(resources.leases, 'kube-system', this.lockName)
      if (lease.spec?.holderIdentity !== this.identity) return
      await this.client.update(resources.leases, {...lease, kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', spec: {...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now)}})
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) throw error
    }
  }
}

// The counters and latency histograms one etcd member keeps, under etcd's own metric names, for
// the `/metrics` of its front door. Only what happens inside the member is counted here (leader
// changes, failed proposals, the time its durable raft writes and its applies take); gauges that
// are the member's current state (leader, indexes, sizes) are read from it when scraped.

/** etcd's buckets for its disk histograms: prometheus.ExponentialBuckets(0.001, 2, 14), in seconds. */
export const diskBucketsSeconds: readonly number[] = Array.from({length: 14}, (_, power) => 0.001 * 2 ** power)

/** A Prometheus histogram: cumulative counts by upper bound, plus the sum and count of observations. */
export class Histogram {
  /** Observations at or under each bound (not yet cumulative). */
  readonly counts: number[]
  sum = 0
  count = 0

  constructor(readonly bucketsSeconds: readonly number[]) {
    this.counts = bucketsSeconds.map(() => 0)
  }

  observe(seconds: number): void {
    this.sum += seconds
    this.count++
    const bucket = this.bucketsSeconds.findIndex((bound) => seconds <= bound)
    if (bucket >= 0) this.counts[bucket]!++
  }

  /** Records the time since `startedMilliseconds` (a reading of performance.now()). */
  observeSince(startedMilliseconds: number): void {
    this.observe((performance.now() - startedMilliseconds) / 1000)
  }

  /** The cumulative count of each bucket, in the order of the bounds. */
  cumulative(): number[] {
    let total = 0
    return this.counts.map((count) => (total += count))
  }
}

export class MemberMetrics {
  /** etcd_server_leader_changes_seen_total. */
  leaderChanges = 0
  /** etcd_server_proposals_failed_total. */
  proposalsFailed = 0
  /** etcd_disk_wal_fsync_duration_seconds: an fsync of the WAL holding Readies' raft state, from its start until the event loop hears it ended. */
  readonly walFsync = new Histogram(diskBucketsSeconds)
  /** etcd_disk_backend_commit_duration_seconds: the transaction that applies committed entries. */
  readonly backendCommit = new Histogram(diskBucketsSeconds)
  private lastLead = ''

  /** As etcd's raft loop counts them: a Ready naming a leader other than the last one seen. */
  sawLead(lead: string): void {
    if (lead !== '' && lead !== this.lastLead) this.leaderChanges++
    this.lastLead = lead
  }
}

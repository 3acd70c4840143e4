import {assert} from '../util/assert.js'

export type ProgressState = 'probe' | 'replicate' | 'snapshot'

/** The leader's view of one follower's log (etcd-io/raft's tracker.Progress). */
export class Progress {
  match = 0
  next: number
  state: ProgressState = 'probe'
  /** In probe state: one MsgApp is in flight; wait for its answer or a heartbeat response. */
  probeSent = false
  pendingSnapshot = 0
  /** Set by any message from the follower; check-quorum reads and clears it. */
  recentActive = false
  /** Indexes of the last entry of each MsgApp in flight while replicating. */
  private inflight: number[] = []

  constructor(
    next: number,
    readonly learner: boolean,
    private readonly inflightMax: number,
  ) {
    this.next = next
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot
      this.resetState('probe')
      this.next = Math.max(this.match + 1, pending + 1)
    } else {
      this.resetState('probe')
      this.next = this.match + 1
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate')
    this.next = this.match + 1
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot')
    this.pendingSnapshot = snapshotIndex
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false
    this.pendingSnapshot = 0
    this.state = state
    this.inflight = []
  }

  /** An acknowledgement up to `index`; false when it is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false
    if (this.match < index) {
      this.match = index
      updated = true
      this.probeSent = false
    }
    this.next = Math.max(this.next, index + 1)
    return updated
  }

  optimisticUpdate(lastIndex: number): void {
    this.next = lastIndex + 1
  }

  /** A rejection of the MsgApp that followed `rejected`; false when the rejection is stale. */
  maybeDecreaseTo(rejected: number, followerLastIndex: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.next = this.match + 1
      return true
    }
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, followerLastIndex + 1), 1)
    this.probeSent = false
    return true
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent
      case 'replicate':
        return this.inflight.length >= this.inflightMax
      case 'snapshot':
        return true
    }
  }

  addInflight(lastIndex: number): void {
    assert(this.inflight.length < this.inflightMax, 'inflight window overflow')
    this.inflight.push(lastIndex)
  }

  freeInflightTo(index: number): void {
    let freed = 0
    while (freed < this.inflight.length && this.inflight[freed]! <= index) freed++
    this.inflight.splice(0, freed)
  }

  freeFirstInflight(): void {
    this.inflight.shift()
  }
}

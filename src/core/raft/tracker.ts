import {assert} from '../util/assert.js'
import {Progress} from './progress.js'
import type {ConfChange, ConfState, NodeId} from './types.js'

export type VoteResult = 'won' | 'lost' | 'pending'

/**
 * Who is in the configuration, what the leader knows of each member's log, the votes of an
 * election, and the quorum arithmetic over voters (etcd-io/raft's tracker package).
 */
export class ProgressTracker {
  private readonly progress = new Map<NodeId, Progress>()
  private readonly votes = new Map<NodeId, boolean>()

  constructor(private readonly inflightMessagesMax: number) {}

  /** Replaces the configuration; every member starts probing at `nextIndex`. */
  restore(confState: ConfState, nextIndex: number): void {
    this.progress.clear()
    for (const voter of confState.voters) this.progress.set(voter, this.fresh(false, nextIndex))
    for (const learner of confState.learners) this.progress.set(learner, this.fresh(true, nextIndex))
  }

  private fresh(learner: boolean, nextIndex: number): Progress {
    return new Progress(nextIndex, learner, this.inflightMessagesMax)
  }

  /** Forgets what the leader knew: all probe from `nextIndex`, `self` matches `lastIndex`. */
  resetProgress(self: NodeId, lastIndex: number): void {
    for (const [id, old] of this.progress) {
      const fresh = this.fresh(old.learner, lastIndex + 1)
      if (id === self) fresh.match = lastIndex
      this.progress.set(id, fresh)
    }
  }

  applyConfChange(change: ConfChange, nextIndex: number): void {
    const existing = this.progress.get(change.nodeId)
    switch (change.type) {
      case 'addNode':
        if (existing?.learner) {
          const promoted = this.fresh(false, existing.next)
          promoted.match = existing.match
          this.progress.set(change.nodeId, promoted)
        } else if (!existing) {
          this.progress.set(change.nodeId, this.fresh(false, nextIndex))
        }
        return
      case 'addLearner':
        if (!existing) this.progress.set(change.nodeId, this.fresh(true, nextIndex))
        return
      case 'removeNode':
        this.progress.delete(change.nodeId)
        return
      case 'updateNode':
        return
    }
  }

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id)
  }

  has(id: NodeId): boolean {
    return this.progress.has(id)
  }

  /** Every member of the configuration, learners included. */
  members(): IterableIterator<[NodeId, Progress]> {
    return this.progress.entries()
  }

  ids(): NodeId[] {
    return [...this.progress.keys()]
  }

  isVoter(id: NodeId): boolean {
    const progress = this.progress.get(id)
    return progress !== undefined && !progress.learner
  }

  voterCount(): number {
    let count = 0
    for (const progress of this.progress.values()) if (!progress.learner) count++
    return count
  }

  /** How many voters make a majority. */
  quorum(): number {
    return Math.floor(this.voterCount() / 2) + 1
  }

  confState(): ConfState {
    const voters: NodeId[] = []
    const learners: NodeId[] = []
    for (const [id, progress] of this.progress) (progress.learner ? learners : voters).push(id)
    return {voters: voters.sort(), learners: learners.sort()}
  }

  /** The highest index a majority of voters hold (0 without voters). */
  majorityMatch(): number {
    const matches: number[] = []
    for (const progress of this.progress.values()) if (!progress.learner) matches.push(progress.match)
    if (matches.length === 0) return 0
    matches.sort((a, b) => b - a)
    return matches[Math.floor(matches.length / 2)]!
  }

  /** Check-quorum: whether a majority was heard from since the last check (which this resets). */
  quorumActive(self: NodeId): boolean {
    let active = 0
    for (const [id, progress] of this.progress) {
      if (!progress.learner && (id === self || progress.recentActive)) active++
      if (id !== self) progress.recentActive = false
    }
    return active >= this.quorum()
  }

  markAllActive(): void {
    for (const progress of this.progress.values()) progress.recentActive = true
  }

  // ---- elections ---------------------------------------------------------------------------

  resetVotes(): void {
    this.votes.clear()
  }

  /** Records a vote (the first one from each voter counts) and tallies the election. */
  recordVote(id: NodeId, granted: boolean): VoteResult {
    if (!this.votes.has(id)) this.votes.set(id, granted)
    const {grants, rejects} = this.voteCounts()
    const quorum = this.quorum()
    assert(quorum > 0, 'an election needs voters')
    if (grants >= quorum) return 'won'
    if (rejects >= quorum) return 'lost'
    return 'pending'
  }

  /** The voters' grants and rejections recorded in this election. */
  voteCounts(): {grants: number; rejects: number} {
    let grants = 0
    let rejects = 0
    for (const [voter, progress] of this.progress) {
      if (progress.learner) continue
      const vote = this.votes.get(voter)
      if (vote === true) grants++
      else if (vote === false) rejects++
    }
    return {grants, rejects}
  }
}

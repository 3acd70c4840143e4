import {FollowerReplication} from './follower.js'
import {type ConfChange, type ConfState, EntryType, StateType} from './types.js'

/**
 * Membership changes: one at a time (a leader admits a new one only once the last is applied,
 * see LogReplication.leaderPropose), taking effect when the application applies them.
 */
export abstract class Membership extends FollowerReplication {
  /** The application applied a committed conf change: membership changes take effect now. */
  applyConfChange(change: ConfChange): ConfState {
    this.tracker.applyConfChange(change, this.log.lastIndex() + 1)
    // A removed leader steps down so the remaining members can elect one of their own.
    if (change.type === 'removeNode' && change.nodeId === this.id && this.state === StateType.Leader) this.becomeFollower(this.term, '')
    if (this.state === StateType.Leader) {
      if (change.type === 'removeNode' && change.nodeId === this.leadTransferee) this.abortLeaderTransfer()
      if (this.tracker.has(this.id) && this.maybeCommit()) this.broadcastAppend()
    }
    return this.confState()
  }

  /** Configuration changes committed and not applied yet. */
  protected unappliedConfChanges(): number {
    const entries = this.log.slice(this.log.applied + 1, this.log.committed + 1, Number.MAX_SAFE_INTEGER) ?? []
    return entries.filter((entry) => entry.type === EntryType.ConfChange).length
  }
}

import {assert} from '../util/assert.js'
import {LinearizableReads} from './linearizable-reads.js'
import {type Message, type Snapshot, emptyMessage} from './types.js'

/** The follower's side of replication: what it does with a leader's append, heartbeat or snapshot. */
export abstract class FollowerReplication extends LinearizableReads {
  protected handleAppend(message: Message): void {
    if (message.index < this.log.committed) {
      this.send({...emptyMessage('MsgAppResp', this.id, message.from, this.term), index: this.log.committed})
      return
    }
    const lastNewIndex = this.log.maybeAppend(message.index, message.logTerm, message.commit, message.entries)
    if (lastNewIndex !== null) {
      this.send({...emptyMessage('MsgAppResp', this.id, message.from, this.term), index: lastNewIndex})
    } else {
      this.send({
        ...emptyMessage('MsgAppResp', this.id, message.from, this.term),
        index: message.index,
        reject: true,
        rejectHint: this.log.lastIndex(),
      })
    }
  }

  protected handleHeartbeat(message: Message): void {
    this.log.commitTo(Math.min(message.commit, this.log.lastIndex()))
    this.send({...emptyMessage('MsgHeartbeatResp', this.id, message.from, this.term), ...(message.context ? {context: message.context} : {})})
  }

  protected handleSnapshot(message: Message): void {
    const snapshot = message.snapshot
    assert(snapshot, 'MsgSnap without a snapshot')
    if (this.restore(snapshot)) {
      this.send({...emptyMessage('MsgAppResp', this.id, message.from, this.term), index: this.log.lastIndex()})
    } else {
      this.send({...emptyMessage('MsgAppResp', this.id, message.from, this.term), index: this.log.committed})
    }
  }

  protected restore(snapshot: Snapshot): boolean {
    const {index, term, confState} = snapshot.metadata
    if (index <= this.log.committed) return false
    if (this.log.matchTerm(index, term)) {
      // We already hold the snapshot's entries: just move the commit forward.
      this.log.commitTo(index)
      return false
    }
    this.log.restore(snapshot)
    this.tracker.restore(confState, this.log.lastIndex() + 1)
    return true
  }
}

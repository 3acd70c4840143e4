import {LogReplication} from './replication.js'
import {type Message, type NodeId, emptyMessage} from './types.js'

/**
 * Linearizable reads on the leader (Raft thesis §6.4, etcd's ReadIndex): a read waits for the
 * commit index of the moment it came, once a quorum's heartbeat answers prove this member still
 * leads. The queue of pending reads is read-index.ts's ReadOnly.
 */
export abstract class LinearizableReads extends LogReplication {
  protected leaderReadIndex(message: Message): void {
    const context = message.context ?? ''
    if (this.tracker.voterCount() <= 1) {
      this.answerRead(message.from, context, this.log.committed)
      return
    }
    // Until an entry of this term commits, the leader's commit index may be stale (§6.4).
    if (this.log.term(this.log.committed) !== this.term) {
      if (message.from !== this.id) this.send({...emptyMessage('MsgReadIndexResp', this.id, message.from, this.term), context, reject: true})
      else this.readStates.push({index: 0, requestContext: context})
      return
    }
    if (!this.readOnly.add(context, this.log.committed, message.from)) return
    this.readOnly.acknowledge(context, this.id)
    this.broadcastHeartbeat(context)
  }

  protected answerRead(to: NodeId, context: string, index: number): void {
    if (to === this.id || to === '') this.readStates.push({index, requestContext: context})
    else this.send({...emptyMessage('MsgReadIndexResp', this.id, to, this.term), index, context})
  }

  /** A heartbeat answer carrying a read's context counts toward that read's quorum. */
  protected acknowledgeRead(message: Message): void {
    if (!message.context) return
    const acks = this.readOnly.acknowledge(message.context, message.from)
    if (acks < this.tracker.quorum()) return
    for (const read of this.readOnly.release(message.context)) this.answerRead(read.from, read.context, read.index)
  }
}

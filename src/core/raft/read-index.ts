import {assert} from '../util/assert.js'
import type {NodeId} from './types.js'

export const readIndexPendingMax = 4096

interface PendingRead {
  readonly index: number
  /** Who asked: this member, or a follower that forwarded a MsgReadIndex. */
  readonly from: NodeId
  readonly acks: Set<NodeId>
}

/**
 * Linearizable reads by ReadIndex (Raft thesis §6.4): the leader notes its commit index, then
 * confirms with a heartbeat round that it is still the leader before the read may proceed.
 */
export class ReadOnly {
  private readonly pending = new Map<string, PendingRead>()
  private readonly queue: string[] = []

  add(context: string, index: number, from: NodeId): boolean {
    if (this.pending.has(context)) return true
    if (this.queue.length >= readIndexPendingMax) return false
    this.pending.set(context, {index, from, acks: new Set()})
    this.queue.push(context)
    return true
  }

  /** Records an acknowledgement; returns how many members have acknowledged `context`. */
  acknowledge(context: string, from: NodeId): number {
    const read = this.pending.get(context)
    if (!read) return 0
    read.acks.add(from)
    return read.acks.size
  }

  /** Releases every read queued up to and including `context`, oldest first. */
  release(context: string): Array<{context: string; index: number; from: NodeId}> {
    const position = this.queue.indexOf(context)
    if (position < 0) return []
    const released = this.queue.splice(0, position + 1)
    return released.map((key) => {
      const read = this.pending.get(key)
      assert(read, `read ${key} queued but not pending`)
      this.pending.delete(key)
      return {context: key, index: read.index, from: read.from}
    })
  }

  lastPendingContext(): string | null {
    return this.queue.length === 0 ? null : this.queue[this.queue.length - 1]!
  }

  reset(): void {
    this.pending.clear()
    this.queue.length = 0
  }
}

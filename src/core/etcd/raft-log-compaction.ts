import type {Entry} from '../raft/types.js'
import {assert} from '../util/assert.js'

/**
 * The raft log is also cut once its entries since the last snapshot weigh a sixteenth of the
 * member's file in use (checked each time this much more is logged): a member behind by more
 * catches up about as fast from a snapshot of the state, and the log stays small beside the data.
 */
export const raftLogBytesMin = 256 * 1024
/** The share of the file in use the raft log may reach before it is cut. */
export const raftLogShareOfFileMax = 1 / 16

/**
 * When one member cuts its raft log: every `snapshotEveryEntries` applied entries (etcd's
 * --snapshot-count), or sooner once the log since the last snapshot outweighs its share of the file.
 */
export class RaftLogCompaction {
  private lastSnapshotIndex: number
  /** Bytes of the entries persisted since the last snapshot, and when to weigh them against the file next. */
  private raftLogBytes: number
  private raftLogBytesNextCheck = raftLogBytesMin

  constructor(
    private readonly snapshotEveryEntries: number,
    lastSnapshotIndex: number,
    persistedEntries: readonly Entry[],
  ) {
    this.lastSnapshotIndex = lastSnapshotIndex
    this.raftLogBytes = persistedEntries.reduce((total, entry) => total + entry.data.length, 0)
  }

  /** A snapshot from the leader replaced the log through `index`. */
  restored(index: number): void {
    this.lastSnapshotIndex = index
    this.raftLogBytes = 0
  }

  logged(entries: readonly Entry[]): void {
    for (const entry of entries) this.raftLogBytes += entry.data.length
  }

  /** Whether to cut the log at `applied`; the file in use is weighed only when a check is due. */
  due(applied: number, sizeInUseBytes: () => number): boolean {
    if (applied - this.lastSnapshotIndex >= this.snapshotEveryEntries) return true
    if (this.raftLogBytes < this.raftLogBytesNextCheck) return false
    this.raftLogBytesNextCheck = this.raftLogBytes + raftLogBytesMin
    return this.raftLogBytes >= sizeInUseBytes() * raftLogShareOfFileMax
  }

  compacted(applied: number): void {
    assert(applied >= this.lastSnapshotIndex, `raft log cut at ${applied}, before the last snapshot at ${this.lastSnapshotIndex}`)
    this.lastSnapshotIndex = applied
    this.raftLogBytes = 0
    this.raftLogBytesNextCheck = raftLogBytesMin
  }
}

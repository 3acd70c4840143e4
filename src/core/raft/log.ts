import {assert} from '../util/assert.js'
import type {Entry, Snapshot} from './types.js'

/**
 * The in-memory view of one member's log: everything after the last snapshot. The driver
 * restores it from storage on start; `stabled` says how much of it storage already holds.
 */
export class RaftLog {
  /** entries[i].index === snapshotIndex + 1 + i */
  private entries: Entry[]
  private snapshotIndex: number
  private snapshotTerm: number
  /** A snapshot received from the leader that storage has not yet persisted. */
  pendingSnapshot: Snapshot | null = null
  /** The newest snapshot this member holds, sent to followers that fell behind it. */
  latestSnapshot: Snapshot | null
  stabled: number
  committed: number
  applied: number

  constructor(snapshot: Snapshot | null, entries: readonly Entry[], committed: number, applied: number) {
    this.latestSnapshot = snapshot
    this.snapshotIndex = snapshot?.metadata.index ?? 0
    this.snapshotTerm = snapshot?.metadata.term ?? 0
    this.entries = []
    for (const entry of entries) {
      if (entry.index <= this.snapshotIndex) continue
      assert(entry.index === this.snapshotIndex + 1 + this.entries.length, `raft log restored with a gap at index ${entry.index}`)
      this.entries.push(entry)
    }
    this.stabled = this.lastIndex()
    this.committed = Math.max(committed, this.snapshotIndex)
    this.applied = Math.max(applied, this.snapshotIndex)
    assert(this.committed <= this.lastIndex(), `commit ${this.committed} is beyond the last log index ${this.lastIndex()}`)
    assert(this.applied <= this.committed, `applied ${this.applied} is beyond commit ${this.committed}`)
  }

  firstIndex(): number {
    return this.snapshotIndex + 1
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0
  }

  /** The term of the entry at `index`, or null when it is compacted away or not yet written. */
  term(index: number): number | null {
    if (index === this.snapshotIndex) return this.snapshotTerm
    if (index < this.snapshotIndex || index > this.lastIndex()) return null
    return this.entries[index - this.snapshotIndex - 1]!.term
  }

  entryAt(index: number): Entry | null {
    if (index <= this.snapshotIndex || index > this.lastIndex()) return null
    return this.entries[index - this.snapshotIndex - 1]!
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term
  }

  /** Raft §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm()
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex())
  }

  /** Entries in [low, high), at most `countMax` of them; null when `low` is compacted away. */
  slice(low: number, high: number, countMax: number): Entry[] | null {
    if (low <= this.snapshotIndex) return null
    const end = Math.min(high, this.lastIndex() + 1, low + countMax)
    if (end <= low) return []
    return this.entries.slice(low - this.snapshotIndex - 1, end - this.snapshotIndex - 1)
  }

  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex()
    const after = entries[0]!.index - 1
    assert(after >= this.committed, `append would overwrite committed entry ${after + 1} (commit ${this.committed})`)
    this.truncateAndAppend(entries)
    return this.lastIndex()
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0]!.index
    assert(first > this.snapshotIndex, `append at ${first} is inside the snapshot (${this.snapshotIndex})`)
    assert(first <= this.lastIndex() + 1, `append at ${first} leaves a gap after ${this.lastIndex()}`)
    this.entries.length = first - this.snapshotIndex - 1
    this.entries.push(...entries)
    if (this.stabled >= first) this.stabled = first - 1
  }

  /** The first index among `entries` whose term differs from ours, or 0 when none conflicts. */
  private findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index
    }
    return 0
  }

  /**
   * A follower's handling of MsgApp: returns the new last index when (prevIndex, prevTerm)
   * matches, or null when the leader must back off.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null
    const lastNewIndex = prevIndex + entries.length
    const conflict = this.findConflict(entries)
    if (conflict !== 0) {
      assert(conflict > this.committed, `entry ${conflict} conflicts with a committed entry (commit ${this.committed})`)
      this.truncateAndAppend(entries.slice(conflict - prevIndex - 1))
    }
    this.commitTo(Math.min(leaderCommit, lastNewIndex))
    return lastNewIndex
  }

  commitTo(index: number): void {
    if (index <= this.committed) return
    assert(index <= this.lastIndex(), `commit ${index} is beyond the last log index ${this.lastIndex()}`)
    this.committed = index
  }

  appliedTo(index: number): void {
    if (index === 0) return
    assert(index <= this.committed && index >= this.applied, `applied ${index} outside [${this.applied}, ${this.committed}]`)
    this.applied = index
  }

  /** The application installed a snapshot received from the leader. */
  appliedSnapshot(index: number): void {
    assert(index <= this.committed, `snapshot ${index} applied beyond commit ${this.committed}`)
    if (index > this.applied) this.applied = index
  }

  stableTo(index: number, term: number): void {
    // An entry may have been replaced since the Ready that carried it; only its own term counts.
    if (this.matchTerm(index, term) && index > this.stabled) this.stabled = index
  }

  unstableEntries(): Entry[] {
    return this.entries.slice(this.stabled - this.snapshotIndex)
  }

  /** Committed entries not yet handed to the application, at most `countMax`. */
  nextCommittedEntries(countMax: number): Entry[] {
    const low = this.applied + 1
    const high = Math.min(this.committed, this.stabled) + 1
    if (high <= low) return []
    return this.slice(low, high, countMax) ?? []
  }

  hasNextCommittedEntries(): boolean {
    return Math.min(this.committed, this.stabled) > this.applied
  }

  /** Replace everything with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    this.snapshotIndex = snapshot.metadata.index
    this.snapshotTerm = snapshot.metadata.term
    this.entries = []
    this.committed = snapshot.metadata.index
    this.stabled = snapshot.metadata.index
    this.pendingSnapshot = snapshot
    this.latestSnapshot = snapshot
  }

  /** The application applied a snapshot; entries up to it can go from memory. */
  compact(snapshot: Snapshot): void {
    const index = snapshot.metadata.index
    assert(index <= this.applied, `compaction at ${index} is beyond applied ${this.applied}`)
    if (index <= this.snapshotIndex) return
    const term = this.term(index)
    assert(term === snapshot.metadata.term, `snapshot term ${snapshot.metadata.term} differs from the log's ${term} at ${index}`)
    this.entries = this.entries.slice(index - this.snapshotIndex)
    this.snapshotIndex = index
    this.snapshotTerm = snapshot.metadata.term
    this.latestSnapshot = snapshot
  }

  snapshotIndexValue(): number {
    return this.snapshotIndex
  }
}

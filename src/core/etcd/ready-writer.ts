import type {ApplyOutcome, InternalRequest} from '../mvcc/state-machine.js'
import {decodeRequest, type StateMachine} from '../mvcc/state-machine.js'
import type {AppliedChange} from '../mvcc/types.js'
import {type ConfChange, type ConfState, type Entry, EntryType, type HardState, type Snapshot} from '../raft/types.js'
import type {MemberDatabase} from '../storage/member-database.js'
import {InvariantError} from '../util/assert.js'
import {decodeValue} from '../util/codec.js'
import {type CleanShutdown, metaCleanShutdown, metaConfState, readCleanShutdown} from './cluster-files.js'
import {readMemberRecords, withConfChange, writeMemberRecords} from './member-setup.js'
import {requestTrace} from './request-trace.js'

/**
 * What one Ready hands to its member's database: the raft state to persist and the committed
 * entries to apply. Raft itself stays with the driver; the configuration each applied
 * configuration change leads to is computed there (raft's applyConfChange) and handed over.
 */
export interface ReadyWrite {
  readonly hardState: HardState | null
  readonly entries: readonly Entry[]
  /** A snapshot from the leader, with its data, to install. */
  readonly snapshot: Snapshot | null
  readonly committedEntries: readonly Entry[]
  /** The configuration after each configuration change among committedEntries, in their order. */
  readonly confStates: readonly ConfState[]
}

/** The raft entry (term, index) that made a revision, as [revision, term, index]. */
export type AppliedPosition = readonly [revision: number, term: number, index: number]

/** What one Ready's applies produced: the answers to requests waiting on the member, and watch events. */
export interface AppliedBatch {
  readonly outcomes: ReadonlyArray<readonly [string, ApplyOutcome]>
  readonly events: readonly AppliedChange[]
  /** The newest revision the applies made (0: none). */
  readonly revision: number
  readonly positions: readonly AppliedPosition[]
}

export const noneApplied: AppliedBatch = {outcomes: [], events: [], revision: 0, positions: []}

/**
 * The writes of one member's Readies, in one SQLite transaction each (etcd's WAL save of a Ready,
 * its backend batching the applies): wherever the member's writer connection lives, on the
 * event loop (in-process members) or in the member's thread (member-thread.ts), the same code
 * persists and applies, so both modes leave byte-identical files.
 */
export class ReadyWriter {
  private cleanShutdownMarkerOnDisk: boolean

  constructor(
    readonly database: MemberDatabase,
    readonly stateMachine: StateMachine,
    private readonly memberName: string,
  ) {
    this.cleanShutdownMarkerOnDisk = database.getMeta(metaCleanShutdown) !== null
  }

  /**
   * Persists and applies one Ready, committed to the WAL without an fsync: its outputs wait for
   * the one that follows (DurableOutputs). `wanted` tells which requests' outcomes to return.
   */
  write(work: ReadyWrite, wanted: (requestId: string) => boolean): AppliedBatch {
    const hasRaftState = work.hardState !== null || work.entries.length > 0 || work.snapshot !== null
    if (!hasRaftState && work.committedEntries.length === 0) return noneApplied
    let applied = noneApplied
    const writeAll = () => {
      if (hasRaftState) this.persist(work)
      applied = this.applyCommitted(work.committedEntries, work.confStates, wanted)
      // What the transaction commits is the size until the next write (etcd's backend size).
      this.database.kv.rememberSize()
    }
    try {
      // In the transaction its member opened for the Ready (see EtcdMember.processReady), which
      // a failure rolls back whole; a thread's writer opens one here.
      if (this.database.writing) writeAll()
      else this.database.transaction(writeAll, {durable: false})
    } catch (error) {
      // Rolled back: no cached value of the state machine may outlive it.
      this.database.kv.forgetSize()
      this.stateMachine.reload()
      throw error
    }
    return applied
  }

  /** One Ready's raft state; inside the Ready's transaction. */
  private persist(work: ReadyWrite): void {
    if (work.snapshot) {
      const {index, confState} = work.snapshot.metadata
      this.stateMachine.importSnapshot(work.snapshot.data, index)
      this.database.setMeta(metaConfState, JSON.stringify(confState))
    }
    const metadataOnly = work.snapshot ? {metadata: work.snapshot.metadata, data: new Uint8Array()} : null
    this.database.persistRaft(work.hardState, work.entries, metadataOnly)
    // Once raft state moves on, the marker of the last clean stop no longer describes it.
    if (this.cleanShutdownMarkerOnDisk) {
      this.database.deleteMeta(metaCleanShutdown)
      this.cleanShutdownMarkerOnDisk = false
    }
  }

  /** Applies committed entries; inside the Ready's transaction. Nothing is answered until it commits. */
  private applyCommitted(entries: readonly Entry[], confStates: readonly ConfState[], wanted: (requestId: string) => boolean): AppliedBatch {
    if (entries.length === 0) return noneApplied
    const outcomes: Array<[string, ApplyOutcome]> = []
    const events: AppliedChange[] = []
    const positions: AppliedPosition[] = []
    let revision = 0
    let confChanges = 0
    let index = this.stateMachine.appliedIndex()
    for (const entry of entries) {
      // Each committed entry is applied once, in log order (a gap is fine after a snapshot).
      if (entry.index <= index) throw new InvariantError(`${this.memberName} applies raft entry ${entry.index} after ${index}`)
      index = entry.index
      if (entry.type === EntryType.ConfChange) {
        const confState = confStates[confChanges++]
        if (!confState) throw new InvariantError(`${this.memberName} applies configuration change ${entry.index} without the configuration raft made of it`)
        this.database.setMeta(metaConfState, JSON.stringify(confState))
        writeMemberRecords(this.database, withConfChange(readMemberRecords(this.database), decodeValue<ConfChange>(entry.data)))
        continue
      }
      if (entry.data.length === 0) continue
      const request: InternalRequest = decodeRequest(entry.data)
      requestTrace?.carries(request.id, entry.index)
      const outcome = this.stateMachine.apply(request)
      if (outcome.ok) {
        if (outcome.revision < revision) throw new InvariantError(`${this.memberName}'s revision went back from ${revision} to ${outcome.revision} at raft entry ${entry.index}`)
        events.push(...outcome.events)
        if (outcome.events.length > 0) positions.push([outcome.revision, entry.term, entry.index])
        revision = Math.max(revision, outcome.revision)
      }
      if (wanted(request.id)) outcomes.push([request.id, outcome])
    }
    this.stateMachine.setAppliedIndex(entries[entries.length - 1]!.index)
    return {outcomes, events, revision, positions}
  }

  /** Records that this process stops cleanly, so the next one resumes without an election. */
  markCleanShutdown(marker: CleanShutdown): void {
    const existing = readCleanShutdown(this.database)
    if (existing && existing.term === marker.term && existing.lead === marker.lead) return
    this.database.transaction(() => this.database.setMeta(metaCleanShutdown, JSON.stringify(marker)))
    this.cleanShutdownMarkerOnDisk = true
  }

  /** A snapshot taken locally at an applied index: the raft log it covers goes. */
  compactRaftLog(snapshot: Snapshot): void {
    this.database.compactRaftLog(snapshot)
  }
}

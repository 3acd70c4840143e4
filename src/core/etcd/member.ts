import {EtcdError} from '../mvcc/errors.js'
import {type ApplyOutcome, type InternalRequest, StateMachine, decodeRequest} from '../mvcc/state-machine.js'
import type {WatchEvent} from '../mvcc/types.js'
import {Raft, defaultRaftLimits} from '../raft/raft.js'
import {type ConfChange, type Entry, EntryType, type Message, type RandomSource, type Ready, type Snapshot, StateType} from '../raft/types.js'
import type {MemberDatabase} from '../storage/member-database.js'
import {assert, InvariantError} from '../util/assert.js'
import {decodeValue} from '../util/codec.js'
import type {RaftPosition} from './api.js'
import type {MemberLayout} from './layout.js'
import {MemberMetrics} from './metrics.js'
import type {InProcessTransport} from './transport.js'
import {DurableOutputs} from './durable-outputs.js'
import {type CleanShutdown, metaCleanShutdown, metaConfState, readCleanShutdown} from './cluster-files.js'
import {type MemberRecord, confStateOf, readMemberRecords, withConfChange, writeMemberRecords} from './member-setup.js'
import {RaftLogCompaction} from './raft-log-compaction.js'
import {RevisionPositions} from './revision-positions.js'

export type {CleanShutdown} from './cluster-files.js'
export type {MemberRecord} from './member-setup.js'

/** A snapshot every this many applied entries lets the raft log shrink (etcd's --snapshot-count). */
export const snapshotEveryEntriesDefault = 10_000
/** Requests one member waits on at once; more are refused rather than queued without end. */
export const pendingRequestsMax = 100_000

export type WatchListener = (events: readonly WatchEvent[], revision: number) => void

/** What one Ready's applies produced: the answers to requests waiting here, and watch events. */
interface AppliedBatch {
  readonly outcomes: ReadonlyArray<[string, ApplyOutcome]>
  readonly events: readonly WatchEvent[]
  readonly revision: number
}

const noneApplied: AppliedBatch = {outcomes: [], events: [], revision: 0}

/**
 * One etcd member in this process: its database, its raft node and its state machine, and the
 * driver step that moves a Ready through persist → send → apply → advance.
 */
export class EtcdMember {
  readonly raft: Raft
  readonly stateMachine: StateMachine
  private readonly waiters = new Map<string, (outcome: ApplyOutcome) => void>()
  readonly metrics = new MemberMetrics()
  private readonly readWaiters = new Map<string, (index: number) => void>()
  private readonly watchListeners = new Set<WatchListener>()
  private readonly revisionPositions = new RevisionPositions()
  private cleanShutdownMarkerOnDisk: boolean
  private readonly logCompaction: RaftLogCompaction
  private persistedTerm: number
  private persistedVote: string
  /** fsyncs of raft state (etcd's etcd_disk_wal_fsync_duration_seconds_count). */
  walFsyncs = 0
  /** What Readies let out, held until their transactions are on disk. */
  readonly outputs: DurableOutputs

  private constructor(
    readonly layout: MemberLayout,
    readonly database: MemberDatabase,
    random: RandomSource,
    resumeLeader: string | null,
    snapshotEveryEntries: number,
    onSynced: () => void,
  ) {
    this.outputs = new DurableOutputs(
      (done) => database.syncWal(done),
      (milliseconds) => {
        this.walFsyncs++
        this.metrics.walFsync.observe(milliseconds / 1000)
        onSynced()
      },
    )
    this.stateMachine = new StateMachine(database)
    const persisted = database.loadRaftState()
    const applied = this.stateMachine.appliedIndex()
    this.logCompaction = new RaftLogCompaction(snapshotEveryEntries, persisted.snapshot?.metadata.index ?? 0, persisted.entries)
    this.persistedTerm = persisted.hardState.term
    this.persistedVote = persisted.hardState.vote
    const confState = confStateOf(database)
    this.raft = new Raft({
      id: layout.id,
      confState,
      ...defaultRaftLimits,
      random,
      preVote: true,
      checkQuorum: true,
      ownAppendsCountWhenDurable: true,
      hardState: persisted.hardState,
      snapshot: persisted.snapshot,
      entries: persisted.entries,
      applied,
    })
    // After a clean stop, the leader of the restored term leads again without an election.
    if (resumeLeader === layout.id && this.raft.isVoter(layout.id)) this.raft.resumeLeading()
    else if (resumeLeader) this.raft.resumeFollowing(resumeLeader)
    this.cleanShutdownMarkerOnDisk = database.getMeta(metaCleanShutdown) !== null
  }

  static start(
    database: MemberDatabase,
    layout: MemberLayout,
    random: RandomSource,
    resumeLeader: string | null,
    snapshotEveryEntries = snapshotEveryEntriesDefault,
    /** Told after each fsync of its raft state, so the driver lets out what it covered. */
    onSynced: () => void = () => {},
  ): EtcdMember {
    return new EtcdMember(layout, database, random, resumeLeader, snapshotEveryEntries, onSynced)
  }

  static readCleanShutdown(database: MemberDatabase): CleanShutdown | null {
    return readCleanShutdown(database)
  }

  get id(): string {
    return this.layout.id
  }

  members(): MemberRecord[] {
    return readMemberRecords(this.database)
  }

  // ---- requests ----------------------------------------------------------------------------

  /** Registers interest in a proposed request's outcome on this member. */
  awaitApply(requestId: string, resolve: (outcome: ApplyOutcome) => void): void {
    assert(this.waiters.size < pendingRequestsMax, 'too many requests waiting on one member')
    this.waiters.set(requestId, resolve)
  }

  forgetRequest(requestId: string): void {
    this.waiters.delete(requestId)
  }

  awaitReadIndex(context: string, resolve: (index: number) => void): void {
    this.readWaiters.set(context, resolve)
  }

  forgetRead(context: string): void {
    this.readWaiters.delete(context)
  }

  /** Wakes the watches waiting here (the member is going away): they look again, and a client that fails over moves them to a running member. */
  wakeWatches(): void {
    const revision = this.stateMachine.kv.currentRevision()
    for (const listener of [...this.watchListeners]) listener([], revision)
  }

  onWatchEvents(listener: WatchListener): () => void {
    this.watchListeners.add(listener)
    return () => this.watchListeners.delete(listener)
  }

  // ---- the driver step ---------------------------------------------------------------------

  /** Proposals waiting to be applied here (etcd_server_proposals_pending). */
  get pendingProposals(): number {
    return this.waiters.size
  }

  /**
   * Runs one Ready through the pipeline; false when there was nothing to do. Its raft state and
   * the applies of its committed entries go to the WAL in one SQLite transaction (etcd's WAL save
   * of a Ready, its backend batching the applies). As etcd's raft node: a leader sends its
   * messages at once, in parallel with its own fsync (its new entries count toward the commit
   * only once that fsync ends, see Raft's appendedDurably); the answers and watch events of the
   * applies go out at once too (an entry is committed only once a majority has it on disk, and
   * applies lost in a crash are made again from the log); a follower's or candidate's messages
   * (acknowledgements, votes) wait until the transaction is on disk (see DurableOutputs).
   */
  processReady(transport: InProcessTransport): boolean {
    if (!this.raft.hasReady()) return false
    const ready = this.raft.ready()
    this.metrics.sawLead(ready.softState.lead)
    const {applied, mustSync} = this.persistAndApply(ready)
    this.raft.advance(ready)
    const leading = ready.softState.state === StateType.Leader
    if (leading) for (const message of ready.messages) this.sendMessage(transport, message)
    this.deliver(applied)
    for (const readState of ready.readStates) {
      const resolve = this.readWaiters.get(readState.requestContext)
      if (!resolve) continue
      this.readWaiters.delete(readState.requestContext)
      resolve(readState.index)
    }
    const lastEntry = ready.entries[ready.entries.length - 1]
    this.outputs.hold(mustSync, () => {
      if (!leading) for (const message of ready.messages) this.sendMessage(transport, message)
      if (lastEntry) this.raft.appendedDurably(lastEntry.index, lastEntry.term)
    })
    this.maybeSnapshot()
    return true
  }

  private persistAndApply(ready: Ready): {applied: AppliedBatch; mustSync: boolean} {
    const hasRaftState = ready.hardState !== null || ready.entries.length > 0 || ready.snapshot !== null
    if (!hasRaftState && ready.committedEntries.length === 0) return {applied: noneApplied, mustSync: false}
    // etcd-io/raft's MustSync: new entries, a snapshot, or a new term or vote must be on disk
    // before any message leaves; a commit index alone can be learned again after a crash, and
    // applies sit behind the raft log: lost in a crash, they are applied again from the log.
    const hardState = ready.hardState
    const mustSync =
      ready.entries.length > 0 ||
      ready.snapshot !== null ||
      (hardState !== null && (hardState.term !== this.persistedTerm || hardState.vote !== this.persistedVote))
    let applied = noneApplied
    const started = performance.now()
    // Committed to the WAL without an fsync: the Ready's outputs wait for the one that follows.
    this.transactionOfStateMachine(() => {
      if (hasRaftState) this.persist(ready)
      applied = this.applyCommitted(ready.committedEntries)
    }, {durable: false})
    if (ready.committedEntries.length > 0) this.metrics.backendCommit.observeSince(started)
    if (hardState) {
      this.persistedTerm = hardState.term
      this.persistedVote = hardState.vote
    }
    return {applied, mustSync}
  }

  /** One Ready's raft state; inside the Ready's transaction. */
  private persist(ready: Ready): void {
    if (ready.snapshot) {
      const {index, confState} = ready.snapshot.metadata
      this.stateMachine.importSnapshot(ready.snapshot.data, index)
      this.database.setMeta(metaConfState, JSON.stringify(confState))
      this.logCompaction.restored(index)
    }
    this.logCompaction.logged(ready.entries)
    const metadataOnly = ready.snapshot ? {metadata: ready.snapshot.metadata, data: new Uint8Array()} : null
    this.database.persistRaft(ready.hardState, ready.entries, metadataOnly)
    // Once raft state moves on, the marker of the last clean stop no longer describes it.
    if (this.cleanShutdownMarkerOnDisk) {
      this.database.deleteMeta(metaCleanShutdown)
      this.cleanShutdownMarkerOnDisk = false
    }
  }

  /** A transaction that changes the state machine: rolled back, it leaves no cached value behind. */
  private transactionOfStateMachine(work: () => void, options: {durable: boolean}): void {
    try {
      this.database.transaction(work, options)
    } catch (error) {
      this.stateMachine.reload()
      throw error
    }
  }

  private sendMessage(transport: InProcessTransport, message: Message): void {
    // Like etcd's merged snapshot: send the state machine as it is now, at the applied index.
    const outgoing = message.type === 'MsgSnap' ? {...message, snapshot: this.currentSnapshot()} : message
    const delivered = transport.send(outgoing)
    if (!delivered && message.type === 'MsgSnap') this.raft.reportSnapshot(message.to, true)
  }

  private currentSnapshot(): Snapshot {
    const index = this.stateMachine.appliedIndex()
    const term = this.raft.log.term(index)
    assert(term !== null, `applied index ${index} is not in the raft log of ${this.layout.name}`)
    return {metadata: {index, term, confState: this.raft.confState()}, data: this.stateMachine.exportSnapshot()}
  }

  /** Applies committed entries; inside the Ready's transaction. Nothing is answered until it commits. */
  private applyCommitted(entries: readonly Entry[]): AppliedBatch {
    if (entries.length === 0) return noneApplied
    const outcomes: Array<[string, ApplyOutcome]> = []
    const events: WatchEvent[] = []
    let revision = 0
    let index = this.stateMachine.appliedIndex()
    for (const entry of entries) {
      // Each committed entry is applied once, in log order (a gap is fine after a snapshot).
      if (entry.index <= index) throw new InvariantError(`${this.layout.name} applies raft entry ${entry.index} after ${index}`)
      index = entry.index
      if (entry.type === EntryType.ConfChange) {
        this.applyConfChange(decodeValue<ConfChange>(entry.data))
        continue
      }
      if (entry.data.length === 0) continue
      const request: InternalRequest = decodeRequest(entry.data)
      const outcome = this.stateMachine.apply(request)
      if (outcome.ok) {
        if (outcome.revision < revision) throw new InvariantError(`${this.layout.name}'s revision went back from ${revision} to ${outcome.revision} at raft entry ${entry.index}`)
        events.push(...outcome.events)
        if (outcome.events.length > 0) this.revisionPositions.remember(outcome.revision, entry)
        revision = Math.max(revision, outcome.revision)
      }
      if (this.waiters.has(request.id)) outcomes.push([request.id, outcome])
    }
    this.stateMachine.setAppliedIndex(entries[entries.length - 1]!.index)
    return {outcomes, events, revision}
  }

  /** The raft entry that made `revision`, if this member applied it in this process and still remembers it. */
  raftPositionOf(revision: number): RaftPosition | null {
    return this.revisionPositions.positionOf(revision)
  }

  /** Answers the requests and watches of a batch of applies, once it is committed. */
  private deliver({outcomes, events, revision}: AppliedBatch): void {
    for (const [id, outcome] of outcomes) {
      const resolve = this.waiters.get(id)
      this.waiters.delete(id)
      resolve?.(outcome)
    }
    if (events.length > 0) for (const listener of this.watchListeners) listener(events, revision)
  }

  private applyConfChange(change: ConfChange): void {
    const confState = this.raft.applyConfChange(change)
    this.database.setMeta(metaConfState, JSON.stringify(confState))
    writeMemberRecords(this.database, withConfChange(this.members(), change))
  }

  private maybeSnapshot(): void {
    const applied = this.stateMachine.appliedIndex()
    if (!this.logCompaction.due(applied, () => this.database.kv.sizeInUseBytes())) return
    const term = this.raft.log.term(applied)
    if (term === null) return
    const snapshot: Snapshot = {metadata: {index: applied, term, confState: this.raft.confState()}, data: new Uint8Array()}
    this.database.compactRaftLog(snapshot)
    this.raft.compact(snapshot)
    this.logCompaction.compacted(applied)
  }

  // ---- suspension --------------------------------------------------------------------------

  /** Records that this process stops cleanly, so the next one resumes without an election. */
  markCleanShutdown(marker: CleanShutdown): void {
    const existing = EtcdMember.readCleanShutdown(this.database)
    if (existing && existing.term === marker.term && existing.lead === marker.lead) return
    this.database.transaction(() => this.database.setMeta(metaCleanShutdown, JSON.stringify(marker)))
    this.cleanShutdownMarkerOnDisk = true
  }

  close(): void {
    this.outputs.drop()
    for (const [id, resolve] of this.waiters) resolve({ok: false, error: new EtcdError('Unavailable', 'etcdserver: server stopped')})
    this.waiters.clear()
    this.database.close()
  }
}

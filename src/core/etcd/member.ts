import {EtcdError} from '../mvcc/errors.js'
import {type ApplyOutcome, StateMachine, decodeRequest} from '../mvcc/state-machine.js'
import type {AppliedChange} from '../mvcc/types.js'
import {Raft, type RaftLogger, defaultRaftLimits} from '../raft/raft.js'
import {type ConfChange, type ConfState, EntryType, type Message, type RandomSource, type Ready, type Snapshot, StateType} from '../raft/types.js'
import type {MemberDatabase} from '../storage/member-database.js'
import {assert} from '../util/assert.js'
import {decodeValue} from '../util/codec.js'
import type {RaftPosition} from './api.js'
import type {MemberLayout} from './layout.js'
import {MemberMetrics} from './metrics.js'
import type {InProcessTransport} from './transport.js'
import {DurableOutputs} from './durable-outputs.js'
import {type CleanShutdown, readCleanShutdown} from './cluster-files.js'
import {type MemberRecord, confStateOf, readMemberRecords} from './member-setup.js'
import {MemberThread} from './member-thread.js'
import {type AppliedBatch, type ReadyWrite, ReadyWriter, noneApplied} from './ready-writer.js'
import {RaftLogCompaction} from './raft-log-compaction.js'
import {RevisionPositions} from './revision-positions.js'
import {requestTrace} from './request-trace.js'

export type {CleanShutdown} from './cluster-files.js'
export type {MemberRecord} from './member-setup.js'

/** A snapshot every this many applied entries lets the raft log shrink (etcd's --snapshot-count). */
export const snapshotEveryEntriesDefault = 10_000
/** Requests one member waits on at once; more are refused rather than queued without end. */
export const pendingRequestsMax = 100_000
/** How soon a member tries again to open its Ready's transaction when the checkpointer holds the write lock. */
export const writeLockRetryMilliseconds = 1

export type WatchListener = (events: readonly AppliedChange[], revision: number) => void

/** How a member reports what happens beside the driver's steps. */
export interface MemberEvents {
  /** After each fsync of its raft state (and, in a thread, each answer of a write): the driver lets out what it covered. */
  readonly synced: () => void
  /** The member's thread ended (member threads only): it is down, as if it crashed. */
  readonly crashed?: (reason: string) => void
  /** The member's raft log lines (etcd-io/raft's, as etcd writes them): elections, state changes, leaders seen. */
  readonly raftLog?: RaftLogger
}

/**
 * One etcd member in this process: its database, its raft node and its state machine, and the
 * driver step that moves a Ready through persist → send → apply → advance. With a thread
 * (member-thread.ts) the persist and apply run there and `database`/`stateMachine` here only read.
 */
export class EtcdMember {
  readonly raft: Raft
  readonly stateMachine: StateMachine
  private readonly waiters = new Map<string, (outcome: ApplyOutcome) => void>()
  readonly metrics = new MemberMetrics()
  private readonly readWaiters = new Map<string, (index: number) => void>()
  private readonly watchListeners = new Set<WatchListener>()
  private readonly revisionPositions = new RevisionPositions()
  private readonly logCompaction: RaftLogCompaction
  private persistedTerm: number
  private persistedVote: string
  /** fsyncs of raft state (etcd's etcd_disk_wal_fsync_duration_seconds_count). */
  walFsyncs = 0
  /** What Readies let out, held until their transactions are on disk. */
  readonly outputs: DurableOutputs
  /** Persists and applies Readies here (no thread), or null when the member's thread does. */
  private readonly writer: ReadyWriter | null
  private readonly thread: MemberThread | null
  /** The last entry the thread has applied, as it answered (with a thread). */
  private threadAppliedIndex: number
  /**
   * Whether a Ready with writes waits while the member's fsync runs (see processReady). A seeded
   * cluster's members do not: what a Ready holds must not depend on when an fsync ended, or the
   * same seed would not replay the same run.
   */
  gathersWritesWhileSyncing = true

  private constructor(
    readonly layout: MemberLayout,
    readonly database: MemberDatabase,
    random: RandomSource,
    resumeLeader: string | null,
    snapshotEveryEntries: number,
    private readonly events: MemberEvents,
    inThread: boolean,
  ) {
    this.stateMachine = new StateMachine(database)
    this.thread = inThread
      ? MemberThread.start(database.path, layout.name, {
          applied: (batch, {appliedIndex, milliseconds, committed, leasesChanged, authChanged}) => {
            // The thread's connection wrote: what this one cached of the revisions is old, of the
            // leases' expiry too when one was granted (renewals only push it later), and of the
            // auth state when auth changed.
            this.stateMachine.kv.reload()
            if (leasesChanged) this.stateMachine.lessor.reload()
            if (authChanged) this.stateMachine.auth.reload()
            // Traced, the entries are applied now, not when their Ready was handed to the thread.
            if (requestTrace && appliedIndex > this.threadAppliedIndex) requestTrace.applied(layout.name, this.threadAppliedIndex + 1, appliedIndex)
            if (appliedIndex > 0) this.threadAppliedIndex = appliedIndex
            if (committed) this.metrics.backendCommit.observe(milliseconds / 1000)
            this.deliver(batch)
            events.synced()
          },
          exited: (reason) => {
            this.failWaiters()
            events.crashed?.(reason)
          },
        })
      : null
    this.writer = this.thread ? null : new ReadyWriter(database, this.stateMachine, layout.name)
    const thread = this.thread
    this.outputs = new DurableOutputs(
      (done) => (thread ? thread.sync(done) : database.syncWal(done)),
      (milliseconds) => {
        if (requestTrace) requestTrace.event({kind: 'fsync', member: layout.name, start: performance.now() - milliseconds, end: performance.now()})
        this.walFsyncs++
        this.metrics.walFsync.observe(milliseconds / 1000)
        events.synced()
      },
    )
    const persisted = database.loadRaftState()
    const applied = this.stateMachine.appliedIndex()
    this.threadAppliedIndex = applied
    this.logCompaction = new RaftLogCompaction(snapshotEveryEntries, persisted.snapshot?.metadata.index ?? 0, persisted.entries)
    this.persistedTerm = persisted.hardState.term
    this.persistedVote = persisted.hardState.vote
    const confState = confStateOf(database)
    // A member resumed after its process stopped cleanly (a one-shot command's cluster, a new
    // `up`) goes on where it was: no restart shows in its log. A new, restarted or crashed one
    // logs its raft's start as etcd does.
    const resuming = resumeLeader !== null
    let starting = true
    const raftLog = events.raftLog
    const logger: RaftLogger | undefined = raftLog && {
      info: (message) => (starting && resuming ? undefined : raftLog.info(message)),
      warning: (message) => (starting && resuming ? undefined : raftLog.warning(message)),
    }
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
      ...(logger ? {logger} : {}),
    })
    logger?.info(
      `newRaft ${layout.id} [peers: [${confState.voters.join(',')}], term: ${this.raft.term}, commit: ${this.raft.log.committed}, applied: ${applied}, lastindex: ${this.raft.log.lastIndex()}, lastterm: ${this.raft.log.lastTerm()}]`,
    )
    // After a clean stop, the leader of the restored term leads again without an election.
    if (resumeLeader === layout.id && this.raft.isVoter(layout.id)) this.raft.resumeLeading()
    else if (resumeLeader) this.raft.resumeFollowing(resumeLeader)
    this.leadSeen = resumeLeader ?? ''
    starting = false
  }

  static start(
    database: MemberDatabase,
    layout: MemberLayout,
    random: RandomSource,
    resumeLeader: string | null,
    snapshotEveryEntries = snapshotEveryEntriesDefault,
    events: MemberEvents = {synced: () => {}},
    /** Persist and apply in a thread of the member's own (member-thread.ts). */
    inThread = false,
  ): EtcdMember {
    return new EtcdMember(layout, database, random, resumeLeader, snapshotEveryEntries, events, inThread)
  }

  /** The index of the last entry applied to the member's state machine (what reads here see). */
  appliedIndex(): number {
    return this.thread ? this.threadAppliedIndex : this.stateMachine.appliedIndex()
  }

  /** Ends the member's thread as a crash would (a fault to inject); false without a thread. */
  crashThread(): boolean {
    this.thread?.crash()
    return this.thread !== null
  }

  /** Writes handed to the member's thread and not yet answered (always false without a thread). */
  get writing(): boolean {
    return this.thread?.busy ?? false
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
  private wakeWatches(): void {
    // No events: the revision goes unread (and a member closed after a storage failure may not be able to read it).
    for (const listener of [...this.watchListeners]) listener([], 0)
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
    // A follower's forwarded proposals and reads go to the leader at once, not after the fsync
    // that runs or the next Ready's: they need nothing of this member on disk (etcd's follower
    // sends them after its WAL save, so a proposal through it waited up to two of its fsyncs).
    if (this.gathersWritesWhileSyncing && this.raft.state !== StateType.Leader) {
      const forwarded = this.raft.takeForwardedRequests()
      for (const message of forwarded) this.sendMessage(transport, message)
      if (forwarded.length > 0 && !this.raft.hasReady()) return true
    }
    // A thread with its fill of writes answers first; raft keeps the Ready (its limits bound it).
    if (this.thread?.full) return false
    // Group commit, as etcd's raft loop persists one Ready at a time: while the member's WAL
    // fsync runs, a Ready with something to write stays in raft, which gathers every proposal,
    // append and commit that arrives meanwhile into the next one. That one then costs one
    // transaction and one fsync for all of them (the next fsync could not start before this one
    // ends anyway), and no write races the fsync of the file it appends to. A leader's messages
    // go at once all the same (they need nothing of its own on disk): held until its fsync
    // ended, each follower's next fsync would wait for the leader's instead of its own.
    if (this.gathersWritesWhileSyncing && this.outputs.syncInFlight && this.raft.readyHasStorageWork()) {
      if (this.raft.state !== StateType.Leader) return false
      const messages = this.raft.takeLeaderMessages()
      for (const message of messages) this.sendMessage(transport, message)
      return messages.length > 0
    }
    // The Ready's transaction opens before raft hands the Ready over: while the checkpointer
    // holds the write lock, raft keeps it (and gathers more) until the lock is free. A Ready of
    // messages alone (two in three under load) opens none: an empty transaction still takes and
    // lets go of the file's locks.
    if (!this.thread && this.writeLockRetry === null && this.raft.readyHasStorageWork() && !this.database.tryBeginWrite()) this.retryWhenWriteLockFree()
    if (this.writeLockRetry !== null) return false
    if (requestTrace && this.writeLockWanted) requestTrace.event({kind: 'lock-busy', member: this.layout.name, start: this.writeLockWantedSince, end: performance.now()})
    this.writeLockWanted = false
    const readyStarted = requestTrace ? performance.now() : 0
    let ready: Ready
    let persisted: {applied: AppliedBatch; mustSync: boolean}
    try {
      ready = this.raft.ready()
      this.metrics.sawLead(ready.softState.lead)
      this.logLeaderChange(ready.softState.lead)
      if (!this.thread) this.database.writesAwaited(ready.softState.state === StateType.Leader)
      persisted = this.persistAndApply(ready)
      if (!this.thread) this.database.endWrite(true)
    } catch (error) {
      if (!this.thread) this.database.endWrite(false)
      throw error
    }
    const {applied, mustSync} = persisted
    if (requestTrace) {
      if (ready.softState.state === StateType.Leader) requestTrace.leads(this.layout.name)
      // A thread applies the entries: which request each carries is learnt here (its trace is not this one).
      if (this.thread) for (const entry of ready.committedEntries) if (entry.type === EntryType.Normal && entry.data.length > 0) requestTrace.carries(decodeRequest(entry.data).id, entry.index)
      requestTrace.ready(this.layout.name, readyStarted, ready.entries.map((entry) => entry.index), this.thread ? [] : ready.committedEntries.map((entry) => entry.index), `${ready.entries.length} appended, ${ready.committedEntries.length} applied, ${applied.events.length} events`)
    }
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
      if (lastEntry && requestTrace) requestTrace.durable(this.layout.name, lastEntry.index, ready.entries.length)
    })
    this.maybeSnapshot()
    return true
  }

  /** The leader this member's node last reported (etcd-io/raft's node: none at first). */
  private leadSeen: string

  /** etcd-io/raft's node lines when the Ready shows another leader. */
  private logLeaderChange(lead: string): void {
    if (lead === this.leadSeen) return
    const log = this.events.raftLog
    if (log) {
      const term = this.raft.term
      if (this.leadSeen === '') log.info(`raft.node: ${this.id} elected leader ${lead} at term ${term}`)
      else if (lead === '') log.info(`raft.node: ${this.id} lost leader ${this.leadSeen} at term ${term}`)
      else log.info(`raft.node: ${this.id} changed leader from ${this.leadSeen} to ${lead} at term ${term}`)
    }
    this.leadSeen = lead
  }

  /** Pending while the Ready's transaction waits for the write lock (see processReady). */
  private writeLockRetry: ReturnType<typeof setTimeout> | null = null
  /**
   * From a Ready that found the write lock taken until one that opens its transaction: between
   * two tries too (the retry timer fired, the pump has not tried yet), so a drive never takes the
   * member for idle and ticks meanwhile.
   */
  private writeLockWanted = false

  /** Whether the member waits for the checkpointer to let go of its file's write lock. */
  get waitingForWriteLock(): boolean {
    return this.writeLockWanted
  }

  /** Since when the member waits for the write lock (traced, see request-trace.ts). */
  private writeLockWantedSince = 0

  private retryWhenWriteLockFree(): void {
    if (!this.writeLockWanted && requestTrace) this.writeLockWantedSince = performance.now()
    this.writeLockWanted = true
    this.writeLockRetry = setTimeout(() => {
      this.writeLockRetry = null
      this.events.synced()
    }, writeLockRetryMilliseconds)
  }

  /**
   * Hands the Ready's raft state and committed entries to the member's database: written here
   * (what they applied comes back at once), or sent to its thread (what they applied comes back
   * with its answer, see the constructor; `noneApplied` here).
   */
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
    if (ready.snapshot) this.logCompaction.restored(ready.snapshot.metadata.index)
    this.logCompaction.logged(ready.entries)
    const work: ReadyWrite = {
      hardState,
      entries: ready.entries,
      snapshot: ready.snapshot,
      committedEntries: ready.committedEntries,
      confStates: this.applyConfChanges(ready),
    }
    let applied = noneApplied
    if (this.thread) {
      this.thread.write(work, this.waiters.size > 0)
    } else {
      const started = performance.now()
      applied = this.writer!.write(work, (id) => this.waiters.has(id))
      if (ready.committedEntries.length > 0) this.metrics.backendCommit.observeSince(started)
    }
    if (hardState) {
      this.persistedTerm = hardState.term
      this.persistedVote = hardState.vote
    }
    return {applied, mustSync}
  }

  /** Raft takes in the configuration changes the Ready commits, in order: the configurations it makes go to the database with them. */
  private applyConfChanges(ready: Ready): ConfState[] {
    const confStates: ConfState[] = []
    for (const entry of ready.committedEntries) {
      if (entry.type === EntryType.ConfChange) confStates.push(this.raft.applyConfChange(decodeValue<ConfChange>(entry.data)))
    }
    return confStates
  }

  private sendMessage(transport: InProcessTransport, message: Message): void {
    // Like etcd's merged snapshot: send the state machine as it is now, at the applied index.
    const outgoing = message.type === 'MsgSnap' ? {...message, snapshot: this.currentSnapshot()} : message
    const delivered = transport.send(outgoing)
    if (!delivered && message.type === 'MsgSnap') this.raft.reportSnapshot(message.to, true)
  }

  private currentSnapshot(): Snapshot {
    // Read in one read transaction: a member's thread may commit between the reads otherwise.
    return this.database.readConsistently(() => {
      if (this.thread) this.stateMachine.reload()
      const index = this.stateMachine.appliedIndex()
      const term = this.raft.log.term(index)
      assert(term !== null, `applied index ${index} is not in the raft log of ${this.layout.name}`)
      return {metadata: {index, term, confState: this.raft.confState()}, data: this.stateMachine.exportSnapshot()}
    })
  }

  /** The raft entry that made `revision`, if this member applied it in this process and still remembers it. */
  raftPositionOf(revision: number): RaftPosition | null {
    return this.revisionPositions.positionOf(revision)
  }

  /** Answers the requests and watches of a batch of applies, once it is committed. */
  private deliver({outcomes, events, revision, positions}: AppliedBatch): void {
    for (const [revisionMade, term, index] of positions) this.revisionPositions.remember(revisionMade, {term, index})
    for (const [id, outcome] of outcomes) {
      const resolve = this.waiters.get(id)
      this.waiters.delete(id)
      resolve?.(outcome)
    }
    if (events.length > 0) for (const listener of this.watchListeners) listener(events, revision)
  }

  private maybeSnapshot(): void {
    const applied = this.appliedIndex()
    if (!this.logCompaction.due(applied, () => this.database.kv.sizeInUseBytes())) return
    const term = this.raft.log.term(applied)
    if (term === null) return
    const snapshot: Snapshot = {metadata: {index: applied, term, confState: this.raft.confState()}, data: new Uint8Array()}
    // The thread cuts its log after the writes before (it has applied through `applied`).
    if (this.thread) this.thread.compactRaftLog(snapshot)
    else if (!this.compactRaftLogHere(snapshot)) return
    this.raft.compact(snapshot)
    this.logCompaction.compacted(applied)
  }

  /**
   * Cuts the raft log in a transaction of its own, as the Readies' are: without waiting for the
   * write lock (false while the checkpointer holds it: the next Ready tries again) and without an
   * fsync on the event loop. The next sync of the WAL covers it; lost in a crash, the log is
   * only longer than it had to be.
   */
  private compactRaftLogHere(snapshot: Snapshot): boolean {
    if (!this.database.tryBeginWrite()) return false
    try {
      this.database.compactRaftLog(snapshot)
      this.database.endWrite(true)
    } catch (error) {
      this.database.endWrite(false)
      throw error
    }
    return true
  }

  // ---- suspension --------------------------------------------------------------------------

  /** Records that this process stops cleanly, so the next one resumes without an election. */
  markCleanShutdown(marker: CleanShutdown): void {
    if (this.thread) this.thread.markCleanShutdown(marker)
    else this.writer!.markCleanShutdown(marker)
  }

  /** Whether the member was closed (its process stopped it, or the cluster closed): it serves nothing more. */
  get closed(): boolean {
    return this.isClosed
  }

  private isClosed = false

  close(): void {
    if (this.isClosed) return
    // Its watches look again now: a client that fails over moves them to a running member, and
    // the others end with etcd's error instead of waiting for applies that will never come.
    this.wakeWatches()
    this.isClosed = true
    if (this.writeLockRetry !== null) clearTimeout(this.writeLockRetry)
    this.writeLockRetry = null
    this.writeLockWanted = false
    this.outputs.drop()
    this.failWaiters()
    this.thread?.close()
    this.database.close()
  }

  private failWaiters(): void {
    for (const [, resolve] of this.waiters) resolve({ok: false, error: new EtcdError('Unavailable', 'etcdserver: server stopped')})
    this.waiters.clear()
  }
}

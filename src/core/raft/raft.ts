import {assert} from '../util/assert.js'
import {RaftLog} from './log.js'
import type {Progress} from './progress.js'
import {ReadOnly} from './read-index.js'
import {ProgressTracker} from './tracker.js'
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  RaftError,
  type RandomSource,
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
  StateType,
  emptyMessage,
} from './types.js'

export interface RaftConfig {
  readonly id: NodeId
  /** Membership as of `applied` (from the last applied configuration or the initial one). */
  readonly confState: ConfState
  readonly electionTicks: number
  readonly heartbeatTicks: number
  readonly random: RandomSource
  readonly preVote: boolean
  readonly checkQuorum: boolean
  readonly entriesPerMessageMax: number
  readonly inflightMessagesMax: number
  readonly committedEntriesPerReadyMax: number
  /** Proposals waiting for a leader to commit them, counted in entries. */
  readonly uncommittedEntriesMax: number
  /** Restored persistent state; all empty for a brand-new member. */
  readonly hardState: HardState
  readonly snapshot: Snapshot | null
  readonly entries: readonly Entry[]
  readonly applied: number
  /**
   * A leader counts its own new entries toward the commit only once the application reports
   * them on disk (appendedDurably), as etcd-io/raft's asynchronous storage writes do; the
   * application may then send the leader's messages before its own fsync, in parallel with it.
   * Without it a leader counts them as it appends them.
   */
  readonly ownAppendsCountWhenDurable?: boolean
}

export const defaultRaftLimits = {
  electionTicks: 10,
  heartbeatTicks: 1,
  entriesPerMessageMax: 256,
  inflightMessagesMax: 256,
  committedEntriesPerReadyMax: 1024,
  uncommittedEntriesMax: 65536,
} as const

type CampaignKind = 'pre-election' | 'election' | 'transfer'

const transferContext = 'campaign-transfer'

export class Raft {
  readonly id: NodeId
  term: number
  vote: NodeId | ''
  lead: NodeId | '' = ''
  state: StateType = StateType.Follower
  readonly log: RaftLog

  private readonly tracker: ProgressTracker
  private readonly readOnly = new ReadOnly()
  private messages: Message[] = []
  private readStates: ReadState[] = []
  private electionElapsed = 0
  private heartbeatElapsed = 0
  private randomizedElectionTimeout = 0
  private leadTransferee: NodeId | '' = ''
  private pendingConfIndex = 0
  private uncommittedEntries = 0
  private previousHardState: HardState
  private previousSoftState: SoftState

  constructor(private readonly config: RaftConfig) {
    assert(config.heartbeatTicks > 0 && config.electionTicks > config.heartbeatTicks, 'electionTicks must exceed heartbeatTicks > 0')
    this.id = config.id
    this.log = new RaftLog(config.snapshot, config.entries, config.hardState.commit, config.applied)
    this.term = config.hardState.term
    this.vote = config.hardState.vote
    const confState = config.snapshot && config.snapshot.metadata.index > config.applied ? config.snapshot.metadata.confState : config.confState
    this.tracker = new ProgressTracker(config.inflightMessagesMax)
    this.tracker.restore(confState, this.log.lastIndex() + 1)
    this.becomeFollower(this.term, '')
    this.previousHardState = this.hardState()
    this.previousSoftState = this.softState()
  }

  // ---- inputs ------------------------------------------------------------------------------

  tick(): void {
    if (this.state === StateType.Leader) this.tickHeartbeat()
    else this.tickElection()
  }

  propose(data: Uint8Array): void {
    this.proposeBatch([data])
  }

  /** Many proposals as one message: one append, one broadcast, one Ready to persist. */
  proposeBatch(batch: readonly Uint8Array[]): void {
    if (batch.length === 0) return
    this.step({...emptyMessage('MsgProp', this.id, '', 0), entries: batch.map((data) => ({term: 0, index: 0, type: EntryType.Normal, data}))})
  }

  proposeConfChange(change: ConfChange): void {
    const data = new TextEncoder().encode(JSON.stringify(change))
    this.step({...emptyMessage('MsgProp', this.id, '', 0), entries: [{term: 0, index: 0, type: EntryType.ConfChange, data}]})
  }

  campaign(): void {
    this.step(emptyMessage('MsgHup', this.id, '', 0))
  }

  transferLeadership(transferee: NodeId): void {
    this.step({...emptyMessage('MsgTransferLeader', transferee, this.id, 0)})
  }

  /** Asks for a linearizable read point; the answer comes back in Ready.readStates. */
  readIndex(context: string): void {
    this.step({...emptyMessage('MsgReadIndex', this.id, '', 0), context})
  }

  reportUnreachable(to: NodeId): void {
    this.step(emptyMessage('MsgUnreachable', to, this.id, 0))
  }

  reportSnapshot(to: NodeId, failed: boolean): void {
    this.step({...emptyMessage('MsgSnapStatus', to, this.id, 0), reject: failed})
  }

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

  /** The application wrote a snapshot at `snapshot.metadata.index`; older entries can go. */
  compact(snapshot: Snapshot): void {
    this.log.compact(snapshot)
  }

  step(message: Message): void {
    if (message.term > this.term) {
      if (!this.acceptHigherTerm(message)) return
    } else if (message.term !== 0 && message.term < this.term) {
      this.answerStaleTerm(message)
      return
    }
    switch (message.type) {
      case 'MsgHup':
        this.handleHup()
        return
      case 'MsgVote':
      case 'MsgPreVote':
        this.handleVoteRequest(message)
        return
    }
    switch (this.state) {
      case StateType.Leader:
        this.stepLeader(message)
        return
      case StateType.Candidate:
      case StateType.PreCandidate:
        this.stepCandidate(message)
        return
      case StateType.Follower:
        this.stepFollower(message)
        return
    }
  }

  // ---- outputs -----------------------------------------------------------------------------

  hasReady(): boolean {
    return (
      this.messages.length > 0 ||
      this.readStates.length > 0 ||
      this.log.pendingSnapshot !== null ||
      this.log.unstableEntries().length > 0 ||
      this.log.hasNextCommittedEntries() ||
      !sameHardState(this.hardState(), this.previousHardState) ||
      !sameSoftState(this.softState(), this.previousSoftState)
    )
  }

  /** Takes the pending work; messages and read states are handed over exactly once. */
  ready(): Ready {
    const hardState = this.hardState()
    const ready: Ready = {
      softState: this.softState(),
      hardState: sameHardState(hardState, this.previousHardState) ? null : hardState,
      entries: this.log.unstableEntries(),
      snapshot: this.log.pendingSnapshot,
      committedEntries: this.log.nextCommittedEntries(this.config.committedEntriesPerReadyMax),
      messages: this.messages,
      readStates: this.readStates,
    }
    this.messages = []
    this.readStates = []
    return ready
  }

  advance(ready: Ready): void {
    if (ready.hardState) this.previousHardState = ready.hardState
    this.previousSoftState = ready.softState
    if (ready.snapshot) {
      if (this.log.pendingSnapshot === ready.snapshot) this.log.pendingSnapshot = null
      this.log.appliedSnapshot(ready.snapshot.metadata.index)
    }
    const lastEntry = ready.entries[ready.entries.length - 1]
    if (lastEntry) this.log.stableTo(lastEntry.index, lastEntry.term)
    const lastCommitted = ready.committedEntries[ready.committedEntries.length - 1]
    if (lastCommitted) {
      this.log.appliedTo(lastCommitted.index)
      if (this.state === StateType.Leader) this.reduceUncommitted(ready.committedEntries.length)
    }
  }

  hardState(): HardState {
    return {term: this.term, vote: this.vote, commit: this.log.committed}
  }

  softState(): SoftState {
    return {lead: this.lead, state: this.state}
  }

  confState(): ConfState {
    return this.tracker.confState()
  }

  isVoter(id: NodeId): boolean {
    return this.tracker.isVoter(id)
  }

  /** The leader's view of a follower, for status screens and tests. */
  progressOf(id: NodeId): {match: number; next: number; state: string} | null {
    const progress = this.tracker.get(id)
    return progress ? {match: progress.match, next: progress.next, state: progress.state} : null
  }

  // ---- restored leadership -----------------------------------------------------------------
  // Whether a restarted member skips the election is the driver's call (it alone knows the
  // previous process stopped cleanly, and which members run now); these only carry it out. Both
  // restore state as the constructor does, so the first Ready does not report it as news.

  /** Leads the restored term again, with no election: only right when this member led it at a clean stop. */
  resumeLeading(): void {
    assert(this.state === StateType.Follower && this.lead === '', `only a freshly restored member resumes leading, not a ${this.state}`)
    assert(this.isVoter(this.id), `member ${this.id} is not a voter and cannot resume leading`)
    this.reset(this.term)
    this.lead = this.id
    this.vote = this.vote === '' ? this.id : this.vote
    this.state = StateType.Leader
    this.progressOfSelf().becomeReplicate()
    this.pendingConfIndex = this.log.lastIndex()
    this.tracker.markAllActive()
    this.rebaseRestoredState()
  }

  /** Follows `lead`, the leader of the restored term at a clean stop, as if its heartbeat had just come. */
  resumeFollowing(lead: NodeId): void {
    assert(this.state === StateType.Follower && this.lead === '', `only a freshly restored member resumes following, not a ${this.state}`)
    this.lead = lead
    this.rebaseRestoredState()
  }

  private rebaseRestoredState(): void {
    this.previousHardState = this.hardState()
    this.previousSoftState = this.softState()
  }

  // ---- term handling -----------------------------------------------------------------------

  private acceptHigherTerm(message: Message): boolean {
    if (message.type === 'MsgVote' || message.type === 'MsgPreVote') {
      const forced = message.context === transferContext
      const inLease = this.config.checkQuorum && this.lead !== '' && this.electionElapsed < this.config.electionTicks
      // A member that still hears from a leader ignores disruptive candidates (Raft thesis §4.2.3).
      if (!forced && inLease) return false
    }
    if (message.type === 'MsgPreVote') return true
    if (message.type === 'MsgPreVoteResp' && !message.reject) return true
    const fromLeader = message.type === 'MsgApp' || message.type === 'MsgHeartbeat' || message.type === 'MsgSnap'
    this.becomeFollower(message.term, fromLeader ? message.from : '')
    return true
  }

  private answerStaleTerm(message: Message): void {
    if ((this.config.checkQuorum || this.config.preVote) && (message.type === 'MsgHeartbeat' || message.type === 'MsgApp')) {
      // Tells a leader cut off by a partition that a newer term exists, so it steps down.
      this.send({...emptyMessage('MsgAppResp', this.id, message.from, this.term)})
    } else if (message.type === 'MsgPreVote') {
      this.send({...emptyMessage('MsgPreVoteResp', this.id, message.from, this.term), reject: true})
    }
  }

  private handleVoteRequest(message: Message): void {
    const canVote =
      this.vote === message.from ||
      (this.vote === '' && this.lead === '') ||
      (message.type === 'MsgPreVote' && message.term > this.term)
    const responseType = message.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp'
    if (canVote && this.log.isUpToDate(message.index, message.logTerm)) {
      this.send({...emptyMessage(responseType, this.id, message.from, message.term)})
      if (message.type === 'MsgVote') {
        this.electionElapsed = 0
        this.vote = message.from
      }
    } else {
      this.send({...emptyMessage(responseType, this.id, message.from, this.term), reject: true})
    }
  }

  // ---- elections ---------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++
    if (this.isVoter(this.id) && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0
      this.step(emptyMessage('MsgHup', this.id, '', 0))
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0
      if (this.config.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, '')
        return
      }
      if (this.leadTransferee !== '') this.abortLeaderTransfer()
    }
    if (this.state !== StateType.Leader) return
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0
      this.broadcastHeartbeat(this.readOnly.lastPendingContext())
    }
  }

  private handleHup(): void {
    if (this.state === StateType.Leader || !this.isVoter(this.id)) return
    // A member must not campaign with configuration changes it has not applied yet.
    if (this.log.applied < this.log.committed && this.hasUnappliedConfChange()) return
    this.startCampaign(this.config.preVote ? 'pre-election' : 'election')
  }

  private hasUnappliedConfChange(): boolean {
    const entries = this.log.slice(this.log.applied + 1, this.log.committed + 1, Number.MAX_SAFE_INTEGER) ?? []
    return entries.some((entry) => entry.type === EntryType.ConfChange)
  }

  private startCampaign(kind: CampaignKind): void {
    let voteType: MessageType
    let term: number
    if (kind === 'pre-election') {
      this.becomePreCandidate()
      voteType = 'MsgPreVote'
      term = this.term + 1
    } else {
      this.becomeCandidate()
      voteType = 'MsgVote'
      term = this.term
    }
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'pre-election') this.startCampaign('election')
      else this.becomeLeader()
      return
    }
    for (const [id, progress] of this.tracker.members()) {
      if (id === this.id || progress.learner) continue
      this.send({
        ...emptyMessage(voteType, this.id, id, term),
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        ...(kind === 'transfer' ? {context: transferContext} : {}),
      })
    }
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    return this.tracker.recordVote(id, granted)
  }

  private becomeFollower(term: number, lead: NodeId | ''): void {
    this.reset(term)
    this.lead = lead
    this.state = StateType.Follower
  }

  private becomePreCandidate(): void {
    assert(this.state !== StateType.Leader, 'a leader cannot become a pre-candidate')
    // Pre-vote changes neither term nor vote, so a partitioned member does not disrupt others.
    this.tracker.resetVotes()
    this.state = StateType.PreCandidate
    this.lead = ''
  }

  private becomeCandidate(): void {
    assert(this.state !== StateType.Leader, 'a leader cannot become a candidate')
    this.reset(this.term + 1)
    this.vote = this.id
    this.state = StateType.Candidate
  }

  private becomeLeader(): void {
    assert(this.state === StateType.Candidate, `only a candidate can become leader, not a ${this.state}`)
    this.reset(this.term)
    this.lead = this.id
    this.state = StateType.Leader
    this.progressOfSelf().becomeReplicate()
    this.pendingConfIndex = this.log.lastIndex()
    // A no-op of the new term lets earlier-term entries commit (Raft §5.4.2).
    this.appendEntries([{term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array()}])
    this.broadcastAppend()
  }


  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term
      this.vote = ''
    }
    this.lead = ''
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.randomizedElectionTimeout = this.config.electionTicks + this.config.random.nextInt(this.config.electionTicks)
    this.abortLeaderTransfer()
    this.tracker.resetVotes()
    this.tracker.resetProgress(this.id, this.log.lastIndex())
    this.pendingConfIndex = 0
    this.uncommittedEntries = 0
    this.readOnly.reset()
  }

  private progressOfSelf(): Progress {
    const progress = this.tracker.get(this.id)
    assert(progress, `member ${this.id} is not in its own configuration`)
    return progress
  }

  private quorumActive(): boolean {
    return this.tracker.quorumActive(this.id)
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = ''
  }

  // ---- leader ------------------------------------------------------------------------------

  private stepLeader(message: Message): void {
    switch (message.type) {
      case 'MsgProp':
        this.leaderPropose(message)
        return
      case 'MsgReadIndex':
        this.leaderReadIndex(message)
        return
      case 'MsgTransferLeader':
        this.leaderTransfer(message.from)
        return
    }
    const progress = this.tracker.get(message.from)
    if (!progress) return
    switch (message.type) {
      case 'MsgAppResp':
        this.handleAppendResponse(message, progress)
        return
      case 'MsgHeartbeatResp':
        this.handleHeartbeatResponse(message, progress)
        return
      case 'MsgSnapStatus':
        if (progress.state !== 'snapshot') return
        if (message.reject) progress.pendingSnapshot = 0
        progress.becomeProbe()
        // Wait for the next heartbeat response before probing again.
        progress.probeSent = true
        return
      case 'MsgUnreachable':
        if (progress.state === 'replicate') progress.becomeProbe()
        return
    }
  }

  private leaderPropose(message: Message): void {
    assert(message.entries.length > 0, 'a proposal carries entries')
    if (!this.tracker.has(this.id)) return this.dropProposal(message, 'this member was removed from the cluster')
    if (this.leadTransferee !== '') return this.dropProposal(message, 'leadership transfer in progress')
    if (this.uncommittedEntries + message.entries.length > this.config.uncommittedEntriesMax) {
      return this.dropProposal(message, 'too many uncommitted entries')
    }
    for (const entry of message.entries) {
      if (entry.type !== EntryType.ConfChange) continue
      if (this.pendingConfIndex > this.log.applied) {
        if (message.from === this.id) throw new RaftError('ConfChangePending', 'a configuration change is already in progress')
        return
      }
      this.pendingConfIndex = this.log.lastIndex() + 1
    }
    this.appendEntries(message.entries)
    this.broadcastAppend()
  }

  private leaderReadIndex(message: Message): void {
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

  private answerRead(to: NodeId, context: string, index: number): void {
    if (to === this.id || to === '') this.readStates.push({index, requestContext: context})
    else this.send({...emptyMessage('MsgReadIndexResp', this.id, to, this.term), index, context})
  }

  private leaderTransfer(transferee: NodeId): void {
    const progress = this.tracker.get(transferee)
    if (!progress || progress.learner) return
    if (this.leadTransferee === transferee) return
    this.abortLeaderTransfer()
    if (transferee === this.id) return
    this.electionElapsed = 0
    this.leadTransferee = transferee
    if (progress.match === this.log.lastIndex()) this.send(emptyMessage('MsgTimeoutNow', this.id, transferee, this.term))
    else this.sendAppend(transferee)
  }

  private handleAppendResponse(message: Message, progress: Progress): void {
    progress.recentActive = true
    if (message.reject) {
      if (progress.maybeDecreaseTo(message.index, message.rejectHint)) {
        if (progress.state === 'replicate') progress.becomeProbe()
        this.sendAppend(message.from)
      }
      return
    }
    const wasPaused = progress.isPaused()
    if (!progress.maybeUpdate(message.index)) return
    if (progress.state === 'probe') progress.becomeReplicate()
    else if (progress.state === 'snapshot' && progress.match >= progress.pendingSnapshot) progress.becomeProbe()
    else if (progress.state === 'replicate') progress.freeInflightTo(message.index)
    if (this.maybeCommit()) {
      this.broadcastAppend()
    } else if (wasPaused) {
      this.sendAppend(message.from)
    }
    // Keep sending while the window allows, so a follower that was behind catches up fast.
    for (let sent = 0; sent < this.config.inflightMessagesMax && this.sendAppend(message.from, false); sent++) {
      // bounded by the inflight window
    }
    if (message.from === this.leadTransferee && progress.match === this.log.lastIndex()) {
      this.send(emptyMessage('MsgTimeoutNow', this.id, message.from, this.term))
    }
  }

  private handleHeartbeatResponse(message: Message, progress: Progress): void {
    progress.recentActive = true
    progress.probeSent = false
    if (progress.state === 'replicate' && progress.isPaused()) progress.freeFirstInflight()
    if (progress.match < this.log.lastIndex()) this.sendAppend(message.from)
    if (!message.context) return
    const acks = this.readOnly.acknowledge(message.context, message.from)
    if (acks < this.tracker.quorum()) return
    for (const read of this.readOnly.release(message.context)) this.answerRead(read.from, read.context, read.index)
  }

  private appendEntries(entries: readonly Entry[]): void {
    let index = this.log.lastIndex()
    const stamped = entries.map((entry) => ({...entry, term: this.term, index: ++index}))
    this.log.append(stamped)
    this.uncommittedEntries += stamped.length
    if (!this.config.ownAppendsCountWhenDurable) this.progressOfSelf().maybeUpdate(this.log.lastIndex())
    this.maybeCommit()
  }

  /**
   * The application's fsync covers this member's log through `index`, an entry of `term`
   * (see ownAppendsCountWhenDurable): a leader counts it as its own acknowledgement. An entry
   * replaced since (another term at that index) is not the one on disk, and counts nothing.
   */
  appendedDurably(index: number, term: number): void {
    if (this.state !== StateType.Leader || this.log.term(index) !== term) return
    const progress = this.tracker.get(this.id)
    if (progress?.maybeUpdate(index) && this.maybeCommit()) this.broadcastAppend()
  }

  private reduceUncommitted(count: number): void {
    this.uncommittedEntries = Math.max(0, this.uncommittedEntries - count)
  }

  /** Commits the highest index a majority of voters hold, if it is of the current term. */
  private maybeCommit(): boolean {
    const quorumIndex = this.tracker.majorityMatch()
    if (quorumIndex <= this.log.committed || this.log.term(quorumIndex) !== this.term) return false
    this.log.commitTo(quorumIndex)
    return true
  }

  private broadcastAppend(): void {
    for (const id of this.tracker.ids()) if (id !== this.id) this.sendAppend(id)
  }

  private broadcastHeartbeat(context: string | null): void {
    for (const [id, progress] of this.tracker.members()) {
      if (id === this.id) continue
      this.send({
        ...emptyMessage('MsgHeartbeat', this.id, id, this.term),
        commit: Math.min(progress.match, this.log.committed),
        ...(context ? {context} : {}),
      })
    }
  }

  /** Sends the follower what it misses; returns false when nothing was sent. */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const progress = this.tracker.get(to)
    if (!progress || progress.isPaused()) return false
    const previousIndex = progress.next - 1
    const previousTerm = this.log.term(previousIndex)
    const entries = this.log.slice(progress.next, this.log.lastIndex() + 1, this.config.entriesPerMessageMax)
    if (previousTerm === null || entries === null) return this.sendSnapshot(to, progress)
    if (entries.length === 0 && !sendIfEmpty) return false
    this.send({
      ...emptyMessage('MsgApp', this.id, to, this.term),
      index: previousIndex,
      logTerm: previousTerm,
      entries,
      commit: this.log.committed,
    })
    const last = entries[entries.length - 1]
    if (last) {
      if (progress.state === 'replicate') {
        progress.optimisticUpdate(last.index)
        progress.addInflight(last.index)
      } else {
        progress.probeSent = true
      }
    } else if (progress.state === 'probe') {
      progress.probeSent = true
    }
    return true
  }

  private sendSnapshot(to: NodeId, progress: Progress): boolean {
    if (!progress.recentActive) return false
    const snapshot = this.log.latestSnapshot
    assert(snapshot, `entries before ${this.log.firstIndex()} are compacted but there is no snapshot`)
    progress.becomeSnapshot(snapshot.metadata.index)
    this.send({...emptyMessage('MsgSnap', this.id, to, this.term), snapshot})
    return true
  }

  // ---- candidate and follower --------------------------------------------------------------

  private stepCandidate(message: Message): void {
    const ownResponse = this.state === StateType.PreCandidate ? 'MsgPreVoteResp' : 'MsgVoteResp'
    switch (message.type) {
      case 'MsgProp':
        this.dropProposal(message, 'no leader')
        return
      case 'MsgApp':
        this.becomeFollower(message.term, message.from)
        this.handleAppend(message)
        return
      case 'MsgHeartbeat':
        this.becomeFollower(message.term, message.from)
        this.handleHeartbeat(message)
        return
      case 'MsgSnap':
        this.becomeFollower(message.term, message.from)
        this.handleSnapshot(message)
        return
      case 'MsgReadIndex':
        this.readStates.push({index: 0, requestContext: message.context ?? ''})
        return
    }
    if (message.type !== ownResponse) return
    const result = this.poll(message.from, !message.reject)
    if (result === 'won') {
      if (this.state === StateType.PreCandidate) this.startCampaign('election')
      else this.becomeLeader()
    } else if (result === 'lost') {
      this.becomeFollower(this.term, '')
    }
  }

  private stepFollower(message: Message): void {
    switch (message.type) {
      case 'MsgProp':
        if (this.lead === '') {
          this.dropProposal(message, 'no leader')
          return
        }
        this.send({...message, to: this.lead, from: this.id})
        return
      case 'MsgApp':
        this.electionElapsed = 0
        this.lead = message.from
        this.handleAppend(message)
        return
      case 'MsgHeartbeat':
        this.electionElapsed = 0
        this.lead = message.from
        this.handleHeartbeat(message)
        return
      case 'MsgSnap':
        this.electionElapsed = 0
        this.lead = message.from
        this.handleSnapshot(message)
        return
      case 'MsgTransferLeader':
        if (this.lead !== '') this.send({...message, to: this.lead})
        return
      case 'MsgTimeoutNow':
        if (this.isVoter(this.id)) this.startCampaign('transfer')
        return
      case 'MsgReadIndex':
        if (this.lead === '') {
          this.readStates.push({index: 0, requestContext: message.context ?? ''})
          return
        }
        this.send({...message, to: this.lead, from: this.id})
        return
      case 'MsgReadIndexResp':
        this.readStates.push({index: message.reject ? 0 : message.index, requestContext: message.context ?? ''})
        return
    }
  }

  private handleAppend(message: Message): void {
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

  private handleHeartbeat(message: Message): void {
    this.log.commitTo(Math.min(message.commit, this.log.lastIndex()))
    this.send({...emptyMessage('MsgHeartbeatResp', this.id, message.from, this.term), ...(message.context ? {context: message.context} : {})})
  }

  private handleSnapshot(message: Message): void {
    const snapshot = message.snapshot
    assert(snapshot, 'MsgSnap without a snapshot')
    if (this.restore(snapshot)) {
      this.send({...emptyMessage('MsgAppResp', this.id, message.from, this.term), index: this.log.lastIndex()})
    } else {
      this.send({...emptyMessage('MsgAppResp', this.id, message.from, this.term), index: this.log.committed})
    }
  }

  private restore(snapshot: Snapshot): boolean {
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

  /**
   * A local proposal that cannot be accepted fails loudly so the caller can retry elsewhere; a
   * forwarded one is dropped silently, like any lost message (its proposer times out).
   */
  private dropProposal(message: Message, reason: string): void {
    if (message.from === this.id) throw new RaftError('ProposalDropped', reason)
  }

  private send(message: Message): void {
    assert(message.to !== '' && message.to !== this.id, `message ${message.type} to an invalid destination`)
    const stamped =
      message.term !== 0 || message.type === 'MsgProp' || message.type === 'MsgReadIndex' || message.type === 'MsgTransferLeader'
        ? message
        : {...message, term: this.term}
    this.messages.push(stamped)
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.state === b.state
}

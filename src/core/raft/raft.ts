import {assert} from '../util/assert.js'
import {Elections} from './election.js'
import {EntryType, type HardState, type Message, type NodeId, type Ready, type Snapshot, type SoftState, type ConfChange, StateType, emptyMessage} from './types.js'

export {type RaftConfig, type RaftLogger, defaultRaftLimits} from './state.js'

/**
 * One Raft member, etcd-io/raft's design: inputs (ticks, proposals, messages) go in, a Ready of
 * state to persist, messages to send and entries to apply comes out. This class takes the
 * inputs and hands out the Ready; step dispatches each message by the member's role to the
 * layers it builds on (election.ts, membership.ts, follower.ts, linearizable-reads.ts,
 * replication.ts, state.ts).
 */
export class Raft extends Elections {
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

  /**
   * Whether the pending Ready has anything for the member's storage: entries, a snapshot, a new
   * hard state or entries to apply. Most Readies under load carry only messages (heartbeats,
   * append responses), which need no write.
   */
  readyHasStorageWork(): boolean {
    return (
      this.log.pendingSnapshot !== null ||
      this.log.unstableEntries().length > 0 ||
      this.log.hasNextCommittedEntries() ||
      !sameHardState(this.hardState(), this.previousHardState)
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

  /**
   * Hands over the messages alone, leaving the rest of the Ready for later: a leader's messages
   * need nothing of its own on disk first (etcd sends them before its fsync), so a leader whose
   * driver holds its next write can still send its appends and heartbeats at once.
   */
  takeLeaderMessages(): Message[] {
    assert(this.state === StateType.Leader, `only a leader's messages go out before its Ready, not a ${this.state}'s`)
    const messages = this.messages
    this.messages = []
    return messages
  }

  /**
   * Hands over the requests a follower forwards to its leader (proposals, read-index requests),
   * leaving the rest of the Ready: they tell nothing of the follower's own log, so they need
   * nothing of it on disk first (etcd-io/raft sends them at once with asynchronous storage
   * writes), where its acknowledgements and votes wait for its fsync.
   */
  takeForwardedRequests(): Message[] {
    if (!this.messages.some(isForwardedRequest)) return []
    const forwarded = this.messages.filter(isForwardedRequest)
    this.messages = this.messages.filter((message) => !isForwardedRequest(message))
    return forwarded
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

  // ---- step dispatch by role ---------------------------------------------------------------

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
        this.acknowledgeRead(message)
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
    const result = this.poll(message.from, ownResponse, !message.reject)
    if (this.config.logger) {
      const {grants, rejects} = this.tracker.voteCounts()
      this.config.logger.info(`${this.id} has received ${grants} ${ownResponse} votes and ${rejects} vote rejections`)
    }
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
        if (!this.isVoter(this.id)) return
        this.config.logger?.info(`${this.id} [term ${this.term}] received MsgTimeoutNow from ${message.from} and starts an election to get leadership.`)
        this.startCampaign('transfer')
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
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.state === b.state
}

/** A request a follower passes on to its leader (see Raft.takeForwardedRequests). */
const isForwardedRequest = (message: Message): boolean => message.type === 'MsgProp' || message.type === 'MsgReadIndex'

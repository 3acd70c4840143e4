import {assert} from '../util/assert.js'
import {RaftLog} from './log.js'
import type {Progress} from './progress.js'
import {ReadOnly} from './read-index.js'
import {ProgressTracker} from './tracker.js'
import {
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  RaftError,
  type RandomSource,
  type ReadState,
  type Snapshot,
  type SoftState,
  StateType,
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
  /**
   * Where the member's raft log lines go (etcd-io/raft's Logger): its state changes and elections,
   * in etcd-io/raft's words, as etcd writes them to its log. Absent: nothing is formatted.
   */
  readonly logger?: RaftLogger
}

/** etcd-io/raft's logger, at the two levels its elections use. */
export interface RaftLogger {
  info(message: string): void
  warning(message: string): void
}

export const defaultRaftLimits = {
  electionTicks: 10,
  heartbeatTicks: 1,
  entriesPerMessageMax: 256,
  inflightMessagesMax: 256,
  committedEntriesPerReadyMax: 1024,
  uncommittedEntriesMax: 65536,
} as const

/**
 * What a Raft member holds (terms, vote, leader, log, the leader's view of followers, timers)
 * and the transitions every handler shares: becoming a follower, pre-candidate or candidate,
 * resetting for a new term, queueing an outgoing message. The layers above add one concern
 * each (replication, linearizable reads, the follower's side of replication, membership,
 * elections) and Raft, at the top, dispatches each message to them.
 */
export abstract class RaftState {
  readonly id: NodeId
  term: number
  vote: NodeId | ''
  lead: NodeId | '' = ''
  state: StateType = StateType.Follower
  readonly log: RaftLog

  protected readonly tracker: ProgressTracker
  protected readonly readOnly = new ReadOnly()
  protected messages: Message[] = []
  protected readStates: ReadState[] = []
  protected electionElapsed = 0
  protected heartbeatElapsed = 0
  protected randomizedElectionTimeout = 0
  protected leadTransferee: NodeId | '' = ''
  protected pendingConfIndex = 0
  protected uncommittedEntries = 0
  protected previousHardState: HardState
  protected previousSoftState: SoftState

  constructor(protected readonly config: RaftConfig) {
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

  abstract step(message: Message): void

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

  protected becomeFollower(term: number, lead: NodeId | ''): void {
    this.reset(term)
    this.lead = lead
    this.state = StateType.Follower
    this.config.logger?.info(`${this.id} became follower at term ${this.term}`)
  }

  protected becomePreCandidate(): void {
    assert(this.state !== StateType.Leader, 'a leader cannot become a pre-candidate')
    // Pre-vote changes neither term nor vote, so a partitioned member does not disrupt others.
    this.tracker.resetVotes()
    this.state = StateType.PreCandidate
    this.lead = ''
    this.config.logger?.info(`${this.id} became pre-candidate at term ${this.term}`)
  }

  protected becomeCandidate(): void {
    assert(this.state !== StateType.Leader, 'a leader cannot become a candidate')
    this.reset(this.term + 1)
    this.vote = this.id
    this.state = StateType.Candidate
    this.config.logger?.info(`${this.id} became candidate at term ${this.term}`)
  }

  /** A vote as etcd-io/raft prints it (%x of a member ID: 0 for none). */
  protected voteForLog(): string {
    return this.vote === '' ? '0' : this.vote
  }

  protected reset(term: number): void {
    assert(term >= this.term, `term goes back from ${this.term} to ${term}`)
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

  protected progressOfSelf(): Progress {
    const progress = this.tracker.get(this.id)
    assert(progress, `member ${this.id} is not in its own configuration`)
    return progress
  }

  protected quorumActive(): boolean {
    return this.tracker.quorumActive(this.id)
  }

  protected abortLeaderTransfer(): void {
    this.leadTransferee = ''
  }

  /**
   * A local proposal that cannot be accepted fails loudly so the caller can retry elsewhere; a
   * forwarded one is dropped silently, like any lost message (its proposer times out).
   */
  protected dropProposal(message: Message, reason: string): void {
    if (message.from === this.id) throw new RaftError('ProposalDropped', reason)
  }

  protected send(message: Message): void {
    assert(message.to !== '' && message.to !== this.id, `message ${message.type} to an invalid destination`)
    const stamped =
      message.term !== 0 || message.type === 'MsgProp' || message.type === 'MsgReadIndex' || message.type === 'MsgTransferLeader'
        ? message
        : {...message, term: this.term}
    this.messages.push(stamped)
  }
}

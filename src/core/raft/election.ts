import {assert} from '../util/assert.js'
import {Membership} from './membership.js'
import {EntryType, type Message, type MessageType, type NodeId, StateType, emptyMessage} from './types.js'

type CampaignKind = 'pre-election' | 'election' | 'transfer'

const transferContext = 'campaign-transfer'

/**
 * Terms and elections: what a higher or stale term does to a member, who grants votes and
 * pre-votes, the election and heartbeat timers, campaigns, and becoming leader.
 */
export abstract class Elections extends Membership {
  protected acceptHigherTerm(message: Message): boolean {
    if (message.type === 'MsgVote' || message.type === 'MsgPreVote') {
      const forced = message.context === transferContext
      const inLease = this.config.checkQuorum && this.lead !== '' && this.electionElapsed < this.config.electionTicks
      // A member that still hears from a leader ignores disruptive candidates (Raft thesis §4.2.3).
      if (!forced && inLease) {
        this.config.logger?.info(
          `${this.id} [logterm: ${this.log.lastTerm()}, index: ${this.log.lastIndex()}, vote: ${this.voteForLog()}] ignored ${message.type} from ${message.from} [logterm: ${message.logTerm}, index: ${message.index}] at term ${this.term}: lease is not expired (remaining ticks: ${this.config.electionTicks - this.electionElapsed})`,
        )
        return false
      }
    }
    if (message.type === 'MsgPreVote') return true
    if (message.type === 'MsgPreVoteResp' && !message.reject) return true
    this.config.logger?.info(`${this.id} [term: ${this.term}] received a ${message.type} message with higher term from ${message.from} [term: ${message.term}]`)
    const fromLeader = message.type === 'MsgApp' || message.type === 'MsgHeartbeat' || message.type === 'MsgSnap'
    this.becomeFollower(message.term, fromLeader ? message.from : '')
    return true
  }

  protected answerStaleTerm(message: Message): void {
    if ((this.config.checkQuorum || this.config.preVote) && (message.type === 'MsgHeartbeat' || message.type === 'MsgApp')) {
      // Tells a leader cut off by a partition that a newer term exists, so it steps down.
      this.send({...emptyMessage('MsgAppResp', this.id, message.from, this.term)})
    } else if (message.type === 'MsgPreVote') {
      this.logVoteDecision('rejected', message)
      this.send({...emptyMessage('MsgPreVoteResp', this.id, message.from, this.term), reject: true})
    } else {
      this.config.logger?.info(`${this.id} [term: ${this.term}] ignored a ${message.type} message with lower term from ${message.from} [term: ${message.term}]`)
    }
  }

  /** etcd-io/raft's line for a vote cast or refused (before the vote changes). */
  private logVoteDecision(decision: 'cast' | 'rejected', message: Message): void {
    const verb = decision === 'cast' ? `cast ${message.type} for` : `rejected ${message.type} from`
    this.config.logger?.info(
      `${this.id} [logterm: ${this.log.lastTerm()}, index: ${this.log.lastIndex()}, vote: ${this.voteForLog()}] ${verb} ${message.from} [logterm: ${message.logTerm}, index: ${message.index}] at term ${this.term}`,
    )
  }

  protected handleVoteRequest(message: Message): void {
    const canVote =
      this.vote === message.from ||
      (this.vote === '' && this.lead === '') ||
      (message.type === 'MsgPreVote' && message.term > this.term)
    const responseType = message.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp'
    if (canVote && this.log.isUpToDate(message.index, message.logTerm)) {
      this.logVoteDecision('cast', message)
      this.send({...emptyMessage(responseType, this.id, message.from, message.term)})
      if (message.type === 'MsgVote') {
        this.electionElapsed = 0
        this.vote = message.from
      }
    } else {
      this.logVoteDecision('rejected', message)
      this.send({...emptyMessage(responseType, this.id, message.from, this.term), reject: true})
    }
  }

  // ---- elections ---------------------------------------------------------------------------

  protected tickElection(): void {
    this.electionElapsed++
    if (this.isVoter(this.id) && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0
      this.step(emptyMessage('MsgHup', this.id, '', 0))
    }
  }

  protected tickHeartbeat(): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0
      if (this.config.checkQuorum && !this.quorumActive()) {
        this.config.logger?.warning(`${this.id} stepped down to follower since quorum is not active`)
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

  protected handleHup(): void {
    if (this.state === StateType.Leader || !this.isVoter(this.id)) return
    // A member must not campaign with configuration changes it has not applied yet.
    const pending = this.log.applied < this.log.committed ? this.unappliedConfChanges() : 0
    if (pending > 0) {
      this.config.logger?.warning(`${this.id} cannot campaign at term ${this.term} since there are still ${pending} pending configuration changes to apply`)
      return
    }
    this.config.logger?.info(`${this.id} is starting a new election at term ${this.term}`)
    this.startCampaign(this.config.preVote ? 'pre-election' : 'election')
  }

  protected startCampaign(kind: CampaignKind): void {
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
    if (this.poll(this.id, voteType === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp', true) === 'won') {
      if (kind === 'pre-election') this.startCampaign('election')
      else this.becomeLeader()
      return
    }
    for (const [id, progress] of this.tracker.members()) {
      if (id === this.id || progress.learner) continue
      this.config.logger?.info(`${this.id} [logterm: ${this.log.lastTerm()}, index: ${this.log.lastIndex()}] sent ${voteType} request to ${id} at term ${this.term}`)
      this.send({
        ...emptyMessage(voteType, this.id, id, term),
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        ...(kind === 'transfer' ? {context: transferContext} : {}),
      })
    }
  }

  protected poll(id: NodeId, response: 'MsgVoteResp' | 'MsgPreVoteResp', granted: boolean): 'won' | 'lost' | 'pending' {
    this.config.logger?.info(`${this.id} received ${response}${granted ? '' : ' rejection'} from ${id} at term ${this.term}`)
    return this.tracker.recordVote(id, granted)
  }

  protected becomeLeader(): void {
    assert(this.state === StateType.Candidate, `only a candidate can become leader, not a ${this.state}`)
    this.reset(this.term)
    this.lead = this.id
    this.state = StateType.Leader
    this.config.logger?.info(`${this.id} became leader at term ${this.term}`)
    this.progressOfSelf().becomeReplicate()
    this.pendingConfIndex = this.log.lastIndex()
    // A no-op of the new term lets earlier-term entries commit (Raft §5.4.2).
    this.appendEntries([{term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array()}])
    this.broadcastAppend()
  }

}

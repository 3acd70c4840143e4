import {assert} from '../util/assert.js'
import type {Progress} from './progress.js'
import {RaftState} from './state.js'
import {type Entry, EntryType, type Message, type NodeId, RaftError, StateType, emptyMessage} from './types.js'

/**
 * The leader's side of log replication: accepting proposals, appending them, sending each
 * follower what it misses (entries, or a snapshot once they are compacted), reading its
 * acknowledgements and advancing the commit index; and handing leadership to another member.
 */
export abstract class LogReplication extends RaftState {
  protected leaderPropose(message: Message): void {
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

  protected leaderTransfer(transferee: NodeId): void {
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

  protected handleAppendResponse(message: Message, progress: Progress): void {
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

  protected handleHeartbeatResponse(message: Message, progress: Progress): void {
    progress.recentActive = true
    progress.probeSent = false
    if (progress.state === 'replicate' && progress.isPaused()) progress.freeFirstInflight()
    if (progress.match < this.log.lastIndex()) this.sendAppend(message.from)
  }

  protected appendEntries(entries: readonly Entry[]): void {
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

  protected reduceUncommitted(count: number): void {
    this.uncommittedEntries = Math.max(0, this.uncommittedEntries - count)
  }

  /** Commits the highest index a majority of voters hold, if it is of the current term. */
  protected maybeCommit(): boolean {
    const quorumIndex = this.tracker.majorityMatch()
    if (quorumIndex <= this.log.committed || this.log.term(quorumIndex) !== this.term) return false
    this.log.commitTo(quorumIndex)
    return true
  }

  protected broadcastAppend(): void {
    for (const id of this.tracker.ids()) if (id !== this.id) this.sendAppend(id)
  }

  protected broadcastHeartbeat(context: string | null): void {
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
  protected sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const progress = this.tracker.get(to)
    if (!progress || progress.isPaused()) return false
    // Only while replicating: a probe answered by a follower that lost acknowledged entries (a
    // crash before its fsync) may move next back to that follower's last index, below match.
    assert(progress.state !== 'replicate' || progress.match < progress.next, `replicating to ${to} with match ${progress.match} not below next ${progress.next}`)
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

  protected sendSnapshot(to: NodeId, progress: Progress): boolean {
    if (!progress.recentActive) return false
    const snapshot = this.log.latestSnapshot
    assert(snapshot, `entries before ${this.log.firstIndex()} are compacted but there is no snapshot`)
    progress.becomeSnapshot(snapshot.metadata.index)
    this.send({...emptyMessage('MsgSnap', this.id, to, this.term), snapshot})
    return true
  }
}

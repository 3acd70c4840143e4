// Cluster membership of the embedded cluster, one member at a time, with etcd's checks and
// errors: add (voter or learner), promote, update peer URLs, remove, and leader transfer.
import {etcdErrors} from '../mvcc/errors.js'
import {membershipErrors} from './membership-errors.js'
import {type ConfChange, RaftError, StateType} from '../raft/types.js'
import type {EmbeddedCluster} from './cluster.js'
import {readClusterState, writeClusterState} from './cluster-files.js'
import {hexId, memberIdOf} from './identity.js'
import type {EtcdMember} from './member.js'
import type {MemberRecord} from './member-setup.js'

/** etcd allows one learner at a time (--experimental-max-learners defaults to 1). */
export const learnersMax = 1
/** A learner may be promoted once it holds this share of the leader's log (etcd: 90%). */
export const promotableProgressRatio = 0.9

export {membershipErrors} from './membership-errors.js'

/** etcd's HealthInterval: a voter counts as connected once it has been up this long. */
export const healthIntervalMilliseconds = 5000

/** A URL etcd's types.NewURLs takes: http(s) or unix(s), an explicit host:port, no path, query or fragment. */
const memberUrlPattern = /^(?:https?|unixs?):\/\/(?:\[[0-9a-fA-F:.]+\]|[^/?#@\s:[\]]+):\d{1,5}$/

/** The client URL of a member added later: its peer port minus one, as in etcd's Procfile. */
export function clientUrlFor(peerUrl: string): string {
  const url = new URL(peerUrl)
  url.port = String(Number(url.port) - 1)
  return url.toString().replace(/\/$/, '')
}

export class Membership {
  constructor(
    private readonly cluster: EmbeddedCluster,
    private readonly serving: () => EtcdMember,
    private readonly timeoutMilliseconds: number,
  ) {}

  private records(): MemberRecord[] {
    return this.serving().members()
  }

  /** Voters that run in this process and have been up for etcd's HealthInterval. */
  private connectedVoters(): Set<string> {
    const now = this.cluster.clock.nowMilliseconds()
    const startedAt = readClusterState(this.cluster.folder).startedAt ?? {}
    const connected = new Set<string>()
    for (const record of this.records()) {
      if (record.isLearner) continue
      const member = this.cluster.memberById(record.id)
      const since = member ? startedAt[member.layout.name] : undefined
      if (member && since !== undefined && now - since >= healthIntervalMilliseconds) connected.add(record.id)
    }
    return connected
  }

  /** Voters that have started (published a name), as etcd's IsReadyTo* checks count them. */
  private startedVoters(): MemberRecord[] {
    return this.records().filter((record) => !record.isLearner && record.name !== '')
  }

  /** etcd's mayAddMember with --strict-reconfig-check (the default). */
  private mayAdd(isLearner: boolean): void {
    const voters = this.records().filter((record) => !record.isLearner)
    const started = this.startedVoters().length
    // etcd lets a one-member cluster take a second voter (restoring a cluster from one member's data).
    const secondOfOne = started === 1 && voters.length === 1
    if (!isLearner && !secondOfOne && started < Math.floor((voters.length + 1) / 2) + 1) throw membershipErrors.notEnoughStarted()
    if (this.connectedVoters().size < voters.length) throw membershipErrors.unhealthy()
  }

  /** Proposes a configuration change and waits until the serving member has applied it. */
  private async change(change: ConfChange, applied: (member: EtcdMember) => boolean): Promise<void> {
    const member = this.serving()
    let proposed = false
    const done = await this.cluster.driveUntil(() => {
      if (applied(member)) return true
      if (!proposed) {
        try {
          member.raft.proposeConfChange(change)
          proposed = true
        } catch (error) {
          // Another change is still being applied, or there is no leader yet: try again.
          if (!(error instanceof RaftError)) throw error
        }
      }
      return false
    }, this.timeoutMilliseconds)
    if (!done) throw etcdErrors.deadlineExceeded()
  }

  async add(name: string, peerUrls: readonly string[], isLearner: boolean): Promise<MemberRecord> {
    // In etcd's order: the URLs (the RPC layer), the cluster's health, then the change itself.
    if (peerUrls.length === 0 || !peerUrls.every((url) => memberUrlPattern.test(url))) throw membershipErrors.badUrls()
    const records = this.records()
    this.mayAdd(isLearner)
    const addedAt = Math.floor(this.cluster.clock.nowMilliseconds() / 1000)
    const id = hexId(memberIdOf(peerUrls, this.cluster.layout.token, addedAt)).padStart(16, '0')
    if (records.some((record) => record.id === id)) throw membershipErrors.idExists()
    if (records.some((record) => record.peerUrls.some((url) => peerUrls.includes(url)))) throw membershipErrors.peerUrlExists()
    if (isLearner && records.filter((record) => record.isLearner).length >= learnersMax) throw membershipErrors.tooManyLearners()
    const peerUrl = peerUrls[0]!
    // Like a member added with etcdctl: known to the cluster, not running until it is started.
    const state = readClusterState(this.cluster.folder)
    writeClusterState(this.cluster.folder, {
      ...state,
      stopped: [...state.stopped, name].sort(),
      joined: [...(state.joined ?? []), {name, id, peerUrl, clientUrl: clientUrlFor(peerUrl)}],
      removed: (state.removed ?? []).filter((removed) => removed !== name),
    })
    this.cluster.reloadLayout()
    const record: MemberRecord = {id, name: '', peerUrls, clientUrls: [], isLearner}
    await this.change({type: isLearner ? 'addLearner' : 'addNode', nodeId: id, context: JSON.stringify(record)}, (member) =>
      member.members().some((existing) => existing.id === id),
    )
    return record
  }

  async remove(id: string): Promise<void> {
    const record = this.records().find((existing) => existing.id === id)
    if (!record) throw membershipErrors.memberNotFound()
    if (!record.isLearner) {
      // etcd's mayRemoveMember: the members left must still make a quorum of started, connected voters.
      const voters = this.records().filter((existing) => !existing.isLearner)
      const quorumAfter = Math.floor((voters.length - 1) / 2) + 1
      if (this.startedVoters().filter((existing) => existing.id !== id).length < quorumAfter) throw membershipErrors.notEnoughStarted()
      const connected = this.connectedVoters()
      const removingConnected = connected.has(id)
      if (removingConnected && connected.size - 1 < quorumAfter) throw membershipErrors.unhealthy()
    }
    await this.change({type: 'removeNode', nodeId: id}, (member) => member.id === id || !member.members().some((existing) => existing.id === id))
    const layout = this.cluster.layout.members.find((member) => member.id === id)
    if (layout) {
      this.cluster.detach(layout.name)
      const state = readClusterState(this.cluster.folder)
      writeClusterState(this.cluster.folder, {...state, removed: [...new Set([...(state.removed ?? []), layout.name])]})
      this.cluster.reloadLayout()
    }
  }

  async promote(id: string): Promise<void> {
    const record = this.records().find((existing) => existing.id === id)
    if (!record) throw membershipErrors.memberNotFound()
    if (!record.isLearner) throw membershipErrors.notLearner()
    const leader = this.cluster.leader()
    const progress = leader?.raft.progressOf(id)
    if (!leader || !progress || progress.match < leader.raft.log.lastIndex() * promotableProgressRatio) throw membershipErrors.learnerNotReady()
    const voters = this.records().filter((existing) => !existing.isLearner)
    if (this.startedVoters().length < Math.floor((voters.length + 1) / 2) + 1) throw membershipErrors.notEnoughStarted()
    await this.change({type: 'addNode', nodeId: id}, (member) => member.members().some((existing) => existing.id === id && !existing.isLearner))
  }

  async update(id: string, peerUrls: readonly string[]): Promise<void> {
    const record = this.records().find((existing) => existing.id === id)
    if (!record) throw membershipErrors.memberNotFound()
    const updated: MemberRecord = {...record, peerUrls}
    await this.change({type: 'updateNode', nodeId: id, context: JSON.stringify(updated)}, (member) =>
      member.members().some((existing) => existing.id === id && existing.peerUrls.join(',') === peerUrls.join(',')),
    )
  }

  /** etcd's MoveLeader: only the leader takes it; the transferee must be a voting member. */
  async moveLeader(targetId: string): Promise<void> {
    const member = this.serving()
    if (member.raft.state !== StateType.Leader) throw membershipErrors.notLeader()
    if (!member.raft.isVoter(targetId) || targetId === member.id) throw membershipErrors.badTransferee()
    member.raft.transferLeadership(targetId)
    const moved = await this.cluster.driveUntil(() => this.cluster.leader()?.id === targetId, this.timeoutMilliseconds)
    if (!moved) throw membershipErrors.transferTimeout()
  }

  /** A started member publishes its name and client URLs, as etcd's publish request does. */
  async publish(member: EtcdMember): Promise<void> {
    const record = this.records().find((existing) => existing.id === member.id)
    if (!record || record.name !== '') return
    const published: MemberRecord = {...record, name: member.layout.name, clientUrls: [member.layout.clientUrl]}
    await this.change({type: 'updateNode', nodeId: member.id, context: JSON.stringify(published)}, (serving) =>
      serving.members().some((existing) => existing.id === member.id && existing.name !== ''),
    )
  }
}

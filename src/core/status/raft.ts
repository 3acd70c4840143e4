// Inside each etcd member's Raft: role, term, commit and applied index, the log after the last
// snapshot and its newest entries. Read from the members this process runs (`up`'s), or, one-shot,
// from the member files opened the way etcdctl opens them; only reads, nothing is driven.
import type {EmbeddedCluster} from '../etcd/cluster.js'
import type {EtcdMember} from '../etcd/member.js'
import {StateType} from '../raft/types.js'
import {type MemberRole, type RaftEntryCell, raftEntriesShownMax} from './model.js'

export interface RaftView {
  readonly role: MemberRole
  readonly term: number
  readonly index: number
  readonly appliedIndex: number
  readonly lastLogIndex: number
  readonly logEntries: number
  readonly snapshotIndex: number
  readonly recentEntries: RaftEntryCell[]
}

function roleOf(member: EtcdMember): MemberRole {
  if (!member.raft.isVoter(member.id)) return 'learner'
  switch (member.raft.state) {
    case StateType.Leader:
      return 'leader'
    case StateType.Candidate:
      return 'candidate'
    case StateType.PreCandidate:
      return 'pre-candidate'
    default:
      return 'follower'
  }
}

export function raftView(member: EtcdMember): RaftView {
  const log = member.raft.log
  const last = log.lastIndex()
  const recentEntries: RaftEntryCell[] = []
  for (let index = Math.max(log.firstIndex(), last - raftEntriesShownMax + 1); index <= last; index++) {
    const entry = log.entryAt(index)
    if (entry) recentEntries.push({index: entry.index, term: entry.term})
  }
  return {
    role: roleOf(member),
    term: member.raft.term,
    index: log.committed,
    appliedIndex: log.applied,
    lastLogIndex: last,
    logEntries: last - log.firstIndex() + 1,
    snapshotIndex: log.snapshotIndexValue(),
    recentEntries,
  }
}

/** The running members' views by name; a stopped member is absent. */
export function raftViews(cluster: EmbeddedCluster): Map<string, RaftView> {
  return new Map(cluster.members().map((member) => [member.layout.name, raftView(member)]))
}

/** One-shot: the members' views from their files (takes the writer lock for the moment it reads). */
export async function raftViewsFromFiles(folder: string): Promise<Map<string, RaftView>> {
  const [{EmbeddedCluster}, {openClusterClock}] = await Promise.all([import('../etcd/cluster.js'), import('../host/clock.js')])
  const cluster = EmbeddedCluster.open(folder, {clock: openClusterClock(folder)})
  try {
    return raftViews(cluster)
  } finally {
    await cluster.close()
  }
}

// One status snapshot from its sources: the members as seen from outside (etcdctl's health and
// status) and from inside (their Raft), the Kubernetes side through the API server, and the
// controllers' work queues when a controller manager runs in this process.
import {defaultMasters} from '../api/masters.js'
import type {ApiClient} from '../client/client.js'
import type {EmbeddedCluster} from '../etcd/cluster.js'
import {currentLayout} from '../etcd/cluster-files.js'
import {readHostState} from '../host/state.js'
import {type KubernetesStatus, kubernetesStatus} from './kubernetes.js'
import {type ClusterStatus, type MasterStatus, type MemberStatus, type QueuesStatus, statusApiVersion} from './model.js'
import {type RaftView, raftViews} from './raft.js'

/** A member as a client sees it from outside (etcdctl endpoint health and status). */
export interface MemberReachability {
  readonly name: string
  readonly id: string
  readonly endpoint: string
  readonly healthy: boolean
  readonly leader: boolean
  readonly term: number | null
  readonly index: number | null
  readonly error: string | null
}

export interface StatusSources {
  readonly folder: string
  readonly client: ApiClient
  readonly time: {readonly now: number; readonly offsetMilliseconds: number; readonly seeded?: boolean}
  readonly live: boolean
  readonly members: readonly MemberReachability[]
  /** Inside each running member, by name. */
  readonly raft: ReadonlyMap<string, RaftView>
  readonly queues: QueuesStatus
  /** Whether a failing API server leaves the rest of the snapshot standing (`unavailable` says why) instead of failing it. */
  readonly partial?: boolean
}

/** The Kubernetes side when the API server does not answer. */
const noKubernetes: KubernetesStatus = {leases: [], holders: new Map(), nodes: [], pending: [], services: [], events: [], latestChange: null}

/** The queues when no controller manager runs in the process that reads them. */
export const queuesNotRunning: QueuesStatus = {running: false, loops: []}

function memberStatus(member: MemberReachability, raft: RaftView | undefined): MemberStatus {
  return {
    ...member,
    role: raft ? raft.role : member.error ? 'stopped' : 'unknown',
    term: raft?.term ?? member.term,
    index: raft?.index ?? member.index,
    appliedIndex: raft?.appliedIndex ?? null,
    lastLogIndex: raft?.lastLogIndex ?? null,
    logEntries: raft?.logEntries ?? null,
    snapshotIndex: raft?.snapshotIndex ?? null,
    recentEntries: raft?.recentEntries ?? [],
  }
}

export async function collectStatus(sources: StatusSources): Promise<ClusterStatus> {
  let kubernetes = noKubernetes
  let unavailable: string | null = null
  try {
    kubernetes = await kubernetesStatus(sources.client)
  } catch (error) {
    if (!sources.partial) throw error
    unavailable = error instanceof Error ? error.message : String(error)
  }
  const stopped = new Set(readHostState(sources.folder).stoppedMasters)
  const leads = (component: string, node: string) => (kubernetes.holders.get(component) ?? '').startsWith(`${node}_`)
  const masters = defaultMasters.map((master): MasterStatus => ({
    node: master.node,
    member: master.member,
    running: !stopped.has(master.node),
    schedulerLeads: leads('kube-scheduler', master.node),
    controllerManagerLeads: leads('kube-controller-manager', master.node),
  }))
  return {
    apiVersion: statusApiVersion,
    kind: 'ClusterStatus',
    time: {now: sources.time.now, offsetMilliseconds: sources.time.offsetMilliseconds, ...(sources.time.seeded ? {seeded: true} : {})},
    live: sources.live,
    masters,
    members: sources.members.map((member) => memberStatus(member, sources.raft.get(member.name))),
    leases: kubernetes.leases,
    nodes: kubernetes.nodes,
    pending: kubernetes.pending,
    queues: sources.queues,
    services: kubernetes.services,
    events: kubernetes.events,
    latestChange: kubernetes.latestChange,
    unavailable,
  }
}

/**
 * The members as the process that runs them sees them (`up`): healthy when running with a leader,
 * at the URL its front door serves (the layout's when there is none).
 */
export function runningMembers(cluster: EmbeddedCluster, folder: string, served: ReadonlyMap<string, string> | null): {members: MemberReachability[]; raft: Map<string, RaftView>} {
  const raft = raftViews(cluster)
  const members = currentLayout(folder).members.map((layout): MemberReachability => {
    const member = cluster.member(layout.name)
    const view = raft.get(layout.name)
    return {
      name: layout.name,
      id: layout.id,
      endpoint: served?.get(layout.name) ?? layout.clientUrl,
      healthy: member !== null && member.raft.lead !== '',
      leader: view?.role === 'leader',
      term: view?.term ?? null,
      index: view?.index ?? null,
      error: member === null ? 'stopped' : member.raft.lead === '' ? 'no leader' : null,
    }
  })
  return {members, raft}
}

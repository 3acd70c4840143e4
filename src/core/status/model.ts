// What `kubemu status -o json` prints and the web page draws: one snapshot of the cluster. The
// field names are a contract for scripts (documented in the README): add fields, never rename.

/** The version of this snapshot's shape, as `apiVersion` says it. */
export const statusApiVersion = 'kubemu.io/v1alpha1'

/** How many of a member's newest raft log entries a snapshot carries (the page draws them as cells). */
export const raftEntriesShownMax = 40
/** How many of the newest events a snapshot carries (the terminal shows the last 5). */
export const eventsShownMax = 30
/** How many events the chain of the latest change holds at most. */
export const chainEventsMax = 30

export type MemberRole = 'leader' | 'follower' | 'candidate' | 'pre-candidate' | 'learner' | 'stopped' | 'unknown'

export interface RaftEntryCell {
  readonly index: number
  readonly term: number
}

/** One etcd member's Raft state; the raft fields are null when this process cannot see inside it. */
export interface MemberStatus {
  readonly name: string
  readonly id: string
  readonly endpoint: string
  readonly healthy: boolean
  readonly leader: boolean
  readonly role: MemberRole
  readonly term: number | null
  /** The last committed index (etcdctl's RAFT INDEX). */
  readonly index: number | null
  readonly appliedIndex: number | null
  readonly lastLogIndex: number | null
  /** Entries in the log after the last snapshot. */
  readonly logEntries: number | null
  readonly snapshotIndex: number | null
  /** The newest entries, oldest first (at most raftEntriesShownMax). */
  readonly recentEntries: readonly RaftEntryCell[]
  readonly error: string | null
}

export interface MasterStatus {
  readonly node: string
  readonly member: string
  readonly running: boolean
  readonly schedulerLeads: boolean
  readonly controllerManagerLeads: boolean
}

export interface LeaseStatus {
  /** kube-scheduler, kube-controller-manager */
  readonly name: string
  readonly holder: string
  /** On the cluster clock, RFC 3339 with microseconds as the Lease stores it; null before a first renewal. */
  readonly renewTime: string | null
  readonly leaseDurationSeconds: number | null
}

export interface PodCell {
  /** namespace/name */
  readonly name: string
  readonly phase: string
  readonly ready: boolean
}

export interface NodeStatus {
  readonly name: string
  readonly ready: string
  readonly schedulable: boolean
  readonly stopped: boolean
  readonly cpu: {requested: number; allocatable: number}
  readonly memory: {requested: number; allocatable: number}
  readonly pods: PodCell[]
}

export interface QueueStatus {
  /** The loop's name (deployment, replicaset, …). */
  readonly name: string
  /** Keys waiting to be processed now. */
  readonly queued: number
  /** Keys added for later (back-off, requeue after a delay). */
  readonly waiting: number
}

export interface QueuesStatus {
  /** False when no controller manager runs (one-shot: the loops run only inside commands). */
  readonly running: boolean
  readonly loops: QueueStatus[]
}

export interface EventStatus {
  /** On the cluster clock, RFC 3339. */
  readonly time: string
  readonly type: string
  readonly reason: string
  /** kind/namespace/name of the object the event is about. */
  readonly object: string
  readonly component: string
  readonly message: string
  readonly count: number
}

export interface EndpointStatus {
  readonly ip: string
  /** namespace/name of the pod behind it, when there is one. */
  readonly pod: string | null
  readonly ready: boolean
}

export interface ServiceStatus {
  /** namespace/name */
  readonly name: string
  readonly type: string
  readonly clusterIP: string
  readonly ports: string[]
  readonly endpoints: EndpointStatus[]
}

export interface ChangeChain {
  /** kind/namespace/name of the object at the root of the latest change (a Deployment, a Node …). */
  readonly root: string
  /** Its events and its descendants' (ownerReferences), oldest first. */
  readonly events: EventStatus[]
}

export interface ClusterStatus {
  readonly apiVersion: typeof statusApiVersion
  readonly kind: 'ClusterStatus'
  /** Cluster time and how far ahead of wall time it runs. */
  readonly time: {readonly now: number; readonly offsetMilliseconds: number; readonly seeded?: boolean}
  /** Whether a `kubemu up` drives the cluster (live) or this was read one-shot. */
  readonly live: boolean
  readonly masters: MasterStatus[]
  readonly members: MemberStatus[]
  readonly leases: LeaseStatus[]
  readonly nodes: NodeStatus[]
  readonly pending: Array<{name: string; reason: string}>
  readonly queues: QueuesStatus
  readonly services: ServiceStatus[]
  /** The newest events, newest last (at most eventsShownMax). */
  readonly events: EventStatus[]
  readonly latestChange: ChangeChain | null
  /**
   * Why the Kubernetes side is missing (the API server cannot read etcd: no quorum), or null. Only
   * a live snapshot carries one: the members are worth seeing exactly then.
   */
  readonly unavailable: string | null
}

// The client-facing API of the cluster, as TypeScript interfaces shaped like etcd's gRPC
// services (KV, Watch, Lease, Cluster, Maintenance). The embedded cluster implements them; so
// can a client of a real etcd.
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  TxnRequest,
  TxnResponse,
  WatchEvent,
} from '../mvcc/types.js'

export interface KvApi {
  range(request: RangeRequest): Promise<RangeResponse>
  put(request: PutRequest): Promise<PutResponse>
  deleteRange(request: DeleteRangeRequest): Promise<DeleteRangeResponse>
  txn(request: TxnRequest): Promise<TxnResponse>
  compact(request: CompactionRequest): Promise<CompactionResponse>
}

export interface LeaseApi {
  grant(ttlSeconds: number, id?: bigint): Promise<LeaseGrantResponse>
  revoke(id: bigint): Promise<LeaseRevokeResponse>
  keepAliveOnce(id: bigint): Promise<LeaseKeepAliveResponse>
  timeToLive(id: bigint, keys: boolean): Promise<LeaseTimeToLiveResponse>
  leases(): Promise<LeaseLeasesResponse>
}

export interface MemberInfo {
  readonly id: bigint
  readonly name: string
  readonly peerUrls: readonly string[]
  readonly clientUrls: readonly string[]
  readonly isLearner: boolean
}

export interface ClusterApi {
  memberList(): Promise<{header: ResponseHeader; members: MemberInfo[]}>
  /** `name` is what etcdctl prints and the embedded cluster files the member under. */
  memberAdd(peerUrls: readonly string[], isLearner: boolean, name: string): Promise<{header: ResponseHeader; member: MemberInfo; members: MemberInfo[]}>
  memberRemove(id: bigint): Promise<{header: ResponseHeader; members: MemberInfo[]}>
  memberUpdate(id: bigint, peerUrls: readonly string[]): Promise<{header: ResponseHeader; members: MemberInfo[]}>
  memberPromote(id: bigint): Promise<{header: ResponseHeader; members: MemberInfo[]}>
}

export interface StatusResponse {
  header: ResponseHeader
  version: string
  dbSize: number
  leader: bigint
  raftIndex: number
  raftTerm: number
  raftAppliedIndex: number
  errors: string[]
  dbSizeInUse: number
  isLearner: boolean
}

export interface AlarmMember {
  readonly memberId: bigint
  readonly alarm: string
}

export interface MaintenanceApi {
  status(): Promise<StatusResponse>
  hashKv(revision: number): Promise<{header: ResponseHeader; hash: number; compactRevision: number}>
  alarmList(): Promise<{header: ResponseHeader; alarms: AlarmMember[]}>
  alarmDisarm(alarm: AlarmMember): Promise<{header: ResponseHeader; alarms: AlarmMember[]}>
  /** Hands leadership to `targetId`; must be served by the leader. */
  moveLeader(targetId: bigint): Promise<{header: ResponseHeader}>
  /** Rewrites the serving member's backend without its free space. */
  defragment(): Promise<{header: ResponseHeader}>
}

export interface WatchRequest {
  readonly key: Uint8Array
  readonly rangeEnd?: Uint8Array
  /** Start at this revision (0: from the next change). */
  readonly startRevision?: number
  readonly prevKv?: boolean
  readonly filters?: ReadonlyArray<'noput' | 'nodelete'>
  readonly progressNotify?: boolean
}

export interface WatchResponse {
  readonly header: ResponseHeader
  readonly events: readonly WatchEvent[]
  /** Set when the watch ended because its start revision was compacted away. */
  readonly compactRevision?: number
  readonly canceled?: boolean
  /** Why the server cancelled the watch, as etcd words it (empty for a compaction). */
  readonly cancelReason?: string
}

export interface Watcher {
  /** Resolves once the watch is registered: every later write is reported. */
  created(): Promise<void>
  /** The next batch of events; resolves with null once the watch is cancelled. */
  next(): Promise<WatchResponse | null>
  cancel(): void
}

export interface WatchApi {
  watch(request: WatchRequest): Watcher
}

export interface PermissionInfo {
  readonly type: 'READ' | 'WRITE' | 'READWRITE'
  readonly key: Uint8Array
  /** Empty: the single key; [0]: every key from `key` on. */
  readonly rangeEnd: Uint8Array
}

type Headed<T = object> = Promise<{header: ResponseHeader} & T>

export interface AuthApi {
  enable(): Headed
  disable(): Headed
  status(): Headed<{enabled: boolean; authRevision: number}>
  authenticate(name: string, password: string): Headed<{token: string}>
  userAdd(name: string, password: string, options?: {noPassword?: boolean}): Headed
  userGet(name: string): Headed<{roles: string[]}>
  userList(): Headed<{users: string[]}>
  userDelete(name: string): Headed
  userChangePassword(name: string, password: string): Headed
  userGrantRole(user: string, role: string): Headed
  userRevokeRole(user: string, role: string): Headed
  roleAdd(name: string): Headed
  roleGet(name: string): Headed<{permissions: PermissionInfo[]}>
  roleList(): Headed<{roles: string[]}>
  roleDelete(name: string): Headed
  roleGrantPermission(name: string, permission: PermissionInfo): Headed
  roleRevokePermission(name: string, key: Uint8Array, rangeEnd: Uint8Array): Headed
}

/** A user's name and password, as etcdctl's --user and clientv3's Username/Password. */
export interface EtcdCredentials {
  readonly user: string
  readonly password: string
}

export interface EtcdClient {
  readonly kv: KvApi
  readonly auth: AuthApi
  readonly lease: LeaseApi
  readonly cluster: ClusterApi
  readonly maintenance: MaintenanceApi
  readonly watch: WatchApi
  close(): Promise<void>
  /** The raft entry that made `revision`, where the members run in this process (absent over the network). */
  raftPositionOf?(revision: number): RaftPosition | null
}

/** The raft entry that committed a change: what `kubemu trace` shows beside its revision. */
export interface RaftPosition {
  readonly term: number
  readonly index: number
}

import {randomBytes} from 'node:crypto'
import {etcdErrors, unconvertedAuthError} from '../mvcc/errors.js'
import {hashHistory} from '../mvcc/hash.js'
import {checkTxn} from '../mvcc/kv-store.js'
import {Lessor} from '../mvcc/lessor.js'
import type {ApplyOutcome, InternalRequest} from '../mvcc/state-machine.js'
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
  RequestOp,
  ResponseHeader,
  TxnRequest,
  TxnResponse,
} from '../mvcc/types.js'
import {type AuthRequest, hashPassword} from '../mvcc/auth-store.js'
import type {AlarmMember, AuthApi, ClusterApi, EtcdClient, KvApi, LeaseApi, MaintenanceApi, MemberInfo, RaftPosition, StatusResponse, WatchApi} from './api.js'
import {type EmbeddedCluster, nextRequestId} from './cluster.js'
import type {EtcdMember} from './member.js'
import {Membership} from './membership.js'
import {saveSnapshotOf} from './snapshot.js'
import {EmbeddedWatchApi} from './watch.js'

/** etcd's --max-request-bytes default. */
export const requestBytesMax = 1.5 * 1024 * 1024
/** etcd's --quota-backend-bytes default. */
export const backendQuotaBytesDefault = 2 * 1024 * 1024 * 1024
import {commandTimeoutMillisecondsDefault, etcdVersion} from './version.js'

export {commandTimeoutMillisecondsDefault, etcdVersion} from './version.js'

export interface EmbeddedClientOptions {
  /** The member that serves requests, by name (what --endpoints selects). */
  readonly endpoint: string
  readonly commandTimeoutMilliseconds?: number
  readonly backendQuotaBytes?: number
  /** Credentials, as etcdctl's --user: checked on first use, then every request runs as the user. */
  readonly user?: string
  readonly password?: string
  /** A user whose token the network front door already checked: requests run as it, no password. */
  readonly authenticatedUser?: string
}

/** Lease IDs as etcd's idutil.Generator makes them: member bits, then time, then a counter. */
class LeaseIdGenerator {
  private suffix: bigint

  constructor(
    private readonly memberId: bigint,
    nowMilliseconds: number,
    granted: readonly bigint[],
  ) {
    this.suffix = (BigInt(nowMilliseconds) & ((1n << 40n) - 1n)) << 8n
    // etcd counts on its clock having moved since it last ran; a seeded cluster's clock stands
    // still between one-shot commands, so start past the IDs this member already handed out.
    const prefix = (memberId & 0xffffn) << 48n
    for (const id of granted) {
      if ((id & ~((1n << 48n) - 1n)) === prefix && (id & ((1n << 48n) - 1n)) > this.suffix) this.suffix = id & ((1n << 48n) - 1n)
    }
  }

  next(): bigint {
    this.suffix++
    const prefix = (this.memberId & 0xffffn) << 48n
    return (prefix | (this.suffix & ((1n << 48n) - 1n))) & ((1n << 63n) - 1n)
  }
}

/**
 * One generator per member, as etcd has one per server: the clients of a member (one per request
 * on the front door) never hand out the same ID twice, whatever the clock says.
 */
const leaseIdGenerators = new WeakMap<EtcdMember, LeaseIdGenerator>()

/** The etcd API served by one member of the embedded cluster. */
export class EmbeddedClient implements EtcdClient {
  readonly kv: KvApi
  readonly lease: LeaseApi
  readonly cluster: ClusterApi
  readonly maintenance: MaintenanceApi
  readonly watch: WatchApi
  readonly auth: AuthApi
  private readonly timeout: number
  private authenticatedUser: string | undefined
  private credentialsChecked = false
  private tokenCounter = 0
  private readonly quotaBytes: number

  raftPositionOf(revision: number): RaftPosition | null {
    return this.embedded.raftPositionOf(revision)
  }

  constructor(
    readonly embedded: EmbeddedCluster,
    private readonly options: EmbeddedClientOptions,
  ) {
    this.timeout = options.commandTimeoutMilliseconds ?? commandTimeoutMillisecondsDefault
    this.authenticatedUser = options.authenticatedUser
    this.quotaBytes = options.backendQuotaBytes ?? backendQuotaBytesDefault
    this.kv = {
      range: (request) => this.range(request),
      put: (request) => this.put(request),
      deleteRange: (request) => this.deleteRange(request),
      txn: (request) => this.txn(request),
      compact: (request) => this.compact(request),
    }
    this.lease = {
      grant: (ttl, id) => this.leaseGrant(ttl, id),
      revoke: (id) => this.leaseRevoke(id),
      keepAliveOnce: (id) => this.leaseKeepAlive(id),
      timeToLive: (id, keys) => this.leaseTimeToLive(id, keys),
      leases: () => this.leaseList(),
    }
    const membership = new Membership(embedded, () => this.serving(), this.timeout)
    const listed = async () => {
      const list = await this.memberList()
      return {header: list.header, members: list.members}
    }
    const hex = (id: bigint) => id.toString(16).padStart(16, '0')
    this.cluster = {
      memberList: () => this.memberList(),
      memberAdd: async (peerUrls, isLearner, name) => {
        await this.checkAdmin()
        const record = await membership.add(name, peerUrls, isLearner)
        return {...(await listed()), member: {id: BigInt(`0x${record.id}`), name: '', peerUrls, clientUrls: [], isLearner}}
      },
      memberRemove: async (id) => {
        await this.checkAdmin()
        await membership.remove(hex(id))
        return listed()
      },
      memberUpdate: async (id, peerUrls) => {
        await this.checkAdmin()
        await membership.update(hex(id), peerUrls)
        return listed()
      },
      memberPromote: async (id) => {
        await this.checkAdmin()
        await membership.promote(hex(id))
        return listed()
      },
    }
    this.maintenance = {
      status: () => this.status(),
      hashKv: (revision) => this.hashKv(revision),
      alarmList: () => this.alarmList(),
      alarmDisarm: (alarm) => this.alarmDisarm(alarm),
      moveLeader: async (targetId) => {
        await membership.moveLeader(hex(targetId))
        return {header: this.header(this.serving().stateMachine.kv.currentRevision())}
      },
      defragment: async () => {
        await this.checkMaintenanceAdmin()
        const member = this.serving()
        member.database.defragment()
        return {header: this.header(member.stateMachine.kv.currentRevision())}
      },
    }
    const watches = new EmbeddedWatchApi(() => this.serving(), (revision) => this.header(revision), embedded.clock)
    this.watch = {
      // etcd checks a watch's range once, when the watch is created (throws etcd's auth error).
      watch: (request) => {
        this.serving().stateMachine.auth.checkRange(this.authenticatedUser, request.key, request.rangeEnd, 'READ')
        return watches.watch(request)
      },
    }
    const change = async (request: AuthRequest) => {
      const outcome = await this.submit({auth: request})
      return {header: this.header((outcome.response as {header: ResponseHeader}).header.revision)}
    }
    /** `ownedBy`: a user who may read it without the root role (etcd lets a user get itself and its roles). */
    const query = async <T>(read: (store: EtcdMember['stateMachine']['auth']) => T, ownedBy?: (user: string) => boolean): Promise<{header: ResponseHeader} & T> => {
      const member = await this.readyToServe()
      const user = this.authenticatedUser
      if (user === undefined || !ownedBy?.(user)) member.stateMachine.auth.checkAdmin(user)
      return {header: this.header(member.stateMachine.kv.currentRevision()), ...read(member.stateMachine.auth)}
    }
    this.auth = {
      enable: () => change({enable: true}),
      disable: () => change({disable: true}),
      status: async () => {
        const member = await this.readyToServe()
        const status = member.stateMachine.auth.status()
        return {header: this.header(member.stateMachine.kv.currentRevision()), enabled: status.enabled, authRevision: status.revision}
      },
      authenticate: async (name, password) => {
        const member = await this.readyToServe()
        if (!member.stateMachine.auth.status().enabled) throw etcdErrors.authNotEnabled()
        if (!member.stateMachine.auth.authenticate(name, password)) throw etcdErrors.authFailed()
        // etcd's simple token: random letters, a dot, a counter; valid in this process only.
        const token = `${randomLetters(16)}.${++this.tokenCounter}`
        return {header: this.header(member.stateMachine.kv.currentRevision()), token}
      },
      userAdd: (name, password, options) => change({userAdd: {name, passwordHash: options?.noPassword ? '' : hashPassword(password)}}),
      userGet: (name) => query((store) => ({roles: [...store.user(name).roles]}), (user) => user === name),
      userList: () => query(() => ({users: this.serving().database.auth.users().map((user) => user.name)})),
      userDelete: (name) => change({userDelete: {name}}),
      userChangePassword: (name, password) => change({userChangePassword: {name, passwordHash: hashPassword(password)}}),
      userGrantRole: (user, role) => change({userGrantRole: {user, role}}),
      userRevokeRole: (user, role) => change({userRevokeRole: {user, role}}),
      roleAdd: (name) => change({roleAdd: {name}}),
      roleGet: (name) =>
        query(
          (store) => ({permissions: store.role(name).permissions.map((permission) => ({...permission}))}),
          (user) => this.serving().database.auth.user(user)?.roles.includes(name) ?? false,
        ),
      roleList: () => query(() => ({roles: this.serving().database.auth.roles().map((role) => role.name)})),
      roleDelete: (name) => change({roleDelete: {name}}),
      roleGrantPermission: (name, permission) => change({roleGrantPermission: {name, permission}}),
      roleRevokePermission: (name, key, rangeEnd) => change({roleRevokePermission: {name, key, rangeEnd}}),
    }
  }

  /** A client of the same cluster served by another member (by name). */
  forMember(endpoint: string, commandTimeoutMilliseconds?: number): EmbeddedClient {
    // The same credentials: etcdctl's requests to each endpoint run as its --user.
    return new EmbeddedClient(this.embedded, {...this.options, endpoint, ...(commandTimeoutMilliseconds === undefined ? {} : {commandTimeoutMilliseconds})})
  }

  /** A client of the same cluster served by `endpoint` whose requests run as `user` (already authenticated). */
  forUser(endpoint: string, user: string | undefined): EmbeddedClient {
    return new EmbeddedClient(this.embedded, {endpoint, ...(user === undefined ? {} : {authenticatedUser: user})})
  }

  /** Logs in again at the next request, as clientv3 does when a request finds auth newly enabled. */
  forgetLogin(): void {
    this.credentialsChecked = false
    this.authenticatedUser = this.options.authenticatedUser
  }

  /** Logs in with the credentials now, as clientv3 does when it connects. */
  async logIn(): Promise<void> {
    await this.readyToServe()
  }

  /** Checks the credentials once (as etcdctl authenticates before its request). */
  /**
   * Saves the serving member's committed state to `path` (etcd's Maintenance.Snapshot, which needs
   * the root role once auth is on); the size written.
   */
  async snapshotTo(path: string): Promise<number> {
    await this.checkMaintenanceAdmin()
    await this.status() // the member answers once it serves: then its state is current
    const member = this.serving()
    member.stateMachine.kv.flush()
    return saveSnapshotOf(member.database, path)
  }

  /** etcd's IsAdminPermitted, as the Cluster service checks it before a membership change. */
  private async checkAdmin(): Promise<void> {
    const member = await this.readyToServe()
    member.stateMachine.auth.checkAdmin(this.authenticatedUser)
  }

  /** The root role check of etcd's Maintenance service (defragment, hash, snapshot), with its unconverted errors. */
  private async checkMaintenanceAdmin(): Promise<void> {
    try {
      await this.checkAdmin()
    } catch (error) {
      throw unconvertedAuthError(error)
    }
  }

  private async readyToServe(): Promise<EtcdMember> {
    const member = this.serving()
    if (!this.credentialsChecked) {
      this.credentialsChecked = true
      // As clientv3, which ignores "authentication is not enabled" when it logs in.
      if (this.options.user !== undefined && member.stateMachine.auth.status().enabled) {
        if (!member.stateMachine.auth.authenticate(this.options.user, this.options.password ?? '')) throw etcdErrors.authFailed()
        this.authenticatedUser = this.options.user
      }
    }
    return member
  }

  async close(): Promise<void> {
    await this.embedded.close()
  }

  /** The member behind the endpoint; a stopped one is unreachable, as a down etcd would be. */
  serving(): EtcdMember {
    const member = this.embedded.member(this.options.endpoint)
    if (!member) throw etcdErrors.deadlineExceeded()
    return member
  }

  header(revision: number): ResponseHeader {
    const member = this.serving()
    return {clusterId: this.embedded.layout.clusterId, memberId: member.layout.idNumber, revision, raftTerm: member.raft.term}
  }

  private now(): number {
    return this.embedded.clock.nowMilliseconds()
  }

  // ---- proposals ---------------------------------------------------------------------------

  private async submit(body: DistributiveOmitId<InternalRequest>): Promise<ApplyOutcome & {ok: true}> {
    const member = await this.readyToServe()
    await this.expireLeases()
    const request = {id: nextRequestId(), ...(this.authenticatedUser ? {user: this.authenticatedUser} : {}), ...body} as InternalRequest
    const outcome = await this.embedded.propose(member, request, this.timeout)
    if (!outcome.ok) throw outcome.error
    return outcome
  }

  /** The leader revokes leases whose wall-clock deadline passed, also while no process ran. */
  async expireLeases(): Promise<void> {
    const leader = this.embedded.leader()
    if (!leader) return
    const expired = leader.stateMachine.lessor.expired(this.now())
    if (expired.length === 0) return
    const requests: InternalRequest[] = expired.map((id) => ({id: nextRequestId(), leaseRevoke: {id}}))
    await this.embedded.proposeAll(leader, requests, this.timeout)
  }

  /** etcd's quota check: a write that would grow the backend past its quota raises NOSPACE. */
  private async checkQuota(requestBytes: number): Promise<void> {
    if (requestBytes > requestBytesMax) throw etcdErrors.requestTooLarge()
    const member = this.serving()
    if (member.database.kv.sizeBytes() + requestBytes <= this.quotaBytes) return
    await this.embedded.propose(member, {id: nextRequestId(), alarm: {action: 'activate', memberId: member.id, alarm: 'NOSPACE'}}, this.timeout)
    throw etcdErrors.noSpace()
  }

  // ---- KV ----------------------------------------------------------------------------------

  private async range(request: RangeRequest): Promise<RangeResponse> {
    const member = await this.readyToServe()
    await this.expireLeases()
    member.stateMachine.auth.checkRange(this.authenticatedUser, request.key, request.rangeEnd, 'READ')
    if (!request.serializable) await this.embedded.linearizableRead(member, this.timeout)
    const response = member.stateMachine.kv.range(request)
    return {...response, header: this.header(response.header.revision)}
  }

  private async put(request: PutRequest): Promise<PutResponse> {
    if (request.key.length === 0) throw etcdErrors.emptyKey()
    await this.checkQuota(request.key.length + request.value.length)
    const outcome = await this.submit({put: request})
    const response = outcome.response as PutResponse
    return {...response, header: this.header(response.header.revision)}
  }

  private async deleteRange(request: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    if (request.key.length === 0) throw etcdErrors.emptyKey()
    const outcome = await this.submit({deleteRange: request})
    const response = outcome.response as DeleteRangeResponse
    return {...response, header: this.header(response.header.revision)}
  }

  private async txn(request: TxnRequest): Promise<TxnResponse> {
    checkTxn(request)
    const isReadOnly = ![...request.success, ...request.failure].some(isWrite)
    if (!isReadOnly) await this.checkQuota(txnBytes(request))
    const outcome = await this.submit({txn: request})
    const response = outcome.response as TxnResponse
    return {...response, header: this.header(response.header.revision)}
  }

  private async compact(request: CompactionRequest): Promise<CompactionResponse> {
    const outcome = await this.submit({compaction: request})
    const response = outcome.response as CompactionResponse
    return {header: this.header(response.header.revision)}
  }

  // ---- Lease -------------------------------------------------------------------------------

  private async leaseGrant(ttl: number, id?: bigint): Promise<LeaseGrantResponse> {
    Lessor.grantedTtl(ttl)
    await this.checkQuota(0)
    const member = this.serving()
    let leaseIds = leaseIdGenerators.get(member)
    if (!leaseIds) leaseIdGenerators.set(member, (leaseIds = new LeaseIdGenerator(member.layout.idNumber, this.now(), member.database.kv.listLeases().map((lease) => lease.id))))
    const leaseId = id && id !== 0n ? id : leaseIds.next()
    const outcome = await this.submit({leaseGrant: {id: leaseId, ttl, nowMilliseconds: this.now()}})
    const response = outcome.response as LeaseGrantResponse
    return {...response, header: this.header(response.header.revision)}
  }

  private async leaseRevoke(id: bigint): Promise<LeaseRevokeResponse> {
    const outcome = await this.submit({leaseRevoke: {id}})
    const response = outcome.response as LeaseRevokeResponse
    return {header: this.header(response.header.revision)}
  }

  private async leaseKeepAlive(id: bigint): Promise<LeaseKeepAliveResponse> {
    const outcome = await this.submit({leaseKeepAlive: {id, nowMilliseconds: this.now()}})
    const response = outcome.response as LeaseKeepAliveResponse
    return {...response, header: this.header(response.header.revision)}
  }

  private async leaseTimeToLive(id: bigint, keys: boolean): Promise<LeaseTimeToLiveResponse> {
    await this.expireLeases()
    const member = this.serving()
    await this.embedded.linearizableRead(member, this.timeout)
    const response = member.stateMachine.lessor.timeToLive(id, keys, this.now())
    return {...response, header: this.header(response.header.revision)}
  }

  private async leaseList(): Promise<LeaseLeasesResponse> {
    await this.expireLeases()
    const member = this.serving()
    await this.embedded.linearizableRead(member, this.timeout)
    const leases = member.stateMachine.lessor.list(this.now()).map((id) => ({id}))
    return {header: this.header(member.stateMachine.kv.currentRevision()), leases}
  }

  // ---- Cluster and Maintenance -------------------------------------------------------------

  private async memberList(): Promise<{header: ResponseHeader; members: MemberInfo[]}> {
    const member = this.serving()
    await this.embedded.linearizableRead(member, this.timeout)
    // etcd lists members in the order of their IDs.
    const members = [...member.members()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((record) => ({
      id: BigInt(`0x${record.id}`),
      name: record.name,
      peerUrls: record.peerUrls,
      clientUrls: record.clientUrls,
      isLearner: record.isLearner,
    }))
    // etcd's Cluster API headers carry no revision.
    return {header: this.header(0), members}
  }

  private async status(): Promise<StatusResponse> {
    const member = this.serving()
    await this.embedded.driveUntil(() => member.raft.lead !== '', this.timeout)
    const size = member.database.kv.sizeBytes()
    const alarms = member.database.kv.alarms().filter((entry) => entry.memberId === member.id)
    return {
      header: this.header(member.stateMachine.kv.currentRevision()),
      version: etcdVersion,
      dbSize: size,
      leader: member.raft.lead === '' ? 0n : BigInt(`0x${member.raft.lead}`),
      raftIndex: member.raft.log.committed,
      raftTerm: member.raft.term,
      raftAppliedIndex: member.raft.log.applied,
      errors: alarms.map((entry) => `memberID:${BigInt(`0x${entry.memberId}`)} alarm:${entry.alarm} `),
      dbSizeInUse: member.database.kv.sizeInUseBytes(),
      isLearner: !member.raft.isVoter(member.id),
    }
  }

  private async hashKv(revision: number): Promise<{header: ResponseHeader; hash: number; compactRevision: number}> {
    await this.checkMaintenanceAdmin()
    const member = this.serving()
    const kv = member.stateMachine.kv
    const current = kv.currentRevision()
    const at = revision > 0 ? revision : current
    if (at > current) throw etcdErrors.futureRevision()
    if (at < kv.compactRevision()) throw etcdErrors.compacted()
    const hash = hashHistory(member.database.kv.historyThrough(at))
    return {header: this.header(current), hash, compactRevision: kv.compactRevision()}
  }

  private async alarmList(): Promise<{header: ResponseHeader; alarms: AlarmMember[]}> {
    const member = this.serving()
    await this.embedded.linearizableRead(member, this.timeout)
    const alarms = member.database.kv.alarms().map((entry) => ({memberId: BigInt(`0x${entry.memberId}`), alarm: entry.alarm}))
    return {header: this.header(member.stateMachine.kv.currentRevision()), alarms}
  }

  private async alarmDisarm(alarm: AlarmMember): Promise<{header: ResponseHeader; alarms: AlarmMember[]}> {
    const memberId = alarm.memberId.toString(16).padStart(16, '0')
    const kind = alarm.alarm === 'CORRUPT' ? 'CORRUPT' : 'NOSPACE'
    // As etcd, the answer lists the alarm only if it was raised (an inactive one is not disarmed).
    const wasActive = this.serving().database.kv.alarms().some((entry) => entry.memberId === memberId && entry.alarm === kind)
    await this.submit({alarm: {action: 'deactivate', memberId, alarm: kind}})
    return {header: this.header(this.serving().stateMachine.kv.currentRevision()), alarms: wasActive ? [alarm] : []}
  }
}

function randomLetters(count: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
  return Array.from(randomBytes(count), (byte) => letters[byte % letters.length]).join('')
}

type DistributiveOmitId<T> = T extends unknown ? Omit<T, 'id'> : never

function isWrite(operation: RequestOp): boolean {
  if ('requestPut' in operation || 'requestDeleteRange' in operation) return true
  if ('requestTxn' in operation) return [...operation.requestTxn.success, ...operation.requestTxn.failure].some(isWrite)
  return false
}

function txnBytes(request: TxnRequest): number {
  let total = 0
  const visit = (operations: readonly RequestOp[]) => {
    for (const operation of operations) {
      if ('requestPut' in operation) total += operation.requestPut.key.length + operation.requestPut.value.length
      else if ('requestTxn' in operation) {
        visit(operation.requestTxn.success)
        visit(operation.requestTxn.failure)
      }
    }
  }
  visit(request.success)
  visit(request.failure)
  for (const compare of request.compare) total += compare.key.length + (compare.value?.length ?? 0)
  return total
}

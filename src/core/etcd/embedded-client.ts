import {UnreachableEndpointError, etcdErrors} from '../mvcc/errors.js'
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
import type {AuthApi, ClusterApi, EtcdClient, KvApi, LeaseApi, MaintenanceApi, RaftPosition, WatchApi} from './api.js'
import type {EmbeddedCluster} from './cluster.js'
import {nextRequestId} from './cluster-requests.js'
import type {EtcdMember} from './member.js'
import {Membership} from './membership.js'
import {saveSnapshotOf} from './snapshot.js'
import {EmbeddedWatchApi} from './watch.js'
import {nextLeaseId} from './lease-ids.js'
import {embeddedAuthApi} from './embedded-auth-api.js'
import {checkMaintenanceAdmin, embeddedClusterApi, embeddedMaintenanceApi} from './embedded-cluster-api.js'
import type {DistributiveOmitId, MemberRequests} from './member-requests.js'

/** etcd's --max-request-bytes default. */
export const requestBytesMax = 1.5 * 1024 * 1024
/** etcd's --quota-backend-bytes default. */
export const backendQuotaBytesDefault = 2 * 1024 * 1024 * 1024
import {commandTimeoutMillisecondsDefault} from './version.js'

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
  private readonly quotaBytes: number
  private readonly requests: MemberRequests

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
    const requests: MemberRequests = {
      embedded,
      timeoutMilliseconds: this.timeout,
      serving: () => this.serving(),
      readyToServe: () => this.readyToServe(),
      header: (revision) => this.header(revision),
      submit: (body) => this.submit(body),
      user: () => this.authenticatedUser,
    }
    this.requests = requests
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
    this.cluster = embeddedClusterApi(requests, membership)
    this.maintenance = embeddedMaintenanceApi(requests, membership)
    const watches = new EmbeddedWatchApi(() => this.serving(), (revision) => this.header(revision), embedded.clock)
    this.watch = {
      // etcd checks a watch's range once, when the watch is created (throws etcd's auth error).
      watch: (request) => {
        this.serving().stateMachine.auth.checkRange(this.authenticatedUser, request.key, request.rangeEnd, 'READ')
        return watches.watch(request)
      },
    }
    this.auth = embeddedAuthApi(requests)
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
    await checkMaintenanceAdmin(this.requests)
    await this.maintenance.status() // the member answers once it serves: then its state is current
    const member = this.serving()
    member.stateMachine.kv.flush()
    return saveSnapshotOf(member.database, path)
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
    if (!member) throw new UnreachableEndpointError()
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
    const now = this.now()
    const expired = leader.stateMachine.lessor.expired(now)
    if (expired.length === 0) return
    const requests: InternalRequest[] = expired.map((id) => ({id: nextRequestId(), leaseRevoke: {id, expiredAtMilliseconds: now}}))
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
    const leaseId = id && id !== 0n ? id : nextLeaseId(this.serving(), this.now())
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
}

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

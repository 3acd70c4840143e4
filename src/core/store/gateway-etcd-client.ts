// The etcd API of one member over etcd 3.4's v3 JSON gateway, behind the same interfaces as the
// gRPC client (real-etcd-client.ts): the same requests and answers (etcd-client-wire.ts), the same
// errors, a refused port waited for until the command's deadline. It loads no gRPC and no .proto
// files, so a command that makes a few calls starts at once; the calls the gateway does not
// serve (HashKV, AuthStatus) go over gRPC, loaded only for them.
import type {AuthApi, ClusterApi, EtcdClient, KvApi, LeaseApi, MaintenanceApi, WatchApi, WatchResponse, Watcher} from '../etcd/api.js'
import {commandTimeoutMillisecondsDefault} from '../etcd/version.js'
import {EtcdError, etcdErrors} from '../mvcc/errors.js'
import {
  alarms,
  deleteRangeRequest,
  deleteResponse,
  type EtcdClientOptions,
  header,
  leaseGrantResponse,
  leaseLeasesResponse,
  leaseTimeToLiveResponse,
  memberInfo,
  members,
  permissionRequest,
  putRequest,
  putResponse,
  type Raw,
  rangeRequest,
  rangeResponse,
  rolePermissions,
  statusResponse,
  txnRequest,
  txnResponse,
  watchCreateRequest,
  watchEvent,
} from './etcd-client-wire.js'
import {GatewayConnection, type GatewayStream} from './gateway-connection.js'

const isError = (error: unknown, expected: EtcdError) => error instanceof EtcdError && error.message === expected.message

export class GatewayEtcdClient implements EtcdClient {
  readonly kv: KvApi
  readonly lease: LeaseApi
  readonly cluster: ClusterApi
  readonly maintenance: MaintenanceApi
  readonly watch: WatchApi
  readonly auth: AuthApi
  private connection: Promise<GatewayConnection> | null = null
  private token: Promise<string | undefined> | null = null
  private grpc: Promise<EtcdClient> | null = null

  /** `url`: the member's client URL (http:// or https://), as `up` serves it. */
  constructor(
    private readonly url: string,
    private readonly options: EtcdClientOptions = {},
  ) {
    const headed = async (path: string, message: Raw = {}) => ({header: header((await this.call(path, message)).header)})
    this.kv = {
      range: async (request) => rangeResponse(await this.call('/v3/kv/range', rangeRequest(request))),
      put: async (request) => putResponse(await this.call('/v3/kv/put', putRequest(request))),
      deleteRange: async (request) => deleteResponse(await this.call('/v3/kv/deleterange', deleteRangeRequest(request))),
      txn: async (request) => txnResponse(await this.call('/v3/kv/txn', txnRequest(request))),
      compact: (request) => headed('/v3/kv/compaction', {revision: String(request.revision), physical: request.physical ?? false}),
    }
    this.lease = {
      grant: async (ttl, id) => leaseGrantResponse(await this.call('/v3/lease/grant', {TTL: String(ttl), ID: (id ?? 0n).toString()})),
      revoke: (id) => headed('/v3/lease/revoke', {ID: id.toString()}),
      keepAliveOnce: (id) => this.keepAliveOnce(id),
      timeToLive: async (id, keys) => leaseTimeToLiveResponse(await this.call('/v3/lease/timetolive', {ID: id.toString(), keys})),
      leases: async () => leaseLeasesResponse(await this.call('/v3/lease/leases', {})),
    }
    this.cluster = {
      memberList: async () => members(await this.call('/v3/cluster/member/list', {})),
      memberAdd: async (peerUrls, isLearner) => {
        const raw = await this.call('/v3/cluster/member/add', {peerURLs: peerUrls, isLearner})
        return {...members(raw), member: memberInfo(raw.member ?? {})}
      },
      memberRemove: async (id) => members(await this.call('/v3/cluster/member/remove', {ID: id.toString()})),
      memberUpdate: async (id, peerUrls) => members(await this.call('/v3/cluster/member/update', {ID: id.toString(), peerURLs: peerUrls})),
      memberPromote: async (id) => members(await this.call('/v3/cluster/member/promote', {ID: id.toString()})),
    }
    this.maintenance = {
      status: async () => statusResponse(await this.call('/v3/maintenance/status', {})),
      // The gateway's /v3/maintenance/hash is Hash (of the whole backend), not HashKV.
      hashKv: async (revision) => (await this.overGrpc()).maintenance.hashKv(revision),
      alarmList: async () => {
        const raw = await this.call('/v3/maintenance/alarm', {action: 0, memberID: '0', alarm: 0})
        return {header: header(raw.header), alarms: alarms(raw)}
      },
      alarmDisarm: async (alarm) => {
        const raw = await this.call('/v3/maintenance/alarm', {action: 2, memberID: alarm.memberId.toString(), alarm: alarm.alarm === 'CORRUPT' ? 2 : 1})
        return {header: header(raw.header), alarms: alarms(raw)}
      },
      moveLeader: (targetId) => headed('/v3/maintenance/transfer-leadership', {targetID: targetId.toString()}),
      defragment: () => headed('/v3/maintenance/defragment'),
    }
    this.watch = {watch: (request) => new GatewayWatcher(async () => (await this.connected()).stream('/v3/watch', {create_request: watchCreateRequest(request)}, await this.loggedIn()))}
    const auth = (path: string, message: Raw = {}) => headed(`/v3/auth/${path}`, message)
    this.auth = {
      enable: () => auth('enable'),
      disable: () => auth('disable'),
      status: async () => (await this.overGrpc()).auth.status(),
      authenticate: async (name, password) => {
        const raw = await this.call('/v3/auth/authenticate', {name, password}, false)
        return {header: header(raw.header), token: String(raw.token ?? '')}
      },
      userAdd: (name, password, options) => auth('user/add', {name, password, options: {no_password: options?.noPassword ?? false}}),
      userGet: async (name) => {
        const raw = await this.call('/v3/auth/user/get', {name})
        return {header: header(raw.header), roles: raw.roles ?? []}
      },
      userList: async () => {
        const raw = await this.call('/v3/auth/user/list', {})
        return {header: header(raw.header), users: raw.users ?? []}
      },
      userDelete: (name) => auth('user/delete', {name}),
      userChangePassword: (name, password) => auth('user/changepw', {name, password}),
      userGrantRole: (user, role) => auth('user/grant', {user, role}),
      userRevokeRole: (user, role) => auth('user/revoke', {name: user, role}),
      roleAdd: (name) => auth('role/add', {name}),
      roleGet: async (name) => {
        const raw = await this.call('/v3/auth/role/get', {role: name})
        return {header: header(raw.header), permissions: rolePermissions(raw)}
      },
      roleList: async () => {
        const raw = await this.call('/v3/auth/role/list', {})
        return {header: header(raw.header), roles: raw.roles ?? []}
      },
      roleDelete: (name) => auth('role/delete', {role: name}),
      roleGrantPermission: (name, permission) => auth('role/grant', {name, perm: permissionRequest(permission)}),
      roleRevokePermission: (name, key, rangeEnd) => auth('role/revoke', {role: name, key, range_end: rangeEnd}),
    }
  }

  private connected(): Promise<GatewayConnection> {
    this.connection ??= GatewayConnection.open(this.url, this.options.commandTimeoutMilliseconds ?? commandTimeoutMillisecondsDefault, this.options.tls)
    return this.connection
  }

  /**
   * The token requests carry, as clientv3 gets one when it connects with a user: none without
   * --user, nor while auth is disabled. Throws etcd's error for wrong credentials.
   */
  private loggedIn(): Promise<string | undefined> {
    const user = this.options.user
    if (user === undefined) return Promise.resolve(undefined)
    this.token ??= (async () => {
      try {
        const raw = await this.call('/v3/auth/authenticate', {name: user, password: this.options.password ?? ''}, false)
        return String(raw.token ?? '')
      } catch (error) {
        if (isError(error, etcdErrors.authNotEnabled())) return undefined
        throw error
      }
    })()
    return this.token
  }

  /** Logs in with the credentials given (if any) before the first request, as clientv3 does. */
  async logIn(): Promise<void> {
    await this.loggedIn()
  }

  /** A unary call with the token; an expired token is renewed once with the credentials, as clientv3 does. */
  private async call(path: string, message: Raw, withToken = true): Promise<Raw> {
    const connection = await this.connected()
    const token = withToken ? await this.loggedIn() : undefined
    try {
      return await connection.call(path, message, token)
    } catch (error) {
      if (token === undefined || !isError(error, etcdErrors.invalidAuthToken())) throw error
      this.token = null
      return connection.call(path, message, await this.loggedIn())
    }
  }

  private async keepAliveOnce(id: bigint) {
    const stream = await (await this.connected()).stream('/v3/lease/keepalive', {ID: id.toString()}, await this.loggedIn())
    try {
      stream.end()
      const raw = await stream.next()
      if (raw === null || Number(raw.TTL ?? 0) <= 0) throw etcdErrors.leaseNotFound()
      return {header: header(raw.header), id: BigInt(String(raw.ID ?? id)), ttl: Number(raw.TTL)}
    } finally {
      stream.close()
    }
  }

  /** The gRPC client of the same member, for the calls the gateway does not serve. */
  private overGrpc(): Promise<EtcdClient> {
    this.grpc ??= import('./real-etcd-client.js').then(({RealEtcdClient}) => new RealEtcdClient(this.url, this.options))
    return this.grpc
  }

  async close(): Promise<void> {
    const [connection, grpc] = [this.connection, this.grpc]
    this.connection = null
    this.grpc = null
    if (connection) (await connection.catch(() => null))?.close()
    if (grpc) await (await grpc).close()
  }
}

/** A watch over the gateway's /v3/watch stream: answers are read as the watcher asks for them. */
class GatewayWatcher implements Watcher {
  private stream: GatewayStream | null = null
  private cancelled = false
  /** The first answer: 'created' once the watch is registered, else what ended it (a refused create, or null). */
  private readonly first: Promise<WatchResponse | 'created' | null>
  private firstTaken = false

  constructor(open: () => Promise<GatewayStream>) {
    this.first = (async () => {
      try {
        const stream = await open()
        this.stream = stream
        if (this.cancelled) {
          stream.close()
          return null
        }
        const raw = await stream.next()
        if (raw === null) return null
        // A refused create (permission denied) is created and canceled in one answer.
        return raw.created && !raw.canceled ? 'created' : watchResponse(raw)
      } catch {
        return null
      }
    })()
  }

  async created(): Promise<void> {
    await this.first
  }

  async next(): Promise<WatchResponse | null> {
    if (!this.firstTaken) {
      this.firstTaken = true
      const first = await this.first
      if (first !== 'created') return first
    }
    if (this.cancelled || this.stream === null) return null
    try {
      const raw = await this.stream.next()
      return raw === null || this.cancelled ? null : watchResponse(raw)
    } catch {
      return null
    }
  }

  cancel(): void {
    this.cancelled = true
    this.stream?.close()
  }
}

function watchResponse(raw: Raw): WatchResponse {
  return {
    header: header(raw.header),
    events: (raw.events ?? []).map(watchEvent),
    ...(raw.canceled ? {canceled: true, compactRevision: Number(raw.compact_revision ?? 0), ...(raw.cancel_reason ? {cancelReason: String(raw.cancel_reason)} : {})} : {}),
  }
}

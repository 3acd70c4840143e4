// The etcd API of a real etcd cluster over gRPC, behind the same interfaces as the embedded
// cluster. etcd3 is a maintained gRPC client; we use its raw RPC stubs so that requests and
// responses are etcd's own, field for field (their shapes are in etcd-client-wire.ts).
import {noop} from 'cockatiel'
import * as grpc from '@grpc/grpc-js'
import {isIP} from 'node:net'
import {checkServerIdentity, type PeerCertificate} from 'node:tls'
import {Etcd3, GRPCUnavailableError} from 'etcd3'
import type {AuthApi, ClusterApi, EtcdClient, KvApi, LeaseApi, MaintenanceApi, StatusResponse, WatchApi, WatchRequest, WatchResponse, Watcher} from '../etcd/api.js'
import {commandTimeoutMillisecondsDefault} from '../etcd/version.js'
import {etcdErrors, UnreachableEndpointError} from '../mvcc/errors.js'
import type {DeleteRangeRequest} from '../mvcc/types.js'
import {
  alarms,
  buffer,
  type ClientTls,
  type EtcdClientOptions,
  deleteRangeRequest,
  deleteResponse,
  etcdErrorOf,
  header,
  leaseGrantResponse,
  leaseLeasesResponse,
  leaseTimeToLiveResponse,
  members,
  memberInfo,
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

export type {ClientTls, EtcdClientOptions} from './etcd-client-wire.js'

/** Watch responses buffered for a slow reader before the watch is cancelled. */
export const watchResponsesBufferedMax = 10_000

export type RealEtcdClientOptions = EtcdClientOptions

/**
 * etcd3 takes a CA and a client certificate but no verification options: its channels' and its
 * authenticator's credentials are replaced before it dials (it makes its channels on first use).
 * An IP address is not sent as the TLS server name (RFC 6066, which Node warns about): the name
 * sent is "localhost", and the certificate is checked against the address dialed.
 */
function useTransportSecurity(client: Etcd3, tls: ClientTls, hosts: readonly string[]): void {
  const hostnames = [...new Set(hosts.map((host) => new URL(host.includes('://') ? host : `https://${host}`).hostname.replace(/^\[|\]$/g, '')))]
  const dialed = hostnames.length === 1 ? hostnames[0]! : null
  const checkIdentity = (_name: string, certificate: PeerCertificate) => (dialed === null ? undefined : checkServerIdentity(dialed, certificate))
  const verify = tls.skipVerify ? {rejectUnauthorized: false, checkServerIdentity: () => undefined} : {checkServerIdentity: checkIdentity}
  const credentials = grpc.credentials.createSsl(tls.authority ?? null, tls.key ?? null, tls.certificate ?? null, verify)
  if (dialed !== null && isIP(dialed)) {
    // Every channel made with these credentials (etcd3's login channel too) sends "localhost".
    const connector = credentials._createSecureConnector.bind(credentials)
    credentials._createSecureConnector = (target, channelOptions, callCredentials) => connector(target, {...channelOptions, 'grpc.ssl_target_name_override': 'localhost'}, callCredentials)
  }
  // The etcd3 library keeps its connection pool private and untyped: the cast names the two fields read.
  const pool = (client as unknown as {pool: {hosts: Array<{channelCredentials: unknown}>; authenticator: {credentials: unknown}}}).pool
  for (const host of pool.hosts) host.channelCredentials = credentials
  pool.authenticator.credentials = credentials
}

/** A gRPC error back into etcd's error. */
function translate(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error)
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as {code: unknown}).code : undefined
  throw etcdErrorOf(typeof code === 'number' ? code : undefined, message)
}

/** The first wait before a refused connection is tried again; it doubles up to the next bound. */
const connectRetryInitialMilliseconds = 50
const connectRetryMaxMilliseconds = 1000

/** gRPC's "no connection" (the port refused, or nothing listens): the endpoint's server is down. */
function isRefusedConnection(error: unknown): boolean {
  const unavailable = error instanceof GRPCUnavailableError || (typeof error === 'object' && error !== null && (error as {code?: unknown}).code === 14)
  return unavailable && /No connection established|ECONNREFUSED|failed to connect/i.test(error instanceof Error ? error.message : '')
}

const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds))

/**
 * Calls that wait for a refused endpoint as clientv3 waits for its connection: tried again until
 * the command's deadline, then etcd's "context deadline exceeded" (a member started again within
 * it is served). Every other failure is etcd's error at once.
 */
function callWithin(timeoutMilliseconds: number) {
  return async <T>(operation: () => Promise<T>): Promise<T> => {
    const deadline = Date.now() + timeoutMilliseconds
    for (let wait = connectRetryInitialMilliseconds; ; wait = Math.min(wait * 2, connectRetryMaxMilliseconds)) {
      try {
        return await operation()
      } catch (error) {
        if (!isRefusedConnection(error)) translate(error)
        const left = deadline - Date.now()
        if (left <= 0) throw new UnreachableEndpointError()
        await sleep(Math.min(wait, left))
      }
    }
  }
}

/** An etcd API client of a real cluster, talking to one endpoint. */
export class RealEtcdClient implements EtcdClient {
  readonly kv: KvApi
  readonly lease: LeaseApi
  readonly cluster: ClusterApi
  readonly maintenance: MaintenanceApi
  readonly watch: WatchApi
  readonly auth: AuthApi
  private readonly client: Etcd3

  constructor(endpoints: string | readonly string[], options: RealEtcdClientOptions = {}) {
    const call = callWithin(options.commandTimeoutMilliseconds ?? commandTimeoutMillisecondsDefault)
    this.client = new Etcd3({
      hosts: typeof endpoints === 'string' ? [endpoints] : [...endpoints],
      dialTimeout: options.commandTimeoutMilliseconds ?? commandTimeoutMillisecondsDefault,
      // No retries and no circuit breaker: every error reaches the caller as etcd sent it.
      faultHandling: {host: () => noop, global: noop},
      ...(options.user !== undefined ? {auth: {username: options.user, password: options.password ?? ''}} : {}),
    })
    if (options.tls) useTransportSecurity(this.client, options.tls, typeof endpoints === 'string' ? [endpoints] : endpoints)
    // etcd3's generated service clients are private members of Etcd3: the cast reaches them by name.
    const rpc = this.client as unknown as {kv: Raw; leaseClient: Raw; maintenance: Raw; cluster: Raw; watchClient: Raw; auth: Raw}
    this.kv = {
      range: (request) => call(async () => rangeResponse(await rpc.kv.range(rangeRequest(request)))),
      put: (request) => call(async () => putResponse(await rpc.kv.put(putRequest(request)))),
      deleteRange: (request: DeleteRangeRequest) => call(async () => deleteResponse(await rpc.kv.deleteRange(deleteRangeRequest(request)))),
      txn: (request) => call(async () => txnResponse(await rpc.kv.txn(txnRequest(request)))),
      compact: (request) => call(async () => ({header: header((await rpc.kv.compact({revision: request.revision, physical: request.physical ?? false})).header)})),
    }
    this.lease = {
      grant: (ttl, id) => call(async () => leaseGrantResponse(await rpc.leaseClient.leaseGrant({TTL: ttl, ID: (id ?? 0n).toString()}))),
      revoke: (id) => call(async () => ({header: header((await rpc.leaseClient.leaseRevoke({ID: id.toString()})).header)})),
      keepAliveOnce: (id) =>
        call(async () => {
          const stream = await rpc.leaseClient.leaseKeepAlive()
          const response = await new Promise<Raw>((resolve, reject) => {
            stream.on('data', resolve)
            stream.on('error', reject)
            stream.write({ID: id.toString()})
          })
          stream.end()
          if (Number(response.TTL) <= 0) throw etcdErrors.leaseNotFound()
          return {header: header(response.header), id: BigInt(response.ID), ttl: Number(response.TTL)}
        }),
      timeToLive: (id, keys) => call(async () => leaseTimeToLiveResponse(await rpc.leaseClient.leaseTimeToLive({ID: id.toString(), keys}))),
      leases: () => call(async () => leaseLeasesResponse(await rpc.leaseClient.leaseLeases())),
    }
    this.cluster = {
      memberList: () => call(async () => members(await rpc.cluster.memberList({}))),
      memberAdd: (peerUrls, isLearner) =>
        call(async () => {
          const raw = await rpc.cluster.memberAdd({peerURLs: peerUrls, isLearner})
          return {...members(raw), member: memberInfo(raw.member)}
        }),
      memberRemove: (id) => call(async () => members(await rpc.cluster.memberRemove({ID: id.toString()}))),
      memberUpdate: (id, peerUrls) => call(async () => members(await rpc.cluster.memberUpdate({ID: id.toString(), peerURLs: peerUrls}))),
      memberPromote: (id) => call(async () => members(await rpc.cluster.memberPromote({ID: id.toString()}))),
    }
    this.maintenance = {
      status: () => call(async (): Promise<StatusResponse> => statusResponse(await rpc.maintenance.status())),
      hashKv: (revision) =>
        call(async () => {
          // etcd3's own hashKV stub names a method grpc-js spells hashKv; call it by that name.
          const raw = await rpc.maintenance.client.exec('Maintenance', 'hashKv', {revision})
          return {header: header(raw.header), hash: Number(raw.hash), compactRevision: Number(raw.compact_revision ?? 0)}
        }),
      alarmList: () => call(async () => {
        const raw = await rpc.maintenance.alarm({action: 0, memberID: 0, alarm: 0})
        return {header: header(raw.header), alarms: alarms(raw)}
      }),
      moveLeader: (targetId) => call(async () => ({header: header((await rpc.maintenance.moveLeader({targetID: targetId.toString()})).header)})),
      defragment: () => call(async () => ({header: header((await rpc.maintenance.defragment()).header)})),
      alarmDisarm: (alarm) => call(async () => {
        const raw = await rpc.maintenance.alarm({action: 2, memberID: alarm.memberId.toString(), alarm: alarm.alarm === 'CORRUPT' ? 2 : 1})
        return {header: header(raw.header), alarms: alarms(raw)}
      }),
    }
    this.watch = {watch: (request) => new RealWatcher(rpc.watchClient, request)}
    const headed = (operation: () => Promise<Raw>) => call(async () => ({header: header((await operation()).header)}))
    const auth = rpc.auth
    this.auth = {
      enable: () => headed(() => auth.authEnable()),
      disable: () => headed(() => auth.authDisable()),
      status: () => call(async () => {
        const raw = await auth.authStatus()
        return {header: header(raw.header), enabled: Boolean(raw.enabled), authRevision: Number(raw.authRevision ?? 0)}
      }),
      authenticate: (name, password) => call(async () => {
        const raw = await auth.authenticate({name, password})
        return {header: header(raw.header), token: String(raw.token)}
      }),
      userAdd: (name, password, options) => headed(() => auth.userAdd({name, password, options: {no_password: options?.noPassword ?? false}})),
      userGet: (name) => call(async () => {
        const raw = await auth.userGet({name})
        return {header: header(raw.header), roles: raw.roles ?? []}
      }),
      userList: () => call(async () => {
        const raw = await auth.userList()
        return {header: header(raw.header), users: raw.users ?? []}
      }),
      userDelete: (name) => headed(() => auth.userDelete({name})),
      userChangePassword: (name, password) => headed(() => auth.userChangePassword({name, password})),
      userGrantRole: (user, role) => headed(() => auth.userGrantRole({user, role})),
      userRevokeRole: (user, role) => headed(() => auth.userRevokeRole({name: user, role})),
      roleAdd: (name) => headed(() => auth.roleAdd({name})),
      roleGet: (name) => call(async () => {
        const raw = await auth.roleGet({role: name})
        return {header: header(raw.header), permissions: rolePermissions(raw)}
      }),
      roleList: () => call(async () => {
        const raw = await auth.roleList()
        return {header: header(raw.header), roles: raw.roles ?? []}
      }),
      roleDelete: (name) => headed(() => auth.roleDelete({role: name})),
      roleGrantPermission: (name, permission) => headed(() => auth.roleGrantPermission({name, perm: permissionRequest(permission)})),
      roleRevokePermission: (name, key, rangeEnd) => headed(() => auth.roleRevokePermission({role: name, key: buffer(key), range_end: buffer(rangeEnd)})),
    }
  }

  async close(): Promise<void> {
    this.client.close()
  }
}

class RealWatcher implements Watcher {
  private readonly queue: Array<WatchResponse | null> = []
  private waiting: ((response: WatchResponse | null) => void) | null = null
  private stream: Raw | null = null
  private cancelled = false
  private markCreated: () => void = () => {}
  private readonly createdPromise = new Promise<void>((resolve) => (this.markCreated = resolve))

  constructor(watchClient: Raw, request: WatchRequest) {
    void (async () => {
      const stream = await watchClient.watch()
      this.stream = stream
      if (this.cancelled) return stream.end()
      stream.on('data', (raw: Raw) => {
        if (raw.created) {
          // A refused create (permission denied) is created and canceled in one response.
          this.markCreated()
          if (!raw.canceled) return
        }
        const response: WatchResponse = {
          header: header(raw.header),
          events: (raw.events ?? []).map(watchEvent),
          ...(raw.canceled ? {canceled: true, compactRevision: Number(raw.compact_revision ?? 0), ...(raw.cancel_reason ? {cancelReason: String(raw.cancel_reason)} : {})} : {}),
        }
        this.push(response)
      })
      stream.on('error', () => {
        this.markCreated()
        this.push(null)
      })
      stream.write({create_request: watchCreateRequest(request)})
    })()
  }

  private push(response: WatchResponse | null): void {
    if (this.waiting) {
      const resolve = this.waiting
      this.waiting = null
      resolve(response)
    } else if (this.queue.length < watchResponsesBufferedMax) {
      this.queue.push(response)
    }
  }

  created(): Promise<void> {
    return this.createdPromise
  }

  next(): Promise<WatchResponse | null> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift()!)
    if (this.cancelled) return Promise.resolve(null)
    return new Promise((resolve) => (this.waiting = resolve))
  }

  cancel(): void {
    this.cancelled = true
    this.stream?.end()
    this.push(null)
  }
}

// The etcd v3 front door of `kubemu up`: etcd's gRPC services (KV, Watch, Lease, Cluster,
// Maintenance, Auth) on each member's client URL, in front of the embedded cluster this process
// drives, so the real etcdctl and etcd client libraries can use kubemu's etcd. Each port serves
// as its member, as a real etcd process would; errors carry etcd's gRPC codes and texts.
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import type {EmbeddedClient} from '../etcd/embedded-client.js'
import {nextMemberName} from '../etcd/layout.js'
import {requestTrace} from '../etcd/request-trace.js'
import {EtcdError, type GrpcCode} from '../mvcc/errors.js'
import {AuthTokens, callerFor, type TokenUse} from './etcd-auth-tokens.js'
import {frontDoorTraceInterceptor} from './etcd-front-door-trace.js'
import {createEtcdHttpServer, type EtcdGateway} from './etcd-http.js'
import {divertNonGrpcStreams, refuseStream, serveWithHttpHandler} from './etcd-http2-streams.js'
import {CertifiedPeers, certifiedUserInterceptor, HandshakeRejections, certifiedUserMetadataKey, type FrontDoorListener, type ListenerTls, startFrontDoorListener} from './etcd-listener.js'
import {GrpcMetrics} from './etcd-metrics.js'
import {snapshotMessages} from './etcd-snapshot-stream.js'
import {serveWatchStream} from './etcd-watch-service.js'
import {
  alarmMember,
  alarmTypes,
  deleteRangeRequest,
  event,
  header,
  keyValue,
  leaseList,
  leaseTimeToLive,
  member,
  putRequest,
  rangeRequest,
  responseOp,
  status,
  txnRequest,
  type Wire,
} from './etcd-messages.js'

/** etcd's default --max-request-bytes (1.5 MiB), plus gRPC's overhead, as the server's receive limit. */
export const receiveMessageBytesMax = 1.5 * 1024 * 1024 + 512 * 1024

const protoFolder = fileURLToPath(new URL('../../../data/etcd-proto/', import.meta.url))

const statusCodes: Record<GrpcCode, grpc.status> = {
  InvalidArgument: grpc.status.INVALID_ARGUMENT,
  NotFound: grpc.status.NOT_FOUND,
  FailedPrecondition: grpc.status.FAILED_PRECONDITION,
  OutOfRange: grpc.status.OUT_OF_RANGE,
  ResourceExhausted: grpc.status.RESOURCE_EXHAUSTED,
  Unavailable: grpc.status.UNAVAILABLE,
  DeadlineExceeded: grpc.status.DEADLINE_EXCEEDED,
  PermissionDenied: grpc.status.PERMISSION_DENIED,
  Unauthenticated: grpc.status.UNAUTHENTICATED,
  Unknown: grpc.status.UNKNOWN,
}

function serviceError(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof EtcdError) return {code: statusCodes[error.grpcCode], details: error.message}
  return {code: grpc.status.INTERNAL, details: error instanceof Error ? error.message : String(error)}
}

/** The front door could not start (a port in use). */
export class FrontDoorError extends Error {
  override readonly name = 'FrontDoorError'
}

export interface EtcdEndpoint {
  /** The member that answers on this port. */
  readonly member: string
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
}

export interface EtcdFrontDoor {
  /** Each member's client URL as bound (`http://127.0.0.1:2379`, `https://…` with TLS). */
  readonly urls: ReadonlyMap<string, string>
  /** A stopped member's port refuses connections, as a dead etcd's would; started, it listens again. */
  stopMember(member: string): Promise<void>
  startMember(member: string): Promise<void>
  close(): Promise<void>
}

type Unary = (request: Wire, client: EmbeddedClient) => Promise<Wire>


/** The user a call runs as, from its token: undefined without one; throws for a bad token. */
type CallerOf = (metadata: grpc.Metadata) => string | undefined

export interface EtcdFrontDoorOptions {
  /** etcd's --auth-token-ttl: seconds a simple token lives unused (300 by default). */
  readonly authTokenTtlSeconds?: number
  /** Serve https:// with these certificates, requiring client certificates from the CA (a CN is the etcd user). */
  readonly tls?: ListenerTls | undefined
  /** The v3 JSON gateway for paths under /v3/ (without it they answer 404). */
  readonly gateway?: EtcdGateway | undefined
  /** Where rejected TLS handshakes and failed HTTP requests are reported. */
  readonly log?: ((line: string) => void) | undefined
}

export async function startEtcdFrontDoor(client: EmbeddedClient, endpoints: readonly EtcdEndpoint[], options: EtcdFrontDoorOptions = {}): Promise<EtcdFrontDoor> {
  // Failures reach the caller as errors with a clear message; grpc-js's own log lines would repeat them.
  grpc.setLogVerbosity(grpc.logVerbosity.NONE)
  const definition = protoLoader.loadSync('rpc.proto', {includeDirs: [protoFolder], keepCase: true, longs: String, enums: Number, defaults: true, oneofs: true})
  // grpc-js types a loaded package as a GrpcObject tree of unknown shape; rpc.proto's is named here.
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {etcdserverpb: Record<string, {service: grpc.ServiceDefinition}>}
  const authOfAnyMember = () => (client.embedded.leader() ?? client.serving()).stateMachine.auth
  const tokens = new AuthTokens({
    clock: client.embedded.clock,
    stampOf: (user) => authOfAnyMember().tokenStamp(user),
    ...(options.authTokenTtlSeconds === undefined ? {} : {ttlSeconds: options.authTokenTtlSeconds}),
  })
  // etcd's AuthInfoFromCtx: the token's user; without a token, the verified client certificate's CN (--client-cert-auth).
  const callerOf: CallerOf = (metadata) => {
    const token = metadata.get('token')[0]
    if (typeof token === 'string') return tokens.userOfToken(token)
    const commonName = metadata.get(certifiedUserMetadataKey)[0]
    return typeof commonName === 'string' ? commonName : undefined
  }
  const peers = new CertifiedPeers()
  const log = options.log ?? (() => {})
  const scheme = options.tls ? 'https' : 'http'
  const servers: grpc.Server[] = []
  const urls = new Map<string, string>()
  const servedUrl = (member: string) => urls.get(member)
  const rejections = new HandshakeRejections(log)
  /** Per member: how to listen on its port again, and the listener (null while stopped). */
  const listeners = new Map<string, {listen: () => Promise<FrontDoorListener>; listener: FrontDoorListener | null}>()
  try {
    for (const endpoint of endpoints) {
      const metrics = new GrpcMetrics(loaded.etcdserverpb, 'etcdserverpb')
      // Without channelz: its per-call bookkeeping serves a debugging service nothing here offers.
      // Traced (KUBEMU_ETCD_TRACE), each call's steps through the front door too: first, so that it holds the call's stream.
      const traced = requestTrace ? [frontDoorTraceInterceptor(requestTrace, grpc, endpoint.member)] : []
      const server = new grpc.Server({'grpc.max_receive_message_length': receiveMessageBytesMax, 'grpc.enable_channelz': 0, interceptors: [...traced, metrics.interceptor, certifiedUserInterceptor(peers)]})
      const clientOf = (metadata: grpc.Metadata, use: TokenUse = 'checked') => client.forUser(endpoint.member, callerFor(use, () => callerOf(metadata)))
      addServices(server, loaded.etcdserverpb, clientOf, callerOf, endpoint.member, client, tokens, servedUrl)
      servers.push(server)
      // gRPC on a loopback port of its own, reached through the listener on the member's client URL.
      const grpcPort = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
      )
      const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure())
      const http = createEtcdHttpServer({
        context: {member: endpoint.member, clientOf: (user) => client.forUser(endpoint.member, user), tokens, servedUrl},
        member: () => client.embedded.member(endpoint.member),
        grpcMetrics: metrics,
        gateway: options.gateway,
        log,
      })
      divertNonGrpcStreams(server, options.tls ? (stream, headers) => serveWithHttpHandler(http, stream, headers) : refuseStream)
      let port = endpoint.port
      const listen = async () => {
        const listener = await startFrontDoorListener({host: endpoint.host, port, grpcPort, injectGrpc: (connection) => injector.injectConnection(connection), http, tls: options.tls, peers, rejections, member: endpoint.member})
        port = listener.port
        return listener
      }
      const entry = {listen, listener: null as FrontDoorListener | null}
      listeners.set(endpoint.member, entry)
      entry.listener = await listen().catch((error: unknown) => {
        throw new FrontDoorError(`cannot serve the etcd API of ${endpoint.member} on ${endpoint.host}:${endpoint.port} (${error instanceof Error ? error.message : String(error)}): is a real etcd running there? --etcd-ports moves the front door, --etcd-ports off turns it off`)
      })
      urls.set(endpoint.member, `${scheme}://${endpoint.host}:${port}`)
    }
  } catch (error) {
    for (const entry of listeners.values()) await entry.listener?.close()
    for (const server of servers) server.forceShutdown()
    throw error
  }
  return {
    urls,
    stopMember: async (member) => {
      const entry = listeners.get(member)
      if (!entry?.listener) return
      const listener = entry.listener
      entry.listener = null
      await listener.close()
    },
    startMember: async (member) => {
      const entry = listeners.get(member)
      if (!entry || entry.listener) return
      entry.listener = await entry.listen().catch((error: unknown) => {
        throw new FrontDoorError(`cannot serve the etcd API of ${member} on ${urls.get(member)} again (${error instanceof Error ? error.message : String(error)})`)
      })
    },
    close: async () => {
      for (const entry of listeners.values()) await entry.listener?.close()
      listeners.clear()
      for (const server of servers) server.forceShutdown()
    },
  }
}

/** `servedUrl`: the client URL a member is served on here, which member lists report (so `--cluster` reaches these ports). */
function addServices(
  server: grpc.Server,
  services: Record<string, {service: grpc.ServiceDefinition}>,
  clientOf: (metadata: grpc.Metadata, use?: TokenUse) => EmbeddedClient,
  callerOf: CallerOf,
  memberName: string,
  root: EmbeddedClient,
  tokens: AuthTokens,
  servedUrl: (member: string) => string | undefined,
): void {
  const unary =
    (handler: Unary, use: TokenUse = 'checked'): grpc.handleUnaryCall<Wire, Wire> =>
    (call, callback) => {
      let client: EmbeddedClient
      try {
        client = clientOf(call.metadata, use)
      } catch (error) {
        callback(serviceError(error))
        return
      }
      handler(call.request, client).then(
        (response) => callback(null, response),
        (error: unknown) => callback(serviceError(error)),
      )
    }
  const headed = async (promise: Promise<{header: Parameters<typeof header>[0]}>, rest: (value: any) => Wire = () => ({})): Promise<Wire> => {
    const value = await promise
    return {header: header(value.header), ...rest(value)}
  }
  server.addService(services.KV!.service, {
    Range: unary(async (request, client) => {
      const response = await client.kv.range(rangeRequest(request))
      return {header: header(response.header), kvs: response.kvs.map(keyValue), more: response.more, count: String(response.count)}
    }),
    Put: unary(async (request, client) => {
      const response = await client.kv.put(putRequest(request))
      return {header: header(response.header), ...(response.prevKv ? {prev_kv: keyValue(response.prevKv)} : {})}
    }),
    DeleteRange: unary(async (request, client) => {
      const response = await client.kv.deleteRange(deleteRangeRequest(request))
      return {header: header(response.header), deleted: String(response.deleted), prev_kvs: response.prevKvs.map(keyValue)}
    }),
    Txn: unary(async (request, client) => {
      const response = await client.kv.txn(txnRequest(request))
      return {header: header(response.header), succeeded: response.succeeded, responses: response.responses.map(responseOp)}
    }),
    Compact: unary((request, client) => headed(client.kv.compact({revision: Number(request.revision), physical: Boolean(request.physical)}))),
  })
  // A watch stream resolves its token at each create, as etcd does: a bad one cancels that watch.
  server.addService(services.Watch!.service, {Watch: (stream: grpc.ServerDuplexStream<Wire, Wire>) => serveWatchStream(stream, root, memberName, () => callerOf(stream.metadata))})
  server.addService(services.Lease!.service, {
    LeaseGrant: unary((request, client) =>
      headed(client.lease.grant(Number(request.TTL), request.ID !== '0' ? BigInt(request.ID) : undefined), (value) => ({ID: value.id.toString(), TTL: String(value.ttl), error: value.error ?? ''})),
    ),
    LeaseRevoke: unary((request, client) => headed(client.lease.revoke(BigInt(request.ID)))),
    LeaseKeepAlive: (stream: grpc.ServerDuplexStream<Wire, Wire>) => serveKeepAlives(stream, clientOf(stream.metadata, 'ignored')),
    LeaseTimeToLive: unary((request, client) =>
      headed(client.lease.timeToLive(BigInt(request.ID), Boolean(request.keys)), leaseTimeToLive),
      'ignored',
    ),
    LeaseLeases: unary((_request, client) => headed(client.lease.leases(), leaseList), 'ignored'),
  })
  const members = (value: {members: Parameters<typeof member>[0][]}) => ({
    members: value.members.map((entry) => {
      const served = servedUrl(entry.name)
      return member(served && entry.clientUrls.length > 0 ? {...entry, clientUrls: [served]} : entry)
    }),
  })
  server.addService(services.Cluster!.service, {
    MemberList: unary((_request, client) => headed(client.cluster.memberList(), members), 'ignored'),
    MemberRemove: unary((request, client) => headed(client.cluster.memberRemove(BigInt(request.ID)), members)),
    MemberUpdate: unary((request, client) => headed(client.cluster.memberUpdate(BigInt(request.ID), request.peerURLs ?? []), members)),
    MemberPromote: unary((request, client) => headed(client.cluster.memberPromote(BigInt(request.ID)), members)),
    MemberAdd: unary(async (request, client) => {
      const name = nextMemberName(client.embedded.layout)
      if (name === null) throw new EtcdError('FailedPrecondition', 'etcdserver: too many members')
      const response = await client.cluster.memberAdd(request.peerURLs ?? [], Boolean(request.isLearner), name)
      return {header: header(response.header), member: member(response.member), members: response.members.map(member)}
    }),
  })
  server.addService(services.Maintenance!.service, {
    Status: unary(async (_request, client) => status(await client.maintenance.status()), 'ignored'),
    Alarm: unary(async (request, client) => {
      const action = Number(request.action)
      if (action === 0) return headed(client.maintenance.alarmList(), (value) => ({alarms: value.alarms.map(alarmMember)}))
      if (action === 2) {
        const alarm = {memberId: BigInt(request.memberID), alarm: alarmTypes[Number(request.alarm)] ?? 'NONE'}
        return headed(client.maintenance.alarmDisarm(alarm), (value) => ({alarms: value.alarms.map(alarmMember)}))
      }
      throw new EtcdError('InvalidArgument', 'etcdserver: alarms are raised by the members themselves')
    }, 'maintenance'),
    Defragment: unary((_request, client) => headed(client.maintenance.defragment()), 'maintenance'),
    HashKV: unary((request, client) => headed(client.maintenance.hashKv(Number(request.revision)), (value) => ({hash: value.hash, compact_revision: String(value.compactRevision)})), 'maintenance'),
    MoveLeader: unary((request, client) => headed(client.maintenance.moveLeader(BigInt(request.targetID))), 'ignored'),
    Snapshot: (call: grpc.ServerWritableStream<Wire, Wire>) => {
      let client: EmbeddedClient
      try {
        client = clientOf(call.metadata, 'maintenance')
      } catch (error) {
        failStream(call, error)
        return
      }
      void serveSnapshot(call, client)
    },
  })
  const permissionTypes = ['READ', 'WRITE', 'READWRITE'] as const
  server.addService(services.Auth!.service, {
    AuthEnable: unary((_request, client) => headed(client.auth.enable())),
    AuthDisable: unary((_request, client) => headed(client.auth.disable())),
    AuthStatus: unary((_request, client) => headed(client.auth.status(), (value) => ({enabled: value.enabled, authRevision: String(value.authRevision)}))),
    Authenticate: unary(async (request, client) => {
      const response = await client.auth.authenticate(String(request.name), String(request.password))
      tokens.remember(response.token, String(request.name))
      return {header: header(response.header), token: response.token}
    }),
    UserAdd: unary((request, client) => headed(client.auth.userAdd(request.name, request.password, {noPassword: Boolean(request.options?.no_password)}))),
    UserGet: unary((request, client) => headed(client.auth.userGet(request.name), (value) => ({roles: value.roles}))),
    UserList: unary((_request, client) => headed(client.auth.userList(), (value) => ({users: value.users}))),
    UserDelete: unary((request, client) => headed(client.auth.userDelete(request.name))),
    UserChangePassword: unary((request, client) => headed(client.auth.userChangePassword(request.name, request.password))),
    UserGrantRole: unary((request, client) => headed(client.auth.userGrantRole(request.user, request.role))),
    UserRevokeRole: unary((request, client) => headed(client.auth.userRevokeRole(request.name, request.role))),
    RoleAdd: unary((request, client) => headed(client.auth.roleAdd(request.name))),
    RoleGet: unary((request, client) =>
      headed(client.auth.roleGet(request.role), (value) => ({
        perm: value.permissions.map((permission: {type: (typeof permissionTypes)[number]; key: Uint8Array; rangeEnd: Uint8Array}) => ({
          permType: permissionTypes.indexOf(permission.type),
          key: Buffer.from(permission.key),
          range_end: Buffer.from(permission.rangeEnd),
        })),
      })),
    ),
    RoleList: unary((_request, client) => headed(client.auth.roleList(), (value) => ({roles: value.roles}))),
    RoleDelete: unary((request, client) => headed(client.auth.roleDelete(request.role))),
    RoleGrantPermission: unary((request, client) =>
      headed(
        client.auth.roleGrantPermission(request.name, {
          type: permissionTypes[Number(request.perm?.permType ?? 0)] ?? 'READ',
          key: new Uint8Array(request.perm?.key ?? []),
          rangeEnd: new Uint8Array(request.perm?.range_end ?? []),
        }),
      ),
    ),
    RoleRevokePermission: unary((request, client) => headed(client.auth.roleRevokePermission(request.role, new Uint8Array(request.key ?? []), new Uint8Array(request.range_end ?? [])))),
  })
}

/** Ends a server stream with the error's status (a destroyed stream would end it with none, and clients wait on). */
function failStream(call: grpc.ServerWritableStream<Wire, Wire>, error: unknown): void {
  call.emit('error', serviceError(error))
}

/** Maintenance.Snapshot: the snapshot's blobs, written as the client takes them. */
async function serveSnapshot(call: grpc.ServerWritableStream<Wire, Wire>, client: EmbeddedClient): Promise<void> {
  try {
    for await (const message of snapshotMessages(client)) {
      if (call.cancelled) return
      if (!call.write(message)) await once(call, 'drain')
    }
    call.end()
  } catch (error) {
    failStream(call, error)
  }
}

/** LeaseKeepAlive: one answer per request; a lease that is gone answers TTL 0, as etcd does. */
function serveKeepAlives(stream: grpc.ServerDuplexStream<Wire, Wire>, client: EmbeddedClient): void {
  let queue = Promise.resolve()
  stream.on('data', (request: Wire) => {
    const id = BigInt(String(request.ID ?? 0))
    // In order, one at a time: answers go out as the requests came.
    queue = queue.then(async () => {
      try {
        const response = await client.lease.keepAliveOnce(id)
        if (stream.writable) stream.write({header: header(response.header), ID: id.toString(), TTL: String(response.ttl)})
      } catch (error) {
        if (error instanceof EtcdError && error.grpcCode === 'NotFound') {
          if (stream.writable) stream.write({header: header(client.header(client.serving().stateMachine.kv.currentRevision())), ID: id.toString(), TTL: '0'})
          return
        }
        stream.destroy(error instanceof Error ? error : new Error(String(error)))
      }
    })
  })
  stream.on('end', () => {
    void queue.then(() => stream.end())
  })
}

// The unary calls of etcd 3.4's v3 HTTP gateway: each path, its request and response messages,
// how it maps onto the embedded cluster's client, and whether etcd checks the caller's token for
// it (a bad token fails a Range but not a Status, as on etcd).
import type {MemberInfo} from '../etcd/api.js'
import type {EmbeddedClient} from '../etcd/embedded-client.js'
import {nextMemberName} from '../etcd/layout.js'
import {EtcdError} from '../mvcc/errors.js'
import type {TokenUse} from './etcd-auth-tokens.js'
import {
  alarmMember,
  alarmTypes,
  deleteRangeRequest,
  header,
  keyValue,
  leaseList,
  leaseTimeToLive,
  putRequest,
  rangeRequest,
  responseOp,
  servedMembers,
  status,
  txnRequest,
  type Wire,
} from './etcd-messages.js'

export interface UnaryRoute {
  readonly requestType: string
  readonly responseType: string
  readonly token: TokenUse
  call(request: Wire, client: EmbeddedClient, services: RouteServices): Promise<Wire>
}

/** What a call needs besides the client: the token map and the URLs served. */
export interface RouteServices {
  remember(token: string, user: string): void
  servedUrl(member: string): string | undefined
}

const rpc = (name: string) => `etcdserverpb.${name}`
const headed = async (promise: Promise<{header: Parameters<typeof header>[0]}>, rest: (value: any) => Wire = () => ({})): Promise<Wire> => {
  const value = await promise
  return {header: header(value.header), ...rest(value)}
}
const route = (request: string, response: string, call: UnaryRoute['call'], token: TokenUse = 'checked'): UnaryRoute => ({requestType: rpc(request), responseType: rpc(response), token, call})
const permissionTypes = ['READ', 'WRITE', 'READWRITE'] as const

/** Responses nested in a Txn carry only the revision in their headers, as etcd's do. */
function nestedResponse(op: Wire): Wire {
  const [kind, body] = Object.entries(op)[0]!
  const nested: Wire = {...(body as Wire), header: {revision: (body as Wire).header.revision}}
  if (kind === 'response_txn') nested.responses = (nested.responses as Wire[]).map(nestedResponse)
  return {[kind]: nested}
}

const timeToLive = route('LeaseTimeToLiveRequest', 'LeaseTimeToLiveResponse', (request, client) =>
  headed(client.lease.timeToLive(BigInt(request.ID), Boolean(request.keys)), leaseTimeToLive),
  'ignored',
)
const leaseRevoke = route('LeaseRevokeRequest', 'LeaseRevokeResponse', (request, client) => headed(client.lease.revoke(BigInt(request.ID))))
const leases = route('LeaseLeasesRequest', 'LeaseLeasesResponse', (_request, client) => headed(client.lease.leases(), leaseList), 'ignored')
const listed = (services: RouteServices) => (value: {members: MemberInfo[]}) => ({members: servedMembers(value.members, services.servedUrl)})

/** etcd 3.4's gateway paths of unary calls (POST only). */
export const unaryRoutes: ReadonlyMap<string, UnaryRoute> = new Map([
  [
    '/v3/kv/range',
    route('RangeRequest', 'RangeResponse', async (request, client) => {
      const response = await client.kv.range(rangeRequest(request))
      return {header: header(response.header), kvs: response.kvs.map(keyValue), more: response.more, count: String(response.count)}
    }),
  ],
  [
    '/v3/kv/put',
    route('PutRequest', 'PutResponse', async (request, client) => {
      const response = await client.kv.put(putRequest(request))
      return {header: header(response.header), prev_kv: response.prevKv ? keyValue(response.prevKv) : undefined}
    }),
  ],
  [
    '/v3/kv/deleterange',
    route('DeleteRangeRequest', 'DeleteRangeResponse', async (request, client) => {
      const response = await client.kv.deleteRange(deleteRangeRequest(request))
      return {header: header(response.header), deleted: String(response.deleted), prev_kvs: response.prevKvs.map(keyValue)}
    }),
  ],
  [
    '/v3/kv/txn',
    route('TxnRequest', 'TxnResponse', async (request, client) => {
      const response = await client.kv.txn(txnRequest(request))
      return {header: header(response.header), succeeded: response.succeeded, responses: response.responses.map(responseOp).map(nestedResponse)}
    }),
  ],
  ['/v3/kv/compaction', route('CompactionRequest', 'CompactionResponse', (request, client) => headed(client.kv.compact({revision: Number(request.revision), physical: Boolean(request.physical)})))],
  [
    '/v3/lease/grant',
    route('LeaseGrantRequest', 'LeaseGrantResponse', (request, client) =>
      headed(client.lease.grant(Number(request.TTL), request.ID !== '0' ? BigInt(request.ID) : undefined), (value) => ({ID: value.id.toString(), TTL: String(value.ttl), error: value.error ?? ''})),
    ),
  ],
  ['/v3/lease/revoke', leaseRevoke],
  ['/v3/kv/lease/revoke', leaseRevoke],
  ['/v3/lease/timetolive', timeToLive],
  ['/v3/kv/lease/timetolive', timeToLive],
  ['/v3/lease/leases', leases],
  ['/v3/kv/lease/leases', leases],
  ['/v3/cluster/member/list', route('MemberListRequest', 'MemberListResponse', (_request, client, services) => headed(client.cluster.memberList(), listed(services)), 'ignored')],
  [
    '/v3/cluster/member/add',
    route('MemberAddRequest', 'MemberAddResponse', async (request, client, services) => {
      const name = nextMemberName(client.embedded.layout)
      if (name === null) throw new EtcdError('FailedPrecondition', 'etcdserver: too many members')
      const response = await client.cluster.memberAdd(request.peerURLs ?? [], Boolean(request.isLearner), name)
      return {header: header(response.header), member: servedMembers([response.member], services.servedUrl)[0], members: servedMembers(response.members, services.servedUrl)}
    }),
  ],
  ['/v3/cluster/member/remove', route('MemberRemoveRequest', 'MemberRemoveResponse', (request, client, services) => headed(client.cluster.memberRemove(BigInt(request.ID)), listed(services)))],
  ['/v3/cluster/member/update', route('MemberUpdateRequest', 'MemberUpdateResponse', (request, client, services) => headed(client.cluster.memberUpdate(BigInt(request.ID), request.peerURLs), listed(services)))],
  ['/v3/cluster/member/promote', route('MemberPromoteRequest', 'MemberPromoteResponse', (request, client, services) => headed(client.cluster.memberPromote(BigInt(request.ID)), listed(services)))],
  ['/v3/maintenance/status', route('StatusRequest', 'StatusResponse', async (_request, client) => status(await client.maintenance.status()), 'ignored')],
  [
    '/v3/maintenance/alarm',
    // etcd's Alarm answers without a header.
    route(
      'AlarmRequest',
      'AlarmResponse',
      async (request, client) => {
        const action = Number(request.action)
        if (action === 0) return {alarms: (await client.maintenance.alarmList()).alarms.map(alarmMember)}
        if (action === 2) {
          const alarm = {memberId: BigInt(request.memberID), alarm: alarmTypes[Number(request.alarm)] ?? 'NONE'}
          return {alarms: (await client.maintenance.alarmDisarm(alarm)).alarms.map(alarmMember)}
        }
        throw new EtcdError('InvalidArgument', 'etcdserver: alarms are raised by the members themselves')
      },
      'maintenance',
    ),
  ],
  [
    '/v3/maintenance/defragment',
    route(
      'DefragmentRequest',
      'DefragmentResponse',
      async (_request, client) => {
        await client.maintenance.defragment()
        return {} // etcd's Defragment answers with an empty message
      },
      'maintenance',
    ),
  ],
  // etcd hashes its whole bbolt file here; kubemu's backend is not bbolt, so this is the keyspace's hash (HashKV's).
  ['/v3/maintenance/hash', route('HashRequest', 'HashResponse', (_request, client) => headed(client.maintenance.hashKv(0), (value) => ({hash: value.hash})), 'maintenance')],
  ['/v3/maintenance/transfer-leadership', route('MoveLeaderRequest', 'MoveLeaderResponse', (request, client) => headed(client.maintenance.moveLeader(BigInt(request.targetID))), 'maintenance')],
  ['/v3/auth/enable', route('AuthEnableRequest', 'AuthEnableResponse', (_request, client) => headed(client.auth.enable()))],
  ['/v3/auth/disable', route('AuthDisableRequest', 'AuthDisableResponse', (_request, client) => headed(client.auth.disable()))],
  [
    '/v3/auth/authenticate',
    route('AuthenticateRequest', 'AuthenticateResponse', async (request, client, services) => {
      const response = await client.auth.authenticate(request.name, request.password)
      services.remember(response.token, request.name)
      return {header: header(response.header), token: response.token}
    }),
  ],
  ['/v3/auth/user/add', route('AuthUserAddRequest', 'AuthUserAddResponse', (request, client) => headed(client.auth.userAdd(request.name, request.password, {noPassword: Boolean(request.options?.no_password)})))],
  ['/v3/auth/user/get', route('AuthUserGetRequest', 'AuthUserGetResponse', (request, client) => headed(client.auth.userGet(request.name), (value) => ({roles: value.roles})))],
  ['/v3/auth/user/list', route('AuthUserListRequest', 'AuthUserListResponse', (_request, client) => headed(client.auth.userList(), (value) => ({users: value.users})))],
  ['/v3/auth/user/delete', route('AuthUserDeleteRequest', 'AuthUserDeleteResponse', (request, client) => headed(client.auth.userDelete(request.name)))],
  ['/v3/auth/user/changepw', route('AuthUserChangePasswordRequest', 'AuthUserChangePasswordResponse', (request, client) => headed(client.auth.userChangePassword(request.name, request.password)))],
  ['/v3/auth/user/grant', route('AuthUserGrantRoleRequest', 'AuthUserGrantRoleResponse', (request, client) => headed(client.auth.userGrantRole(request.user, request.role)))],
  ['/v3/auth/user/revoke', route('AuthUserRevokeRoleRequest', 'AuthUserRevokeRoleResponse', (request, client) => headed(client.auth.userRevokeRole(request.name, request.role)))],
  ['/v3/auth/role/add', route('AuthRoleAddRequest', 'AuthRoleAddResponse', (request, client) => headed(client.auth.roleAdd(request.name)))],
  [
    '/v3/auth/role/get',
    route('AuthRoleGetRequest', 'AuthRoleGetResponse', (request, client) =>
      headed(client.auth.roleGet(request.role), (value) => ({
        perm: value.permissions.map((permission: {type: (typeof permissionTypes)[number]; key: Uint8Array; rangeEnd: Uint8Array}) => ({
          permType: permissionTypes.indexOf(permission.type),
          key: Buffer.from(permission.key),
          range_end: Buffer.from(permission.rangeEnd),
        })),
      })),
    ),
  ],
  ['/v3/auth/role/list', route('AuthRoleListRequest', 'AuthRoleListResponse', (_request, client) => headed(client.auth.roleList(), (value) => ({roles: value.roles})))],
  ['/v3/auth/role/delete', route('AuthRoleDeleteRequest', 'AuthRoleDeleteResponse', (request, client) => headed(client.auth.roleDelete(request.role)))],
  [
    '/v3/auth/role/grant',
    route('AuthRoleGrantPermissionRequest', 'AuthRoleGrantPermissionResponse', (request, client) =>
      headed(
        client.auth.roleGrantPermission(request.name, {
          type: permissionTypes[Number(request.perm?.permType ?? 0)] ?? 'READ',
          key: new Uint8Array(request.perm?.key ?? []),
          rangeEnd: new Uint8Array(request.perm?.range_end ?? []),
        }),
      ),
    ),
  ],
  [
    '/v3/auth/role/revoke',
    route('AuthRoleRevokePermissionRequest', 'AuthRoleRevokePermissionResponse', (request, client) =>
      headed(client.auth.roleRevokePermission(request.role, new Uint8Array(request.key), new Uint8Array(request.range_end))),
    ),
  ],
])

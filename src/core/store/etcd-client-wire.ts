// etcd's v3 messages as a client writes its requests and reads the answers: kubemu's request types
// to wire objects (proto field names, 64-bit integers as decimal strings, bytes as Buffers, enums
// as numbers), and answers back to kubemu's types. The answers may come from gRPC
// (@grpc/proto-loader's objects, through etcd3: bytes as Buffers, enums by their .proto names)
// or from the v3 JSON gateway (bytes as base64, enums by etcd's names, default values left out),
// so every reader here takes both. The server's side of the same messages is
// src/core/server/etcd-messages.ts.
import type {AlarmMember, MemberInfo, PermissionInfo, StatusResponse} from '../etcd/api.js'
import {membershipErrors} from '../etcd/membership-errors.js'
import {EtcdError, type GrpcCode, etcdErrors} from '../mvcc/errors.js'
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchEvent,
} from '../mvcc/types.js'

/** A wire message as a client library hands it over. */
export type Raw = Record<string, any>

/** TLS to the endpoints, as etcdctl's --cacert, --cert, --key and --insecure-skip-tls-verify set it. */
export interface ClientTls {
  /** PEM; absent: the system's roots. */
  readonly authority?: Buffer | undefined
  readonly certificate?: Buffer | undefined
  readonly key?: Buffer | undefined
  readonly skipVerify?: boolean | undefined
}

/** How a client of one endpoint connects and whom it acts as. */
export interface EtcdClientOptions {
  /** etcdctl's --command-timeout: how long a refused endpoint is waited for. */
  readonly commandTimeoutMilliseconds?: number | undefined
  readonly user?: string | undefined
  readonly password?: string | undefined
  readonly tls?: ClientTls | undefined
}

export const buffer = (bytes: Uint8Array | undefined): Buffer | undefined => (bytes ? Buffer.from(bytes) : undefined)

/** Bytes as either door sends them: a Buffer (gRPC) or base64 text (the JSON gateway); absent: none. */
export function bytesOf(value: unknown): Uint8Array {
  if (typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'))
  if (value instanceof Uint8Array) return new Uint8Array(value)
  return new Uint8Array(Array.isArray(value) ? value : [])
}

const numberOf = (value: unknown): number => Number(value ?? 0)
const bigintOf = (value: unknown): bigint => BigInt(String(value ?? 0))

export function header(raw: Raw | undefined): ResponseHeader {
  return {clusterId: bigintOf(raw?.cluster_id), memberId: bigintOf(raw?.member_id), revision: numberOf(raw?.revision), raftTerm: numberOf(raw?.raft_term)}
}

export function keyValue(raw: Raw): KeyValue {
  return {
    key: bytesOf(raw.key),
    value: bytesOf(raw.value),
    createRevision: numberOf(raw.create_revision),
    modRevision: numberOf(raw.mod_revision),
    version: numberOf(raw.version),
    lease: bigintOf(raw.lease),
  }
}

const knownErrors: EtcdError[] = [...Object.values(etcdErrors), ...Object.values(membershipErrors)].map((make) => make())
const grpcCodes: Record<number, GrpcCode> = {3: 'InvalidArgument', 4: 'DeadlineExceeded', 5: 'NotFound', 7: 'PermissionDenied', 8: 'ResourceExhausted', 9: 'FailedPrecondition', 11: 'OutOfRange', 14: 'Unavailable', 16: 'Unauthenticated'}

/**
 * An error status back into etcd's error, by etcd's message text (gRPC's messages carry a
 * prefix, the gateway's are etcd's text alone); other statuses keep their code and text.
 */
export function etcdErrorOf(code: number | undefined, message: string): EtcdError {
  const known = knownErrors.find((candidate) => message === candidate.message) ?? knownErrors.find((candidate) => message.includes(candidate.message))
  if (known) return new EtcdError(known.grpcCode, known.message)
  return new EtcdError(code === undefined ? 'Unknown' : (grpcCodes[code] ?? 'Unknown'), message)
}

export function rangeRequest(request: RangeRequest): Raw {
  return {
    key: buffer(request.key),
    range_end: buffer(request.rangeEnd),
    limit: request.limit ?? 0,
    revision: request.revision ?? 0,
    sort_order: {none: 0, ascend: 1, descend: 2}[request.sortOrder ?? 'none'],
    sort_target: {key: 0, version: 1, create: 2, mod: 3, value: 4}[request.sortTarget ?? 'key'],
    serializable: request.serializable ?? false,
    keys_only: request.keysOnly ?? false,
    count_only: request.countOnly ?? false,
    min_mod_revision: request.minModRevision ?? 0,
    max_mod_revision: request.maxModRevision ?? 0,
    min_create_revision: request.minCreateRevision ?? 0,
    max_create_revision: request.maxCreateRevision ?? 0,
  }
}

export function rangeResponse(raw: Raw): RangeResponse {
  return {header: header(raw.header), kvs: (raw.kvs ?? []).map(keyValue), more: Boolean(raw.more), count: numberOf(raw.count)}
}

export function putRequest(request: PutRequest): Raw {
  return {
    key: buffer(request.key),
    value: buffer(request.value),
    lease: (request.lease ?? 0n).toString(),
    prev_kv: request.prevKv ?? false,
    ignore_value: request.ignoreValue ?? false,
    ignore_lease: request.ignoreLease ?? false,
  }
}

export function putResponse(raw: Raw): PutResponse {
  const response: PutResponse = {header: header(raw.header)}
  if (raw.prev_kv) response.prevKv = keyValue(raw.prev_kv)
  return response
}

export function deleteRangeRequest(request: DeleteRangeRequest): Raw {
  return {key: buffer(request.key), range_end: buffer(request.rangeEnd), prev_kv: request.prevKv ?? false}
}

export function deleteResponse(raw: Raw): DeleteRangeResponse {
  return {header: header(raw.header), deleted: numberOf(raw.deleted), prevKvs: (raw.prev_kvs ?? []).map(keyValue)}
}

function compare(item: Compare): Raw {
  // etcd's enum numbers (protobuf), which do not depend on the client library's spelling.
  const target = {version: 0, create: 1, mod: 2, value: 3, lease: 4}[item.target]
  const result = {equal: 0, greater: 1, less: 2, not_equal: 3}[item.result]
  return {
    key: buffer(item.key),
    range_end: buffer(item.rangeEnd),
    target,
    result,
    version: item.version,
    create_revision: item.createRevision,
    mod_revision: item.modRevision,
    value: buffer(item.value),
    lease: item.lease?.toString(),
  }
}

function operation(item: RequestOp): Raw {
  if ('requestRange' in item) return {request_range: rangeRequest(item.requestRange)}
  if ('requestPut' in item) {
    const put = item.requestPut
    return {
      request_put: {key: buffer(put.key), value: buffer(put.value), lease: (put.lease ?? 0n).toString(), prev_kv: put.prevKv, ignore_value: put.ignoreValue, ignore_lease: put.ignoreLease},
    }
  }
  if ('requestDeleteRange' in item) {
    const remove = item.requestDeleteRange
    return {request_delete_range: {key: buffer(remove.key), range_end: buffer(remove.rangeEnd), prev_kv: remove.prevKv}}
  }
  return {request_txn: txnRequest(item.requestTxn)}
}

export function txnRequest(request: TxnRequest): Raw {
  return {compare: request.compare.map(compare), success: request.success.map(operation), failure: request.failure.map(operation)}
}

function responseOperation(raw: Raw): ResponseOp {
  if (raw.response_range) return {responseRange: rangeResponse(raw.response_range)}
  if (raw.response_put) return {responsePut: putResponse(raw.response_put)}
  if (raw.response_delete_range) return {responseDeleteRange: deleteResponse(raw.response_delete_range)}
  return {responseTxn: txnResponse(raw.response_txn ?? {})}
}

export function txnResponse(raw: Raw): TxnResponse {
  return {header: header(raw.header), succeeded: Boolean(raw.succeeded), responses: (raw.responses ?? []).map(responseOperation)}
}

export function watchEvent(raw: Raw): WatchEvent {
  const event: WatchEvent = {type: raw.type === 'Delete' || raw.type === 'DELETE' || raw.type === 1 ? 'DELETE' : 'PUT', kv: keyValue(raw.kv ?? {})}
  return raw.prev_kv ? {...event, prevKv: keyValue(raw.prev_kv)} : event
}

/** A watch's create request (WatchCreateRequest). */
export function watchCreateRequest(request: {key: Uint8Array; rangeEnd?: Uint8Array; startRevision?: number; prevKv?: boolean; progressNotify?: boolean; filters?: ReadonlyArray<'noput' | 'nodelete'>}): Raw {
  return {
    key: buffer(request.key),
    range_end: buffer(request.rangeEnd),
    start_revision: request.startRevision ?? 0,
    prev_kv: request.prevKv ?? false,
    progress_notify: request.progressNotify ?? false,
    filters: (request.filters ?? []).map((filter) => (filter === 'noput' ? 0 : 1)),
  }
}

export function memberInfo(member: Raw): MemberInfo {
  return {id: bigintOf(member.ID), name: member.name ?? '', peerUrls: member.peerURLs ?? [], clientUrls: member.clientURLs ?? [], isLearner: Boolean(member.isLearner)}
}

export const members = (raw: Raw) => ({header: header(raw.header), members: (raw.members ?? []).map(memberInfo)})

const alarmNames: Record<string, string> = {0: 'NONE', 1: 'NOSPACE', 2: 'CORRUPT', None: 'NONE', Nospace: 'NOSPACE', Corrupt: 'CORRUPT'}

export const alarms = (raw: Raw): AlarmMember[] =>
  (raw.alarms ?? []).map((alarm: Raw) => ({memberId: bigintOf(alarm.memberID), alarm: alarmNames[String(alarm.alarm ?? 0)] ?? String(alarm.alarm)}))

export function statusResponse(raw: Raw): StatusResponse {
  return {
    header: header(raw.header),
    version: raw.version ?? '',
    dbSize: numberOf(raw.dbSize),
    leader: bigintOf(raw.leader),
    raftIndex: numberOf(raw.raftIndex),
    raftTerm: numberOf(raw.raftTerm),
    raftAppliedIndex: numberOf(raw.raftAppliedIndex),
    errors: raw.errors ?? [],
    dbSizeInUse: numberOf(raw.dbSizeInUse),
    isLearner: Boolean(raw.isLearner),
  }
}

export const leaseGrantResponse = (raw: Raw) => ({header: header(raw.header), id: bigintOf(raw.ID), ttl: numberOf(raw.TTL), error: raw.error ?? ''})

export const leaseTimeToLiveResponse = (raw: Raw) => ({
  header: header(raw.header),
  id: bigintOf(raw.ID),
  ttl: numberOf(raw.TTL),
  grantedTtl: numberOf(raw.grantedTTL),
  keys: (raw.keys ?? []).map(bytesOf),
})

export const leaseLeasesResponse = (raw: Raw) => ({header: header(raw.header), leases: (raw.leases ?? []).map((lease: Raw) => ({id: bigintOf(lease.ID)}))})

const permissionTypes = ['READ', 'WRITE', 'READWRITE'] as const

/** A permission's type as either door spells it: a number, or a name (READ, the default, may be left out). */
const permissionType = (value: unknown): PermissionInfo['type'] =>
  value === undefined || typeof value === 'number' ? permissionTypes[numberOf(value)]! : (String(value).toUpperCase() as PermissionInfo['type'])

export const rolePermissions = (raw: Raw): PermissionInfo[] =>
  (raw.perm ?? []).map((permission: Raw) => ({type: permissionType(permission.permType), key: bytesOf(permission.key), rangeEnd: bytesOf(permission.range_end)}))

export const permissionRequest = (permission: PermissionInfo): Raw => ({permType: permissionTypes.indexOf(permission.type), key: buffer(permission.key), range_end: buffer(permission.rangeEnd)})

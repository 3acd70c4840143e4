// The etcd v3 API's wire messages (as @grpc/proto-loader decodes them: field names as in the
// .proto files, 64-bit integers as decimal strings, enums as numbers) to and from kubemu's etcd
// types. Only shapes change here; what a request means is the embedded cluster's business.
import type {AlarmMember, MemberInfo, StatusResponse} from '../etcd/api.js'
import type {
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  KeyValue,
  PutRequest,
  RangeRequest,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  SortOrder,
  SortTarget,
  TxnRequest,
  WatchEvent,
} from '../mvcc/types.js'

/** A decoded wire message: proto field names, values as proto-loader hands them over. */
export type Wire = Record<string, any>

const sortOrders: readonly SortOrder[] = ['none', 'ascend', 'descend']
const sortTargets: readonly SortTarget[] = ['key', 'version', 'create', 'mod', 'value']
const compareResults: readonly CompareResult[] = ['equal', 'greater', 'less', 'not_equal']
const compareTargets: readonly CompareTarget[] = ['version', 'create', 'mod', 'value', 'lease']
export const alarmTypes = ['NONE', 'NOSPACE', 'CORRUPT'] as const

const bytes = (value: unknown): Uint8Array => (value instanceof Uint8Array ? value : new Uint8Array())
const number = (value: unknown): number => Number(value ?? 0)
const bigint = (value: unknown): bigint => BigInt(String(value ?? 0))
const optionalBytes = (value: unknown): Uint8Array | undefined => (value instanceof Uint8Array && value.length > 0 ? value : undefined)

export function rangeRequest(wire: Wire): RangeRequest {
  return {
    key: bytes(wire.key),
    rangeEnd: optionalBytes(wire.range_end),
    limit: number(wire.limit),
    revision: number(wire.revision),
    sortOrder: sortOrders[number(wire.sort_order)] ?? 'none',
    sortTarget: sortTargets[number(wire.sort_target)] ?? 'key',
    serializable: Boolean(wire.serializable),
    keysOnly: Boolean(wire.keys_only),
    countOnly: Boolean(wire.count_only),
    minModRevision: number(wire.min_mod_revision),
    maxModRevision: number(wire.max_mod_revision),
    minCreateRevision: number(wire.min_create_revision),
    maxCreateRevision: number(wire.max_create_revision),
  }
}

export function putRequest(wire: Wire): PutRequest {
  return {key: bytes(wire.key), value: bytes(wire.value), lease: bigint(wire.lease), prevKv: Boolean(wire.prev_kv), ignoreValue: Boolean(wire.ignore_value), ignoreLease: Boolean(wire.ignore_lease)}
}

export function deleteRangeRequest(wire: Wire): DeleteRangeRequest {
  return {key: bytes(wire.key), rangeEnd: optionalBytes(wire.range_end), prevKv: Boolean(wire.prev_kv)}
}

function compare(wire: Wire): Compare {
  const target = compareTargets[number(wire.target)] ?? 'version'
  const base = {key: bytes(wire.key), rangeEnd: optionalBytes(wire.range_end), result: compareResults[number(wire.result)] ?? 'equal', target}
  switch (target) {
    case 'version':
      return {...base, version: number(wire.version)}
    case 'create':
      return {...base, createRevision: number(wire.create_revision)}
    case 'mod':
      return {...base, modRevision: number(wire.mod_revision)}
    case 'value':
      return {...base, value: bytes(wire.value)}
    case 'lease':
      return {...base, lease: bigint(wire.lease)}
  }
}

function requestOp(wire: Wire): RequestOp {
  if (wire.request_range) return {requestRange: rangeRequest(wire.request_range)}
  if (wire.request_put) return {requestPut: putRequest(wire.request_put)}
  if (wire.request_delete_range) return {requestDeleteRange: deleteRangeRequest(wire.request_delete_range)}
  if (wire.request_txn) return {requestTxn: txnRequest(wire.request_txn)}
  // An operation with nothing set: etcd reads it as an empty range, refused for its empty key.
  return {requestRange: {key: new Uint8Array()}}
}

export function txnRequest(wire: Wire): TxnRequest {
  return {compare: (wire.compare ?? []).map(compare), success: (wire.success ?? []).map(requestOp), failure: (wire.failure ?? []).map(requestOp)}
}

export function header(value: ResponseHeader): Wire {
  return {cluster_id: value.clusterId.toString(), member_id: value.memberId.toString(), revision: String(value.revision), raft_term: String(value.raftTerm)}
}

export function keyValue(kv: KeyValue): Wire {
  return {key: Buffer.from(kv.key), create_revision: String(kv.createRevision), mod_revision: String(kv.modRevision), version: String(kv.version), value: Buffer.from(kv.value), lease: kv.lease.toString()}
}

export function responseOp(response: ResponseOp): Wire {
  if ('responseRange' in response) {
    const range = response.responseRange
    return {response_range: {header: header(range.header), kvs: range.kvs.map(keyValue), more: range.more, count: String(range.count)}}
  }
  if ('responsePut' in response) {
    const put = response.responsePut
    return {response_put: {header: header(put.header), ...(put.prevKv ? {prev_kv: keyValue(put.prevKv)} : {})}}
  }
  if ('responseDeleteRange' in response) {
    const deleted = response.responseDeleteRange
    return {response_delete_range: {header: header(deleted.header), deleted: String(deleted.deleted), prev_kvs: deleted.prevKvs.map(keyValue)}}
  }
  const txn = response.responseTxn
  return {response_txn: {header: header(txn.header), succeeded: txn.succeeded, responses: txn.responses.map(responseOp)}}
}

export function event(value: WatchEvent): Wire {
  return {type: value.type === 'DELETE' ? 1 : 0, kv: keyValue(value.kv), ...(value.prevKv ? {prev_kv: keyValue(value.prevKv)} : {})}
}

export function member(value: MemberInfo): Wire {
  return {ID: value.id.toString(), name: value.name, peerURLs: [...value.peerUrls], clientURLs: [...value.clientUrls], isLearner: value.isLearner}
}

export function status(value: StatusResponse): Wire {
  return {
    header: header(value.header),
    version: value.version,
    dbSize: String(value.dbSize),
    leader: value.leader.toString(),
    raftIndex: String(value.raftIndex),
    raftTerm: String(value.raftTerm),
    raftAppliedIndex: String(value.raftAppliedIndex),
    errors: value.errors,
    dbSizeInUse: String(value.dbSizeInUse),
    isLearner: value.isLearner,
  }
}

export function alarmMember(value: AlarmMember): Wire {
  return {memberID: value.memberId.toString(), alarm: Math.max(0, alarmTypes.indexOf(value.alarm as (typeof alarmTypes)[number]))}
}

/**
 * Members as a member list reports them here: with the client URL each is served on (so
 * `--cluster` reaches these ports), not the one recorded when it joined.
 */
export function servedMembers(members: readonly MemberInfo[], servedUrl: (name: string) => string | undefined): Wire[] {
  return members.map((entry) => {
    const served = servedUrl(entry.name)
    return member(served && entry.clientUrls.length > 0 ? {...entry, clientUrls: [served]} : entry)
  })
}

/** etcd's gRPC receive limit: its default --max-request-bytes (1.5 MiB) plus gRPC's 512 KiB of overhead. */
export const grpcReceiveBytesMax = 1.5 * 1024 * 1024 + 512 * 1024

/** LeaseTimeToLiveResponse's fields beside its header. */
export function leaseTimeToLive(value: {id: bigint; ttl: number; grantedTtl: number; keys: readonly Uint8Array[]}): Wire {
  return {ID: value.id.toString(), TTL: String(value.ttl), grantedTTL: String(value.grantedTtl), keys: value.keys.map((key) => Buffer.from(key))}
}

/** LeaseLeasesResponse's fields beside its header. */
export function leaseList(value: {leases: ReadonlyArray<{id: bigint}>}): Wire {
  return {leases: value.leases.map((lease) => ({ID: lease.id.toString()}))}
}

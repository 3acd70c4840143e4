// etcd's protobuf messages as the etcd3 client's raw gRPC stubs take and give them (snake_case
// fields, 64-bit integers as strings, bytes as Buffers), to and from the etcd API's own types.
import type {
  Compare,
  DeleteRangeResponse,
  KeyValue,
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

export type Raw = Record<string, any>

export const buffer = (bytes: Uint8Array | undefined): Buffer | undefined => (bytes ? Buffer.from(bytes) : undefined)

export function header(raw: Raw | undefined): ResponseHeader {
  return {
    clusterId: BigInt(raw?.cluster_id ?? 0),
    memberId: BigInt(raw?.member_id ?? 0),
    revision: Number(raw?.revision ?? 0),
    raftTerm: Number(raw?.raft_term ?? 0),
  }
}

export function keyValue(raw: Raw): KeyValue {
  return {
    key: new Uint8Array(raw.key ?? []),
    value: new Uint8Array(raw.value ?? []),
    createRevision: Number(raw.create_revision ?? 0),
    modRevision: Number(raw.mod_revision ?? 0),
    version: Number(raw.version ?? 0),
    lease: BigInt(raw.lease ?? 0),
  }
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
  return {header: header(raw.header), kvs: (raw.kvs ?? []).map(keyValue), more: Boolean(raw.more), count: Number(raw.count ?? 0)}
}

export function putResponse(raw: Raw): PutResponse {
  const response: PutResponse = {header: header(raw.header)}
  if (raw.prev_kv) response.prevKv = keyValue(raw.prev_kv)
  return response
}

export function deleteResponse(raw: Raw): DeleteRangeResponse {
  return {header: header(raw.header), deleted: Number(raw.deleted ?? 0), prevKvs: (raw.prev_kvs ?? []).map(keyValue)}
}

export function compare(item: Compare): Raw {
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

export function operation(item: RequestOp): Raw {
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

export function responseOperation(raw: Raw): ResponseOp {
  if (raw.response_range) return {responseRange: rangeResponse(raw.response_range)}
  if (raw.response_put) return {responsePut: putResponse(raw.response_put)}
  if (raw.response_delete_range) return {responseDeleteRange: deleteResponse(raw.response_delete_range)}
  return {responseTxn: txnResponse(raw.response_txn)}
}

export function txnResponse(raw: Raw): TxnResponse {
  return {header: header(raw.header), succeeded: Boolean(raw.succeeded), responses: (raw.responses ?? []).map(responseOperation)}
}

export function watchEvent(raw: Raw): WatchEvent {
  const event: WatchEvent = {type: raw.type === 'Delete' || raw.type === 'DELETE' ? 'DELETE' : 'PUT', kv: keyValue(raw.kv)}
  return raw.prev_kv ? {...event, prevKv: keyValue(raw.prev_kv)} : event
}

// The etcd v3 API's messages (etcdserverpb / mvccpb), with the same fields and meanings.
import type {KeySpan, StoredKeyValue} from '../storage/kv-tables.js'

export type KeyValue = StoredKeyValue

export interface ResponseHeader {
  readonly clusterId: bigint
  readonly memberId: bigint
  readonly revision: number
  readonly raftTerm: number
}

export type SortOrder = 'none' | 'ascend' | 'descend'
export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value'

export interface RangeRequest {
  readonly key: Uint8Array
  /** Empty: just `key`. [0]: every key >= `key`. Otherwise [key, rangeEnd). */
  readonly rangeEnd?: Uint8Array
  readonly limit?: number
  readonly revision?: number
  readonly sortOrder?: SortOrder
  readonly sortTarget?: SortTarget
  readonly serializable?: boolean
  readonly keysOnly?: boolean
  readonly countOnly?: boolean
  readonly minModRevision?: number
  readonly maxModRevision?: number
  readonly minCreateRevision?: number
  readonly maxCreateRevision?: number
}

export interface RangeResponse {
  header: ResponseHeader
  kvs: KeyValue[]
  more: boolean
  count: number
}

export interface PutRequest {
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly lease?: bigint
  readonly prevKv?: boolean
  readonly ignoreValue?: boolean
  readonly ignoreLease?: boolean
}

export interface PutResponse {
  header: ResponseHeader
  prevKv?: KeyValue
}

export interface DeleteRangeRequest {
  readonly key: Uint8Array
  readonly rangeEnd?: Uint8Array
  readonly prevKv?: boolean
}

export interface DeleteRangeResponse {
  header: ResponseHeader
  deleted: number
  prevKvs: KeyValue[]
}

export type CompareTarget = 'version' | 'create' | 'mod' | 'value' | 'lease'
export type CompareResult = 'equal' | 'greater' | 'less' | 'not_equal'

export interface Compare {
  readonly result: CompareResult
  readonly target: CompareTarget
  readonly key: Uint8Array
  readonly rangeEnd?: Uint8Array
  /** The number for version/create/mod/lease targets, the bytes for value. */
  readonly version?: number
  readonly createRevision?: number
  readonly modRevision?: number
  readonly value?: Uint8Array
  readonly lease?: bigint
}

export type RequestOp =
  | {readonly requestRange: RangeRequest}
  | {readonly requestPut: PutRequest}
  | {readonly requestDeleteRange: DeleteRangeRequest}
  | {readonly requestTxn: TxnRequest}

export type ResponseOp =
  | {responseRange: RangeResponse}
  | {responsePut: PutResponse}
  | {responseDeleteRange: DeleteRangeResponse}
  | {responseTxn: TxnResponse}

export interface TxnRequest {
  readonly compare: readonly Compare[]
  readonly success: readonly RequestOp[]
  readonly failure: readonly RequestOp[]
}

export interface TxnResponse {
  header: ResponseHeader
  succeeded: boolean
  responses: ResponseOp[]
}

export interface CompactionRequest {
  readonly revision: number
  readonly physical?: boolean
}

export interface CompactionResponse {
  header: ResponseHeader
}

export interface LeaseGrantResponse {
  header: ResponseHeader
  id: bigint
  ttl: number
  error: string
}

export interface LeaseRevokeResponse {
  header: ResponseHeader
}

export interface LeaseKeepAliveResponse {
  header: ResponseHeader
  id: bigint
  ttl: number
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader
  id: bigint
  /** -1 when the lease does not exist (expired or revoked). */
  ttl: number
  grantedTtl: number
  keys: Uint8Array[]
}

export interface LeaseLeasesResponse {
  header: ResponseHeader
  leases: Array<{id: bigint}>
}

export type EventType = 'PUT' | 'DELETE'

export interface WatchEvent {
  readonly type: EventType
  readonly kv: KeyValue
  readonly prevKv?: KeyValue
}

/**
 * Every current key of `span` deleted in one revision (a DeleteRange without prevKv), `count` of
 * them: what an apply tells in place of an event per key. Watchers read the events themselves
 * from history, as they read every event; told the span, one that watches elsewhere sleeps on.
 */
export interface SpanDeletion {
  readonly type: 'DELETE_SPAN'
  readonly span: KeySpan
  readonly count: number
}

/** What an apply tells the watchers of its changes: an event per key, or a span's deletion. */
export type AppliedChange = WatchEvent | SpanDeletion

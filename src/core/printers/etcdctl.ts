// etcdctl 3.4's output formats (simple, json, fields) for the KV verbs, byte for byte. Every
// printer returns a binary string: one character per output byte, written out as latin1.
import type {WatchResponse} from '../etcd/api.js'
import type {DeleteRangeResponse, KeyValue, PutResponse, RangeResponse, ResponseHeader, ResponseOp, TxnResponse} from '../mvcc/types.js'
import {asBinary, deleteMessage, putMessage, rangeMessage, txnMessage, watchMessage} from './protobuf.js'

export type OutputFormat = 'simple' | 'json' | 'fields' | 'table' | 'protobuf'

/** etcdctl's table (and for some responses fields) printer fails when it is asked to print. */
export class UnsupportedFormatError extends Error {
  constructor(format: OutputFormat = 'table') {
    super(`${format} not supported as output format`)
  }
}

/** etcdctl's protobuf printer given a value it cannot marshal (it fails with exit code 1). */
export class UnsupportedMarshalError extends Error {}

export function refuseTable(format: OutputFormat): void {
  if (format === 'table') throw new UnsupportedFormatError()
}

/** For the responses that etcdctl's fields printer does not know either. */
export function refuseTableAndFields(format: OutputFormat): void {
  if (format === 'table' || format === 'fields') throw new UnsupportedFormatError(format)
}

export interface PrintOptions {
  readonly hex: boolean
  readonly valueOnly?: boolean
}

/** JSON as Go's encoding/json writes it, with 64-bit integers as exact numbers. */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'string') return goJsonString(value)
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined)
  return `{${entries.map(([key, item]) => `${goJsonString(key)}:${goJson(item)}`).join(',')}}`
}

function goJsonString(text: string): string {
  // encoding/json escapes <, > and & for HTML safety, plus U+2028/U+2029.
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

/** Zero values are left out, as protobuf's generated `omitempty` tags do. */
function omitZero(record: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    if (value === 0 || value === 0n || value === false || value === '' || value === undefined || value === null) continue
    if (Array.isArray(value) && value.length === 0) continue
    kept[key] = value
  }
  return kept
}

export function headerJson(header: ResponseHeader): Record<string, unknown> {
  return omitZero({cluster_id: header.clusterId, member_id: header.memberId, revision: header.revision, raft_term: header.raftTerm})
}

export function keyValueJson(kv: KeyValue): Record<string, unknown> {
  return omitZero({
    key: kv.key.length > 0 ? base64(kv.key) : '',
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: kv.value.length > 0 ? base64(kv.value) : '',
    lease: kv.lease,
  })
}

/** Go's %q: a double-quoted string with Go escapes, printable UTF-8 kept as is. */
export function goQuote(bytes: Uint8Array): string {
  let out = '"'
  const text = Buffer.from(bytes).toString('utf8')
  const valid = Buffer.from(text, 'utf8').equals(Buffer.from(bytes))
  if (!valid) {
    for (const byte of bytes) out += byte >= 0x20 && byte < 0x7f ? escapeAscii(String.fromCharCode(byte)) : `\\x${byte.toString(16).padStart(2, '0')}`
    return `${out}"`
  }
  for (const character of text) {
    const code = character.codePointAt(0)!
    if (code < 0x20 || code === 0x7f) {
      const named: Record<number, string> = {7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r'}
      out += named[code] ?? `\\x${code.toString(16).padStart(2, '0')}`
    } else {
      out += escapeAscii(character)
    }
  }
  return `${out}"`
}

function escapeAscii(character: string): string {
  return character === '"' ? '\\"' : character === '\\' ? '\\\\' : character
}

function hexText(bytes: Uint8Array): string {
  return [...bytes].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('')
}

/** etcdctl's printKV: the key line (unless value-only), then the value line. */
function simpleKeyValue(kv: KeyValue, options: PrintOptions): string {
  const decode = (bytes: Uint8Array) => (options.hex ? hexText(bytes) : Buffer.from(bytes).toString('latin1'))
  const value = `${decode(kv.value)}\n`
  return options.valueOnly ? value : `${decode(kv.key)}\n${value}`
}

export function fieldsHeader(header: ResponseHeader): string {
  return `"ClusterID" : ${header.clusterId}\n"MemberID" : ${header.memberId}\n"Revision" : ${header.revision}\n"RaftTerm" : ${header.raftTerm}\n`
}

/** Printers return binary strings (one character per output byte); this converts UTF-8 text. */
function binary(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

function fieldsKeyValue(prefix: string, kv: KeyValue): string {
  return (
    `"${prefix}Key" : ${binary(goQuote(kv.key))}\n"${prefix}CreateRevision" : ${kv.createRevision}\n"${prefix}ModRevision" : ${kv.modRevision}\n` +
    `"${prefix}Version" : ${kv.version}\n"${prefix}Value" : ${binary(goQuote(kv.value))}\n"${prefix}Lease" : ${kv.lease}\n`
  )
}

function getJson(response: RangeResponse): Record<string, unknown> {
  return omitZero({header: headerJson(response.header), kvs: response.kvs.map(keyValueJson), more: response.more, count: response.count})
}

function putJson(response: PutResponse): Record<string, unknown> {
  return omitZero({header: headerJson(response.header), prev_kv: response.prevKv ? keyValueJson(response.prevKv) : undefined})
}

function deleteJson(response: DeleteRangeResponse): Record<string, unknown> {
  return omitZero({header: headerJson(response.header), deleted: response.deleted, prev_kvs: response.prevKvs.map(keyValueJson)})
}

/** A txn's op responses as Go marshals the protobuf oneof: {"Response":{"ResponsePut":…}}. */
function operationJson(response: ResponseOp): Record<string, unknown> {
  if ('responseRange' in response) return {Response: {ResponseRange: getJson(response.responseRange)}}
  if ('responsePut' in response) return {Response: {ResponsePut: putJson(response.responsePut)}}
  if ('responseDeleteRange' in response) return {Response: {ResponseDeleteRange: deleteJson(response.responseDeleteRange)}}
  return {Response: {ResponseTxn: txnJson(response.responseTxn)}}
}

function txnJson(response: TxnResponse): Record<string, unknown> {
  return omitZero({header: headerJson(response.header), succeeded: response.succeeded, responses: response.responses.map(operationJson)})
}

export function printTxn(response: TxnResponse, format: OutputFormat, options: PrintOptions): string {
  refuseTable(format)
  const each = (print: (item: ResponseOp) => string) => response.responses.map(print).join('')
  switch (format) {
    case 'protobuf':
      return asBinary(txnMessage(response))
    case 'json':
      return `${goJson(txnJson(response))}\n`
    case 'fields':
      return `${fieldsHeader(response.header)}"Succeeded" : ${response.succeeded}\n${each((item) => printOperation(item, format, options))}`
    default:
      return `${response.succeeded ? 'SUCCESS' : 'FAILURE'}\n${each((item) => `\n${printOperation(item, format, options)}`)}`
  }
}

function printOperation(response: ResponseOp, format: OutputFormat, options: PrintOptions): string {
  if ('responseRange' in response) return printGet(response.responseRange, format, options)
  if ('responsePut' in response) return printPut(response.responsePut, format, options)
  if ('responseDeleteRange' in response) return printDelete(response.responseDeleteRange, format, options)
  return `unexpected response ${goJson(txnJson(response.responseTxn))}\n`
}

/** Bytes in Go strings are printed raw; latin1 keeps every byte as one character. */
export function printGet(response: RangeResponse, format: OutputFormat, options: PrintOptions): string {
  refuseTable(format)
  switch (format) {
    case 'protobuf':
      return asBinary(rangeMessage(response))
    case 'json':
      return `${goJson(getJson(response))}\n`
    case 'fields':
      return `${fieldsHeader(response.header)}${response.kvs.map((kv) => fieldsKeyValue('', kv)).join('')}"More" : ${response.more}\n"Count" : ${response.count}\n`
    default:
      return response.kvs.map((kv) => simpleKeyValue(kv, options)).join('')
  }
}

export function printPut(response: PutResponse, format: OutputFormat, options: PrintOptions): string {
  refuseTable(format)
  switch (format) {
    case 'protobuf':
      return asBinary(putMessage(response))
    case 'json':
      return `${goJson(putJson(response))}\n`
    case 'fields':
      return `${fieldsHeader(response.header)}${response.prevKv ? fieldsKeyValue('Prev', response.prevKv) : ''}`
    default:
      return `OK\n${response.prevKv ? simpleKeyValue(response.prevKv, options) : ''}`
  }
}

export function printDelete(response: DeleteRangeResponse, format: OutputFormat, options: PrintOptions): string {
  refuseTable(format)
  switch (format) {
    case 'protobuf':
      return asBinary(deleteMessage(response))
    case 'json':
      return `${goJson(deleteJson(response))}\n`
    case 'fields':
      return `${fieldsHeader(response.header)}"Deleted" : ${response.deleted}\n${response.prevKvs.map((kv) => fieldsKeyValue('Prev', kv)).join('')}`
    default:
      return `${response.deleted}\n${response.prevKvs.map((kv) => simpleKeyValue(kv, options)).join('')}`
  }
}

/** etcdctl's watch output for one response: each event's type, its previous pair, its pair. */
export function printWatch(response: WatchResponse, format: OutputFormat, options: PrintOptions): string {
  refuseTable(format)
  switch (format) {
    case 'protobuf':
      return asBinary(watchMessage(response))
    case 'json':
      return `${goJson({
        Header: headerJson(response.header),
        Events: response.events.map((event) => omitZero({type: event.type === 'DELETE' ? 1 : 0, kv: keyValueJson(event.kv), prev_kv: event.prevKv ? keyValueJson(event.prevKv) : undefined})),
        CompactRevision: response.compactRevision ?? 0,
        Canceled: response.canceled ?? false,
        Created: false,
      })}\n`
    case 'fields':
      return `${fieldsHeader(response.header)}${response.events
        .map((event) => `"Type" : ${event.type}\n${event.prevKv ? fieldsKeyValue('Prev', event.prevKv) : ''}${fieldsKeyValue('', event.kv)}`)
        .join('')}`
    default:
      return response.events.map((event) => `${event.type}\n${event.prevKv ? simpleKeyValue(event.prevKv, options) : ''}${simpleKeyValue(event.kv, options)}`).join('')
  }
}

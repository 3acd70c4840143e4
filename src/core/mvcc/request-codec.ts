// The bytes of a raft entry that carries a client request. A request's keys and values are bytes:
// inside JSON they had to be base64 text, a third larger, encoded by the proposer and decoded by
// every member, and the larger row of each entry in each member's raft log often spilled into an
// overflow page. An entry is now a marker byte, the request as JSON with each byte field replaced
// by its number, then the byte fields as they are, each after its length:
//
//   0x00 | u32 JSON length | JSON | (u32 length | bytes)*      (u32: big-endian)
//
// Entries written before (JSON with base64 `$bytes`, beginning with `{`) still decode.
import {InvariantError} from '../util/assert.js'
import {decodeValue} from '../util/codec.js'

const marker = 0x00
const lengthBytes = 4
/** Marks a byte field in the JSON: its number among the entry's byte fields. */
const bytesReference = '$b'
const bigintTag = '$int64'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Encodes a request: its byte fields (Uint8Array or Buffer) travel raw, 64-bit integers as decimal text. */
export function encodeRequestBytes(request: unknown): Uint8Array {
  const fields: Uint8Array[] = []
  const json = JSON.stringify(replaced(request, fields))
  const header = encoder.encode(json)
  let size = 1 + lengthBytes + header.length
  for (const field of fields) size += lengthBytes + field.length
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  bytes[0] = marker
  view.setUint32(1, header.length)
  bytes.set(header, 1 + lengthBytes)
  let offset = 1 + lengthBytes + header.length
  for (const field of fields) {
    view.setUint32(offset, field.length)
    bytes.set(field, offset + lengthBytes)
    offset += lengthBytes + field.length
  }
  return bytes
}

/** A copy of the value for JSON.stringify (which is slower with a replacer): byte fields go to `fields`, 64-bit integers become text. */
function replaced(value: unknown, fields: Uint8Array[]): unknown {
  if (typeof value === 'bigint') return {[bigintTag]: value.toString()}
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Uint8Array) {
    fields.push(value)
    return {[bytesReference]: fields.length - 1}
  }
  if (Array.isArray(value)) return value.map((item) => replaced(item, fields))
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) copy[key] = replaced(item, fields)
  return copy
}

/** Decodes what encodeRequestBytes wrote, or an entry of the JSON format before it. */
export function decodeRequestBytes<T>(bytes: Uint8Array): T {
  if (bytes[0] !== marker) return decodeValue<T>(bytes)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = readLength(view, 1)
  const headerEnd = 1 + lengthBytes + headerLength
  const fields: Uint8Array[] = []
  for (let offset = headerEnd; offset < bytes.length; ) {
    const length = readLength(view, offset)
    const start = offset + lengthBytes
    if (start + length > bytes.length) throw new InvariantError(`a request entry's byte field runs past its end (${start + length} of ${bytes.length} bytes)`)
    // A copy: the request outlives the entry's bytes, which may be a view of a larger buffer.
    fields.push(bytes.slice(start, start + length))
    offset = start + length
  }
  return revived(JSON.parse(decoder.decode(bytes.subarray(1 + lengthBytes, headerEnd))), fields) as T
}

/** The parsed JSON with its byte fields and 64-bit integers back in place (a walk: JSON.parse's reviver is slower). */
function revived(value: unknown, fields: readonly Uint8Array[]): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = revived(value[index], fields)
    return value
  }
  const record = value as Record<string, unknown>
  const reference = record[bytesReference]
  if (typeof reference === 'number') {
    const field = fields[reference]
    if (!field) throw new InvariantError(`a request entry refers to byte field ${reference} of ${fields.length}`)
    return field
  }
  const bigint = record[bigintTag]
  if (typeof bigint === 'string') return BigInt(bigint)
  for (const key in record) record[key] = revived(record[key], fields)
  return record
}

function readLength(view: DataView, offset: number): number {
  if (offset + lengthBytes > view.byteLength) throw new InvariantError(`a request entry ends inside a length (at byte ${offset} of ${view.byteLength})`)
  return view.getUint32(offset)
}

// etcd's HashKV: CRC-32C over the "key" bucket of its bolt database, revision by revision. Each
// row is the bolt key (8-byte main revision, '_', 8-byte sub revision, 't' for a tombstone) and
// the protobuf-encoded mvccpb.KeyValue, so the numbers match a real etcd with the same history.
import type {HistoryRow} from '../storage/kv-tables.js'

const castagnoli = (() => {
  const table = new Uint32Array(256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
    table[byte] = crc >>> 0
  }
  return table
})()

export class Crc32c {
  private crc = 0xffffffff

  update(bytes: Uint8Array): this {
    let crc = this.crc
    for (let index = 0; index < bytes.length; index++) crc = castagnoli[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8)
    this.crc = crc
    return this
  }

  digest(): number {
    return (this.crc ^ 0xffffffff) >>> 0
  }
}

function varint(value: bigint): number[] {
  // Negative int64 values take ten bytes in protobuf's two's-complement varint.
  let remaining = BigInt.asUintN(64, value)
  const bytes: number[] = []
  do {
    let byte = Number(remaining & 0x7fn)
    remaining >>= 7n
    if (remaining !== 0n) byte |= 0x80
    bytes.push(byte)
  } while (remaining !== 0n)
  return bytes
}

/** mvccpb.KeyValue as gogo/protobuf marshals it: fields in order, zero values left out. */
export function encodeKeyValue(row: HistoryRow): Uint8Array {
  const bytes: number[] = []
  const field = (number: number, wireType: number) => bytes.push(...varint(BigInt((number << 3) | wireType)))
  const bytesField = (number: number, value: Uint8Array) => {
    if (value.length === 0) return
    field(number, 2)
    bytes.push(...varint(BigInt(value.length)))
    for (const byte of value) bytes.push(byte)
  }
  const intField = (number: number, value: bigint) => {
    if (value === 0n) return
    field(number, 0)
    bytes.push(...varint(value))
  }
  bytesField(1, row.key)
  if (row.tombstone) return Uint8Array.from(bytes)
  intField(2, BigInt(row.createRevision))
  intField(3, BigInt(row.modRevision))
  intField(4, BigInt(row.version))
  bytesField(5, row.value)
  intField(6, row.lease)
  return Uint8Array.from(bytes)
}

export function revisionKey(row: HistoryRow): Uint8Array {
  const key = Buffer.alloc(row.tombstone ? 18 : 17)
  key.writeBigInt64BE(BigInt(row.modRevision), 0)
  key[8] = 0x5f
  key.writeBigInt64BE(BigInt(row.subRevision), 9)
  if (row.tombstone) key[17] = 0x74
  return key
}

export function hashHistory(rows: Iterable<HistoryRow>): number {
  const crc = new Crc32c().update(new TextEncoder().encode('key'))
  for (const row of rows) crc.update(revisionKey(row)).update(encodeKeyValue(row))
  return crc.digest()
}

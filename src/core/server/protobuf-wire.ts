// The protocol buffer wire format, read only: the fields of one message as they come, without a
// schema. Kubernetes clients write it with gogo/protobuf (proto2; repeated scalars unpacked, but a
// reader must accept both).

export class ProtobufWireError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtobufWireError'
  }
}

export const enum WireType {
  varint = 0,
  fixed64 = 1,
  lengthDelimited = 2,
  fixed32 = 5,
}

/** One field as it was on the wire: a varint or fixed number as a bigint, a length-delimited payload as bytes. */
export type WireValue = {readonly wireType: WireType.varint | WireType.fixed64 | WireType.fixed32; readonly number: bigint; readonly bytes?: undefined}
  | {readonly wireType: WireType.lengthDelimited; readonly bytes: Uint8Array; readonly number?: undefined}

export interface WireField {
  readonly fieldNumber: number
  readonly value: WireValue
}

/** A varint is at most 10 bytes (64 bits, 7 at a time). */
const varintBytesMax = 10
/** Fields of one message at most: a request body is bounded, this bounds the work on a hostile one. */
export const messageFieldsMax = 1_000_000

export class WireReader {
  private position = 0
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.position >= this.bytes.length
  }

  varint(): bigint {
    let result = 0n
    for (let index = 0; index < varintBytesMax; index++) {
      if (this.position >= this.bytes.length) throw new ProtobufWireError('unexpected end of a varint')
      const byte = this.bytes[this.position++]!
      result |= BigInt(byte & 0x7f) << BigInt(7 * index)
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result)
    }
    throw new ProtobufWireError('a varint longer than 10 bytes')
  }

  fixed(byteCount: 4 | 8): bigint {
    if (this.position + byteCount > this.bytes.length) throw new ProtobufWireError('unexpected end of a fixed-width number')
    let result = 0n
    for (let index = byteCount - 1; index >= 0; index--) result = (result << 8n) | BigInt(this.bytes[this.position + index]!)
    this.position += byteCount
    return result
  }

  lengthDelimited(): Uint8Array {
    const length = this.varint()
    if (length > BigInt(this.bytes.length - this.position)) throw new ProtobufWireError('a length-delimited field longer than its message')
    const start = this.position
    this.position += Number(length)
    return this.bytes.subarray(start, this.position)
  }
}

/** The fields of a message in wire order. */
export function readFields(bytes: Uint8Array): WireField[] {
  const reader = new WireReader(bytes)
  const fields: WireField[] = []
  while (!reader.done) {
    if (fields.length >= messageFieldsMax) throw new ProtobufWireError(`more than ${messageFieldsMax} fields in one message`)
    const key = reader.varint()
    const fieldNumber = Number(key >> 3n)
    const wireType = Number(key & 7n)
    if (fieldNumber === 0) throw new ProtobufWireError('field number 0')
    switch (wireType) {
      case WireType.varint: fields.push({fieldNumber, value: {wireType, number: reader.varint()}}); break
      case WireType.fixed64: fields.push({fieldNumber, value: {wireType, number: reader.fixed(8)}}); break
      case WireType.fixed32: fields.push({fieldNumber, value: {wireType, number: reader.fixed(4)}}); break
      case WireType.lengthDelimited: fields.push({fieldNumber, value: {wireType, bytes: reader.lengthDelimited()}}); break
      default: throw new ProtobufWireError(`wire type ${wireType} (groups are not used by Kubernetes)`)
    }
  }
  return fields
}

/** The numbers of a packed repeated scalar: varints, or fixed-width numbers of the given size. */
export function readPacked(bytes: Uint8Array, fixedBytes: 4 | 8 | null): bigint[] {
  const reader = new WireReader(bytes)
  const numbers: bigint[] = []
  while (!reader.done) {
    if (numbers.length >= messageFieldsMax) throw new ProtobufWireError(`more than ${messageFieldsMax} values in one packed field`)
    numbers.push(fixedBytes === null ? reader.varint() : reader.fixed(fixedBytes))
  }
  return numbers
}

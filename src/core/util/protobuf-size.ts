// Sizes of protobuf encodings, computed without encoding: what a gRPC peer's message-size limits
// and etcd's watch fragmenting measure. Field numbers up to 15 take a one-byte tag.

/** The bytes of a varint (a negative int64 takes all ten, as protobuf writes it). */
export function varintBytes(value: number | bigint): number {
  let rest = BigInt.asUintN(64, BigInt(value))
  let bytes = 1
  while (rest >= 0x80n) {
    rest >>= 7n
    bytes++
  }
  return bytes
}

/** A length-delimited field (bytes, string, message) of `length` bytes with a one-byte tag; absent when empty. */
export const lengthDelimitedFieldBytes = (length: number): number => (length === 0 ? 0 : 1 + varintBytes(length) + length)

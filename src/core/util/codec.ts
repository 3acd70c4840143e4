// JSON that carries bytes and 64-bit integers: raft entries and snapshots are encoded with it so
// that what a member applies is exactly what was proposed.

const bytesTag = '$bytes'
const bigintTag = '$int64'

function replace(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return {[bigintTag]: value.toString()}
  if (value instanceof Uint8Array) return {[bytesTag]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}
  // Buffer has its own toJSON, which runs before the replacer sees it.
  if (value && typeof value === 'object' && (value as {type?: unknown}).type === 'Buffer' && Array.isArray((value as {data?: unknown}).data)) {
    return {[bytesTag]: Buffer.from((value as {data: number[]}).data).toString('base64')}
  }
  return value
}

function revive(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>
    if (typeof record[bytesTag] === 'string') return new Uint8Array(Buffer.from(record[bytesTag] as string, 'base64'))
    if (typeof record[bigintTag] === 'string') return BigInt(record[bigintTag] as string)
  }
  return value
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeValue(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value, replace))
}

export function decodeValue<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes), revive) as T
}

// etcdctl 3.4's per-endpoint clients (`endpoint status|health|hashkv` with --endpoints=http://…)
// give grpc-go the whole URL as the dial target, so the HTTP/2 `:authority` they send is
// "http://127.0.0.1:2379". Go's server takes it; Node's HTTP/2 (nghttp2) checks the field and
// resets the stream with PROTOCOL_ERROR, with no option to relax it. So the etcd front door
// relays its connections through this rewriter: it passes them to the gRPC server, and in the client's
// HEADERS frames writes each literal `:authority` as the address the client reached (which the
// server does not otherwise use). The HPACK header block is walked, not decoded: indexed fields and
// other literals are copied byte for byte, so both ends' dynamic tables keep the same entries (the
// server's a little smaller, which only means it evicts later).
import {Transform, type TransformCallback} from 'node:stream'

export const connectionPreface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
/** A frame header holds a 24-bit length: the relay buffers at most one frame of 16 MiB. */
const frameHeaderBytes = 9
const headersFrameType = 0x1
const settingsFrameType = 0x4
const ackFlag = 0x1
const endHeadersFlag = 0x4
const paddedFlag = 0x8
const priorityFlag = 0x20
const priorityBytes = 5
/** `:authority` is entry 1 of HPACK's static table. */
const authorityStaticIndex = 1
/** An HPACK integer of more than this many continuation bytes is malformed. */
const integerContinuationBytesMax = 5

class MalformedHeaderBlock extends Error {}

function readInteger(block: Buffer, position: number, prefixBits: number): {value: number; next: number} {
  const mask = (1 << prefixBits) - 1
  let value = block[position]! & mask
  let next = position + 1
  if (value < mask) return {value, next}
  for (let shift = 0, count = 0; ; shift += 7, count++) {
    if (count >= integerContinuationBytesMax || next >= block.length) throw new MalformedHeaderBlock('HPACK integer')
    const byte = block[next++]!
    value += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return {value, next}
  }
}

function skipString(block: Buffer, position: number): number {
  if (position >= block.length) throw new MalformedHeaderBlock('HPACK string')
  const {value: length, next} = readInteger(block, position, 7)
  if (next + length > block.length) throw new MalformedHeaderBlock('HPACK string length')
  return next + length
}

function encodeInteger(value: number, prefixBits: number, firstByteFlags: number): number[] {
  const mask = (1 << prefixBits) - 1
  if (value < mask) return [firstByteFlags | value]
  const bytes = [firstByteFlags | mask]
  let rest = value - mask
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  bytes.push(rest)
  return bytes
}

/** The header block with every literal `:authority` (by static index) carrying `authority`; null when there is none. */
export function rewriteAuthority(block: Buffer, authority: string): Buffer | null {
  const value = Buffer.from(authority)
  const parts: Buffer[] = []
  let copiedUpTo = 0
  let rewritten = false
  let position = 0
  while (position < block.length) {
    const first = block[position]!
    if (first & 0x80) {
      position = readInteger(block, position, 7).next // indexed field
      continue
    }
    if ((first & 0xe0) === 0x20) {
      position = readInteger(block, position, 5).next // dynamic table size update
      continue
    }
    // A literal: with incremental indexing (01), without indexing (0000) or never indexed (0001).
    const prefixBits = first & 0x40 ? 6 : 4
    const representation = first & (first & 0x40 ? 0xc0 : 0xf0)
    const start = position
    const {value: nameIndex, next} = readInteger(block, position, prefixBits)
    position = nameIndex === 0 ? skipString(block, next) : next
    position = skipString(block, position)
    if (nameIndex !== authorityStaticIndex) continue
    parts.push(block.subarray(copiedUpTo, start), Buffer.from([...encodeInteger(authorityStaticIndex, prefixBits, representation), ...encodeInteger(value.length, 7, 0)]), value)
    copiedUpTo = position
    rewritten = true
  }
  if (!rewritten) return null
  parts.push(block.subarray(copiedUpTo))
  return Buffer.concat(parts)
}

/**
 * The literal `:authority` values of a HEADERS frame whose block ends in it (END_HEADERS), as
 * sent (HPACK string representations, Huffman-coded or not), joined; null when it has none or is
 * malformed. Two blocks with the same bytes here carry the same authorities.
 */
export function literalAuthoritiesOf(frame: Buffer): Buffer | null {
  const flags = frame[4]!
  if (frame[3] !== headersFrameType || (flags & endHeadersFlag) === 0) return null
  let payload = frame.subarray(frameHeaderBytes)
  if (flags & paddedFlag) {
    const padding = payload[0] ?? 0
    if (1 + padding > payload.length) return null
    payload = payload.subarray(1, payload.length - padding)
  }
  const block = flags & priorityFlag ? payload.subarray(priorityBytes) : payload
  const values: Buffer[] = []
  try {
    let position = 0
    while (position < block.length) {
      const first = block[position]!
      if (first & 0x80) {
        position = readInteger(block, position, 7).next
        continue
      }
      if ((first & 0xe0) === 0x20) {
        position = readInteger(block, position, 5).next
        continue
      }
      const {value: nameIndex, next} = readInteger(block, position, first & 0x40 ? 6 : 4)
      const valueStart = nameIndex === 0 ? skipString(block, next) : next
      position = skipString(block, valueStart)
      if (nameIndex === authorityStaticIndex) values.push(block.subarray(valueStart, position))
    }
  } catch (error) {
    if (error instanceof MalformedHeaderBlock) return null
    throw error
  }
  return values.length > 0 ? Buffer.concat(values) : null
}

/** The client-to-server half of a connection: frames as they come, HEADERS with their authority rewritten. */
export class AuthorityRewriter extends Transform {
  private pending: Buffer = Buffer.alloc(0)
  private prefaceChecked = false
  private passThrough = false

  /**
   * `dropSettingsAck`: the client's next SETTINGS acknowledgement answers the front door's own
   * SETTINGS (grpc-connection-sort.ts), not the server's: it is dropped.
   */
  constructor(
    private readonly authority: string,
    private dropSettingsAck = false,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.passThrough) return done(null, chunk)
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    if (!this.prefaceChecked) {
      if (this.pending.length < connectionPreface.length) return done()
      this.prefaceChecked = true
      // Not HTTP/2 with prior knowledge: the server answers it as it would.
      if (!this.pending.subarray(0, connectionPreface.length).equals(connectionPreface)) {
        this.passThrough = true
        const all = this.pending
        this.pending = Buffer.alloc(0)
        return done(null, all)
      }
      this.push(this.pending.subarray(0, connectionPreface.length))
      this.pending = this.pending.subarray(connectionPreface.length)
    }
    // Whole frames go on in one piece per chunk (one write downstream, not one per frame); only a
    // rewritten HEADERS frame is copied.
    const parts: Buffer[] = []
    let unchangedFrom = 0
    let position = 0
    while (this.pending.length - position >= frameHeaderBytes) {
      const end = position + frameHeaderBytes + this.pending.readUIntBE(position, 3)
      if (this.pending.length < end) break
      const frame = this.pending.subarray(position, end)
      if (this.dropSettingsAck && frame[3] === settingsFrameType && (frame[4]! & ackFlag) !== 0) {
        this.dropSettingsAck = false
        parts.push(this.pending.subarray(unchangedFrom, position))
        unchangedFrom = end
        position = end
        continue
      }
      const rewritten = this.rewritten(frame)
      if (rewritten !== frame) {
        parts.push(this.pending.subarray(unchangedFrom, position), rewritten)
        unchangedFrom = end
      }
      position = end
    }
    if (position > unchangedFrom) parts.push(this.pending.subarray(unchangedFrom, position))
    this.pending = this.pending.subarray(position)
    if (parts.length === 1) this.push(parts[0])
    else if (parts.length > 1) this.push(Buffer.concat(parts))
    done()
  }

  private rewritten(frame: Buffer): Buffer {
    const type = frame[3]!
    const flags = frame[4]!
    // A header block split over CONTINUATION frames goes through as it is (grpc-go's fit in one frame).
    if (type !== headersFrameType || (flags & endHeadersFlag) === 0) return frame
    let payload = frame.subarray(frameHeaderBytes)
    if (flags & paddedFlag) {
      const padding = payload[0] ?? 0
      if (1 + padding > payload.length) return frame
      payload = payload.subarray(1, payload.length - padding)
    }
    const priority = flags & priorityFlag ? payload.subarray(0, priorityBytes) : Buffer.alloc(0)
    let block: Buffer | null
    try {
      block = rewriteAuthority(payload.subarray(priority.length), this.authority)
    } catch (error) {
      if (error instanceof MalformedHeaderBlock) return frame // the server reports it as nghttp2 sees it
      throw error
    }
    if (!block) return frame
    const header = Buffer.from(frame.subarray(0, frameHeaderBytes))
    header.writeUIntBE(priority.length + block.length, 0, 3)
    header[4] = flags & ~paddedFlag
    return Buffer.concat([header, priority, block])
  }
}

// RFC 6455 frames as a server reads and writes them: the client's masked frames split out of the
// byte stream (data, ping, close), the server's unmasked frames written.
/** The largest frame payload kubemu accepts from a client; a larger one ends the connection. */
export const websocketFramePayloadBytesMax = 1 << 20

export const websocketOpcodes = {continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10} as const

export interface WebsocketFrame {
  readonly opcode: number
  readonly payload: Buffer
}

export class WebsocketFrameError extends Error {}

/** A frame from the server (unmasked, FIN set). */
export function websocketFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length
  if (length < 126) return Buffer.concat([Buffer.from([0x80 | opcode, length]), payload])
  if (length < 65_536) return Buffer.concat([Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff]), payload])
  const header = Buffer.alloc(10)
  header[0] = 0x80 | opcode
  header[1] = 127
  header.writeBigUInt64BE(BigInt(length), 2)
  return Buffer.concat([header, payload])
}

/** Splits the client's bytes into frames, unmasked; partial frames wait for more bytes. */
export class WebsocketFrameReader {
  private pending: Buffer = Buffer.alloc(0)

  push(bytes: Buffer): WebsocketFrame[] {
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes])
    const frames: WebsocketFrame[] = []
    for (;;) {
      if (this.pending.length < 2) break
      const opcode = this.pending[0]! & 0x0f
      const masked = (this.pending[1]! & 0x80) !== 0
      let length = this.pending[1]! & 0x7f
      let offset = 2
      if (length === 126) {
        if (this.pending.length < 4) break
        length = this.pending.readUInt16BE(2)
        offset = 4
      } else if (length === 127) {
        if (this.pending.length < 10) break
        const long = this.pending.readBigUInt64BE(2)
        if (long > BigInt(websocketFramePayloadBytesMax)) throw new WebsocketFrameError(`a WebSocket frame of ${long} bytes is over the ${websocketFramePayloadBytesMax}-byte limit`)
        length = Number(long)
        offset = 10
      }
      if (length > websocketFramePayloadBytesMax) throw new WebsocketFrameError(`a WebSocket frame of ${length} bytes is over the ${websocketFramePayloadBytesMax}-byte limit`)
      const maskBytes = masked ? 4 : 0
      if (this.pending.length < offset + maskBytes + length) break
      const payload = Buffer.from(this.pending.subarray(offset + maskBytes, offset + maskBytes + length))
      if (masked) {
        const mask = this.pending.subarray(offset, offset + 4)
        for (let index = 0; index < payload.length; index++) payload[index] = payload[index]! ^ mask[index & 3]!
      }
      frames.push({opcode, payload})
      this.pending = this.pending.subarray(offset + maskBytes + length)
    }
    return frames
  }
}

// The wire formats behind port-forward: SPDY/3.1 frames and header blocks (one zlib stream per
// direction over the SPDY/3 dictionary, as spdystream writes them), and WebSocket frames as a
// client masks them.
import {constants, createDeflate, deflateSync, inflateSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {controlFrame, controlFrameTypes, dataFrames, headerBlock, parseHeaderBlock, SpdyFrameReader, SpdyHeaderCodec, spdyHeaderDictionary, SpdyProtocolError} from '../../src/core/server/spdy-framing.js'
import {WebsocketFrameReader, websocketFrame} from '../../src/core/server/websocket-frames.js'

describe('SPDY framing', () => {
  it('has the SPDY/3 dictionary (1423 bytes, the digest every implementation shares)', () => {
    expect(spdyHeaderDictionary.length).toBe(1423)
    expect(spdyHeaderDictionary.subarray(0, 11)).toEqual(Buffer.from('\0\0\0\x07options'))
    expect(spdyHeaderDictionary.subarray(-6).toString()).toBe('enq=0.')
    // zlib names a preset dictionary by its Adler-32: a client's header block carries it.
    const block = deflateSync(headerBlock(new Map([['streamtype', 'data']])), {dictionary: spdyHeaderDictionary})
    expect(block.readUInt32BE(2)).toBe(adler32(spdyHeaderDictionary))
  })

  it("decodes a client's header blocks in order from one zlib stream, and encodes its own", async () => {
    const codec = new SpdyHeaderCodec()
    const first = headerBlock(new Map([['streamtype', 'error'], ['port', '80'], ['requestid', '0']]))
    const second = headerBlock(new Map([['streamtype', 'data'], ['port', '80'], ['requestid', '0']]))
    // One deflate stream, sync-flushed after each block, as Go's zlib writer does.
    const deflate = createDeflate({dictionary: spdyHeaderDictionary})
    const flushed = (input: Buffer) => new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = []
      const onData = (chunk: Buffer) => chunks.push(chunk)
      deflate.on('data', onData)
      deflate.write(input)
      deflate.flush(constants.Z_SYNC_FLUSH, () => {
        deflate.off('data', onData)
        resolve(Buffer.concat(chunks))
      })
    })
    const blockOne = await flushed(first)
    const blockTwo = await flushed(second)
    expect(Object.fromEntries(await codec.decode(blockOne))).toEqual({streamtype: 'error', port: '80', requestid: '0'})
    expect(Object.fromEntries(await codec.decode(blockTwo))).toEqual({streamtype: 'data', port: '80', requestid: '0'})
    const reply = Buffer.concat([await codec.encode(new Map()), await codec.encode(new Map([['x', 'y']]))])
    expect(parseHeaderBlock(inflateSync(reply, {dictionary: spdyHeaderDictionary, finishFlush: constants.Z_SYNC_FLUSH}).subarray(4))).toEqual(new Map([['x', 'y']]))
    codec.close()
    deflate.destroy()
  })

  it('splits frames across reads, and refuses another version or an oversized frame', () => {
    const reader = new SpdyFrameReader()
    const bytes = Buffer.concat([controlFrame(controlFrameTypes.ping, 0, Buffer.from([0, 0, 0, 1])), ...dataFrames(3, Buffer.from('hello'), true)])
    expect(reader.push(bytes.subarray(0, 5))).toEqual([])
    const frames = reader.push(bytes.subarray(5))
    expect(frames).toEqual([
      {control: true, type: controlFrameTypes.ping, flags: 0, payload: Buffer.from([0, 0, 0, 1])},
      {control: false, streamId: 3, flags: 1, data: Buffer.from('hello')},
    ])
    expect(() => new SpdyFrameReader().push(Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]))).toThrow(SpdyProtocolError)
    expect(() => new SpdyFrameReader().push(Buffer.from([0, 0, 0, 1, 0, 0x7f, 0xff, 0xff]))).toThrow(/over the/)
  })
})

describe('WebSocket frames', () => {
  it("unmasks a client's frames, whole or in pieces, with 16-bit lengths", () => {
    const payload = Buffer.alloc(300, 7)
    const mask = Buffer.from([1, 2, 3, 4])
    const masked = Buffer.from(payload.map((byte, index) => byte ^ mask[index & 3]!))
    const frame = Buffer.concat([Buffer.from([0x82, 0x80 | 126, 1, 44]), mask, masked])
    const reader = new WebsocketFrameReader()
    expect(reader.push(frame.subarray(0, 3))).toEqual([])
    expect(reader.push(frame.subarray(3))).toEqual([{opcode: 2, payload}])
    expect(websocketFrame(2, Buffer.from('ab'))).toEqual(Buffer.from([0x82, 2, 0x61, 0x62]))
  })
})

function adler32(bytes: Buffer): number {
  let a = 1
  let b = 0
  for (const byte of bytes) {
    a = (a + byte) % 65_521
    b = (b + a) % 65_521
  }
  return ((b << 16) | a) >>> 0
}

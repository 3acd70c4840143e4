// SPDY/3.1 as kubectl's port-forward speaks it (moby/spdystream under client-go): control frames
// (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE) and data frames, and
// the name/value header blocks compressed with one zlib stream per direction over the SPDY/3
// preset dictionary. Only what a port-forward server needs: parse the client's frames, write
// replies and data.
import {constants, createDeflate, createInflate, type Deflate, type Inflate} from 'node:zlib'

/** The largest frame payload kubemu accepts from a client; a larger one ends the session. */
export const spdyFramePayloadBytesMax = 1 << 20
/** The largest data frame kubemu writes (longer data is split). */
export const spdyDataFrameBytesMax = 32 * 1024

export const controlFrameTypes = {synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9} as const
export const flagFin = 0x01

// The SPDY/3 header dictionary (draft 3, section 2.6.10.1): length-prefixed words, then a tail of
// status lines, dates and content values.
const dictionaryWords = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language', 'accept-ranges', 'age', 'allow',
  'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5',
  'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after',
  'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK',
  'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
]
const dictionaryTail =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found' +
  '500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,public' +
  'privatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.'

export const spdyHeaderDictionary: Buffer = Buffer.concat([
  ...dictionaryWords.map((word) => {
    const entry = Buffer.alloc(4 + word.length)
    entry.writeUInt32BE(word.length, 0)
    entry.write(word, 4, 'latin1')
    return entry
  }),
  Buffer.from(dictionaryTail, 'latin1'),
])

export type SpdyFrame =
  | {readonly control: true; readonly type: number; readonly flags: number; readonly payload: Buffer}
  | {readonly control: false; readonly streamId: number; readonly flags: number; readonly data: Buffer}

export class SpdyProtocolError extends Error {}

/** Splits a byte stream into SPDY frames; partial frames wait for more bytes. */
export class SpdyFrameReader {
  private pending: Buffer = Buffer.alloc(0)

  push(bytes: Buffer): SpdyFrame[] {
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes])
    const frames: SpdyFrame[] = []
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4) & 0xffffff
      if (length > spdyFramePayloadBytesMax) throw new SpdyProtocolError(`a SPDY frame of ${length} bytes is over the ${spdyFramePayloadBytesMax}-byte limit`)
      if (this.pending.length < 8 + length) break
      const flags = this.pending[4]!
      const payload = this.pending.subarray(8, 8 + length)
      if (this.pending[0]! & 0x80) {
        const version = this.pending.readUInt16BE(0) & 0x7fff
        if (version !== 3) throw new SpdyProtocolError(`SPDY version ${version} is not supported (3 is)`)
        frames.push({control: true, type: this.pending.readUInt16BE(2), flags, payload})
      } else {
        frames.push({control: false, streamId: this.pending.readUInt32BE(0) & 0x7fffffff, flags, data: payload})
      }
      this.pending = this.pending.subarray(8 + length)
    }
    return frames
  }
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8)
  header.writeUInt16BE(0x8000 | 3, 0)
  header.writeUInt16BE(type, 2)
  header.writeUInt32BE(payload.length, 4)
  header[4] = flags
  return Buffer.concat([header, payload])
}

export function dataFrames(streamId: number, data: Buffer, fin: boolean): Buffer[] {
  const frames: Buffer[] = []
  for (let offset = 0; offset < data.length || (offset === 0 && frames.length === 0); offset += spdyDataFrameBytesMax) {
    const chunk = data.subarray(offset, offset + spdyDataFrameBytesMax)
    const last = offset + spdyDataFrameBytesMax >= data.length
    const header = Buffer.alloc(8)
    header.writeUInt32BE(streamId & 0x7fffffff, 0)
    header.writeUInt32BE(chunk.length, 4)
    header[4] = fin && last ? flagFin : 0
    frames.push(Buffer.concat([header, chunk]))
    if (data.length === 0) break
  }
  return frames
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32BE(value >>> 0, 0)
  return bytes
}

export const rstStreamFrame = (streamId: number, status: number) => controlFrame(controlFrameTypes.rstStream, 0, Buffer.concat([uint32(streamId), uint32(status)]))
export const pingFrame = (id: number) => controlFrame(controlFrameTypes.ping, 0, uint32(id))
export const goAwayFrame = (lastStreamId: number, status: number) => controlFrame(controlFrameTypes.goAway, 0, Buffer.concat([uint32(lastStreamId), uint32(status)]))

/** Name/value pairs of a decompressed header block (names lowercased on the wire; several values NUL-joined). */
export function parseHeaderBlock(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>()
  const need = (offset: number, bytes: number) => {
    if (offset + bytes > block.length) throw new SpdyProtocolError('a SPDY header block ends inside a name or value')
  }
  need(0, 4)
  const count = block.readUInt32BE(0)
  let offset = 4
  for (let index = 0; index < count; index++) {
    need(offset, 4)
    const nameLength = block.readUInt32BE(offset)
    need(offset + 4, nameLength + 4)
    const name = block.toString('latin1', offset + 4, offset + 4 + nameLength)
    offset += 4 + nameLength
    const valueLength = block.readUInt32BE(offset)
    need(offset + 4, valueLength)
    headers.set(name, block.toString('utf8', offset + 4, offset + 4 + valueLength))
    offset += 4 + valueLength
  }
  return headers
}

export function headerBlock(headers: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [uint32(headers.size)]
  for (const [name, value] of headers) {
    const nameBytes = Buffer.from(name.toLowerCase(), 'latin1')
    const valueBytes = Buffer.from(value, 'utf8')
    parts.push(uint32(nameBytes.length), nameBytes, uint32(valueBytes.length), valueBytes)
  }
  return Buffer.concat(parts)
}

/** One direction's zlib stream: each block is written and sync-flushed; blocks go in order. */
class ZlibChannel {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly stream: Inflate | Deflate) {
    stream.on('error', () => {})
  }

  run(block: Buffer): Promise<Buffer> {
    const next = this.queue.then(() => new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = []
      const onData = (chunk: Buffer) => chunks.push(chunk)
      const onError = (error: Error) => {
        this.stream.off('data', onData)
        reject(new SpdyProtocolError(`a SPDY header block does not decompress: ${error.message}`))
      }
      this.stream.on('data', onData)
      this.stream.once('error', onError)
      this.stream.write(block)
      this.stream.flush(constants.Z_SYNC_FLUSH, () => {
        this.stream.off('data', onData)
        this.stream.off('error', onError)
        resolve(Buffer.concat(chunks))
      })
    }))
    this.queue = next.catch(() => {})
    return next
  }

  close(): void {
    this.stream.destroy()
  }
}

/** The header compression of one SPDY session: the client's blocks in, the server's out. */
export class SpdyHeaderCodec {
  private readonly inflater = new ZlibChannel(createInflate({dictionary: spdyHeaderDictionary}))
  private readonly deflater = new ZlibChannel(createDeflate({dictionary: spdyHeaderDictionary}))

  async decode(compressed: Buffer): Promise<Map<string, string>> {
    return parseHeaderBlock(await this.inflater.run(compressed))
  }

  encode(headers: ReadonlyMap<string, string>): Promise<Buffer> {
    return this.deflater.run(headerBlock(headers))
  }

  close(): void {
    this.inflater.close()
    this.deflater.close()
  }
}

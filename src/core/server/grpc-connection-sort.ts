// Which plain gRPC connections need their `:authority` rewritten (http2-authority.ts) and which can
// go to the gRPC server as the socket itself. etcdctl's per-endpoint clients send the endpoint's
// URL ("http://127.0.0.1:2379"), which Node's HTTP/2 (nghttp2) refuses; other clients send
// host:port, and their sockets can be read and written by HTTP/2 natively instead of through the
// rewriter's JavaScript streams (a tenth or more of `up`'s CPU under etcdctl's `check perf`).
//
// A client sends its first request only once the server's preface has come (grpc-go waits for
// it), so the front door sends an empty SETTINGS frame of its own, reads up to the client's first
// header block, and asks nghttp2 itself whether it takes that block: a throwaway HTTP/2 session is
// fed the bytes, and either a stream opens (accepted) or it resets the stream (refused). The
// client's acknowledgement of that SETTINGS frame, and its PINGs meanwhile (answered here), never
// reach the server: it did not send them, and an acknowledgement it did not ask for is a
// connection error to nghttp2.
import {createServer as createHttp2Server, type Http2Session} from 'node:http2'
import type {Socket} from 'node:net'
import {Duplex} from 'node:stream'
import {connectionPreface, literalAuthoritiesOf} from './http2-authority.js'

/** Bytes a client may send before its first header block is complete; past them its connection is relayed with the rewrite. */
export const sortBytesMax = 64 * 1024
/** How long nghttp2 may take to accept or refuse a header block (it does so within a turn or two of the loop). */
export const probeMillisecondsMax = 2_000
/** nghttp2's verdicts kept, by the authority bytes a client sent (a client program sends the same ones on every connection). */
export const authorityVerdictsMax = 256

/**
 * nghttp2's verdict on each authority seen, by its bytes as sent: `check perf` opens hundreds of
 * connections at once, and each asked a throwaway HTTP/2 session of its own.
 */
const authorityVerdicts = new Map<string, boolean>()

/** Throwaway HTTP/2 sessions made so far (each asks nghttp2 about one client's first header block). */
export let nghttp2Asks = 0

const frameHeaderBytes = 9
const frameType = {headers: 0x1, rstStream: 0x3, settings: 0x4, ping: 0x6, goAway: 0x7, continuation: 0x9} as const
const ackFlag = 0x1
const endHeadersFlag = 0x4
/** An empty SETTINGS frame: the server's preface, with every setting at its default. */
const emptySettingsFrame = Buffer.from([0, 0, 0, frameType.settings, 0, 0, 0, 0, 0])

export type GrpcConnectionKind = 'direct' | 'rewrite'

/**
 * Sorts a plain connection whose first bytes (`head`) are HTTP/2's preface: `decided` gets its
 * kind and the bytes to give the server (the client's, without what only the sorting was for),
 * with the socket paused. For 'rewrite', the client's acknowledgement of the front door's
 * SETTINGS may still be to come (`settingsAckPending`): the relay drops it.
 */
export function sortGrpcConnection(socket: Socket, head: Buffer, decided: (kind: GrpcConnectionKind, bytes: Buffer, settingsAckPending: boolean) => void): void {
  let pending = head.subarray(connectionPreface.length)
  const kept: Buffer[] = [connectionPreface]
  let keptBytes = connectionPreface.length
  let settingsAcked = false
  let headersComplete = false
  let inHeaderBlock = false
  let authorities: string | null = null
  let done = false
  const finish = (kind: GrpcConnectionKind) => {
    done = true
    socket.off('data', onData)
    socket.pause()
    const bytes = Buffer.concat([...kept, pending])
    decided(kind, bytes, !settingsAcked)
  }
  const onData = (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    readFrames()
  }
  const readFrames = () => {
    while (!done && pending.length >= frameHeaderBytes) {
      const end = frameHeaderBytes + pending.readUIntBE(0, 3)
      if (pending.length < end) break
      const frame = pending.subarray(0, end)
      pending = pending.subarray(end)
      const type = frame[3]!
      const flags = frame[4]!
      if (type === frameType.settings && flags & ackFlag && !settingsAcked) {
        settingsAcked = true
        continue
      }
      if (type === frameType.ping && !(flags & ackFlag)) {
        // Answered as the server would, so that a client's keepalive holds while it is idle here.
        const answer = Buffer.from(frame)
        answer[4] = ackFlag
        socket.write(answer)
        continue
      }
      kept.push(frame)
      keptBytes += frame.length
      if (type === frameType.headers || (type === frameType.continuation && inHeaderBlock)) {
        // A block in one frame is known by its authorities; one split over CONTINUATION frames is always asked about.
        if (type === frameType.headers && !headersComplete) authorities = literalAuthoritiesOf(frame)?.toString('latin1') ?? null
        inHeaderBlock = (flags & endHeadersFlag) === 0
        if (!inHeaderBlock) headersComplete = true
      }
    }
    if (done) return
    if (keptBytes + pending.length > sortBytesMax) return finish('rewrite')
    if (headersComplete && settingsAcked) {
      const known = authorities === null ? undefined : authorityVerdicts.get(authorities)
      if (known !== undefined) return finish(known ? 'direct' : 'rewrite')
      done = true
      socket.off('data', onData)
      socket.pause()
      const bytes = Buffer.concat(kept)
      const asked = authorities
      void nghttp2TakesHeaders(bytes).then((accepted) => {
        if (asked !== null) {
          authorityVerdicts.set(asked, accepted)
          if (authorityVerdicts.size > authorityVerdictsMax) authorityVerdicts.delete(authorityVerdicts.keys().next().value as string)
        }
        done = false
        kept.length = 0
        kept.push(bytes)
        finish(accepted ? 'direct' : 'rewrite')
      })
    }
  }
  socket.on('data', onData)
  socket.write(emptySettingsFrame)
  // Resumed before the first bytes are read: reading them may already decide (and pause the socket).
  socket.resume()
  readFrames()
}

/**
 * Whether Node's HTTP/2 server opens a stream for the client's first header block in `bytes`
 * (a connection preface and whole frames): fed to a throwaway session that answers nobody.
 */
function nghttp2TakesHeaders(bytes: Buffer): Promise<boolean> {
  nghttp2Asks++
  return new Promise((resolve) => {
    const server = createHttp2Server()
    let session: Http2Session | null = null
    let written = Buffer.alloc(0)
    const connection = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        // A reset stream or a GOAWAY from the probe: the block was refused.
        written = Buffer.concat([written, chunk])
        while (written.length >= frameHeaderBytes) {
          const end = frameHeaderBytes + written.readUIntBE(0, 3)
          if (written.length < end) break
          const type = written[3]
          written = written.subarray(end)
          if (type === frameType.rstStream || type === frameType.goAway) settle(false)
        }
        callback()
      },
    })
    const timer = setTimeout(() => settle(false), probeMillisecondsMax)
    let settled = false
    function settle(accepted: boolean) {
      if (settled) return
      settled = true
      clearTimeout(timer)
      session?.destroy()
      connection.destroy()
      resolve(accepted)
    }
    server.on('session', (opened) => {
      session = opened
      opened.on('error', () => settle(false))
    })
    server.on('stream', () => settle(true))
    server.emit('connection', connection)
    connection.push(bytes)
  })
}

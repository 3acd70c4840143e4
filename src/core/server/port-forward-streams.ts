// pods/portforward as kube-apiserver serves it to kubectl 1.32: SPDY/3.1 with the
// portforward.k8s.io stream protocol, either tunnelled in WebSocket binary messages (subprotocol
// "SPDY/3.1+portforward.k8s.io", what kubectl tries first) or straight over the upgraded
// connection (its fallback). Per forwarded connection kubectl opens an error stream and a data
// stream (headers streamtype, port, requestid); each data stream's bytes go through the API
// server's portforward exchange (authentication, authorization, the pod's simulated server).
import {createHash} from 'node:crypto'
import {upgradeCheckQuery} from '../apiserver/pod-logs.js'
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'
import type {ApiServer} from '../apiserver/apiserver.js'
import type {PortForwardAnswer} from '../api/wire.js'
import {controlFrame, controlFrameTypes, dataFrames, flagFin, goAwayFrame, pingFrame, rstStreamFrame, SpdyFrameReader, SpdyHeaderCodec, type SpdyFrame} from './spdy-framing.js'
import {WebsocketFrameReader, websocketFrame, websocketOpcodes} from './websocket-frames.js'
import {peerCertificateOf, requestHeadersOf} from './client-identity.js'

export const portForwardPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/
export const spdyTunnelProtocol = 'SPDY/3.1+portforward.k8s.io'
export const portForwardProtocol = 'portforward.k8s.io'
/** The most streams one port-forward session keeps open at once (a client opening more gets them reset). */
export const forwardStreamsOpenMax = 256
/** The most bytes a data stream holds unanswered (a request without its end). */
export const forwardPendingBytesMax = 1 << 20

const websocketGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const rstRefusedStream = 3
const rstStreamInUse = 8

/** Bytes out of and into the session, whatever carries them (WebSocket messages or the raw socket). */
interface Transport {
  write(bytes: Buffer): void
  end(): void
}

interface ForwardStream {
  readonly id: number
  readonly type: 'data' | 'error'
  readonly port: number
  readonly requestId: string
  pending: Buffer
  /** The server sent its FIN on this stream. */
  closed: boolean
}

type Ask = (query: Record<string, string>, body?: string) => Promise<{status: number; body: unknown}>

function refuse(socket: Duplex, status: number, message: string): void {
  const text = JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: status === 404 ? 'NotFound' : 'BadRequest', code: status})
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : status === 403 ? 'Forbidden' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`)
}

/** One SPDY session: the client's frames in order, the streams of its forwarded connections. */
class ForwardSession {
  private readonly reader = new SpdyFrameReader()
  private readonly codec = new SpdyHeaderCodec()
  private readonly streams = new Map<number, ForwardStream>()
  private queue: Promise<void> = Promise.resolve()
  private ended = false

  constructor(
    private readonly transport: Transport,
    private readonly ask: Ask,
  ) {}

  receive(bytes: Buffer): void {
    if (this.ended) return
    let frames: SpdyFrame[]
    try {
      frames = this.reader.push(bytes)
    } catch {
      this.end(1)
      return
    }
    for (const frame of frames) this.queue = this.queue.then(() => this.handle(frame)).catch(() => this.end(2))
  }

  end(goAwayStatus = 0): void {
    if (this.ended) return
    this.ended = true
    try {
      this.transport.write(goAwayFrame(0, goAwayStatus))
    } catch {
      // The connection is gone already.
    }
    this.transport.end()
    this.codec.close()
  }

  private write(bytes: Buffer): void {
    if (!this.ended) this.transport.write(bytes)
  }

  private async handle(frame: SpdyFrame): Promise<void> {
    if (this.ended) return
    if (!frame.control) return this.onData(frame.streamId, frame.data, (frame.flags & flagFin) !== 0)
    const payload = frame.payload
    if (frame.type === controlFrameTypes.synStream) return this.onSynStream(payload.readUInt32BE(0) & 0x7fffffff, await this.codec.decode(payload.subarray(10)), (frame.flags & flagFin) !== 0)
    if (frame.type === controlFrameTypes.ping) return this.write(pingFrame(payload.readUInt32BE(0)))
    if (frame.type === controlFrameTypes.rstStream) {
      this.streams.delete(payload.readUInt32BE(0) & 0x7fffffff)
      return
    }
    if (frame.type === controlFrameTypes.goAway) return this.end()
    // A HEADERS frame's block still advances the client's zlib stream; SETTINGS and WINDOW_UPDATE change nothing here.
    if (frame.type === controlFrameTypes.headers) await this.codec.decode(payload.subarray(4))
  }

  private async onSynStream(id: number, headers: Map<string, string>, fin: boolean): Promise<void> {
    const type = headers.get('streamtype')
    const port = Number(headers.get('port'))
    const requestId = headers.get('requestid') ?? ''
    if (this.streams.has(id)) return this.write(rstStreamFrame(id, rstStreamInUse))
    if ((type !== 'data' && type !== 'error') || !Number.isInteger(port) || this.streams.size >= forwardStreamsOpenMax) return this.write(rstStreamFrame(id, rstRefusedStream))
    const stream: ForwardStream = {id, type, port, requestId, pending: Buffer.alloc(0), closed: false}
    this.streams.set(id, stream)
    const reply = Buffer.alloc(4)
    reply.writeUInt32BE(id, 0)
    this.write(controlFrame(controlFrameTypes.synReply, 0, Buffer.concat([reply, await this.codec.encode(new Map())])))
    if (type !== 'data') return
    // The runtime dials the port as the data stream opens: nothing listening fails the connection now.
    const dialed = await this.exchange(stream, Buffer.alloc(0))
    if (dialed && fin) this.finish(stream)
  }

  private async onData(id: number, data: Buffer, fin: boolean): Promise<void> {
    const stream = this.streams.get(id)
    if (!stream || stream.type !== 'data' || stream.closed) return
    if (data.length > 0) {
      stream.pending = Buffer.concat([stream.pending, data])
      if (stream.pending.length > forwardPendingBytesMax) return this.finish(stream)
      if (!(await this.exchange(stream, stream.pending))) return
    }
    // The client closed its side (its local connection ended): the server's side ends too.
    if (fin) this.finish(stream)
  }

  /** Sends the stream's unanswered bytes to the pod's server; false once the connection is over. */
  private async exchange(stream: ForwardStream, input: Buffer): Promise<boolean> {
    const answer = await this.ask({ports: String(stream.port)}, JSON.stringify({data: input.toString('base64')}))
    if (answer.status >= 400) {
      const message = (answer.body as {message?: string} | null)?.message ?? `the server answered ${answer.status}`
      this.finish(stream, message)
      return false
    }
    const forwarded = answer.body as PortForwardAnswer
    stream.pending = stream.pending.subarray(Math.min(forwarded.consumedBytes, stream.pending.length))
    const reply = Buffer.from(forwarded.data, 'base64')
    if (reply.length > 0) for (const frame of dataFrames(stream.id, reply, false)) this.write(frame)
    if (forwarded.refusal !== undefined || forwarded.closes) {
      this.finish(stream, forwarded.refusal)
      return false
    }
    return true
  }

  /** Ends a forwarded connection: the error (if any) and FIN on its error stream, then FIN on its data stream. */
  private finish(stream: ForwardStream, error?: string): void {
    if (stream.closed) return
    stream.closed = true
    const errorStream = [...this.streams.values()].find((entry) => entry.type === 'error' && entry.requestId === stream.requestId && entry.port === stream.port)
    if (errorStream && !errorStream.closed) {
      errorStream.closed = true
      for (const frame of dataFrames(errorStream.id, Buffer.from(error ?? ''), true)) this.write(frame)
      this.streams.delete(errorStream.id)
    }
    for (const frame of dataFrames(stream.id, Buffer.alloc(0), true)) this.write(frame)
    this.streams.delete(stream.id)
  }
}

/** Whether an upgrade request is a port-forward (to route it here). */
export function isPortForwardUpgrade(request: IncomingMessage): boolean {
  return portForwardPath.test(new URL(request.url ?? '/', 'http://localhost').pathname)
}

/** Serves a port-forward upgrade: SPDY tunnelled in WebSocket, or SPDY/3.1 itself. */
export async function servePortForwardUpgrade(api: Pick<ApiServer, 'handle'>, request: IncomingMessage, socket: Duplex): Promise<void> {
  socket.on('error', () => socket.destroy())
  const url = new URL(request.url ?? '/', 'http://localhost')
  const match = portForwardPath.exec(url.pathname)
  if (!match) return refuse(socket, 404, 'the server could not find the requested resource')
  const headers = requestHeadersOf(request)
  const clientCertificate = peerCertificateOf(request)
  const certificate = clientCertificate ? {clientCertificate} : {}
  const ask: Ask = (query, body) => api.handle({method: 'POST', path: url.pathname, query, headers: {...headers, 'content-type': 'application/json'}, ...certificate, ...(body !== undefined ? {body} : {})})
  // kube-apiserver's upgrade proxy finds the pod and dials its node's kubelet before it answers 101
  // (a missing pod, a refused authorization or a stopped kubelet end it here, as a Status).
  const dialed = await ask({[upgradeCheckQuery]: 'dial'})
  if (dialed.status >= 400) {
    const text = JSON.stringify(dialed.body)
    socket.end(`HTTP/1.1 ${dialed.status} Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`)
    return
  }
  const upgrade = String(request.headers.upgrade ?? '').toLowerCase()
  const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((protocol) => protocol.trim())
  const key = request.headers['sec-websocket-key']
  if (upgrade === 'websocket' && typeof key === 'string') {
    if (!offered.includes(spdyTunnelProtocol)) return refuse(socket, 400, `unable to upgrade: no supported subprotocol among ${offered.join(', ')}`)
    const accept = createHash('sha1').update(`${key}${websocketGuid}`).digest('base64')
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${spdyTunnelProtocol}\r\n\r\n`)
    const transport: Transport = {
      write: (bytes) => socket.write(websocketFrame(websocketOpcodes.binary, bytes)),
      end: () => socket.end(websocketFrame(websocketOpcodes.close, Buffer.from([0x03, 0xe8]))),
    }
    const session = new ForwardSession(transport, ask)
    const frames = new WebsocketFrameReader()
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of frames.push(chunk)) {
          if (frame.opcode === websocketOpcodes.binary || frame.opcode === websocketOpcodes.continuation) session.receive(frame.payload)
          else if (frame.opcode === websocketOpcodes.ping) socket.write(websocketFrame(websocketOpcodes.pong, frame.payload))
          else if (frame.opcode === websocketOpcodes.close) session.end()
        }
      } catch {
        session.end(1)
      }
    })
    socket.on('close', () => session.end())
    return
  }
  if (upgrade === 'spdy/3.1') {
    const versions = String(request.headers['x-stream-protocol-version'] ?? '').split(',').map((version) => version.trim())
    if (!versions.includes(portForwardProtocol)) return refuse(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(versions)}, server supports ["${portForwardProtocol}"]`)
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${portForwardProtocol}\r\n\r\n`)
    const session = new ForwardSession({write: (bytes) => socket.write(bytes), end: () => socket.end()}, ask)
    socket.on('data', (chunk: Buffer) => session.receive(chunk))
    socket.on('close', () => session.end())
    return
  }
  refuse(socket, 400, 'Upgrade request required')
}

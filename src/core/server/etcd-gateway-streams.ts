// The gateway's streamed calls, /v3/watch and /v3/lease/keepalive: the request body is a stream of
// JSON requests and the answer a chunked stream of `{"result":{…}}` lines, as grpc-gateway relays a
// bidirectional gRPC stream. The answer starts with the first message (a first request that is not
// JSON fails with HTTP 500, as on etcd); a later malformed request ends the reading only.
import type {IncomingMessage, ServerResponse} from 'node:http'
import {StringDecoder} from 'node:string_decoder'
import {EtcdError} from '../mvcc/errors.js'
import {type CallStatus, callStatusOf, httpStatusOf, httpStatusText, setCorsHeaders, unknownStatusOf, userFor, writeGatewayError} from './etcd-gateway-http.js'
import type {EtcdGatewayContext} from './etcd-http.js'
import {decodeMessage, encodeMessage} from './etcd-gateway-json.js'
import {header, type Wire} from './etcd-messages.js'
import {WatchSession} from './etcd-watch-session.js'
import {GoJsonError, goJsonString, JsonValueReader} from './go-json.js'

/** Watch events one stream holds while its client reads slowly; past this the stream stops pulling from its watches. */
export const watchEventsBufferedPerStreamMax = 10_000
/** Characters of one streamed request held while it arrives (its gRPC form may not pass 2 MiB anyway). */
export const streamRequestBytesMax = 4 * 1024 * 1024

/** The answer of a streamed call: `{"result":…}` lines, the HTTP head sent with the first. */
export class ResultStream {
  private headSent = false
  private drainWaiters: Array<() => void> = []
  /** Events written while the socket pushed back, not yet known to be sent. */
  bufferedEvents = 0
  closed = false

  constructor(
    private readonly response: ServerResponse,
    private readonly responseType: string,
  ) {
    response.on('drain', () => this.wake())
    response.on('close', () => {
      this.closed = true
      this.wake()
    })
  }

  private wake(): void {
    this.bufferedEvents = 0
    for (const waiter of this.drainWaiters.splice(0)) waiter()
  }

  private head(status: number, metadata: boolean): void {
    if (this.headSent) return
    this.headSent = true
    this.response.statusCode = status
    setCorsHeaders(this.response)
    this.response.setHeader('Content-Type', 'application/json')
    if (metadata) this.response.setHeader('Grpc-Metadata-Content-Type', 'application/grpc')
    this.response.setHeader('Transfer-Encoding', 'chunked')
  }

  send(message: Wire, events = 0): void {
    if (this.closed) return
    this.head(200, true)
    this.response.write(`{"result":${encodeMessage(this.responseType, message)}}\n`)
    if (this.response.writableNeedDrain) this.bufferedEvents += events
  }

  /** Resolves once the client has taken what was written (or is gone). */
  async roomForEvents(): Promise<void> {
    while (!this.closed && this.bufferedEvents >= watchEventsBufferedPerStreamMax) await new Promise<void>((resolve) => this.drainWaiters.push(resolve))
  }

  /** Resolves once the socket has taken what was written (or the client is gone). */
  async roomForBytes(): Promise<void> {
    while (!this.closed && this.response.writableNeedDrain) await new Promise<void>((resolve) => this.drainWaiters.push(resolve))
  }

  /** A stream that fails ends with grpc-gateway's error chunk. */
  fail(status: CallStatus): void {
    if (this.closed) return
    const httpStatus = httpStatusOf(status.code)
    this.head(httpStatus, false)
    this.response.end(`{"error":{"grpc_code":${status.code},"http_code":${httpStatus},"message":${goJsonString(status.message)},"http_status":${goJsonString(httpStatusText(httpStatus))}}}`)
    this.closed = true
  }

  end(): void {
    if (this.closed) return
    this.head(200, false)
    this.response.end()
    this.closed = true
  }
}

/**
 * Reads the body's requests one by one into `handle`, in order. Resolves when the body ended or
 * a request after the first was malformed (false when the first was: the call failed).
 */
async function readRequests(request: IncomingMessage, response: ServerResponse, requestType: string, handle: (message: Wire) => Promise<void>): Promise<boolean> {
  const reader = new JsonValueReader()
  const decoder = new StringDecoder('utf8')
  let first = true
  const drain = async (): Promise<boolean> => {
    for (;;) {
      let message: Wire
      try {
        if (reader.pendingLength > streamRequestBytesMax) throw new GoJsonError('etcdserver: request is too large')
        const node = reader.next()
        if (node === undefined) return true
        if (node === null) return false
        message = decodeMessage(requestType, node)
      } catch (error) {
        if (first) writeGatewayError(response, unknownStatusOf(error))
        return false
      }
      first = false
      await handle(message)
    }
  }
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      if (response.writableEnded || response.destroyed) return !first
      reader.append(decoder.write(chunk))
      if (!(await drain())) return !first
    }
  } catch {
    return false // the client went away while sending: nothing more to answer
  }
  reader.append(decoder.end())
  reader.end()
  await drain()
  return !first || !response.writableEnded
}

/** POST /v3/watch: creates and cancels watches as the body asks, and streams their events. */
export async function serveWatch(request: IncomingMessage, response: ServerResponse, context: EtcdGatewayContext, token: string | undefined): Promise<void> {
  const stream = new ResultStream(response, 'etcdserverpb.WatchResponse')
  const anyClient = context.clientOf(undefined)
  const session = new WatchSession(
    {
      get closed() {
        return stream.closed
      },
      send: (message, events) => stream.send(message, events),
      room: () => stream.roomForEvents(),
      break: () => {
        stream.closed = true
        response.destroy()
      },
    },
    {
      clientOfCaller: () => context.clientOf(userFor(context, token, 'checked')),
      currentHeader: () => header(anyClient.header(anyClient.serving().stateMachine.kv.currentRevision())),
    },
  )
  response.on('close', () => session.stop())
  const handle = async (message: Wire) => {
    try {
      session.handle(message)
    } catch (error) {
      session.stop()
      stream.fail(callStatusOf(error))
    }
  }
  // The stream stays open after the body ends, until the client goes (as etcd's watch stream).
  await readRequests(request, response, 'etcdserverpb.WatchRequest', handle)
}

/** POST /v3/lease/keepalive: one answer per request in the body; ends when the body does. */
export async function serveKeepAlives(request: IncomingMessage, response: ServerResponse, context: EtcdGatewayContext, token: string | undefined): Promise<void> {
  const stream = new ResultStream(response, 'etcdserverpb.LeaseKeepAliveResponse')
  // etcd renews leases without looking at the token.
  const client = context.clientOf(userFor(context, token, 'ignored'))
  let failed = false
  const handle = async (message: Wire) => {
    if (failed || stream.closed) return
    const id = BigInt(message.ID)
    try {
      const answer = await client.lease.keepAliveOnce(id)
      stream.send({header: header(answer.header), ID: id.toString(), TTL: String(answer.ttl)})
    } catch (error) {
      // A lease that is gone answers TTL 0, as etcd does.
      if (error instanceof EtcdError && error.grpcCode === 'NotFound') return stream.send({header: header(client.header(client.serving().stateMachine.kv.currentRevision())), ID: id.toString()})
      failed = true
      stream.fail(callStatusOf(error))
    }
  }
  if (await readRequests(request, response, 'etcdserverpb.LeaseKeepAliveRequest', handle)) stream.end()
}


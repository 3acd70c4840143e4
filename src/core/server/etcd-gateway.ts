// etcd 3.4's v3 HTTP gateway on the client ports: POST /v3/kv/range, /v3/watch, /v3/auth/… with
// JSON bodies, answered as etcd's grpc-gateway answers them (the same JSON, status codes, error
// bodies and headers), for curl and HTTP clients that use etcd without gRPC. Each call maps onto
// the member's client as the gRPC front door's does; streams are in etcd-gateway-streams.ts.
import type {IncomingMessage, ServerResponse} from 'node:http'
import {EtcdError} from '../mvcc/errors.js'
import {grpcReceiveBytesMax} from './etcd-messages.js'
import {callStatusOf, gatewayRequestBytesMax, httpStatusText, setCorsHeaders, userFor, writeCallError, writeGatewayError} from './etcd-gateway-http.js'
import type {EtcdGatewayContext} from './etcd-http.js'
import {decodeMessage, encodedBytes, encodeMessage} from './etcd-gateway-json.js'
import {type UnaryRoute, unaryRoutes} from './etcd-gateway-routes.js'
import {ResultStream, serveKeepAlives, serveWatch} from './etcd-gateway-streams.js'
import type {Wire} from './etcd-messages.js'
import {snapshotMessages} from './etcd-snapshot-stream.js'
import {JsonValueReader} from './go-json.js'

function writePlain(response: ServerResponse, httpStatus: number): void {
  const body = `${httpStatusText(httpStatus)}\n`
  response.statusCode = httpStatus
  setCorsHeaders(response)
  response.setHeader('Content-Type', 'text/plain; charset=utf-8')
  response.setHeader('X-Content-Type-Options', 'nosniff')
  response.setHeader('Content-Length', Buffer.byteLength(body))
  response.end(body)
}

/** The body, up to gatewayRequestBytesMax: 'too large' when it is larger, 'gone' when the client went away. */
async function readBody(request: IncomingMessage): Promise<{text: string} | 'too large' | 'gone'> {
  const chunks: Buffer[] = []
  let total = 0
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > gatewayRequestBytesMax) return 'too large'
      chunks.push(chunk)
    }
  } catch {
    return 'gone'
  }
  return {text: Buffer.concat(chunks).toString('utf8')}
}

type Handler = (request: IncomingMessage, response: ServerResponse, context: EtcdGatewayContext, token: string | undefined) => Promise<void>

/** The streamed calls (the others are unaryRoutes). */
const streamRoutes: ReadonlyMap<string, Handler> = new Map([
  ['/v3/watch', serveWatch],
  ['/v3/lease/keepalive', serveKeepAlives],
  ['/v3/maintenance/snapshot', serveSnapshot],
])

/** Serves one HTTP request under /v3/ as etcd 3.4's gateway does. */
export async function serveEtcdGateway(request: IncomingMessage, response: ServerResponse, context: EtcdGatewayContext): Promise<void> {
  if (request.method === 'OPTIONS') {
    setCorsHeaders(response)
    response.setHeader('Content-Length', 0)
    response.end()
    return
  }
  const path = new URL(request.url ?? '/', 'http://gateway').pathname
  const route = unaryRoutes.get(path)
  const handler: Handler | undefined = streamRoutes.get(path) ?? (route && ((...call) => serveUnary(route, ...call)))
  if (!handler) return writePlain(response, 404)
  if (request.method !== 'POST') return writePlain(response, 405)
  return handler(request, response, context, request.headers.authorization)
}

/** A unary request's message, read whole and decoded; null when it failed (the error answer is written). */
async function readUnaryRequest(request: IncomingMessage, response: ServerResponse, requestType: string): Promise<Wire | null> {
  const body = await readBody(request)
  if (body === 'gone') return null
  if (body === 'too large') {
    // The rest of the body is not read: the connection closes after the answer.
    response.setHeader('Connection', 'close')
    writeCallError(response, callStatusOf(new EtcdError('InvalidArgument', 'etcdserver: request is too large')))
    return null
  }
  try {
    const reader = new JsonValueReader()
    reader.append(body.text)
    reader.end()
    return decodeMessage(requestType, reader.next() ?? {kind: 'null', source: '', start: 0, end: 0})
  } catch (error) {
    writeGatewayError(response, callStatusOf(error))
    return null
  }
}

async function serveUnary(route: UnaryRoute, request: IncomingMessage, response: ServerResponse, context: EtcdGatewayContext, token: string | undefined): Promise<void> {
  const message = await readUnaryRequest(request, response, route.requestType)
  if (message === null) return
  try {
    const size = encodedBytes(route.requestType, message)
    if (size > grpcReceiveBytesMax) throw new EtcdError('ResourceExhausted', `grpc: received message larger than max (${size} vs. ${grpcReceiveBytesMax})`)
    const client = context.clientOf(userFor(context, token, route.token))
    const answer = await route.call(message, client, {remember: (value, user) => context.tokens.remember(value, user), servedUrl: (member) => context.servedUrl(member)})
    const text = encodeMessage(route.responseType, answer)
    setCorsHeaders(response)
    response.setHeader('Content-Type', 'application/json')
    response.setHeader('Grpc-Metadata-Content-Type', 'application/grpc')
    response.setHeader('Content-Length', Buffer.byteLength(text))
    response.end(text)
  } catch (error) {
    writeCallError(response, callStatusOf(error))
  }
}

/**
 * POST /v3/maintenance/snapshot: the snapshot as a stream of `{"result":{"blob":…}}` lines, read
 * from the member as the client takes them; a caller who is not root gets the error chunk.
 */
async function serveSnapshot(request: IncomingMessage, response: ServerResponse, context: EtcdGatewayContext, token: string | undefined): Promise<void> {
  if ((await readUnaryRequest(request, response, 'etcdserverpb.SnapshotRequest')) === null) return
  const stream = new ResultStream(response, 'etcdserverpb.SnapshotResponse')
  try {
    const client = context.clientOf(userFor(context, token, 'maintenance'))
    for await (const message of snapshotMessages(client)) {
      await stream.roomForBytes()
      if (stream.closed) return
      stream.send(message)
    }
    stream.end()
  } catch (error) {
    stream.fail(callStatusOf(error))
  }
}

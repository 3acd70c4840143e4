// etcd 3.4's v3 HTTP gateway on the client ports: POST /v3/kv/range, /v3/watch, /v3/auth/… with
// JSON bodies, answered as etcd's grpc-gateway answers them (the same JSON, status codes, error
// bodies and headers), for curl and HTTP clients that use etcd without gRPC. Each call maps onto
// the member's client as the gRPC front door's does; streams are in etcd-gateway-streams.ts.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {EmbeddedClient} from '../etcd/embedded-client.js'
import {EtcdError} from '../mvcc/errors.js'
import {grpcReceiveBytesMax} from './etcd-messages.js'
import {callStatusOf, gatewayRequestBytesMax, httpStatusText, setCorsHeaders, userFor, writeCallError, writeGatewayError} from './etcd-gateway-http.js'
import {decodeMessage, encodedBytes, encodeMessage} from './etcd-gateway-json.js'
import {type UnaryRoute, unaryRoutes} from './etcd-gateway-routes.js'
import {serveKeepAlives, serveWatch} from './etcd-gateway-streams.js'
import {JsonValueReader} from './go-json.js'

export interface EtcdGatewayContext {
  readonly member: string
  /** The member's client as this user (undefined: no auth token given). */
  clientOf(user: string | undefined): EmbeddedClient
  readonly tokens: {remember(token: string, user: string): void; userOfToken(token: string | undefined): string | undefined}
  servedUrl(member: string): string | undefined
}

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

async function serveUnary(route: UnaryRoute, request: IncomingMessage, response: ServerResponse, context: EtcdGatewayContext, token: string | undefined): Promise<void> {
  const body = await readBody(request)
  if (body === 'gone') return
  if (body === 'too large') {
    // The rest of the body is not read: the connection closes after the answer.
    response.setHeader('Connection', 'close')
    return writeCallError(response, callStatusOf(new EtcdError('InvalidArgument', 'etcdserver: request is too large')))
  }
  let message
  try {
    const reader = new JsonValueReader()
    reader.append(body.text)
    reader.end()
    message = decodeMessage(route.requestType, reader.next() ?? {kind: 'null', source: '', start: 0, end: 0})
  } catch (error) {
    return writeGatewayError(response, callStatusOf(error))
  }
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

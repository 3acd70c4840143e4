// The HTTP side of a member's client port, as etcd 3.4 serves it beside gRPC: /health, /version,
// /metrics, and the v3 JSON gateway under /v3/ (served by the gateway given, else absent as in
// an etcd without it). Status codes, bodies and content types are etcd's: http.Error's plain text
// with a newline for errors, CORS headers on every answer.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {EmbeddedClient} from '../etcd/embedded-client.js'
import type {EtcdMember} from '../etcd/member.js'
import {etcdVersion} from '../etcd/version.js'
import {EtcdError} from '../mvcc/errors.js'
import {type GrpcMetrics, memberFamilies} from './etcd-metrics.js'
import {prometheusText} from '../util/prometheus-text.js'

/** What the v3 JSON gateway is given to serve a member's /v3/ requests. */
export interface EtcdGatewayContext {
  readonly member: string
  /** A client of this member acting as `user` (undefined: no user, as without a token). */
  clientOf(user: string | undefined): EmbeddedClient
  /** The tokens Authenticate hands out, shared with the gRPC side. */
  readonly tokens: {remember(token: string, user: string): void; userOfToken(token: string | undefined): string | undefined}
  /** The client URL a member is served on here. */
  servedUrl(member: string): string | undefined
}

export type EtcdGateway = (request: IncomingMessage, response: ServerResponse, context: EtcdGatewayContext) => Promise<void>

export interface EtcdHttpOptions {
  readonly context: EtcdGatewayContext
  /** The member as it runs now (null while stopped). */
  member(): EtcdMember | null
  readonly grpcMetrics: GrpcMetrics
  readonly gateway?: EtcdGateway | undefined
  /** Where a failing gateway is reported (its answer is then a 500). */
  readonly log: (line: string) => void
}

/** etcd's cluster version: major.minor.0 of the members' version. */
const clusterVersion = `${etcdVersion.split('.').slice(0, 2).join('.')}.0`
/** The errors a /health read may meet and still call the member healthy (etcd's checkV3Health). */
const healthyReadErrors = new Set(['etcdserver: user name is empty', 'etcdserver: permission denied'])

/** `contentType` null: none, as Go's server sends with an empty body. */
function send(response: ServerResponse, status: number, body: string, contentType: string | null, extra: Record<string, string> = {}): void {
  response.writeHead(status, {
    'Access-Control-Allow-Headers': 'accept, content-type, authorization',
    'Access-Control-Allow-Methods': 'POST, GET, OPTIONS, PUT, DELETE',
    'Access-Control-Allow-Origin': '*',
    ...extra,
    ...(contentType === null ? {} : {'Content-Type': contentType}),
    'Content-Length': String(Buffer.byteLength(body)),
  })
  response.end(body)
}

/** Go's http.Error: the text and a newline, as plain text the browser must not sniff. */
const sendError = (response: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) =>
  send(response, status, `${text}\n`, 'text/plain; charset=utf-8', {...extra, 'X-Content-Type-Options': 'nosniff'})

const plainText = 'text/plain; charset=utf-8'

/** etcd's /health verdict: no alarm (but those excluded), a leader, and a read that goes through. */
async function healthy(member: EtcdMember | null, client: EmbeddedClient, excluded: ReadonlySet<string>): Promise<boolean> {
  if (!member) return false
  if (member.database.kv.alarms().some((entry) => !excluded.has(entry.alarm))) return false
  if (member.raft.lead === '') return false
  try {
    await client.kv.range({key: new Uint8Array([0]), limit: 1, keysOnly: true})
    return true
  } catch (error) {
    if (error instanceof EtcdError) return healthyReadErrors.has(error.message)
    throw error
  }
}

export function createEtcdHttpServer(options: EtcdHttpOptions): Server {
  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://front-door')
    if (request.method === 'OPTIONS') return send(response, 200, '', null)
    if (url.pathname.startsWith('/v3/')) {
      if (options.gateway) return options.gateway(request, response, options.context)
      return sendError(response, 404, 'Not Found')
    }
    const getOnly = () => {
      if (request.method === 'GET') return true
      sendError(response, 405, 'Method Not Allowed', {Allow: 'GET'})
      return false
    }
    switch (url.pathname) {
      case '/version':
        if (getOnly()) send(response, 200, JSON.stringify({etcdserver: etcdVersion, etcdcluster: clusterVersion}), 'application/json')
        return
      case '/health': {
        if (!getOnly()) return
        const ok = await healthy(options.member(), options.context.clientOf(undefined), new Set(url.searchParams.getAll('exclude')))
        if (ok) send(response, 200, JSON.stringify({health: 'true'}), plainText)
        else sendError(response, 503, JSON.stringify({health: 'false'}))
        return
      }
      case '/metrics': {
        const member = options.member()
        if (!member) return sendError(response, 503, 'etcdserver: server stopped')
        send(response, 200, prometheusText([...memberFamilies(member), ...options.grpcMetrics.families()]), 'text/plain; version=0.0.4; charset=utf-8')
        return
      }
      default:
        sendError(response, 404, '404 page not found')
    }
  }
  return createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      options.log(`etcd: ${request.method} ${request.url} failed: ${error instanceof Error ? error.message : String(error)}`)
      if (!response.headersSent) sendError(response, 500, 'Internal Server Error')
      else response.destroy()
    })
  })
}

// The Kubernetes REST front door: HTTP on loopback in front of the in-process API server, so the
// real kubectl and client libraries can talk to kubemu. Bodies are bounded (JSON, YAML, or protobuf
// turned into JSON), answers are JSON, warnings go out as `Warning: 299` headers, and a watch
// streams one JSON event per line until the client goes away.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createSecureServer} from 'node:https'
import type {ApiServer} from '../apiserver/apiserver.js'
import {requestBodyBytesMax} from '../apiserver/body.js'
import type {HttpMethod} from '../api/wire.js'
import {kubernetesProtobufContentType, ProtobufBodyError, protobufBodyToObject} from './kubernetes-protobuf.js'
import type {Duplex} from 'node:stream'
import type {TLSSocket} from 'node:tls'
import {peerCertificateOf, requestHeadersOf} from './client-identity.js'
import {isPortForwardUpgrade, servePortForwardUpgrade} from './port-forward-streams.js'
import {serveStreamUpgrade} from './websocket-streams.js'

/** A watch stream ends after this many batches (the client reconnects, as with kube's timeout). */
export const watchBatchesMax = 100_000

const methods: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

export interface HttpApi {
  readonly url: string
  close(): Promise<void>
}

function readBody(request: IncomingMessage): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= requestBodyBytesMax + 1) chunks.push(chunk)
    })
    request.on('end', () => resolve(size > requestBodyBytesMax + 1 ? 'too large' : Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

/** The certificate a TLS client presented (PEM), for the API server's x509 authentication to verify. */
/** Answers one HTTP request through `api` (also what kubectl proxy serves with its credentials). */
export async function serveApiRequest(api: Pick<ApiServer, 'handle'>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const method = (request.method ?? 'GET').toUpperCase() as HttpMethod
  if (!methods.includes(method)) {
    response.writeHead(405, {'content-type': 'application/json'}).end('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"method not allowed","reason":"MethodNotAllowed","code":405}')
    return
  }
  const query: Record<string, string> = {}
  for (const [key, value] of url.searchParams) query[key] = value
  const headers = requestHeadersOf(request)
  // Node joins repeated header lines with ", ": each Impersonate-Group line is one group.
  const groups = headers['impersonate-group']
  if (typeof groups === 'string') headers['impersonate-group'] = groups.split(/\s*,\s*/).filter(Boolean)
  const read = await readBody(request)
  let body = read === 'too large' ? new Uint8Array(requestBodyBytesMax + 1) : read
  if (read !== 'too large' && String(request.headers['content-type'] ?? '').startsWith(kubernetesProtobufContentType)) {
    // The API server's own decoding (defaults, field validation, errors) then applies as to any JSON body.
    try {
      body = Buffer.from(JSON.stringify(protobufBodyToObject(read)))
    } catch (error) {
      if (!(error instanceof ProtobufBodyError)) throw error
      response.writeHead(400, {'content-type': 'application/json'}).end(JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: error.message, reason: 'BadRequest', code: 400}))
      return
    }
    headers['content-type'] = 'application/json'
  }
  const clientCertificate = peerCertificateOf(request)
  // A watch's events are written out as JSON below and read nowhere else: they may share the API
  // server's own copy of what it wrote (readOnlyWatch), as an informer's do.
  const answer = await api.handle({method, path: url.pathname, query, headers, body: body.length > 0 ? body : undefined, ...(clientCertificate ? {clientCertificate} : {}), readOnlyWatch: true})
  const replyHeaders: Record<string, string | string[]> = {'content-type': 'application/json', 'cache-control': 'no-cache, private'}
  if (answer.warnings.length > 0) replyHeaders.warning = answer.warnings.map((warning) => `299 - ${JSON.stringify(warning)}`)
  if (answer.textFollow && typeof answer.body === 'string') {
    // A followed log: what is there now at once, then each piece as it is written.
    const follow = answer.textFollow
    response.writeHead(answer.status, {...replyHeaders, ...answer.headers, 'content-type': answer.contentType ?? 'text/plain', 'transfer-encoding': 'chunked'})
    response.flushHeaders()
    response.on('close', () => follow.cancel())
    // A client that stops reading holds the log back (each piece waits for the last to drain).
    const write = async (text: string) => {
      if (text !== '' && !response.write(text) && !response.destroyed) await new Promise((drained) => response.once('drain', drained).once('close', drained))
    }
    try {
      await write(answer.body)
      for (;;) {
        const text = response.destroyed ? null : await follow.next()
        if (text === null) break
        await write(text)
      }
    } catch {
      // The log's headers are out: a failure ends it, as a kubelet's stream ends, with nothing appended.
    } finally {
      follow.cancel()
      response.end()
    }
    return
  }
  if (answer.contentType !== undefined && (typeof answer.body === 'string' || answer.body instanceof Uint8Array)) {
    response.writeHead(answer.status, {...replyHeaders, ...answer.headers, 'content-type': answer.contentType}).end(answer.body)
    return
  }
  if (!answer.watch) {
    response.writeHead(answer.status, replyHeaders).end(JSON.stringify(answer.body))
    return
  }
  const watch = answer.watch
  response.writeHead(200, {...replyHeaders, 'transfer-encoding': 'chunked'})
  // kube-apiserver answers a watch at once; a client whose timeout runs out before the headers
  // (kubectl get -w --request-timeout) would otherwise retry the request forever.
  response.flushHeaders()
  // The response closes when the client goes away (the request may have closed long before).
  response.on('close', () => watch.cancel())
  for (let batch = 0; batch < watchBatchesMax && !response.destroyed; batch++) {
    const events = await watch.next()
    if (!events) break
    // One write per batch (one TLS record and one system call), the events one JSON line each as before.
    if (events.length > 0) response.write(events.map((event) => `${JSON.stringify(event)}\n`).join(''))
  }
  watch.cancel()
  response.end()
}

export interface HttpApiOptions {
  readonly host?: string
  readonly port?: number
  /** HTTPS with this certificate and key (PEM), as kube-apiserver's secure port; plain HTTP without. */
  readonly tls?: {readonly certificate: string; readonly privateKey: string}
  /**
   * The CA (PEM) whose client certificates the API server accepts: the server asks TLS clients for
   * one (kube-apiserver's --client-ca-file) and the API server verifies what comes.
   */
  readonly clientCertificateAuthority?: string
}

export function startHttpApi(api: Pick<ApiServer, 'handle'>, options: HttpApiOptions = {}): Promise<HttpApi> {
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    serveApiRequest(api, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, {'content-type': 'application/json'})
      response.end(JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: error instanceof Error ? error.message : String(error), reason: 'InternalError', code: 500}))
    })
  }
  const clientCa = options.clientCertificateAuthority
  const server: Server = options.tls
    ? createSecureServer({cert: options.tls.certificate, key: options.tls.privateKey, ...(clientCa ? {requestCert: true, rejectUnauthorized: false, ca: [clientCa]} : {})}, handler)
    : createServer(handler)
  // pods/exec and pods/attach: kubectl upgrades to WebSocket; pods/portforward: to SPDY (in WebSocket or not).
  // Upgraded connections (attach, exec, port-forward) are the server's no more: closing destroys them.
  const upgraded = new Set<Duplex>()
  server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    upgraded.add(socket)
    socket.once('close', () => upgraded.delete(socket))
    if (isPortForwardUpgrade(request)) servePortForwardUpgrade(api, request, socket).catch(() => socket.destroy())
    else serveStreamUpgrade(api, request, socket, (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds))).catch(() => socket.destroy())
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      resolve({
        url: `${options.tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${port}`,
        close: () => new Promise((done) => {
          server.closeAllConnections()
          for (const socket of upgraded) socket.destroy()
          server.close(() => done())
        }),
      })
    })
  })
}

// HTTP/2 requests on an etcd client port that are not gRPC, answered as etcd 3.4 answers them.
// etcd's cmux hands every cleartext HTTP/2 connection to grpc-go, which resets a stream whose
// content-type is not gRPC's with PROTOCOL_ERROR (so `curl --http2-prior-knowledge …/health`
// fails, as on etcd). Over TLS, etcd serves one Go HTTP server that sends each HTTP/2 request to
// gRPC or to its HTTP handler by content-type (its grpcHandlerFunc), so curl, which negotiates h2,
// gets /health, /metrics and the JSON gateway. grpc-js decides a stream's content-type in one
// method of its server (415 Unsupported Media Type for anything else); each member's server gets
// its own version of that method, which passes gRPC on and gives the rest to `divert`.
import * as grpc from '@grpc/grpc-js'
import {constants, Http2ServerRequest, Http2ServerResponse, type IncomingHttpHeaders, type ServerHttp2Stream} from 'node:http2'
import type {Server as HttpServer} from 'node:http'

/** grpc-go's content-type check: "application/grpc", or it followed by "+subtype" or ";parameters". */
export function isGrpcContentType(contentType: string | undefined): boolean {
  const base = 'application/grpc'
  if (contentType === undefined || !contentType.startsWith(base)) return false
  return contentType.length === base.length || contentType[base.length] === '+' || contentType[base.length] === ';'
}

type Divert = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void

interface ContentTypeCheck {
  _verifyContentType(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean
}

/** Sends the server's non-gRPC streams to `divert` (grpc-js would answer them 415). */
export function divertNonGrpcStreams(server: grpc.Server, divert: Divert): void {
  // The content-type check is a grpc-js internal, absent from its public typings.
  const checked = server as unknown as ContentTypeCheck
  const verify = checked._verifyContentType
  if (typeof verify !== 'function') throw new Error('this grpc-js has no _verifyContentType: non-gRPC HTTP/2 requests cannot be told apart')
  checked._verifyContentType = function (stream, headers) {
    if (isGrpcContentType(headers['content-type'])) return verify.call(this, stream, headers)
    divert(stream, headers)
    return false
  }
}

/** grpc-go on a cleartext port: the stream is reset with PROTOCOL_ERROR, the connection stays. */
export function refuseStream(stream: ServerHttp2Stream): void {
  if (!stream.destroyed) stream.close(constants.NGHTTP2_PROTOCOL_ERROR)
}

/** Connection-specific headers, which HTTP/2 forbids: Go's HTTP/2 server leaves them out. */
const connectionHeaders = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'])

/** Node's HTTP/2 response as the HTTP handlers (written for HTTP/1.1) use it, with Go's leniency. */
class LenientResponse extends Http2ServerResponse {
  constructor(stream: ServerHttp2Stream) {
    super(stream)
    // The stream's own backpressure (node:http's responses have it; Node 20's HTTP/2 ones do not).
    Object.defineProperty(this, 'writableNeedDrain', {get: () => stream.writableNeedDrain})
  }

  override setHeader(name: string, value: number | string | readonly string[]): void {
    if (!connectionHeaders.has(name.toLowerCase())) super.setHeader(name, value)
  }
}

/** Serves an HTTP/2 stream with the handler of `http`, as Node's HTTP/2 compatibility layer would. */
export function serveWithHttpHandler(http: HttpServer, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  const rawHeaders = Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value.flatMap((item) => [name, item]) : value === undefined ? [] : [name, String(value)]))
  const request = new Http2ServerRequest(stream, headers, {}, rawHeaders)
  const response = new LenientResponse(stream)
  http.emit('request', request, response)
}

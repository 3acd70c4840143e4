// The line etcdctl 3.4 prints on stderr when clientv3's retry interceptor sees a unary call fail
// (clientv3/retry_interceptor.go): zap's JSON, at level warn, before etcdctl's own "Error: …".
// For an endpoint it could not reach, the error is the balancer's, ending in "context deadline
// exceeded". Its target is the gRPC connection's:
// the balanced one (endpoint://client-<uuid>/<first endpoint's host>) for most calls, or one dialed
// straight to the endpoint (passthrough:///<endpoint>) for Status, HashKV and Defragment, whose
// last error is the dial's own rather than the balancer's summary.
import {randomUUID} from 'node:crypto'
import {type EtcdError, grpcStatusText, HandshakeFailedError, UnreachableEndpointError} from '../mvcc/errors.js'

const pad = (value: number, width = 2) => String(value).padStart(width, '0')

/** zap's ISO8601 time (Go's "2006-01-02T15:04:05.000Z0700"): local time, its zone as Z or ±hhmm. */
export function zapTime(date: Date): string {
  const offsetMinutes = -date.getTimezoneOffset()
  const zone = offsetMinutes === 0 ? 'Z' : `${offsetMinutes > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}${pad(Math.abs(offsetMinutes) % 60)}`
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}${zone}`
}

/** zap's JSON string: JSON.stringify's, but with \b and \f as \u0008 and \u000c (zap spells out only \n, \r and \t). */
const zapString = (text: string): string =>
  JSON.stringify(text).replace(/\\(.)/g, (escape, character: string) => (character === 'b' ? '\\u0008' : character === 'f' ? '\\u000c' : escape))

/** clientv3's ParseEndpoint: the host gRPC dials (a URL's host:port; a bare endpoint as it is). */
export function endpointHost(endpoint: string): string {
  const match = /^(\w+):\/\/([^/]*)(.*)$/.exec(endpoint)
  if (!match) return endpoint
  const [, scheme, host, path] = match
  if (scheme === 'http' || scheme === 'https') return host!
  if (scheme === 'unix' || scheme === 'unixs') return `${host}${path}`
  return ''
}

/** How the call reached (or failed to reach) its endpoint. */
export type DialTarget = {readonly kind: 'balanced'; readonly endpoint: string} | {readonly kind: 'direct'; readonly endpoint: string}

/** The connection's name in the warn line: the balancer's (a fresh client id) or the endpoint's own. */
function targetName(target: DialTarget): string {
  return target.kind === 'balanced' ? `endpoint://client-${randomUUID()}/${endpointHost(target.endpoint)}` : `passthrough:///${target.endpoint}`
}

/** The warn line for a failed call, `error` as gRPC's status text. */
function retryWarning(target: DialTarget, error: string, now: Date): string {
  return `{"level":"warn","ts":${zapString(zapTime(now))},"caller":"clientv3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":${zapString(targetName(target))},"attempt":0,"error":${zapString(error)}}\n`
}

/** The warn line for a call whose endpoint refused its connection (or its TLS handshake) until the deadline. */
export function unreachableWarning(target: DialTarget, now: Date = new Date(), handshakeError: string | null = null): string {
  const balancerError =
    target.kind === 'balanced'
      ? 'all SubConns are in TransientFailure'
      : handshakeError !== null
        ? handshakeError
        : `connection error: desc = "transport: Error while dialing dial tcp ${endpointHost(target.endpoint)}: connect: connection refused"`
  return retryWarning(target, `rpc error: code = DeadlineExceeded desc = latest balancer error: ${balancerError}`, now)
}

/** Errors already reported, so a verb that repeats one at the end does not log it twice. */
const reported = new WeakSet<object>()

/** Writes the warn line for `error` once, if it is an unreachable endpoint's (other errors are not logged here). */
export function reportUnreachable(stderr: (text: string) => void, target: DialTarget, error: unknown): void {
  if (!(error instanceof UnreachableEndpointError) || reported.has(error)) return
  reported.add(error)
  stderr(unreachableWarning(target, new Date(), error instanceof HandshakeFailedError ? error.dialError : null))
}

/** Writes the warn line for a call that failed with `error` (an answer, or the client's own refusal), once. */
export function reportRpcFailure(stderr: (text: string) => void, target: DialTarget, error: EtcdError): void {
  if (reported.has(error)) return
  reported.add(error)
  stderr(retryWarning(target, grpcStatusText(error), new Date()))
}

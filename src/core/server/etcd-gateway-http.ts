// The HTTP side of etcd's v3 gateway shared by its unary calls and streams: gRPC statuses as
// grpc-gateway turns them into HTTP statuses and error bodies, and the headers etcd sends.
import {STATUS_CODES, type ServerResponse} from 'node:http'
import {EtcdError, type GrpcCode} from '../mvcc/errors.js'
import type {EtcdGatewayContext} from './etcd-http.js'
import {callerFor, type TokenUse} from './etcd-auth-tokens.js'
import {GoJsonError, goJsonString} from './go-json.js'

/** Bytes of a request body the gateway reads (a request past gRPC's own limit fails before this). */
export const gatewayRequestBytesMax = 16 * 1024 * 1024

/** A gRPC status as the gateway reports it. */
export interface CallStatus {
  readonly code: number
  readonly message: string
}

const grpcCodeNumbers: Record<GrpcCode | 'Internal', number> = {
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  OutOfRange: 11,
  Internal: 13,
  Unavailable: 14,
  Unauthenticated: 16,
}

/** grpc-gateway's HTTP status for each gRPC code (as etcd 3.4's version maps them). */
const httpStatuses: Record<number, number> = {1: 408, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 412, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401}
export const httpStatusOf = (code: number): number => httpStatuses[code] ?? 500
export const httpStatusText = (status: number): string => STATUS_CODES[status] ?? ''

export function callStatusOf(error: unknown): CallStatus {
  if (error instanceof EtcdError) return {code: grpcCodeNumbers[error.grpcCode], message: error.message}
  if (error instanceof GoJsonError) return {code: grpcCodeNumbers.InvalidArgument, message: error.message}
  return {code: grpcCodeNumbers.Internal, message: error instanceof Error ? error.message : String(error)}
}

/** An error that carries no gRPC status (a stream's first request unreadable): grpc-gateway reports it as Unknown. */
export const unknownStatusOf = (error: unknown): CallStatus => ({code: grpcCodeNumbers.Unknown, message: callStatusOf(error).message})

/** The body of an error answer: `{"error":…,"message":…,"code":N}`. */
export const errorBody = (status: CallStatus): string => `{"error":${goJsonString(status.message)},"message":${goJsonString(status.message)},"code":${status.code}}`

/** Headers every answer carries (etcd wraps its gateway in a permissive CORS handler). */
export function setCorsHeaders(response: ServerResponse): void {
  response.setHeader('Access-Control-Allow-Headers', 'accept, content-type, authorization')
  response.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS, PUT, DELETE')
  response.setHeader('Access-Control-Allow-Origin', '*')
}

/** An error found by the gateway itself (the call never reached the server): a plain body. */
export function writeGatewayError(response: ServerResponse, status: CallStatus, httpStatus = httpStatusOf(status.code)): void {
  const body = errorBody(status)
  response.statusCode = httpStatus
  setCorsHeaders(response)
  response.setHeader('Content-Type', 'application/json')
  response.setHeader('Content-Length', Buffer.byteLength(body))
  response.end(body)
}

/** An error the call answered with: chunked, with the gRPC trailer the gateway forwards. */
export function writeCallError(response: ServerResponse, status: CallStatus): void {
  response.statusCode = httpStatusOf(status.code)
  setCorsHeaders(response)
  response.setHeader('Content-Type', 'application/json')
  response.setHeader('Trailer', 'Grpc-Trailer-Content-Type')
  response.write(errorBody(status))
  response.addTrailers({'Grpc-Trailer-Content-Type': 'application/grpc'})
  response.end()
}

/** The token's user for a call that uses it as `use` says; throws etcd's error for a bad token. */
export function userFor(context: EtcdGatewayContext, token: string | undefined, use: TokenUse): string | undefined {
  return callerFor(use, () => context.tokens.userOfToken(token))
}

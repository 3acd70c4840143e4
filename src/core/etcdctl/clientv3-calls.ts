// What clientv3 3.4 does around each unary call etcdctl makes, kept apart from the clients that
// carry the calls (embedded, JSON gateway, gRPC): its send limit (grpc.MaxCallSendMsgSize, 2 MiB,
// checked on the encoded request before anything is sent) and its retry interceptor's warn line,
// logged on stderr whenever a call fails (clientv3/retry_interceptor.go), even when the verb goes
// on. Streams (watch, keep-alive, snapshot) have no such interceptor and log nothing.
import {EtcdError, GrpcStatusError, UnreachableEndpointError} from '../mvcc/errors.js'
import type {PutRequest, RangeRequest, RangeResponse} from '../mvcc/types.js'
import {type DialTarget, reportRpcFailure} from './retry-warning.js'
import type {EtcdctlClient} from './verb.js'
import {lengthDelimitedFieldBytes, varintBytes} from '../util/protobuf-size.js'

/** clientv3's default MaxCallSendMsgSize: a larger request never leaves the client. */
export const callSendBytesMax = 2 * 1024 * 1024

/** A request over the send limit, refused by the client's gRPC (a status, not an etcd error). */
export class CallSendTooLargeError extends GrpcStatusError {
  constructor(requestBytes: number) {
    super('ResourceExhausted', `trying to send message larger than max (${requestBytes} vs. ${callSendBytesMax})`)
  }
}

/** The size of etcdserverpb.PutRequest as protobuf encodes it (fields at their defaults are left out). */
export function putRequestBytes(request: PutRequest): number {
  const lease = request.lease ?? 0n
  return (
    lengthDelimitedFieldBytes(request.key.length) +
    lengthDelimitedFieldBytes(request.value.length) +
    (lease === 0n ? 0 : 1 + varintBytes(lease)) +
    (request.prevKv ? 2 : 0) +
    (request.ignoreValue ? 2 : 0) +
    (request.ignoreLease ? 2 : 0)
  )
}

/** Each API's calls that are streams in clientv3 (no retry interceptor, so no warn line). */
const streamedCalls: Readonly<Record<string, ReadonlySet<string>>> = {lease: new Set(['keepAliveOnce'])}
/** Calls clientv3 makes on a connection dialed straight to the endpoint rather than the balancer. */
const directCalls: ReadonlySet<string> = new Set(['status', 'hashKv', 'defragment'])
const unaryApis = ['kv', 'auth', 'lease', 'cluster', 'maintenance'] as const

/** A function-valued member of an API object (what a Proxy's `get` hands out). */
type Call = (...args: unknown[]) => Promise<unknown>

function loggedApi<T extends object>(api: T, apiName: string, targetOf: (call: string) => DialTarget, stderr: (text: string) => void): T {
  const streamed = streamedCalls[apiName]
  return new Proxy(api, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      if (typeof value !== 'function' || typeof property !== 'string' || streamed?.has(property)) return value
      const call = value as Call
      return async (...args: unknown[]): Promise<unknown> => {
        try {
          if (apiName === 'kv' && property === 'put') {
            const requestBytes = putRequestBytes(args[0] as PutRequest)
            if (requestBytes > callSendBytesMax) throw new CallSendTooLargeError(requestBytes)
          }
          return await call.apply(target, args)
        } catch (error) {
          // An endpoint that never answered is reported where the verb knows how it dialed.
          if (error instanceof EtcdError && !(error instanceof UnreachableEndpointError)) reportRpcFailure(stderr, targetOf(property), error)
          throw error
        }
      }
    },
  })
}

/**
 * `client` with clientv3's behaviour around every unary call. `endpoint` is what its connection
 * dialed: the first of --endpoints for the balanced client, the member's own for forMember's.
 */
export function withClientv3Calls(client: EtcdctlClient, endpoint: string, endpointOfMember: (name: string) => string, stderr: (text: string) => void): EtcdctlClient {
  const balanced: DialTarget = {kind: 'balanced', endpoint}
  const targetOf = (call: string): DialTarget => (directCalls.has(call) ? {kind: 'direct', endpoint} : balanced)
  const wrapped = new Map<string, unknown>(unaryApis.map((name) => [name, loggedApi(client[name], name, targetOf, stderr)]))
  return new Proxy(client, {
    get(target, property, receiver) {
      if (typeof property === 'string' && wrapped.has(property)) return wrapped.get(property)
      if (property === 'forMember') {
        return (name: string, commandTimeoutMilliseconds?: number) => withClientv3Calls(target.forMember(name, commandTimeoutMilliseconds), endpointOfMember(name), endpointOfMember, stderr)
      }
      const value = Reflect.get(target, property, receiver) as unknown
      return typeof value === 'function' ? (value as Call).bind(target) : value
    },
  })
}

/** A lock-free reader whose range reads fail as the Range call they stand for would: with the warn line. */
export function withClientv3Reads<T extends {range(request: RangeRequest): RangeResponse}>(reader: T, endpoint: string, stderr: (text: string) => void): T {
  return new Proxy(reader, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      if (property !== 'range') return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      return (request: RangeRequest): RangeResponse => {
        try {
          return target.range(request)
        } catch (error) {
          if (error instanceof EtcdError && !(error instanceof UnreachableEndpointError)) reportRpcFailure(stderr, {kind: 'balanced', endpoint}, error)
          throw error
        }
      }
    },
  })
}

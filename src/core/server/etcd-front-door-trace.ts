// The front door's share of a slow call, behind KUBEMU_ETCD_TRACE (see src/core/etcd/request-trace.ts):
// an interceptor on each member's gRPC server stamps a call's steps from its HTTP/2 stream's
// arrival (its headers parsed by the event loop) to the stream's close (its trailers written), so a
// slow request that etcdctl reports can be told apart: slow in the cluster's path (its proposal's
// own line in the trace), in the front door (here: the message decoded late, the handler answering
// late, the answer's frames written late), or before the stream arrived at all (a slowest request
// of the client's longer than every call's here: the socket read late by a busy loop).
import type * as grpc from '@grpc/grpc-js'
import {performance} from 'node:perf_hooks'
import type {RequestTrace} from '../etcd/request-trace.js'

/** A call's steps, in ms from its stream's arrival. */
interface Steps {
  readonly arrived: number
  /** The first call of its connection: when the connection was accepted (in the trace's line, ms before the stream arrived). */
  accepted?: number
  /** Then when it was handed to gRPC (after the listener told gRPC from HTTP and checked its authority). */
  injected?: number
  received?: number
  handler?: number
  answered?: number
  status?: number
}

/** The innermost call of grpc-js's interceptor chain holds the HTTP/2 stream (an internal). */
interface BaseCall {
  readonly stream?: {once(event: 'close', listener: () => void): void; readonly session?: {readonly socket?: {readonly remoteAddress?: string; readonly remotePort?: number}}}
}

/** Traced connections not yet seen by gRPC: when each was accepted, by the client's address and port. */
const acceptedAt = new Map<string, number>()
/** Accepted connections remembered at most (a client that never sends a call would leave its entry). */
const acceptedKeptMax = 10_000

/** Traced connections handed to gRPC, not yet seen by it: when each was handed over. */
const injectedAt = new Map<string, number>()

type Peer = {readonly remoteAddress?: string; readonly remotePort?: number}
const remember = (times: Map<string, number>, socket: Peer) => {
  if (times.size >= acceptedKeptMax) times.delete(times.keys().next().value as string)
  times.set(`${socket.remoteAddress}:${socket.remotePort}`, performance.now())
}

/** The listener accepted a client's connection (traced only): its first call's line tells how long it took to reach gRPC. */
export function connectionAccepted(socket: Peer): void {
  remember(acceptedAt, socket)
}

/** The listener handed the connection to gRPC, which answers its HTTP/2 preface from then on (traced only). */
export function connectionInjected(socket: Peer): void {
  remember(injectedAt, socket)
}

/** The interceptor that stamps each call's steps; install it first in the server's list (it then wraps the call that holds the stream). */
export function frontDoorTraceInterceptor(trace: RequestTrace, grpcModule: typeof grpc, member: string): grpc.ServerInterceptor {
  return (descriptor, call) => {
    const steps: Steps = {arrived: performance.now()}
    const stream = (call as unknown as BaseCall).stream
    // The connection's first call: since when its client waited for the connection to be taken up.
    const socket = stream?.session?.socket
    const peer = socket ? `${socket.remoteAddress}:${socket.remotePort}` : ''
    const accepted = acceptedAt.get(peer)
    if (accepted !== undefined) {
      acceptedAt.delete(peer)
      steps.accepted = accepted
    }
    const injected = injectedAt.get(peer)
    if (injected !== undefined) {
      injectedAt.delete(peer)
      steps.injected = injected
    }
    stream?.once('close', () => trace.frontDoor(member, descriptor.path, steps.arrived, {...steps, closed: performance.now()}))
    return new grpcModule.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message, nextMessage) => {
            steps.received ??= performance.now()
            nextMessage(message)
          },
          onReceiveHalfClose: (nextHalfClose) => {
            // A unary handler starts within this call (grpc-js runs it on the half-close).
            steps.handler ??= performance.now()
            nextHalfClose()
          },
        }),
      sendMessage: (message, next) => {
        steps.answered ??= performance.now()
        next(message)
      },
      sendStatus: (status, next) => {
        steps.status ??= performance.now()
        next(status)
      },
    })
  }
}

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
  received?: number
  handler?: number
  answered?: number
  status?: number
}

/** The innermost call of grpc-js's interceptor chain holds the HTTP/2 stream (an internal). */
interface BaseCall {
  readonly stream?: {once(event: 'close', listener: () => void): void}
}

/** The interceptor that stamps each call's steps; install it first in the server's list (it then wraps the call that holds the stream). */
export function frontDoorTraceInterceptor(trace: RequestTrace, grpcModule: typeof grpc, member: string): grpc.ServerInterceptor {
  return (descriptor, call) => {
    const steps: Steps = {arrived: performance.now()}
    const stream = (call as unknown as BaseCall).stream
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

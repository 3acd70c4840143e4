// etcd's Watch service on the front door's gRPC ports: each Watch stream is one WatchSession
// (etcd-watch-session.ts), its responses written with the stream's flow control.
import type * as grpc from '@grpc/grpc-js'
import type {EmbeddedClient} from '../etcd/embedded-client.js'
import {header, type Wire} from './etcd-messages.js'
import {WatchSession} from './etcd-watch-session.js'

/**
 * One Watch stream. `callerOf` resolves the stream's token at each create (throws etcd's error for
 * a bad one); `member` is the member this port serves as.
 */
export function serveWatchStream(stream: grpc.ServerDuplexStream<Wire, Wire>, root: EmbeddedClient, member: string, callerOf: () => string | undefined): void {
  const serving = root.forUser(member, undefined)
  const port = {
    get closed() {
      return stream.destroyed || !stream.writable
    },
    send(message: Wire) {
      if (!port.closed) stream.write(message)
    },
    async room() {
      if (port.closed || !stream.writableNeedDrain) return
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done)
          stream.off('close', done)
          resolve()
        }
        stream.on('drain', done)
        stream.on('close', done)
      })
    },
    break(error: Error) {
      stream.destroy(error)
    },
  }
  const session = new WatchSession(port, {
    clientOfCaller: () => root.forUser(member, callerOf()),
    currentHeader: () => header(serving.header(serving.serving().stateMachine.kv.currentRevision())),
  })
  stream.on('data', (request: Wire) => {
    try {
      session.handle(request)
    } catch (error) {
      stream.destroy(error instanceof Error ? error : new Error(String(error)))
    }
  })
  const stop = () => session.stop()
  stream.on('end', () => {
    stop()
    stream.end()
  })
  stream.on('error', stop)
  stream.on('close', stop)
}

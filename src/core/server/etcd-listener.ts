// A member's client port, as etcd multiplexes it (cmux): each connection's first bytes decide.
// The HTTP/2 preface goes to the member's gRPC server in this process (no second connection: every
// byte would cross the event loop twice, and a new client's connection would wait on two accepts):
// as the socket itself when nghttp2 takes the client's `:authority`, through the `:authority`
// rewriter when it would refuse it (etcdctl's per-endpoint clients; grpc-connection-sort.ts tells
// them apart); anything else is HTTP/1.x for the member's HTTP server. With TLS the port is a TLS listener that requires a client certificate
// from the etcd CA (etcd's --client-cert-auth), and the same choice is made on the decrypted
// stream; such a connection is relayed to the gRPC server's internal loopback port, and the
// certificate's CN remembered by the relayed connection's local port, which the server sees as
// its peer. HTTP/2 requests that are not gRPC are told apart per stream by the gRPC server
// (etcd-http2-streams.ts): reset on a cleartext port, served by the HTTP handler over TLS.
import * as grpc from '@grpc/grpc-js'
import type {Server as HttpServer} from 'node:http'
import {connect, createServer, type Server, type Socket} from 'node:net'
import {Duplex} from 'node:stream'
import {createServer as createTlsServer, type TLSSocket} from 'node:tls'
import {requestTrace} from '../etcd/request-trace.js'
import {connectionAccepted, connectionInjected} from './etcd-front-door-trace.js'
import {sortGrpcConnection} from './grpc-connection-sort.js'
import {AuthorityRewriter, connectionPreface} from './http2-authority.js'

/** Peers whose certificate names differ are remembered at once (one per open gRPC connection). */
export const certifiedPeersMax = 10_000

export interface ListenerTls {
  readonly certificate: string
  readonly privateKey: string
  /** PEM of the CA client certificates must be signed by. */
  readonly authority: string
}

/** The CN of the verified client certificate behind each relayed gRPC connection, by its peer address ("127.0.0.1:port"). */
export class CertifiedPeers {
  private readonly names = new Map<string, string>()

  remember(peer: string, commonName: string): void {
    if (this.names.size >= certifiedPeersMax) this.names.delete(this.names.keys().next().value!)
    this.names.set(peer, commonName)
  }

  forget(peer: string): void {
    this.names.delete(peer)
  }

  commonNameOf(peer: string): string | undefined {
    return this.names.get(peer)
  }
}

/** The metadata entry through which a call carries its certificate's CN to the services (a client's own is dropped). */
export const certifiedUserMetadataKey = 'x-etcd-client-certificate-cn'

/** The gRPC server interceptor that puts the CN of the call's client certificate in its metadata. */
export function certifiedUserInterceptor(peers: CertifiedPeers): grpc.ServerInterceptor {
  return (_descriptor, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next(
          new grpc.ServerListenerBuilder()
            .withOnReceiveMetadata((metadata, nextMetadata) => {
              metadata.remove(certifiedUserMetadataKey)
              const commonName = peers.commonNameOf(call.getPeer())
              if (commonName !== undefined) metadata.set(certifiedUserMetadataKey, commonName)
              nextMetadata(metadata)
            })
            .build(),
        ),
    })
}

/** Reasons of rejected TLS handshakes logged (each once). */
export const handshakeReasonsMax = 100

/** Why a TLS handshake failed, in the words of etcd's log (Go's crypto/tls) where there are some. */
function handshakeFailure(error: Error): string {
  const reason = (error as {reason?: unknown}).reason
  const known: Record<string, string> = {
    'http request': 'tls: first record does not look like a TLS handshake',
    'wrong version number': 'tls: first record does not look like a TLS handshake',
    'peer did not return a certificate': "tls: client didn't provide a certificate",
    'certificate verify failed': "tls: failed to verify client's certificate: x509: certificate signed by unknown authority",
  }
  if (typeof reason === 'string') return known[reason] ?? `tls: ${reason}`
  return error.message.split('\n')[0]!
}

/** Rejected handshakes, said once per reason (not once per connection a client retries), as etcd's "rejected connection" lines. */
export class HandshakeRejections {
  private readonly said = new Set<string>()

  constructor(private readonly log: (line: string) => void) {}

  rejected(member: string, error: Error, remote: string): void {
    const reason = handshakeFailure(error)
    if (this.said.has(reason) || this.said.size >= handshakeReasonsMax) return
    this.said.add(reason)
    this.log(`etcd: ${member} rejected connection from "${remote}" (error "${reason}"); more of these are not logged`)
  }
}

export interface ListenerOptions {
  readonly host: string
  readonly port: number
  /** The loopback port of the member's gRPC server (TLS connections are relayed there). */
  readonly grpcPort: number
  /** Hands a plain connection to the member's gRPC server in this process. */
  readonly injectGrpc: (connection: Duplex) => void
  readonly http: HttpServer
  readonly tls?: ListenerTls | undefined
  readonly peers: CertifiedPeers
  /** Where a rejected TLS handshake (a certificate from another CA, plain HTTP on the TLS port) is reported, as `member`'s. */
  readonly rejections: HandshakeRejections
  readonly member: string
}

export interface FrontDoorListener {
  readonly port: number
  close(): Promise<void>
}

/** Waits for enough of the first bytes to tell gRPC (the HTTP/2 preface) from HTTP/1.x. */
function sniff(socket: Socket, decided: (kind: 'grpc' | 'http', head: Buffer) => void): void {
  let head: Buffer = Buffer.alloc(0)
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk])
    const compared = Math.min(head.length, connectionPreface.length)
    const prefaceSoFar = head.subarray(0, compared).equals(connectionPreface.subarray(0, compared))
    if (prefaceSoFar && head.length < connectionPreface.length) return
    socket.off('data', onData)
    socket.pause()
    decided(prefaceSoFar ? 'grpc' : 'http', head)
  }
  socket.on('data', onData)
}

/**
 * A client's connection as the gRPC server in this process sees it: what it reads comes through
 * the `:authority` rewriter, what it writes goes to the client. It never fails: a connection the
 * client resets or closes simply ends, and writes after that are dropped. Node's HTTP/2 over a
 * JavaScript stream must not see a stream error or a write fail while a session write is in
 * flight (it can trip an internal assertion and take the process down).
 */
class RewrittenConnection extends Duplex {
  constructor(
    private readonly client: Socket,
    private readonly rewriter: AuthorityRewriter,
  ) {
    super()
    rewriter.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) rewriter.pause()
    })
    rewriter.once('end', () => this.push(null))
    rewriter.once('error', () => this.destroy())
    client.once('close', () => {
      this.push(null)
      this.destroy()
    })
  }

  override _read(): void {
    this.rewriter.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.send(chunk, done)
  }

  /**
   * The frames HTTP/2 wrote in one go (a response's HEADERS, DATA and trailers: Node's HTTP/2
   * corks this stream around each session write) leave in one socket write, and the next ones
   * need not wait for the kernel to take these: a write per frame, each awaiting its callback,
   * put a turn of the event loop between the frames of every response.
   */
  override _writev(chunks: Array<{chunk: Buffer}>, done: (error?: Error | null) => void): void {
    this.send(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((entry) => entry.chunk)), done)
  }

  /** Hands `data` to the client's socket; `done` at once, or when its buffer drains (or it closes). */
  private send(data: Buffer, done: () => void): void {
    if (this.client.destroyed) return done()
    if (this.client.write(data)) return done()
    const settle = () => {
      this.client.off('drain', settle).off('close', settle)
      done()
    }
    this.client.on('drain', settle).on('close', settle)
  }

  override _final(done: (error?: Error | null) => void): void {
    this.client.end()
    done()
  }

  override _destroy(_error: Error | null, done: (error?: Error | null) => void): void {
    this.client.destroy()
    this.rewriter.destroy()
    done(null)
  }
}

export function startFrontDoorListener(options: ListenerOptions): Promise<FrontDoorListener> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  const relay = (client: Socket, head: Buffer, commonName: string | undefined) => {
    const upstream = connect(options.grpcPort, '127.0.0.1')
    track(upstream)
    // Small frames go at once, as gRPC's own sockets send them (Nagle would hold each for an ACK).
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    let peer: string | null = null
    upstream.once('connect', () => {
      peer = `${upstream.localAddress}:${upstream.localPort}`
      if (commonName !== undefined) options.peers.remember(peer, commonName)
    })
    const forget = () => {
      client.destroy()
      upstream.destroy()
      if (peer !== null) options.peers.forget(peer)
    }
    client.on('error', forget).on('close', forget)
    upstream.on('error', forget).on('close', forget)
    const rewriter = new AuthorityRewriter(`${options.host}:${(server.address() as {port: number}).port}`)
    rewriter.write(head)
    client.pipe(rewriter).pipe(upstream)
    upstream.pipe(client)
  }
  const inject = (client: Socket, head: Buffer) => {
    client.setNoDelay(true)
    sortGrpcConnection(client, head, (kind, bytes, settingsAckPending) => {
      if (requestTrace) connectionInjected(client)
      if (kind === 'direct') {
        // HTTP/2 reads what was already read, then the socket itself.
        client.unshift(bytes)
        options.injectGrpc(client)
        return
      }
      const rewriter = new AuthorityRewriter(`${options.host}:${(server.address() as {port: number}).port}`, settingsAckPending)
      rewriter.write(bytes)
      client.pipe(rewriter)
      options.injectGrpc(new RewrittenConnection(client, rewriter))
    })
  }
  const accept = (socket: Socket, commonName: string | undefined) => {
    track(socket)
    if (requestTrace) connectionAccepted(socket)
    socket.on('error', () => socket.destroy())
    sniff(socket, (kind, head) => {
      if (kind === 'grpc') return options.tls ? relay(socket, head, commonName) : inject(socket, head)
      socket.unshift(head)
      options.http.emit('connection', socket)
      socket.resume()
    })
  }
  const server: Server = options.tls
    ? createTlsServer(
        {
          cert: options.tls.certificate,
          key: options.tls.privateKey,
          ca: options.tls.authority,
          requestCert: true,
          // Checked below, so that a refused certificate is reported (Node would drop it silently).
          rejectUnauthorized: false,
          // h2 first, as etcd offers it (curl then speaks HTTP/2, and its requests reach the HTTP
          // handler per stream). Go lets a client that offers only http/1.1 in without a protocol;
          // Node would end that handshake with a fatal alert, so http/1.1 is offered second.
          ALPNProtocols: ['h2', 'http/1.1'],
        },
        (socket: TLSSocket) => {
          const certificate = socket.getPeerCertificate()
          if (!socket.authorized) {
            const reason = Object.keys(certificate).length === 0 ? 'peer did not return a certificate' : 'certificate verify failed'
            options.rejections.rejected(options.member, Object.assign(new Error(String(socket.authorizationError)), {reason}), `${socket.remoteAddress}:${socket.remotePort}`)
            socket.destroy()
            return
          }
          const commonName = (certificate.subject as Record<string, string | string[]> | undefined)?.CN
          accept(socket, Array.isArray(commonName) ? commonName[0] : commonName)
        },
      ).on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
        // A client that goes away mid-handshake is no rejection.
        if (error.code !== 'ECONNRESET') options.rejections.rejected(options.member, error, `${socket.remoteAddress}:${socket.remotePort}`)
        socket.destroy()
      })
    : createServer((socket) => accept(socket, undefined))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve({
        port: (server.address() as {port: number}).port,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          }),
      })
    })
  })
}

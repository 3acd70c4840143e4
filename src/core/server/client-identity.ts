// Who a client of up's front door is, as the HTTP layer hands it to the API server: the request's
// headers, and the certificate a TLS client presented in its handshake. One home for the plain
// requests and the upgraded ones (exec, attach, port-forward), so each authenticates alike.
import type {IncomingMessage} from 'node:http'
import type {TLSSocket} from 'node:tls'
import {clientCertificateHeaders} from '../api/client-certificate-proof.js'

/** The certificate (PEM) a TLS client presented, if any. */
export function peerCertificateOf(request: IncomingMessage): string | undefined {
  const socket = request.socket as Partial<TLSSocket>
  const raw = socket.getPeerCertificate?.(false)?.raw
  if (!raw || raw.length === 0) return undefined
  return `-----BEGIN CERTIFICATE-----\n${raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`
}

/**
 * The request's headers. On a TLS connection without the headers that stand for a client
 * certificate where there is no handshake (kubemu's kubectl on the loopback port): a TLS client
 * presents its certificate in the handshake, as kube-apiserver accepts it.
 */
export function requestHeadersOf(request: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value
  if ((request.socket as Partial<TLSSocket>).encrypted) for (const name of clientCertificateHeaders) delete headers[name]
  return headers
}

// A client certificate where no TLS handshake carries one: kubemu's own kubectl reaches the API
// server in-process, or over `kubemu up`'s plain loopback port, and sends its kubeconfig user's
// certificate in a header with a proof that it holds the key. The proof is a signature by that key
// over the request itself (method, path, query, body) and the time it was made, so a proof seen
// once serves for that request only, for a few minutes, never for another; the API server checks
// it as TLS would check the handshake. Both sides import this file (the header names and what
// is signed), the API server never the client's.
import {createHash, createPrivateKey, createPublicKey, sign, verify, X509Certificate} from 'node:crypto'
import {textToBytes} from '../util/byte-text.js'
import type {ApiRequest} from './wire.js'

export const clientCertificateHeader = 'x-kubemu-client-certificate'
export const clientCertificateProofHeader = 'x-kubemu-client-certificate-proof'
export const clientCertificateTimeHeader = 'x-kubemu-client-certificate-time'
/** The headers of a client certificate's proof, left out of kubectl's request log and refused on TLS connections. */
export const clientCertificateHeaders = [clientCertificateHeader, clientCertificateProofHeader, clientCertificateTimeHeader] as const

/** How far a proof's time may be from the server's wall clock (both run on one machine; a replay after this is refused). */
export const clientCertificateProofSkewMillisecondsMax = 5 * 60_000

const proofContext = 'kubemu client certificate proof v2\n'

type ProvenRequest = Pick<ApiRequest, 'method' | 'path' | 'query' | 'body'>

/** What the proof signs: the certificate, the request as the server will see it, and the time. */
function proofDigest(certificate: X509Certificate, request: ProvenRequest, timeMilliseconds: number): Buffer {
  // The path as a URL parser leaves it, and the query sorted: what an HTTP hop may re-encode or reorder.
  const path = new URL(request.path, 'http://localhost').pathname
  const query = Object.entries(request.query ?? {}).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)).map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&')
  // A string body goes over HTTP as util/byte-text.ts turns it into bytes (UTF-8 for plain text).
  const body = request.body === undefined ? Buffer.alloc(0) : typeof request.body === 'string' ? textToBytes(request.body) : request.body
  return createHash('sha256')
    .update(proofContext)
    .update(certificate.raw)
    .update(`\n${request.method}\n${path}\n${query}\n${timeMilliseconds}\n`)
    .update(createHash('sha256').update(body).digest())
    .digest()
}

const signingAlgorithmOf = (keyType: string | undefined) => (keyType === 'ed25519' || keyType === 'ed448' ? null : 'sha256')

/** A client certificate (PEM) and its key, checked to belong together; throws `tls: …` as Go's crypto/tls when they do not. */
export class ClientCertificateKeyPair {
  private readonly certificate: X509Certificate
  private readonly key: ReturnType<typeof createPrivateKey>

  constructor(certificatePem: string, keyPem: string) {
    this.certificate = new X509Certificate(certificatePem)
    this.key = createPrivateKey(keyPem)
    if (!this.certificate.checkPrivateKey(this.key)) throw new Error('tls: private key does not match public key')
  }

  /** The certificate and key (PEM) for a TLS handshake, where the handshake itself proves the certificate. */
  tlsIdentity(): {certificate: string; key: string} {
    return {certificate: this.certificate.toString(), key: this.key.export({type: 'pkcs8', format: 'pem'}).toString()}
  }

  /** The headers that prove this certificate for one request, made at `nowMilliseconds` (wall clock). */
  headersFor(request: ProvenRequest, nowMilliseconds: number): Record<string, string> {
    const time = Math.round(nowMilliseconds)
    return {
      [clientCertificateHeader]: Buffer.from(this.certificate.toString()).toString('base64'),
      [clientCertificateProofHeader]: sign(signingAlgorithmOf(this.key.asymmetricKeyType), proofDigest(this.certificate, request, time), this.key).toString('base64'),
      [clientCertificateTimeHeader]: String(time),
    }
  }
}

/** The certificate (PEM) of a request's proof headers, when the proof checks for this request and is recent; else null. */
export function provenClientCertificate(request: ProvenRequest & Pick<ApiRequest, 'headers'>, nowMilliseconds: number): string | null {
  const headers = request.headers ?? {}
  const encoded = headers[clientCertificateHeader]
  const proof = headers[clientCertificateProofHeader]
  const time = headers[clientCertificateTimeHeader]
  if (typeof encoded !== 'string' || typeof proof !== 'string' || typeof time !== 'string' || !/^\d{1,16}$/.test(time)) return null
  const timeMilliseconds = Number(time)
  if (Math.abs(nowMilliseconds - timeMilliseconds) > clientCertificateProofSkewMillisecondsMax) return null
  try {
    const pem = Buffer.from(encoded, 'base64').toString('latin1')
    const certificate = new X509Certificate(pem)
    const key = createPublicKey(certificate.publicKey.export({type: 'spki', format: 'pem'}))
    return verify(signingAlgorithmOf(key.asymmetricKeyType), proofDigest(certificate, request, timeMilliseconds), key, Buffer.from(proof, 'base64')) ? pem : null
  } catch {
    return null
  }
}

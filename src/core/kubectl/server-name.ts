// --tls-server-name (or a kubeconfig cluster's tls-server-name): the name kubectl verifies the
// server's certificate against instead of the URL's host. kubemu's kubectl reaches `up` through
// its own route, so the certificate is read here once, from the server's TLS handshake, and
// judged as Go's crypto/x509 judges it: a name it is not valid for fails the command's first
// request with Go's HostnameError text.
import {checkServerIdentity, connect, type PeerCertificate} from 'node:tls'
import {ConnectionRefusedError} from './errors.js'

/** How long the handshake that reads the certificate may take. */
const handshakeTimeoutMilliseconds = 10_000

/**
 * The server's certificate does not name the TLS server name: every request fails as one to a
 * closed port does, in Go's words for the handshake (`Unable to connect to the server: tls: …`,
 * `Get "URL": tls: failed to verify certificate: …` where kubectl names the request).
 */
export class ServerNameError extends ConnectionRefusedError {
  readonly reason: string

  constructor(server: string, reason: string) {
    super(server)
    this.reason = `tls: failed to verify certificate: ${reason}`
    this.message = `Unable to connect to the server: ${this.reason}`
  }

  override get listening(): boolean {
    return true
  }

  override requestError(method: string, url: string, quoted = true): string {
    return `${method[0]}${method.slice(1).toLowerCase()} ${quoted ? JSON.stringify(url) : url}: ${this.reason}`
  }
}

/** An IP address as Go's net.IP prints it (IPv6 in its shortest form). */
function goIpText(address: string): string {
  return address.includes(':') ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address
}

const isIpAddress = (name: string) => /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name) || name.includes(':')

/** Go's x509.HostnameError text for a certificate that is not valid for `name`. */
export function goHostnameError(certificate: Pick<PeerCertificate, 'subjectaltname'>, name: string): string {
  const entries = (certificate.subjectaltname ?? '').split(', ').filter(Boolean)
  const valid = isIpAddress(name)
    ? entries.filter((entry) => entry.startsWith('IP Address:')).map((entry) => goIpText(entry.slice('IP Address:'.length)))
    : entries.filter((entry) => entry.startsWith('DNS:')).map((entry) => entry.slice('DNS:'.length))
  if (isIpAddress(name) && valid.length === 0) return `x509: cannot validate certificate for ${name} because it doesn't contain any IP SANs`
  if (valid.length === 0) return `x509: certificate is not valid for any names, but wanted to match ${name}`
  return `x509: certificate is valid for ${valid.join(', ')}, not ${name}`
}

/**
 * Throws ServerNameError when the https `server`'s certificate is not valid for `name`; a server
 * that cannot be reached is left to the request that follows (it reports that its own way).
 */
export async function verifyServerName(server: string, name: string): Promise<void> {
  const url = new URL(server)
  if (url.protocol !== 'https:') return
  const certificate = await new Promise<PeerCertificate | null>((done) => {
    // No SNI: Go sends none for an IP, and `up` serves one certificate whatever is asked.
    const socket = connect({host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443), rejectUnauthorized: false})
    const finish = (value: PeerCertificate | null) => {
      socket.destroy()
      done(value)
    }
    socket.setTimeout(handshakeTimeoutMilliseconds, () => finish(null))
    socket.once('secureConnect', () => finish(socket.getPeerCertificate()))
    socket.once('error', () => finish(null))
  })
  if (certificate === null || Object.keys(certificate).length === 0) return
  if (checkServerIdentity(name, certificate) !== undefined) throw new ServerNameError(server, goHostnameError(certificate, name))
}

// etcdctl's transport security from its global flags (--cacert, --cert, --key,
// --insecure-skip-tls-verify, --insecure-transport): whether an endpoint is dialed over TLS, and
// with which files, as clientv3 decides it. A client that speaks the other protocol than the
// port does gets etcdctl's "context deadline exceeded", as from an unreachable endpoint.
import {X509Certificate} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {etcdClientFiles} from '../etcd/pki-files.js'
import type {ClientTls} from '../store/real-etcd-client.js'
import {HandshakeFailedError} from '../mvcc/errors.js'
import {type ParsedFlags} from './flags.js'
import {ExitError, exitCodes, flag} from './verb.js'

/** Where the flags' files are read: the host's files, or those of the container etcdctl runs in (null: none there). */
export type TlsFileReader = (path: string) => Uint8Array | null

function readPem(path: string, readFile?: TlsFileReader): Buffer {
  if (readFile) {
    const content = readFile(path)
    if (content === null) throw new ExitError(exitCodes.badArgs, `open ${path}: no such file or directory`)
    return Buffer.from(content)
  }
  try {
    return readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new ExitError(exitCodes.badArgs, `open ${path}: no such file or directory`)
    if (code === 'EACCES') throw new ExitError(exitCodes.badArgs, `open ${path}: permission denied`)
    throw error
  }
}

const certificatesIn = (pem: Buffer): X509Certificate[] =>
  (pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block))

/** What gRPC reports when the server ends a handshake it refuses (no client certificate, one of another CA). */
const closedByServer = 'connection closed'
/** What gRPC reports when the client does not trust the server's certificate. */
const untrustedServer = 'connection error: desc = "transport: authentication handshake failed: x509: certificate signed by unknown authority"'

/**
 * Why the TLS handshake with `up`'s front door would fail, or null when it succeeds (it requires
 * a client certificate from the cluster's etcd CA; the client must trust that CA or skip
 * verification). The client checks the server's certificate first, as TLS 1.3 orders them.
 * Checked before anything is sent, so that reads made without the network fail the same way.
 */
function handshakeFailure(tls: ClientTls, clusterFolder: string): string | null {
  const authorityFile = etcdClientFiles(clusterFolder).cacert
  if (!existsSync(authorityFile)) return closedByServer
  const authority = new X509Certificate(readFileSync(authorityFile))
  if (!tls.skipVerify && !(tls.authority !== undefined && certificatesIn(tls.authority).some((trusted) => trusted.fingerprint256 === authority.fingerprint256))) return untrustedServer
  const client = tls.certificate ? certificatesIn(tls.certificate)[0] : undefined
  return client?.verify(authority.publicKey) ? null : closedByServer
}

/** The TLS an endpoint is dialed with (undefined: plain); throws etcdctl's errors for bad flags or the wrong protocol. */
export function transportSecurity(endpoint: string, servedUrl: string, flags: ParsedFlags, clusterFolder: string, readFile?: TlsFileReader): ClientTls | undefined {
  const [cacert, cert, key] = [flag(flags, 'cacert'), flag(flags, 'cert'), flag(flags, 'key')]
  if ((cert === '') !== (key === '')) throw new ExitError(exitCodes.badArgs, `KeyFile and CertFile must both be present[key: ${key}, cert: ${cert}]`)
  const scheme = /^(\w+):\/\//.exec(endpoint.trim())?.[1] ?? ''
  const configured = cacert !== '' || cert !== '' || flag(flags, 'insecure-transport') === 'false'
  const secure = scheme === 'https' || (scheme !== 'http' && configured)
  const tls = secure ? {authority: cacert === '' ? undefined : readPem(cacert, readFile), certificate: cert === '' ? undefined : readPem(cert, readFile), key: key === '' ? undefined : readPem(key, readFile), skipVerify: flag(flags, 'insecure-skip-tls-verify') === 'true'} : undefined
  // Plain gRPC on a TLS port (or TLS on a plain one) never gets through the handshake: to
  // clientv3 the endpoint is unreachable until the command's deadline (its balancer's warn line,
  // then "context deadline exceeded"; endpoint health calls it unhealthy).
  if (secure !== servedUrl.startsWith('https://')) throw new HandshakeFailedError(closedByServer)
  const failure = tls ? handshakeFailure(tls, clusterFolder) : null
  if (failure !== null) throw new HandshakeFailedError(failure)
  return tls
}

/** The etcd user a client certificate names (its CN), as the front door takes it. */
export function certificateUser(tls: ClientTls | undefined): string | undefined {
  if (!tls?.certificate) return undefined
  const subject = certificatesIn(tls.certificate)[0]?.subject ?? ''
  return /^CN=(.*)$/m.exec(subject)?.[1]
}

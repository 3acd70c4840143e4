// x509 client-certificate authentication (kube-apiserver's --client-ca-file): a certificate issued
// by the cluster CA, valid now and good for client auth, is the user its subject names: CN the
// user name, each O a group. A TLS client presents it in the handshake; kubemu's own kubectl, which
// reaches the API server in-process or over up's plain loopback port, sends it in a header with a
// proof that it holds the key (the certificate signed with it).
import {createHash, createPrivateKey, createPublicKey, sign, verify, X509Certificate} from 'node:crypto'
import type {UserInfo} from '../../api/wire.js'
import {certificateSubject} from '../../util/x509.js'
import {systemGroups} from './user.js'

export const clientCertificateHeader = 'x-kubemu-client-certificate'
export const clientCertificateProofHeader = 'x-kubemu-client-certificate-proof'

const clientAuthOid = '1.3.6.1.5.5.7.3.2'
const anyExtendedKeyUsageOid = '2.5.29.37.0'
const proofContext = 'kubemu client certificate proof\n'

function digestOf(certificate: X509Certificate): Buffer {
  return createHash('sha256').update(proofContext).update(certificate.raw).digest()
}

/** The headers kubemu's kubectl sends for a client certificate and its key (PEM); throws when the key is not the certificate's. */
export function clientCertificateHeaders(certificatePem: string, keyPem: string): Record<string, string> {
  const certificate = new X509Certificate(certificatePem)
  const key = createPrivateKey(keyPem)
  if (!certificate.checkPrivateKey(key)) throw new Error('tls: private key does not match public key')
  const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256'
  return {
    [clientCertificateHeader]: Buffer.from(certificate.toString()).toString('base64'),
    [clientCertificateProofHeader]: sign(algorithm, digestOf(certificate), key).toString('base64'),
  }
}

/** The user a verified certificate names; null when it names none (no CN) or does not verify. */
export function authenticateClientCertificate(certificatePem: string, authorityPem: string, nowMilliseconds: number): UserInfo | null {
  let certificate: X509Certificate
  let authority: X509Certificate
  try {
    certificate = new X509Certificate(certificatePem)
    authority = new X509Certificate(authorityPem)
  } catch {
    return null
  }
  if (!certificate.checkIssued(authority) || !certificate.verify(authority.publicKey)) return null
  if (nowMilliseconds < Date.parse(certificate.validFrom) || nowMilliseconds > Date.parse(certificate.validTo)) return null
  // Node lists the extended key usages; none at all means any usage, as Go's x509 verifies it.
  const usages = certificate.keyUsage
  if (usages && usages.length > 0 && !usages.includes(clientAuthOid) && !usages.includes(anyExtendedKeyUsageOid)) return null
  const subject = certificateSubject(certificate)
  if (subject.commonName.length === 0) return null
  // kube-apiserver names the credential by the certificate's fingerprint (user.Info's extra).
  const credentialId = `X509SHA256=${createHash('sha256').update(certificate.raw).digest('hex')}`
  return {name: subject.commonName, groups: [...subject.organizations, systemGroups.authenticated], extra: {'authentication.kubernetes.io/credential-id': [credentialId]}}
}

/** The certificate of kubemu kubectl's headers, when their proof checks; else null. */
export function provenClientCertificate(headers: Readonly<Record<string, string | readonly string[]>>): string | null {
  const encoded = headers[clientCertificateHeader]
  const proof = headers[clientCertificateProofHeader]
  if (typeof encoded !== 'string' || typeof proof !== 'string') return null
  try {
    const pem = Buffer.from(encoded, 'base64').toString('latin1')
    const certificate = new X509Certificate(pem)
    const key = createPublicKey(certificate.publicKey.export({type: 'spki', format: 'pem'}))
    const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256'
    return verify(algorithm, digestOf(certificate), key, Buffer.from(proof, 'base64')) ? pem : null
  } catch {
    return null
  }
}

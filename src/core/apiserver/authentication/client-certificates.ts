// x509 client-certificate authentication (kube-apiserver's --client-ca-file): a certificate issued
// by the cluster CA, valid now and good for client auth, is the user its subject names: CN the
// user name, each O a group. A TLS client presents it in the handshake; kubemu's own kubectl, which
// reaches the API server in-process or over up's plain loopback port, sends it in headers with a
// proof that it holds the key (api/client-certificate-proof.ts).
import {createHash, X509Certificate} from 'node:crypto'
import type {UserInfo} from '../../api/wire.js'
import {DerError} from '../../util/der.js'
import {certificateSubject} from '../../util/x509.js'
import {systemGroups} from './user.js'

const clientAuthOid = '1.3.6.1.5.5.7.3.2'
const anyExtendedKeyUsageOid = '2.5.29.37.0'

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
  let subject: ReturnType<typeof certificateSubject>
  try {
    subject = certificateSubject(certificate)
  } catch (error) {
    // A name kubemu's DER reader cannot read (a CA-signed certificate made elsewhere): not a user
    // it can name, so the next authenticator (the token) decides.
    if (error instanceof DerError) return null
    throw error
  }
  if (subject.commonName.length === 0) return null
  // kube-apiserver names the credential by the certificate's fingerprint (user.Info's extra).
  const credentialId = `X509SHA256=${createHash('sha256').update(certificate.raw).digest('hex')}`
  return {name: subject.commonName, groups: [...subject.organizations, systemGroups.authenticated], extra: {'authentication.kubernetes.io/credential-id': [credentialId]}}
}

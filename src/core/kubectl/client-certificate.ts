// A kubeconfig user's client certificate (client-certificate[-data] and client-key[-data], or the
// --client-certificate/--client-key flags), as the credentials kubemu's kubectl sends: the
// certificate and a proof that it holds the key, which the API server checks as TLS would.
import {readFileSync} from 'node:fs'
import {clientCertificateHeaders} from '../apiserver/authentication/client-certificates.js'
import {KubectlError} from './errors.js'
import type {UserEntry} from './kubeconfig.js'

function pemOf(data: unknown, path: unknown, flagPath: string, what: 'client-cert' | 'client-key', userName: string): string | null {
  const file = flagPath || (typeof path === 'string' ? path : '')
  if (file) {
    try {
      return readFileSync(file, 'utf8')
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message
      throw new KubectlError(`unable to read ${what} ${file} for ${userName} due to open ${file}: ${reason}`)
    }
  }
  return typeof data === 'string' && data.length > 0 ? Buffer.from(data, 'base64').toString('latin1') : null
}

/** The headers that carry the user's client certificate, or none when the user has no certificate and key. */
export function clientCertificateCredentials(user: UserEntry, userName: string, flags: {certificate: string; key: string}): Record<string, string> {
  const certificate = pemOf(user['client-certificate-data'], user['client-certificate'], flags.certificate, 'client-cert', userName)
  const key = pemOf(user['client-key-data'], user['client-key'], flags.key, 'client-key', userName)
  if (certificate === null || key === null) return {}
  try {
    return clientCertificateHeaders(certificate, key)
  } catch (error) {
    throw new KubectlError(error instanceof Error && error.message.startsWith('tls:') ? error.message : 'tls: failed to find any PEM data in certificate input')
  }
}

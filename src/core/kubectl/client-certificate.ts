// A kubeconfig user's client certificate (client-certificate[-data] and client-key[-data], or the
// --client-certificate/--client-key flags), as the credentials kubemu's kubectl sends: the
// certificate and, for each request, a proof that it holds the key, which the API server checks
// as TLS would check the handshake (api/client-certificate-proof.ts).
import {readFileSync} from 'node:fs'
import {dirname, isAbsolute, join} from 'node:path'
import {ClientCertificateKeyPair} from '../api/client-certificate-proof.js'
import {KubectlError} from './errors.js'
import type {UserEntry} from './kubeconfig.js'

/**
 * The PEM a flag's file, the kubeconfig's file or its inline data holds. A kubeconfig's relative
 * path is read from the kubeconfig's own folder, as client-go resolves it; a flag's from the
 * working directory.
 */
function pemOf(data: unknown, path: unknown, flagPath: string, what: 'client-cert' | 'client-key', userName: string, kubeconfigPath: string | undefined): string | null {
  const configured = typeof path === 'string' ? path : ''
  const file = flagPath || (configured && kubeconfigPath && !isAbsolute(configured) ? join(dirname(kubeconfigPath), configured) : configured)
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

/** The user's certificate and key, or null when the user has none. `kubeconfigPath`: the file the user entry came from. */
export function clientCertificateOf(user: UserEntry, userName: string, flags: {certificate: string; key: string}, kubeconfigPath?: string): ClientCertificateKeyPair | null {
  const certificate = pemOf(user['client-certificate-data'], user['client-certificate'], flags.certificate, 'client-cert', userName, kubeconfigPath)
  const key = pemOf(user['client-key-data'], user['client-key'], flags.key, 'client-key', userName, kubeconfigPath)
  if (certificate === null || key === null) return null
  try {
    return new ClientCertificateKeyPair(certificate, key)
  } catch (error) {
    throw new KubectlError(error instanceof Error && error.message.startsWith('tls:') ? error.message : 'tls: failed to find any PEM data in certificate input')
  }
}

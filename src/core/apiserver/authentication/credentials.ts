// The cluster's secrets: the admin's bearer token (a static token file, as kube-apiserver's
// --token-auth-file), the key that signs ServiceAccount tokens (--service-account-key-file) and
// the API server's etcd password (what its etcd client certificate is to a real etcd).
// They live in the cluster folder, made on first use; two processes racing to make them agree on
// whichever file was written first.
import {createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {EtcdCredentials} from '../../etcd/api.js'
import {systemGroups} from './user.js'
import type {UserInfo} from '../../api/wire.js'
import {type ClusterCertificates, clusterCertificates} from './certificates.js'

export const adminUserName = 'kubernetes-admin'
export const serviceAccountKeyBits = 2048
/** The API server's etcd user: the common name kubeadm gives its etcd client certificate. */
export const apiServerEtcdUserName = 'kube-apiserver-etcd-client'

export interface StaticToken {
  readonly token: string
  readonly user: UserInfo
}

export interface ClusterCredentials {
  /** The tokens of --token-auth-file: the admin's, at least. */
  staticTokens(): readonly StaticToken[]
  adminToken(): string
  /** The ServiceAccount token signing key (made on first use: it takes a moment). */
  signingKey(): {privateKey: KeyObject; publicKey: KeyObject; keyId: string}
  /** The CA (PEM) client certificates must come from (--client-ca-file); none: no certificate authenticates. */
  clientCertificateAuthority?(nowMilliseconds: number): string | null
}

function keyIdOf(publicKey: KeyObject): string {
  // kube-apiserver's key ID: the base64url SHA-256 of the DER public key.
  return createHash('sha256').update(publicKey.export({type: 'spki', format: 'der'})).digest('base64url')
}

function newToken(): string {
  return randomBytes(24).toString('base64url')
}

function adminOf(token: string): StaticToken {
  return {token, user: {name: adminUserName, uid: adminUserName, groups: [systemGroups.masters, systemGroups.authenticated]}}
}

/** Parses a token file line: token,user,uid,"group1,group2". */
export function parseTokenFile(text: string): StaticToken[] {
  const tokens: StaticToken[] = []
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (trimmed.length === 0 || trimmed.startsWith('#')) continue
    const match = /^([^,]+),([^,]+),([^,]*)(?:,"?([^"]*)"?)?$/.exec(trimmed)
    if (!match) continue
    const groups = (match[4] ?? '').split(',').filter((group) => group.length > 0)
    tokens.push({token: match[1]!, user: {name: match[2]!, uid: match[3]!, groups: [...groups, systemGroups.authenticated]}})
  }
  return tokens
}

/** Writes `content` unless the file exists; either way returns what the file holds. */
function createOnce(path: string, content: string): string {
  try {
    writeFileSync(path, content, {flag: 'wx', mode: 0o600})
    return content
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8')
    throw error
  }
}

/** The credentials kept in `<cluster folder>/pki`. */
export class FileCredentials implements ClusterCredentials {
  private tokens: StaticToken[] | null = null
  private key: ReturnType<ClusterCredentials['signingKey']> | null = null

  constructor(private readonly folder: string) {}

  /** The HTTPS front door's CA and serving certificate (`pki/tls`), made on first use. */
  clientCertificateAuthority(nowMilliseconds: number): string {
    return this.certificates(nowMilliseconds).authority.certificate
  }

  certificates(nowMilliseconds: number): ClusterCertificates {
    return clusterCertificates(this.pki(), nowMilliseconds)
  }

  private pki(): string {
    const folder = join(this.folder, 'pki')
    mkdirSync(folder, {recursive: true, mode: 0o700})
    return folder
  }

  staticTokens(): readonly StaticToken[] {
    if (!this.tokens) {
      const text = createOnce(join(this.pki(), 'tokens.csv'), `${newToken()},${adminUserName},${adminUserName},"${systemGroups.masters}"\n`)
      this.tokens = parseTokenFile(text)
    }
    return this.tokens
  }

  adminToken(): string {
    const admin = this.staticTokens().find((token) => token.user.name === adminUserName)
    if (!admin) throw new Error(`the token file ${join(this.folder, 'pki', 'tokens.csv')} has no ${adminUserName} line`)
    return admin.token
  }

  /** The API server's etcd user and its password (`pki/apiserver-etcd-client.password`, made on first use). */
  etcdClient(): EtcdCredentials {
    const password = createOnce(join(this.pki(), 'apiserver-etcd-client.password'), `${newToken()}\n`).trim()
    return {user: apiServerEtcdUserName, password}
  }

  signingKey(): ReturnType<ClusterCredentials['signingKey']> {
    if (!this.key) {
      const path = join(this.pki(), 'sa.key')
      let pem: string
      try {
        pem = readFileSync(path, 'utf8')
      } catch {
        const {privateKey} = generateKeyPairSync('rsa', {modulusLength: serviceAccountKeyBits})
        pem = createOnce(path, privateKey.export({type: 'pkcs8', format: 'pem'}).toString())
      }
      const privateKey = createPrivateKey(pem)
      const publicKey = createPublicKey(privateKey)
      this.key = {privateKey, publicKey, keyId: keyIdOf(publicKey)}
    }
    return this.key
  }
}

let sharedMemoryKey: ReturnType<ClusterCredentials['signingKey']> | null = null

/** Credentials held in memory (tests, and API servers without a cluster folder). */
export class MemoryCredentials implements ClusterCredentials {
  private readonly admin = adminOf(newToken())

  staticTokens(): readonly StaticToken[] {
    return [this.admin]
  }

  adminToken(): string {
    return this.admin.token
  }

  signingKey(): ReturnType<ClusterCredentials['signingKey']> {
    // One key per process: making an RSA key takes long enough to matter in a test suite.
    if (!sharedMemoryKey) {
      const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: serviceAccountKeyBits})
      sharedMemoryKey = {privateKey, publicKey, keyId: keyIdOf(publicKey)}
    }
    return sharedMemoryKey
  }
}

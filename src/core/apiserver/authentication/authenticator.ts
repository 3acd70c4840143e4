// Bearer-token authentication as kube-apiserver's chain runs it: the static token file, then
// ServiceAccount JWTs (checked against the live ServiceAccount and bound object), else anonymous
// for a request with no credentials. A token nobody recognizes is a 401.
import {timingSafeEqual} from 'node:crypto'
import type {KubeObject} from '../../api/object.js'
import type {ClusterCredentials} from './credentials.js'
import {looksLikeJwt, verifyServiceAccountToken} from './service-account-tokens.js'
import {anonymousUser, serviceAccountGroups, serviceAccountUserName, systemGroups} from './user.js'
import type {UserInfo} from '../../api/wire.js'

/** Reads an object the authenticator must check (a ServiceAccount, a bound Pod or Secret). */
export type ObjectLookup = (resource: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string, name: string) => Promise<KubeObject | null>

export type Authentication = {user: UserInfo; audiences?: readonly string[]} | null

function sameToken(left: string, right: string): boolean {
  const a = Buffer.from(left)
  const b = Buffer.from(right)
  return a.length === b.length && timingSafeEqual(a, b)
}

export class TokenAuthenticator {
  constructor(
    private readonly credentials: ClusterCredentials,
    private readonly lookup: ObjectLookup,
    private readonly nowSeconds: () => number,
  ) {}

  /** The user of an Authorization header value; anonymous without one; null when it is refused. */
  async authenticateHeader(authorization: string): Promise<Authentication> {
    if (authorization.length === 0) return {user: anonymousUser}
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (!match) return null
    return this.authenticateToken(match[1]!)
  }

  async authenticateToken(token: string, audiences?: readonly string[]): Promise<Authentication> {
    for (const entry of this.credentials.staticTokens()) {
      if (sameToken(entry.token, token)) return {user: entry.user}
    }
    if (!looksLikeJwt(token)) return null
    const claims = verifyServiceAccountToken(this.credentials, token, this.nowSeconds(), audiences)
    if (!claims) return null
    const {namespace, serviceaccount, pod, secret, node} = claims['kubernetes.io']
    const account = await this.lookup('serviceaccounts', namespace, serviceaccount.name)
    if (!account || account.metadata.uid !== serviceaccount.uid || account.metadata.deletionTimestamp) return null
    const extra: Record<string, string[]> = {'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`]}
    if (pod) {
      const bound = await this.lookup('pods', namespace, pod.name)
      if (!bound || bound.metadata.uid !== pod.uid || bound.metadata.deletionTimestamp) return null
      extra['authentication.kubernetes.io/pod-name'] = [pod.name]
      extra['authentication.kubernetes.io/pod-uid'] = [pod.uid]
    }
    if (secret) {
      const bound = await this.lookup('secrets', namespace, secret.name)
      if (!bound || bound.metadata.uid !== secret.uid) return null
    }
    if (node) {
      const bound = await this.lookup('nodes', '', node.name)
      if (!bound || bound.metadata.uid !== node.uid) return null
      extra['authentication.kubernetes.io/node-name'] = [node.name]
      extra['authentication.kubernetes.io/node-uid'] = [node.uid]
    }
    return {
      user: {
        name: serviceAccountUserName(namespace, serviceaccount.name),
        uid: serviceaccount.uid,
        groups: [...serviceAccountGroups(namespace), systemGroups.authenticated],
        extra,
      },
      audiences: claims.aud,
    }
  }
}

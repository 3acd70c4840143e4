// ServiceAccount tokens as kube-apiserver issues them through the TokenRequest API: RS256 JWTs
// with the issuer, audiences, expiry and the kubernetes.io claims (namespace, service account,
// bound pod or secret), verified on each request against the signing key and the live objects.
import {createSign, createVerify} from 'node:crypto'
import type {ClusterCredentials} from './credentials.js'

export const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local'
export const defaultAudiences: readonly string[] = [serviceAccountIssuer]
/** kube-apiserver refuses shorter tokens: "may not specify a duration less than 10 minutes". */
export const tokenExpirationSecondsMin = 600
export const tokenExpirationSecondsDefault = 3600
/** A token longer than this is not a JWT we issued. */
export const tokenBytesMax = 16 * 1024

export interface BoundObject {
  readonly kind: 'Pod' | 'Secret' | 'Node'
  readonly name: string
  readonly uid: string
}

export interface ServiceAccountClaims {
  readonly aud: readonly string[]
  readonly exp: number
  readonly iat: number
  readonly iss: string
  readonly jti: string
  readonly 'kubernetes.io': {
    namespace: string
    serviceaccount: {name: string; uid: string}
    pod?: {name: string; uid: string}
    secret?: {name: string; uid: string}
    node?: {name: string; uid: string}
  }
  readonly nbf: number
  readonly sub: string
}

export interface TokenRequestInput {
  readonly namespace: string
  readonly serviceAccountName: string
  readonly serviceAccountUid: string
  readonly audiences: readonly string[]
  readonly expirationSeconds: number
  readonly boundObject: BoundObject | null
  readonly nowSeconds: number
  readonly jti: string
}

export function issueServiceAccountToken(credentials: ClusterCredentials, input: TokenRequestInput): string {
  const {privateKey, keyId} = credentials.signingKey()
  const kubernetesClaims: Record<string, unknown> = {
    namespace: input.namespace,
    serviceaccount: {name: input.serviceAccountName, uid: input.serviceAccountUid},
  }
  if (input.boundObject) kubernetesClaims[input.boundObject.kind.toLowerCase()] = {name: input.boundObject.name, uid: input.boundObject.uid}
  const claims = {
    aud: input.audiences,
    exp: input.nowSeconds + input.expirationSeconds,
    iat: input.nowSeconds,
    iss: serviceAccountIssuer,
    jti: input.jti,
    'kubernetes.io': kubernetesClaims,
    nbf: input.nowSeconds,
    sub: `system:serviceaccount:${input.namespace}:${input.serviceAccountName}`,
  }
  const header = Buffer.from(JSON.stringify({alg: 'RS256', kid: keyId})).toString('base64url')
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey).toString('base64url')
  return `${header}.${payload}.${signature}`
}

/** Whether a bearer token has the shape of a JWT (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return token.length <= tokenBytesMax && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)
}

/**
 * The claims of a token this cluster signed that is valid at `nowSeconds` for one of
 * `audiences`; null otherwise (a bad signature, another issuer, expired, not yet valid).
 */
export function verifyServiceAccountToken(credentials: ClusterCredentials, token: string, nowSeconds: number, audiences: readonly string[] = defaultAudiences): ServiceAccountClaims | null {
  if (!looksLikeJwt(token)) return null
  const [header, payload, signature] = token.split('.') as [string, string, string]
  let decodedHeader: {alg?: string; kid?: string}
  let claims: ServiceAccountClaims
  try {
    decodedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (decodedHeader.alg !== 'RS256') return null
  const {publicKey} = credentials.signingKey()
  if (!createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature, 'base64url'))) return null
  if (claims.iss !== serviceAccountIssuer || typeof claims.exp !== 'number' || typeof claims.sub !== 'string') return null
  // kube-apiserver allows a minute of clock skew on both ends.
  const leewaySeconds = 60
  if (nowSeconds > claims.exp + leewaySeconds || (typeof claims.nbf === 'number' && nowSeconds + leewaySeconds < claims.nbf)) return null
  const tokenAudiences = Array.isArray(claims.aud) ? claims.aud : [String(claims.aud)]
  if (!tokenAudiences.some((audience) => audiences.includes(audience))) return null
  const kubernetes = claims['kubernetes.io']
  if (!kubernetes || typeof kubernetes.namespace !== 'string' || !kubernetes.serviceaccount) return null
  return claims
}

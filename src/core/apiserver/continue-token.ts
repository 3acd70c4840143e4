// List continue tokens as kube-apiserver encodes them: base64 of
// {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after the prefix>\u0000"}.
import {apiErrors} from './api-errors.js'

interface TokenBody {
  v: string
  rv: number
  start: string
}

export function encodeContinue(revision: number, lastKeyAfterPrefix: string): string {
  const body: TokenBody = {v: 'meta.k8s.io/v1', rv: revision, start: `${lastKeyAfterPrefix}\u0000`}
  return Buffer.from(JSON.stringify(body)).toString('base64')
}

/** The revision and the first key (after the prefix) a continued list reads. */
export function decodeContinue(token: string): {revision: number; start: string} {
  let body: TokenBody
  try {
    body = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as TokenBody
  } catch {
    throw apiErrors.badRequest(`continue key is not valid: illegal base64 data at input byte 0`)
  }
  if (body.v !== 'meta.k8s.io/v1') throw apiErrors.badRequest('continue key is not valid: server does not recognize this encoded version')
  if (typeof body.rv !== 'number' || body.rv <= 0) throw apiErrors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)')
  if (typeof body.start !== 'string' || body.start.length === 0) throw apiErrors.badRequest('continue key is not valid: encoded start key empty (version meta.k8s.io/v1)')
  if (body.start.includes('..') || body.start.startsWith('/')) throw apiErrors.badRequest('continue key is not valid: path traversal not allowed (version meta.k8s.io/v1)')
  return {revision: body.rv, start: body.start}
}

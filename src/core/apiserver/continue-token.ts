// List continue tokens as kube-apiserver encodes them: unpadded URL-safe base64 of
// {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after the prefix>\u0000"}; rv -1 (the token
// a 410 after compaction hands out) continues at the newest revision.
import {apiErrors} from './api-errors.js'

interface TokenBody {
  v: unknown
  rv: unknown
  start: unknown
}

const invalid = 'invalid continue token: continue key is not valid'

export function encodeContinue(revision: number, lastKeyAfterPrefix: string): string {
  return encodeToken(revision, `${lastKeyAfterPrefix}\u0000`)
}

/** The token kube-apiserver returns beside a 410 for a compacted continue: the same start, at the newest revision. */
export function inconsistentContinue(start: string): string {
  return encodeToken(-1, start)
}

function encodeToken(revision: number, start: string): string {
  return Buffer.from(JSON.stringify({v: 'meta.k8s.io/v1', rv: revision, start})).toString('base64url')
}

const urlAlphabet = /^[A-Za-z0-9_-]$/

/** Go's base64.RawURLEncoding: the index of the first byte it refuses (line breaks are skipped), or null. */
function rawUrlBase64Error(text: string): number | null {
  let quantum = 0
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!
    if (character === '\n' || character === '\r') continue
    if (!urlAlphabet.test(character)) return index
    quantum = (quantum + 1) % 4
  }
  // A last group of one character carries no whole byte.
  return quantum === 1 ? text.length - 1 : null
}

/** encoding/json's error for a body it cannot read, for the common cases. */
function goJsonError(text: string): string | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    const first = text.trimStart()[0]
    if (first === undefined) return 'unexpected end of JSON input'
    if (!/[[{"\-0-9tfn]/.test(first)) return `invalid character '${first}' looking for beginning of value`
    return 'unexpected end of JSON input'
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const type = Array.isArray(parsed) ? 'array' : parsed === null ? null : typeof parsed === 'number' ? 'number' : typeof parsed === 'boolean' ? 'bool' : 'string'
    return type === null ? null : `json: cannot unmarshal ${type} into Go value of type storage.continueToken`
  }
  const body = parsed as TokenBody
  const fields: Array<[keyof TokenBody, string]> = [['v', 'string'], ['rv', 'int64'], ['start', 'string']]
  for (const [field, goType] of fields) {
    const value = body[field]
    if (value === undefined || value === null) continue
    const type = Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value
    const fits = goType === 'string' ? type === 'string' : type === 'number' && Number.isInteger(value)
    if (!fits) return `json: cannot unmarshal ${type === 'number' ? `number ${String(value)}` : type} into Go struct field continueToken.${field} of type ${goType}`
  }
  return null
}

/** path.Clean of a slash-rooted path. */
function cleanPath(path: string): string {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') parts.pop()
    else parts.push(part)
  }
  return `/${parts.join('/')}`
}

/** The revision (-1: the newest) and the first key (after the prefix) a continued list reads. */
export function decodeContinue(token: string): {revision: number; start: string} {
  const badByte = rawUrlBase64Error(token)
  if (badByte !== null) throw apiErrors.badRequest(`${invalid}: illegal base64 data at input byte ${badByte}`)
  const text = Buffer.from(token.replace(/[\r\n]/g, ''), 'base64url').toString('utf8')
  const jsonError = goJsonError(text)
  if (jsonError) throw apiErrors.badRequest(`${invalid}: ${jsonError}`)
  const body = JSON.parse(text) as Partial<Record<keyof TokenBody, string | number | null>>
  const version = typeof body.v === 'string' ? body.v : ''
  if (version !== 'meta.k8s.io/v1') throw apiErrors.badRequest(`${invalid}: server does not recognize this encoded version ${version}`)
  const revision = typeof body.rv === 'number' ? body.rv : 0
  if (revision === 0) throw apiErrors.badRequest(`${invalid}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`)
  const start = typeof body.start === 'string' ? body.start : ''
  if (start.length === 0) throw apiErrors.badRequest(`${invalid}: encoded start key empty (version meta.k8s.io/v1)`)
  // Path traversal: the key must stay under the list's prefix, as path.Clean leaves it.
  const rooted = start.startsWith('/') ? start : `/${start}`
  if (cleanPath(rooted) !== rooted) throw apiErrors.badRequest(`${invalid}: ${start}`)
  return {revision: revision < 0 ? -1 : revision, start: rooted.slice(1)}
}

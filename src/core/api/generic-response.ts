// client-go's error for an error answer that carries no Status (NewGenericServerResponse): a
// proxy's or an aggregated API's plain text (`service unavailable`) becomes a reason and a message
// of client-go's own, naming the request's verb and resource where the request had one
// (`the server is currently unable to handle the request (get foos.example.com)`). One home for
// the texts: kubemu's kubectl and the control plane's client both answer with them.

import {bytesToText} from '../util/byte-text.js'
import {goQuote} from '../util/go-quote.js'

/** client-go reads at most this many bytes of an error body that is no Status (maxUnstructuredResponseTextBytes). */
export const unstructuredErrorBodyBytesMax = 2048

/** Go's unicode.IsSpace, which strings.TrimSpace trims. */
const goSpaceAtEnds = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g

/**
 * The server's text client-go keeps of an error body that is no Status: a textual body (no
 * content type, or text/*) cut to its first 2048 bytes, even inside a character, and trimmed;
 * any other body is `unknown`. Bytes a cut leaves without their character are kept as
 * byte-text.ts keeps them, so Go's quoting names them (\xe2).
 */
export function unstructuredErrorText(body: unknown, contentType = ''): string {
  if (typeof body !== 'string') return 'unknown'
  const media = contentType.split(';')[0]!.trim().toLowerCase()
  if (media !== '' && !media.startsWith('text/')) return 'unknown'
  const bytes = Buffer.from(body, 'utf8')
  const kept = bytes.length > unstructuredErrorBodyBytesMax ? bytesToText(bytes.subarray(0, unstructuredErrorBodyBytesMax)) : body
  return kept.replace(goSpaceAtEnds, '')
}

export interface GenericStatus {
  readonly reason: string
  readonly message: string
  readonly code: number
}

/** The resource a request named (its group, plural and object name), as client-go's request builder knew it. */
export interface RequestTarget {
  readonly group: string
  readonly resource: string
  readonly name: string
}

/** Per code: the reason and message; null message: the server's own text is kept (Forbidden and the media type refusals). */
const genericTexts: ReadonlyMap<number, readonly [string, string | null]> = new Map([
  [400, ['BadRequest', 'the server rejected our request for an unknown reason']],
  [401, ['Unauthorized', 'the server has asked for the client to provide credentials']],
  [403, ['Forbidden', null]],
  [404, ['NotFound', 'the server could not find the requested resource']],
  [405, ['MethodNotAllowed', 'the server does not allow this method on the requested resource']],
  [415, ['UnsupportedMediaType', null]],
  [422, ['Invalid', 'the server rejected our request due to an error in our request']],
  [429, ['TooManyRequests', 'the server has received too many requests and has asked us to try again later']],
  [503, ['ServiceUnavailable', 'the server is currently unable to handle the request']],
  [504, ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request']],
])

/**
 * The Status client-go makes of an error answer without one: `serverText` is the body's text
 * (trimmed; `unknown` when it was not text), `method` the request's, `target` what it named.
 */
export function genericServerResponse(code: number, method: string, serverText: string, target: RequestTarget | null = null): GenericStatus {
  let reason = ''
  let message = `the server responded with the status code ${code} but did not return more information`
  const known = genericTexts.get(code)
  if (code === 409) {
    reason = method === 'POST' ? 'AlreadyExists' : 'Conflict'
    message = 'the server reported a conflict'
  } else if (code === 406) {
    // The server's text says which types it serves; without one, client-go's own words.
    reason = 'NotAcceptable'
    message = serverText === '' || serverText === 'unknown' ? 'the server was unable to respond with a content type that the client supports' : serverText
  } else if (known) {
    reason = known[0]
    message = known[1] ?? serverText
  } else if (code >= 500) {
    reason = 'InternalError'
    message = `an error on the server (${goQuote(serverText)}) has prevented the request from succeeding`
  }
  if (target && target.resource !== '') {
    const resource = target.group === '' ? target.resource : `${target.resource}.${target.group}`
    message += target.name !== '' ? ` (${method.toLowerCase()} ${resource} ${target.name})` : ` (${method.toLowerCase()} ${resource})`
  }
  return {reason, message, code}
}

/**
 * The resource and object an API path names (`/api/v1/namespaces/NS/pods/NAME/log`: pods, NAME),
 * as client-go's builder set them for the request; null for a path that names none (discovery).
 */
export function requestTargetOf(path: string): RequestTarget | null {
  // A namespace's own subresources (the namespace controller's finalize, status) name the namespace.
  const namespaceSubresource = /^\/api\/v1\/namespaces\/([^/]+)\/(?:finalize|status)$/.exec(path)
  if (namespaceSubresource) return {group: '', resource: 'namespaces', name: namespaceSubresource[1]!}
  const match = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/[^/]+(?=\/[^/]+))?\/([^/]+)(?:\/([^/]+))?/.exec(path)
  if (!match) return null
  return {group: match[1] ?? '', resource: match[2]!, name: match[3] ?? ''}
}

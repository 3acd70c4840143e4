// Kubernetes' URL library for CEL ("kubernetes.urls"): url(), isURL() and the parts of a URL as
// Go's net/url splits them. url() takes what url.ParseRequestURI takes: an absolute URL or an
// absolute path, with Go's error text for anything else.
import type {CelKit} from './kit.js'

export interface UrlParts {
  readonly scheme: string
  readonly host: string
  readonly path: string
  readonly query: string
}

const schemePattern = /^([a-zA-Z][a-zA-Z0-9+.-]*):/

/** The parts of a request URI, or Go's error ('parse "x": invalid URI for request'). */
export function parseRequestUri(text: string): UrlParts | string {
  const fail = (reason: string) => `parse ${JSON.stringify(text)}: ${reason}`
  if (text.length === 0) return fail('empty url')
  if ([...text].some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f)) return fail('net/url: invalid control character in URL')
  const scheme = schemePattern.exec(text)
  let rest = scheme ? text.slice(scheme[0].length) : text
  if (!scheme && text.startsWith(':')) return fail('missing protocol scheme')
  if (!rest.startsWith('/')) {
    if (scheme) return {scheme: scheme[1]!.toLowerCase(), host: '', path: '', query: ''}
    return fail('invalid URI for request')
  }
  const queryAt = rest.indexOf('?')
  const query = queryAt >= 0 ? rest.slice(queryAt + 1) : ''
  if (queryAt >= 0) rest = rest.slice(0, queryAt)
  let host = ''
  if (scheme && rest.startsWith('//')) {
    const authorityEnd = rest.indexOf('/', 2)
    const authority = authorityEnd >= 0 ? rest.slice(2, authorityEnd) : rest.slice(2)
    rest = authorityEnd >= 0 ? rest.slice(authorityEnd) : ''
    host = authority.slice(authority.lastIndexOf('@') + 1)
    const port = /:([^\]:]*)$/.exec(host.startsWith('[') ? host.slice(host.indexOf(']') + 1) : host)
    if (port && !/^[0-9]*$/.test(port[1]!)) return fail(`invalid port ${JSON.stringify(port[0])} after host`)
  }
  return {scheme: scheme ? scheme[1]!.toLowerCase() : '', host, path: rest, query}
}

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'))
  const colon = host.indexOf(':')
  return colon >= 0 ? host.slice(0, colon) : host
}

function port(host: string): string {
  const colon = host.lastIndexOf(':')
  if (colon < 0 || host.slice(colon).includes(']')) return ''
  return host.slice(colon + 1)
}

const unescapeQuery = (text: string): string => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

/** url.ParseQuery: pairs in order; a pair with a semicolon or a bad escape is passed over. */
function queryValues(query: string): Map<string, string[]> {
  const values = new Map<string, string[]>()
  for (const pair of query.split('&')) {
    if (pair.length === 0 || pair.includes(';')) continue
    const equals = pair.indexOf('=')
    const key = unescapeQuery(equals >= 0 ? pair.slice(0, equals) : pair)
    const value = unescapeQuery(equals >= 0 ? pair.slice(equals + 1) : '')
    values.set(key, [...(values.get(key) ?? []), value])
  }
  return values
}

export function urlFunctions({cel, opaque}: CelKit) {
  const {celFunc, celMethod, CelScalar, listType, mapType} = cel
  const url = opaque('kubernetes.URL')
  const U = url.type
  // The value is url.Parse's: a fragment is no part of the path or the query.
  const parts = (value: unknown) => parseRequestUri(url.text(value as never).replace(/#[\s\S]*$/, '')) as UrlParts
  return [
    celFunc('url', [CelScalar.STRING], U, (text) => {
      const parsed = parseRequestUri(text)
      if (typeof parsed === 'string') throw new Error(`URL parse error during conversion from string: ${parsed}`)
      return url.value(text)
    }),
    celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (text) => typeof parseRequestUri(text) !== 'string'),
    celMethod('getScheme', U, [], CelScalar.STRING, function () {
      return parts(this).scheme
    }),
    celMethod('getHost', U, [], CelScalar.STRING, function () {
      return parts(this).host
    }),
    celMethod('getHostname', U, [], CelScalar.STRING, function () {
      return hostname(parts(this).host)
    }),
    celMethod('getPort', U, [], CelScalar.STRING, function () {
      return port(parts(this).host)
    }),
    celMethod('getEscapedPath', U, [], CelScalar.STRING, function () {
      return parts(this).path
    }),
    celMethod('getQuery', U, [], mapType(CelScalar.STRING, listType(CelScalar.STRING)), function () {
      return queryValues(parts(this).query)
    }),
  ]
}

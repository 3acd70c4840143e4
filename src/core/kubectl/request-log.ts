// kubectl's -v request logging, in klog's format on stderr as kubectl 1.32 writes it (client-go's
// debugging round tripper and its request body logging):
//   -v=6  one line per request: `GET https://… 200 OK in 3 milliseconds`
//   -v=7  the request line and headers, then the response status
//   -v=8  as -v=7, with the bodies (1024 characters at most) and the response headers
//   -v=9  the request as a curl command, the dial of a new connection, the status line, the
//         connection's statistics, the response headers and the bodies (10240 characters at most)
//   -v=10 and up: the bodies whole
// Go prints headers in its maps' order, which changes from run to run; kubemu prints them in one
// order (Accept, Content-Type, User-Agent, Authorization, then the others).
import {STATUS_CODES} from 'node:http'
import type {ApiResponse} from '../api/wire.js'
import type {HttpExchangeTrace} from '../client/http-handler.js'

/** client-go shows at most this many characters of a body at -v=8, and at -v=9. */
export const loggedBodyCharactersMax = 1024
export const loggedBodyCharactersMaxAtNine = 10240

/** What a request is before it goes out. */
export interface LoggedRequest {
  readonly method: string
  readonly url: string
  /** In the order they are logged, names as Go canonicalises them; credentials are masked here. */
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: string
  /** The source line of kubectl's code that sent it (its body lines name it): `helper.go:105`. */
  readonly caller: string
}

/** How the request went over its connection, as client-go's HTTP trace measures it. */
export interface ExchangeTiming {
  /** Opened for this request (its dial logged, DNS, dial and TLS times counted) or reused. */
  readonly newConnection: boolean
  readonly dnsMilliseconds: number
  readonly dialMilliseconds: number
  readonly tlsMilliseconds: number
  /** Waiting for a pooled connection (a reused one). */
  readonly getConnectionMilliseconds: number
  /** From the request written to the first byte of the answer. */
  readonly serverProcessingMilliseconds: number
  /** The round trip, to the answer's headers. */
  readonly durationMilliseconds: number
}

export interface LoggedResponse {
  readonly status: number
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: string
  readonly timing: ExchangeTiming
}

/** client-go's header names as Go canonicalises them (`content-type` → `Content-Type`). */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`)
}

/** client-go's maskValue: the credential of an Authorization header hidden, its scheme kept when known. */
function maskedValue(name: string, value: string): string {
  if (name.toLowerCase() !== 'authorization' || value.length === 0) return value
  const space = value.indexOf(' ')
  const scheme = space > 0 ? value.slice(0, space) : value
  if (!['bearer', 'basic', 'negotiate'].includes(scheme.toLowerCase())) return '<masked>'
  return value.length > scheme.length + 1 ? `${scheme} <masked>` : scheme
}

/** Go's encoding/hex Dump: offset, sixteen bytes in hex, the printable ones as text. */
function hexDump(bytes: Uint8Array): string {
  const hex = (value: number, width: number) => value.toString(16).padStart(width, '0')
  let text = ''
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16)
    let pairs = ''
    for (let index = 0; index < 16; index++) {
      pairs += index < row.length ? `${hex(row[index]!, 2)} ` : '   '
      if (index === 7) pairs += ' '
    }
    const printable = [...row].map((byte) => (byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte) : '.')).join('')
    text += `${hex(offset, 8)}  ${pairs} |${printable}|\n`
  }
  return text
}

/** Go's strconv.Quote for the text kubectl logs (JSON's escapes where they agree). */
function goQuoted(text: string): string {
  return JSON.stringify(text).replace(/\\u00([01][0-9a-f])/g, (_, code: string) => ({'0b': '\\v', '0c': '\\f'})[code] ?? `\\x${code}`)
}

/** A klog key's value: quoted, or on lines of their own after `<` when it has a newline. */
function klogValue(text: string): string {
  if (!text.includes('\n')) return goQuoted(text)
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
  return `<\n${lines.map((line) => `\t${line}\n`).join('')} >`
}

/** The ` [truncated N chars]` cut of client-go's truncateBody for the level. */
function truncated(body: string, level: number): string {
  if (level >= 10) return body
  const max = level >= 9 ? loggedBodyCharactersMaxAtNine : loggedBodyCharactersMax
  return body.length > max ? `${body.slice(0, max)} [truncated ${body.length - max} chars]` : body
}

import {klogLine} from '../util/klog.js'
export {klogLine}

/** The host and port a URL's request dials, as Go's trace names them (`127.0.0.1:6443`). */
function dialAddress(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname.replace(/^\[(.*)\]$/, '$1')}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`
  } catch {
    return url
  }
}

export class RequestLog {
  constructor(
    readonly level: number,
    private readonly write: (text: string) => void,
    /** Wall time in milliseconds with a fraction (microseconds that never run backwards). */
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
    private readonly pid: number = process.pid,
  ) {}

  /** klog's header: severity, MMDD, wall time to the microsecond, the process id, the source line. */
  private line(source: string, message: string, severity: 'I' | 'W' | 'E' = 'I'): void {
    this.write(klogLine(severity, source, message, this.now(), this.pid))
  }

  /** An error line, which klog prints whatever the verbosity. */
  error(source: string, message: string): void {
    this.line(source, message, 'E')
  }

  /** A warning line, which klog prints whatever the verbosity. */
  warning(source: string, message: string): void {
    this.line(source, message, 'W')
  }

  /** A klog info line's text, to print later in its place. */
  text(source: string, message: string): string {
    return klogLine('I', source, message, this.now(), this.pid)
  }

  /** A line kubectl logs at `level` and above. */
  info(level: number, source: string, message: string): void {
    if (this.level >= level) this.line(source, message)
  }

  configLoaded(path: string): void {
    if (this.level >= 6) this.line('loader.go:402', `Config loaded from file:  ${path}`)
  }

  /**
   * client-go's feature gates, logged once when kubectl builds its first REST client (-v=1 and up).
   * Go prints them in map order, which varies from run to run; kubemu prints them sorted.
   */
  clientCreated(): void {
    if (this.level < 1 || this.featureGatesLogged) return
    this.featureGatesLogged = true
    for (const gate of ['ClientsAllowCBOR', 'ClientsPreferCBOR', 'InformerResourceVersion', 'WatchListClient']) {
      this.line('envvar.go:172', `"Feature gate default state" feature="${gate}" enabled=false`)
    }
  }

  private featureGatesLogged = false

  /** A body as client-go's logBody shows it: text, or Go's hex dump when it has a byte below a newline. */
  private body(caller: string, what: 'Request Body' | 'Response Body', body: string): void {
    const shown = /[\u0000-\u0009]/.test(body) ? hexDump(Buffer.from(body, 'utf8')) : body
    this.line(caller, `"${what}" body=${klogValue(truncated(shown, this.level))}`)
  }

  /** Before the request goes out: its body (-v=8), its line or curl command and its headers. */
  requestStarting(request: LoggedRequest): void {
    if (this.level < 6) return
    if (this.level >= 8) this.body(request.caller, 'Request Body', request.body)
    if (this.level === 7 || this.level === 8) {
      this.line('round_trippers.go:470', `${request.method} ${request.url}`)
      this.line('round_trippers.go:476', 'Request Headers:')
      for (const [name, value] of request.headers) this.line('round_trippers.go:480', `    ${name}: ${maskedValue(name, value)}`)
    }
    if (this.level >= 9) {
      const headers = request.headers.map(([name, value]) => ` -H ${goQuoted(`${name}: ${maskedValue(name, value)}`)}`).join('')
      this.line('round_trippers.go:473', `curl -v -X${request.method} ${headers} '${request.url}'`)
    }
  }

  /** After the answer came: the dial of a new connection (-v=9), the status, statistics, headers and body. */
  responseReceived(request: LoggedRequest, response: LoggedResponse): void {
    if (this.level < 6) return
    const status = `${response.status} ${STATUS_CODES[response.status] ?? ''}`
    const {timing} = response
    const milliseconds = (value: number) => Math.floor(value)
    if (this.level >= 9 && timing.newConnection) this.line('round_trippers.go:517', `HTTP Trace: Dial to tcp:${dialAddress(request.url)} succeed`)
    if (this.level === 6 || this.level >= 9) this.line('round_trippers.go:560', `${request.method} ${request.url} ${status} in ${milliseconds(timing.durationMilliseconds)} milliseconds`)
    if (this.level >= 9) {
      const connection = timing.newConnection
        ? `DNSLookup ${milliseconds(timing.dnsMilliseconds)} ms Dial ${milliseconds(timing.dialMilliseconds)} ms TLSHandshake ${milliseconds(timing.tlsMilliseconds)} ms`
        : `GetConnection ${milliseconds(timing.getConnectionMilliseconds)} ms`
      this.line('round_trippers.go:577', `HTTP Statistics: ${connection} ServerProcessing ${milliseconds(timing.serverProcessingMilliseconds)} ms Duration ${milliseconds(timing.durationMilliseconds)} ms`)
    }
    if (this.level === 7 || this.level === 8) this.line('round_trippers.go:581', `Response Status: ${status} in ${milliseconds(timing.durationMilliseconds)} milliseconds`)
    if (this.level >= 8) {
      this.line('round_trippers.go:584', 'Response Headers:')
      for (const [name, value] of response.headers) this.line('round_trippers.go:587', `    ${name}: ${value}`)
      this.body(request.caller, 'Response Body', response.body)
    }
  }
}

/** The request URL kubectl logs: the server, the path and the query with its keys sorted, as Go encodes it. */
export function loggedUrl(server: string, path: string, query: Record<string, string> | undefined): string {
  const entries = Object.entries(query ?? {}).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
  const encoded = new URLSearchParams(entries).toString()
  return `${server.replace(/\/$/, '')}${path}${encoded ? `?${encoded}` : ''}`
}

/** The request's headers as client-go sends them, in the order kubemu logs them (Go's own order is its map's, random). */
export function loggedRequestHeaders(sent: Record<string, string | string[]>): Array<[string, string]> {
  const {accept, 'content-type': contentType, 'user-agent': userAgent, authorization, ...rest} = sent
  const ordered: Array<[string, string | string[] | undefined]> = [['accept', accept ?? 'application/json'], ['content-type', contentType], ['user-agent', userAgent], ['authorization', authorization], ...Object.entries(rest)]
  return ordered.flatMap(([name, value]) => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((one): [string, string] => [canonicalHeader(name), one])))
}

/** The body of an answer as its bytes read (nothing for a watch, whose events follow). */
export function loggedResponseBody(response: ApiResponse): string {
  if (response.body === undefined || response.body === null || response.watch) return ''
  if (typeof response.body === 'string') return response.body
  return response.body instanceof Uint8Array ? Buffer.from(response.body).toString('utf8') : JSON.stringify(response.body)
}

/** An exchange over `up`'s front door, as its connection went. */
export function tracedExchange(trace: HttpExchangeTrace, elapsedMilliseconds: number): {timing: ExchangeTiming; headers: Array<[string, string]>} {
  return {
    // Go's HTTP client takes Transfer-Encoding out of the headers it hands on.
    headers: (trace.headers ?? []).filter(([name]) => name.toLowerCase() !== 'transfer-encoding').map(([name, value]): [string, string] => [canonicalHeader(name), value]),
    timing: {
      newConnection: trace.newConnection ?? false,
      dnsMilliseconds: 0,
      dialMilliseconds: trace.dialMilliseconds ?? 0,
      // up's front door for kubemu's kubectl is plain HTTP on loopback: no handshake.
      tlsMilliseconds: 0,
      getConnectionMilliseconds: trace.getConnectionMilliseconds ?? 0,
      serverProcessingMilliseconds: trace.serverProcessingMilliseconds ?? elapsedMilliseconds,
      durationMilliseconds: trace.durationMilliseconds ?? elapsedMilliseconds,
    },
  }
}

/**
 * One-shot, kubectl reaches the API server in this process: there is no socket. -v=9 still
 * shows what kubectl shows for the kubeconfig's server, so that a log reads the same with and
 * without `up`: the first request opens the connection (its dial logged, 0 ms each for DNS, dial
 * and TLS, since nothing was dialled), the next ones reuse it, the server's processing is the
 * time the in-process API server took, and the answer carries the headers `up`'s front door
 * sends (Content-Type, Cache-Control, warnings, Date, Connection, Keep-Alive).
 */
export class InProcessConnection {
  private opened = false

  exchange(response: ApiResponse, elapsedMilliseconds: number): {timing: ExchangeTiming; headers: Array<[string, string]>} {
    const newConnection = !this.opened
    this.opened = true
    const headers: Array<[string, string]> = [
      ['Content-Type', response.contentType ?? 'application/json'],
      ['Cache-Control', 'no-cache, private'],
      ...response.warnings.map((warning): [string, string] => ['Warning', `299 - ${JSON.stringify(warning)}`]),
      ...Object.entries(response.headers ?? {}).map(([name, value]): [string, string] => [canonicalHeader(name), value]),
      ['Date', new Date(Date.now()).toUTCString()],
      ['Connection', 'keep-alive'],
      ['Keep-Alive', 'timeout=5'],
    ]
    const timing = {newConnection, dnsMilliseconds: 0, dialMilliseconds: 0, tlsMilliseconds: 0, getConnectionMilliseconds: 0, serverProcessingMilliseconds: elapsedMilliseconds, durationMilliseconds: elapsedMilliseconds}
    return {timing, headers}
  }
}

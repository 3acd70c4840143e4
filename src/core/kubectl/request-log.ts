// kubectl's -v request logging, in klog's format on stderr as kubectl 1.32 writes it:
// -v=6 one line per request (`GET https://… 200 OK in 3 milliseconds`), -v=7 the request line
// and headers and the response status, -v=8 the bodies and response headers too.
import {STATUS_CODES} from 'node:http'

/** kubectl (client-go's helper) shows at most this many characters of a body. */
export const loggedBodyCharactersMax = 1024

export interface LoggedExchange {
  readonly method: string
  readonly url: string
  readonly requestHeaders: Record<string, string | string[]>
  readonly requestBody: string
  readonly status: number
  readonly responseHeaders: Record<string, string>
  readonly responseBody: string
  readonly elapsedMilliseconds: number
}

/** client-go's header names as Go canonicalises them (`content-type` → `Content-Type`). */
function canonicalHeader(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`)
}

function bodyText(body: string): string {
  const shown = body.length > loggedBodyCharactersMax ? `${body.slice(0, loggedBodyCharactersMax)} [truncated ${body.length - loggedBodyCharactersMax} chars]` : body
  return JSON.stringify(shown)
}

/** One klog line: severity, MMDD, wall time to the microsecond, the process id, the source line, the message. */
export function klogLine(severity: 'I' | 'W' | 'E' | 'F', source: string, message: string, milliseconds: number = performance.timeOrigin + performance.now(), pid: number = process.pid): string {
  const time = new Date(Math.floor(milliseconds))
  const two = (value: number) => String(value).padStart(2, '0')
  const micros = String(Math.floor((milliseconds % 1000) * 1000)).padStart(6, '0')
  const stamp = `${two(time.getMonth() + 1)}${two(time.getDate())} ${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${micros}`
  return `${severity}${stamp} ${String(pid).padStart(7)} ${source}] ${message}\n`
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
  private line(source: string, message: string): void {
    this.write(klogLine('I', source, message, this.now(), this.pid))
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

  exchange(exchange: LoggedExchange): void {
    if (this.level < 6) return
    const status = `${exchange.status} ${STATUS_CODES[exchange.status] ?? ''}`
    if (this.level === 6) {
      this.line('round_trippers.go:560', `${exchange.method} ${exchange.url} ${status} in ${exchange.elapsedMilliseconds} milliseconds`)
      return
    }
    if (this.level >= 8) this.line('helper.go:105', `"Request Body" body=${bodyText(exchange.requestBody)}`)
    this.line('round_trippers.go:470', `${exchange.method} ${exchange.url}`)
    this.line('round_trippers.go:476', 'Request Headers:')
    for (const [name, value] of Object.entries(exchange.requestHeaders)) {
      const shown = name === 'authorization' ? String(value).replace(/^(Bearer) .*/, '$1 <masked>') : Array.isArray(value) ? value.join(', ') : value
      this.line('round_trippers.go:480', `    ${canonicalHeader(name)}: ${shown}`)
    }
    this.line('round_trippers.go:581', `Response Status: ${status} in ${exchange.elapsedMilliseconds} milliseconds`)
    if (this.level < 8) return
    this.line('round_trippers.go:584', 'Response Headers:')
    for (const [name, value] of Object.entries(exchange.responseHeaders)) this.line('round_trippers.go:587', `    ${canonicalHeader(name)}: ${value}`)
    this.line('helper.go:105', `"Response Body" body=${bodyText(exchange.responseBody)}`)
  }
}

/** The request URL kubectl logs: the server, the path and the query with its keys sorted, as Go encodes it. */
export function loggedUrl(server: string, path: string, query: Record<string, string> | undefined): string {
  const entries = Object.entries(query ?? {}).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
  const encoded = new URLSearchParams(entries).toString()
  return `${server.replace(/\/$/, '')}${path}${encoded ? `?${encoded}` : ''}`
}

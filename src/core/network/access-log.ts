// The access log lines of the web servers whose images log every request they serve to the
// container's stdout: nginx (its image's nginx.conf: `log_format main` with the client's
// X-Forwarded-For last, `access_log /var/log/nginx/access.log main`, a link to /dev/stdout) and
// httpd (its image's httpd.conf: `CustomLog /proc/self/fd/1 common`). What a request was is
// recorded as it is served; the line is written from it when the log is read.

/** One request a server answered, as its access log needs it. */
export interface ServedRequest {
  readonly atMilliseconds: number
  /** The client's address as the server's socket sees it (after any SNAT). */
  readonly clientIp: string
  readonly method: string
  /** The request target as sent (path and query). */
  readonly target: string
  /** `HTTP/1.1`, `HTTP/1.0`. */
  readonly protocol: string
  readonly status: number
  readonly bodyBytes: number
  readonly referer?: string
  readonly userAgent?: string
  readonly forwardedFor?: string
  /** The Host header, which nginx's error log names. */
  readonly host?: string
}

export type AccessLogFormat = 'nginx' | 'httpd'

/** The English month abbreviations servers' logs use. */
export const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** A number as two digits (a day, an hour). */
export function two(value: number): string {
  return String(value).padStart(2, '0')
}

/** `06/Dec/2026:11:08:15 +0000`: nginx's $time_local and httpd's %t in a container whose zone is UTC. */
export function commonLogTime(milliseconds: number): string {
  const date = new Date(milliseconds)
  return `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
}

/** nginx escapes `"`, `\` and bytes outside printable ASCII in logged variables as \xHH. */
function nginxEscaped(value: string): string {
  return Buffer.from(value, 'utf8').reduce((text, byte) => text + (byte === 0x22 || byte === 0x5c || byte < 0x20 || byte > 0x7e ? `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte)), '')
}

/** httpd escapes `"` and `\` with a backslash and other unprintable bytes as \xhh. */
function httpdEscaped(value: string): string {
  return Buffer.from(value, 'utf8').reduce((text, byte) => text + (byte === 0x22 || byte === 0x5c ? `\\${String.fromCharCode(byte)}` : byte < 0x20 || byte > 0x7e ? `\\x${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte)), '')
}

/** The line the server writes for the request, in its image's default format. */
export function accessLogLine(format: AccessLogFormat, served: ServedRequest): string {
  const request = `${served.method} ${served.target} ${served.protocol}`
  if (format === 'httpd') {
    // %h %l %u %t "%r" %>s %b: %b is "-" for an empty body.
    return `${served.clientIp} - - [${commonLogTime(served.atMilliseconds)}] "${httpdEscaped(request)}" ${served.status} ${served.bodyBytes > 0 ? served.bodyBytes : '-'}`
  }
  const quoted = (value: string | undefined) => `"${value ? nginxEscaped(value) : '-'}"`
  return `${served.clientIp} - - [${commonLogTime(served.atMilliseconds)}] ${quoted(request)} ${served.status} ${served.bodyBytes} ${quoted(served.referer)} ${quoted(served.userAgent)} ${quoted(served.forwardedFor)}`
}

/** The stderr line nginx's error log (level error) adds for a request it answered 404 or 403, before its access line. */
export interface ErrorLogContext {
  /** nginx's connection number (*N: every connection the server accepted so far counts). */
  readonly connection: number
  /** The worker's PID that served it. */
  readonly workerPid: number
  /** The file or directory the request named (its document root and decoded path). */
  readonly fsPath: string
}

/** nginx's error log time: `2026/12/06 11:08:15`. */
export function nginxLogTime(milliseconds: number): string {
  const date = new Date(milliseconds)
  return `${date.getUTCFullYear()}/${two(date.getUTCMonth() + 1)}/${two(date.getUTCDate())} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
}

/** What nginx writes to its error log for the request, or null (it logs only what fails at level error: a missing file, a directory without index). */
export function nginxErrorLine(served: ServedRequest, context: ErrorLogContext): string | null {
  const what = served.status === 404 ? `open() "${context.fsPath}" failed (2: No such file or directory)` : served.status === 403 ? `directory index of "${context.fsPath}" is forbidden` : null
  if (what === null) return null
  const request = `${served.method} ${served.target} ${served.protocol}`
  const referrer = served.referer ? `, referrer: "${nginxEscaped(served.referer)}"` : ''
  return `${nginxLogTime(served.atMilliseconds)} [error] ${context.workerPid}#${context.workerPid}: *${context.connection} ${what}, client: ${served.clientIp}, server: localhost, request: "${nginxEscaped(request)}"${served.host ? `, host: "${nginxEscaped(served.host)}"` : ''}${referrer}`
}

/** A header's value by its name in any case. */
export function headerValue(headers: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  const lower = name.toLowerCase()
  return Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === lower)?.[1]
}

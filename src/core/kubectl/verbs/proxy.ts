// `kubectl proxy`: an HTTP server on loopback (or a unix socket) that passes requests under
// --api-prefix to the API server with this kubectl's credentials, behind kubectl's request filter
// (accepted hosts and paths, rejected paths and methods: 403 "Forbidden"), and serves --www's
// files under --www-prefix, as kubectl 1.32's proxy server does. It serves until interrupted;
// one-shot, the cluster keeps running meanwhile (the loops run as for `wait`).
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {extname, join, normalize} from 'node:path'
import type {ApiRequest, ApiResponse} from '../../api/wire.js'
import {serveApiRequest} from '../../server/http-api.js'
import {KubectlError, KubectlPlainError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {klogLine} from '../request-log.js'
import type {KubectlSession} from '../session.js'

const defaultPort = 8001

export const proxyFlags: readonly KubectlFlag[] = [
  {name: 'accept-hosts', kind: 'string', defaultValue: '^localhost$,^127\\.0\\.0\\.1$,^\\[::1\\]$'},
  {name: 'accept-paths', kind: 'string', defaultValue: '^.*'},
  {name: 'address', kind: 'string', defaultValue: '127.0.0.1'},
  {name: 'api-prefix', kind: 'string', defaultValue: '/'},
  {name: 'append-server-path', kind: 'bool'},
  {name: 'disable-filter', kind: 'bool'},
  {name: 'keepalive', kind: 'duration', defaultValue: '0s'},
  {name: 'port', shorthand: 'p', kind: 'int', defaultValue: String(defaultPort)},
  {name: 'reject-methods', kind: 'string', defaultValue: '^$'},
  {name: 'reject-paths', kind: 'string', defaultValue: '^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach'},
  {name: 'unix-socket', shorthand: 'u', kind: 'string'},
  {name: 'www', shorthand: 'w', kind: 'string'},
  {name: 'www-prefix', shorthand: 'P', kind: 'string', defaultValue: '/static/'},
]

/** Entries a static folder's listing shows at most (a page of links, not a walk of a huge folder). */
export const listedEntriesMax = 10_000

/** Go's regexp compile error for what JavaScript refuses, in the few forms a flag's typo makes. */
function goRegexpError(expression: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  if (/Unterminated character class/.test(message)) return `missing closing ]: \`${expression.slice(expression.lastIndexOf('['))}\``
  if (/Unterminated group/.test(message)) return `missing closing ): \`${expression}\``
  if (/Unmatched '\)'/.test(message)) return `unexpected ): \`${expression}\``
  if (/Nothing to repeat/.test(message)) return `missing argument to repetition operator: \`${/[*+?{]/.exec(expression)?.[0] ?? ''}\``
  return `invalid regexp: \`${expression}\``
}

class ProxyFatal extends KubectlPlainError {}

/** kubectl's MakeRegexpArray: a comma-separated list, each compiled (a failure ends kubectl with klog's F line, status 255). */
function regexps(text: string): RegExp[] {
  if (text.length === 0) return []
  return text.split(',').map((expression) => {
    try {
      return new RegExp(expression)
    } catch (error) {
      throw new ProxyFatal(klogLine('F', 'proxy_server.go:83', `Error compiling re: error parsing regexp: ${goRegexpError(expression, error)}`).trimEnd(), 255)
    }
  })
}

const matchesAny = (text: string, list: readonly RegExp[]) => list.some((expression) => expression.test(text))

function plainAnswer(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(text)}).end(text)
}

const notFound = (response: ServerResponse) => plainAnswer(response, 404, '404 page not found\n')

function redirect(response: ServerResponse, location: string): void {
  const text = `<a href="${location}">Moved Permanently</a>.\n\n`
  response.writeHead(301, {'content-type': 'text/html; charset=utf-8', location, 'content-length': Buffer.byteLength(text)}).end(text)
}

/** Go's mime types of the usual static files; others as text when they read as UTF-8 text. */
function contentTypeOf(path: string, bytes: Buffer): string {
  const known: Record<string, string> = {
    '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
    '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.gif': 'image/gif', '.xml': 'text/xml; charset=utf-8',
  }
  const type = known[extname(path).toLowerCase()]
  if (type) return type
  return bytes.subarray(0, 512).includes(0) ? 'application/octet-stream' : 'text/plain; charset=utf-8'
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;'})[character]!)

/** http.FileServer under its prefix: a file, a folder's index.html or listing, else 404. */
function serveStatic(folder: string, relative: string, urlPath: string, response: ServerResponse): void {
  const path = join(folder, normalize(`/${decodeURIComponent(relative)}`))
  let stats
  try {
    stats = statSync(path)
  } catch {
    notFound(response)
    return
  }
  if (stats.isDirectory()) {
    // FileServer's own redirect: a Location and nothing else.
    if (!urlPath.endsWith('/')) return void response.writeHead(301, {location: `${urlPath.slice(urlPath.lastIndexOf('/') + 1)}/`}).end()
    if (existsSync(join(path, 'index.html'))) return serveStatic(folder, `${relative}index.html`, `${urlPath}index.html`, response)
    const entries = readdirSync(path, {withFileTypes: true}).slice(0, listedEntriesMax).sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
    const links = entries.map((entry) => {
      const name = entry.isDirectory() ? `${entry.name}/` : entry.name
      return `<a href="${encodeURI(name).replace(/\?/g, '%3F')}">${escapeHtml(name)}</a>\n`
    })
    const text = `<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n${links.join('')}</pre>\n`
    response.writeHead(200, {'content-type': 'text/html; charset=utf-8', 'last-modified': stats.mtime.toUTCString(), 'content-length': Buffer.byteLength(text)}).end(text)
    return
  }
  const bytes = readFileSync(path)
  response.writeHead(200, {'accept-ranges': 'bytes', 'content-length': bytes.length, 'content-type': contentTypeOf(path, bytes), 'last-modified': stats.mtime.toUTCString()}).end(bytes)
}

/** A flag's prefix with the slash kubectl adds at its end. */
const withSlash = (prefix: string) => (prefix.endsWith('/') ? prefix : `${prefix}/`)

function listenError(address: string, port: number, error: NodeJS.ErrnoException): KubectlError {
  const reason = error.code === 'EADDRINUSE' ? 'bind: address already in use' : error.code === 'EADDRNOTAVAIL' ? 'bind: cannot assign requested address' : error.code === 'EACCES' ? 'bind: permission denied' : error.message
  return new KubectlError(`listen tcp ${address}:${port}: ${reason}`)
}

function listen(server: Server, session: KubectlSession): Promise<string> {
  const socketPath = session.flag('unix-socket')
  const port = Number(session.flag('port'))
  const address = session.flag('address')
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(socketPath ? new KubectlError(`listen unix ${socketPath}: ${error.code === 'EADDRINUSE' ? 'bind: address already in use' : error.message}`) : listenError(address === 'localhost' ? '127.0.0.1' : address, port, error)))
    if (socketPath) {
      server.listen(socketPath, () => resolve(socketPath))
      return
    }
    // kubectl resolves localhost to its IPv4 address.
    server.listen(port, address === 'localhost' ? '127.0.0.1' : address, () => {
      const bound = server.address()
      resolve(bound && typeof bound === 'object' ? `${bound.address}:${bound.port}` : `${address}:${port}`)
    })
  })
}

export async function runProxy(session: KubectlSession): Promise<number> {
  const socketPath = session.flag('unix-socket')
  const port = Number(session.flag('port'))
  const address = session.flag('address')
  if (socketPath && port !== defaultPort) throw new KubectlError('cannot set --unix-socket and --port at the same time')
  if (!socketPath) {
    if (port < 0 || port > 65_535) throw new KubectlError(`listen tcp: address ${port}: invalid port`)
    if ((address.match(/:/g) ?? []).length > 0) throw new KubectlError(`listen tcp: address ${address}:${port}: too many colons in address`)
  }
  const www = session.flag('www')
  if (www) {
    if (!existsSync(www)) session.io.stderr(klogLine('W', 'proxy.go:200', `Failed to stat static file directory ${www}: stat ${www}: no such file or directory`))
    else if (!statSync(www).isDirectory()) session.io.stderr(klogLine('W', 'proxy.go:202', `Static file directory ${www} is not a directory`))
  }
  const filtered = session.flag('disable-filter') !== 'true'
  if (!filtered) session.io.stderr(klogLine('W', 'proxy.go:177', 'Request filter disabled, your proxy is vulnerable to XSRF attacks, please be cautious'))
  const filter = {
    acceptHosts: regexps(session.flag('accept-hosts')),
    acceptPaths: regexps(session.flag('accept-paths')),
    rejectPaths: regexps(session.flag('reject-paths')),
    rejectMethods: regexps(session.flag('reject-methods')),
  }
  const apiPrefix = withSlash(session.flag('api-prefix'))
  const staticPrefix = withSlash(session.flag('www-prefix'))
  // The API server behind this kubectl, asked with its credentials.
  const api = {handle: (request: ApiRequest): Promise<ApiResponse> => session.forward(request)}
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://proxy')
    const path = url.pathname
    // Go's ServeMux: the longer of the two prefixes a path is under; the prefix without its slash is redirected to it.
    const patterns = [apiPrefix, ...(www ? [staticPrefix] : [])].sort((left, right) => right.length - left.length)
    const bare = patterns.find((candidate) => `${path}/` === candidate)
    if (bare) return redirect(response, `${bare}${url.search}`)
    const pattern = patterns.find((candidate) => path.startsWith(candidate))
    if (!pattern) return notFound(response)
    if (www && pattern === staticPrefix) return serveStatic(www, path.slice(staticPrefix.length), path, response)
    // kubectl strips a prefix that does not start with /api (leaving the slash), then filters.
    let forwarded = path
    if (!apiPrefix.startsWith('/api')) {
      forwarded = path.slice(apiPrefix.length)
      if (forwarded.length > 0 && !forwarded.startsWith('/')) forwarded = `/${forwarded}`
    }
    const host = (request.headers.host ?? '').replace(/:\d+$/, '')
    const method = request.method ?? 'GET'
    const accepted = !filtered || (!matchesAny(forwarded, filter.rejectPaths) && !matchesAny(method, filter.rejectMethods) && matchesAny(forwarded, filter.acceptPaths) && matchesAny(host, filter.acceptHosts))
    if (!accepted) return plainAnswer(response, 403, 'Forbidden\n')
    request.url = `${forwarded}${url.search}`
    serveApiRequest(api, request, response).catch((error: unknown) => {
      // What the proxy's transport says when the API server cannot be reached.
      if (!response.headersSent) plainAnswer(response, 502, '')
      else response.destroy()
      session.io.stderr(klogLine('E', 'proxy_server.go:147', `Error while proxying request: ${error instanceof Error ? error.message : String(error)}`))
    })
  }
  const server = createServer(handle)
  const listening = await listen(server, session)
  session.io.stdout(`Starting to serve on ${listening}\n`)
  const driving = new AbortController()
  const drive = session.driveWhileWaiting(driving.signal).catch(() => {})
  try {
    // Served until interrupted: kubectl has no handler of its own, so Ctrl-C ends it as a signal does.
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
    return 130
  } finally {
    driving.abort()
    server.closeAllConnections()
    server.close()
    await drive
  }
}

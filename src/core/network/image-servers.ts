// The servers of images people run in tutorials, as those images answer: which port each listens
// on (from its arguments, as its flags parse them) and its response to a request. Only what the
// image itself decides is here; the pod and the clock come from the caller.
import type {ContainerFiles, HttpResponse} from './types.js'
import type {AccessLogFormat} from './access-log.js'
import {httpdDocumentRoot, lookUpStatic, nginxContentType, nginxDocumentRoot, shippedFiles} from './image-files.js'
import {parseImage} from './image-reference.js'
import {commandRuns} from './command-listeners.js'

type Json = Record<string, unknown>

export interface ImageRequest {
  readonly method: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly clientIp?: string
  readonly podName: string
  readonly nowMilliseconds: number
  /** When the container's process started (agnhost liveness fails 10 s after). */
  readonly startedMilliseconds: number
  /** The serving container's files (a static server answers from them); absent: the image's own, as it ships them. */
  readonly files?: ContainerFiles
}

export interface ImageServer {
  readonly image: 'nginx' | 'httpd' | 'http-echo' | 'agnhost netexec' | 'agnhost liveness' | 'coredns'
  /** The TCP ports the server listens on. */
  readonly ports: readonly number[]
  /** Whether it answers from the container's files (the caller then passes them in the request). */
  readonly servesFiles?: boolean
  /** The format in which it logs each request it serves to its stdout (access-log.ts); none: it logs none. */
  readonly accessLog?: AccessLogFormat
  /** Its answer to an HTTP request on `port`; status 0 when it closes the connection without an HTTP reply (curl's "Empty reply from server"). */
  answer(request: ImageRequest, port: number): Omit<HttpResponse, 'headers'> & {headers: Record<string, string>}
}

/** What a server that speaks no HTTP on that port does with an HTTP request: reads it, then closes. */
export const emptyReply = {status: 0, reason: 'Empty reply from server', headers: {}, body: ''}

/** nginx:latest's version; tags that name a minor version get that series' last release. */
export const nginxLatestVersion = '1.27.3'
const nginxSeriesReleases: Readonly<Record<string, string>> = {'1.19': '1.19.10', '1.20': '1.20.2', '1.21': '1.21.6', '1.22': '1.22.1', '1.23': '1.23.4', '1.24': '1.24.0', '1.25': '1.25.5', '1.26': '1.26.3', '1.27': nginxLatestVersion}
export const httpdVersion = '2.4.62'
/** agnhost liveness answers /healthz with 200 for this long after it started, then 500. */
export const livenessHealthySeconds = 10


const httpdNotFoundPage = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>404 Not Found</title>
</head><body>
<h1>Not Found</h1>
<p>The requested URL was not found on this server.</p>
</body></html>
`

const httpdBadRequestPage = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>400 Bad Request</title>
</head><body>
<h1>Bad Request</h1>
<p>Your browser sent a request that this server could not understand.<br />
</p>
</body></html>
`

function htmlEscaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/**
 * mod_autoindex's plain listing (the image's httpd.conf loads no FancyIndexing): the directory's
 * entries in name order, directories with their slash, a link to the parent but at the root.
 */
function httpdDirectoryListing(directory: string, names: readonly string[]): string {
  const title = htmlEscaped(directory.replace(/\/+$/, '') || '/')
  const parent = directory === '/' ? null : directory.replace(/\/+$/, '').replace(/[^/]*$/, '')
  const items = [
    ...(parent === null ? [] : [`<li><a href="${encodeURI(parent)}"> Parent Directory</a></li>`]),
    ...[...names].sort().map((name) => `<li><a href="${encodeURI(name).replace(/#/g, '%23').replace(/\?/g, '%3f')}"> ${htmlEscaped(name)}</a></li>`),
  ]
  return `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html>\n <head>\n  <title>Index of ${title}</title>\n </head>\n <body>\n<h1>Index of ${title}</h1>\n<ul>${items.map((item) => `${item}\n`).join('')}</ul>\n</body></html>\n`
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : []
}

function text(status: number, reason: string, body: string, headers: Record<string, string> = {}): ReturnType<ImageServer['answer']> {
  return {status, reason, headers: {'Content-Type': 'text/plain; charset=utf-8', ...headers, 'Content-Length': String(Buffer.byteLength(body))}, body}
}

function html(status: number, reason: string, body: string, headers: Record<string, string>): ReturnType<ImageServer['answer']> {
  return {status, reason, headers: {...headers, 'Content-Type': 'text/html', 'Content-Length': String(Buffer.byteLength(body))}, body}
}

/** A Go flag's value from args (`-name=v`, `--name=v`, `-name v`, `--name v`), or undefined. */
export function flagValue(args: readonly string[], name: string): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!
    for (const prefix of [`-${name}`, `--${name}`]) {
      if (arg === prefix) return args[index + 1]
      if (arg.startsWith(`${prefix}=`)) return arg.slice(prefix.length + 1)
    }
  }
  return undefined
}

/** A listen address's port (`:5678`, `0.0.0.0:8080`, `8080`). */
function listenPort(address: string | undefined, fallback: number): number {
  if (address === undefined) return fallback
  const port = Number(address.slice(address.lastIndexOf(':') + 1))
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : fallback
}

/** The nginx release an image tag names (`1.25` → that series' last release; `latest`, `alpine` → nginxLatestVersion). */
export function nginxVersion(tag: string): string {
  const match = /^(\d+\.\d+)(\.\d+)?/.exec(tag)
  if (!match) return nginxLatestVersion
  return match[2] ? `${match[1]}${match[2]}` : nginxSeriesReleases[match[1]!] ?? `${match[1]}.0`
}

function nginxServer(tag: string, image: string): ImageServer {
  const server = `nginx/${nginxVersion(tag)}`
  // nginx's built-in error pages end their lines with CRLF (ngx_http_special_response.c).
  const page = (status: number, reason: string) => `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>${server}</center>\r\n</body>\r\n</html>\r\n`
  return {
    image: 'nginx',
    ports: [80],
    servesFiles: true,
    accessLog: 'nginx',
    answer(request) {
      const path = request.path.split('?')[0]!
      if (request.method !== 'GET' && request.method !== 'HEAD') return html(405, 'Not Allowed', page(405, 'Not Allowed'), {Server: server, Connection: 'keep-alive'})
      // The image's default.conf: root /usr/share/nginx/html, index index.html.
      const found = lookUpStatic(request.files ?? shippedFiles(image), nginxDocumentRoot, path)
      const query = request.path.includes('?') ? request.path.slice(request.path.indexOf('?')) : ''
      // nginx's URI parser refuses a bad %-escape or a `..` above the root, and closes the connection.
      if (found.kind === 'bad-request') return html(400, 'Bad Request', page(400, 'Bad Request'), {Server: server, Connection: 'close'})
      if (found.kind === 'file') return {status: 200, reason: 'OK', headers: {Server: server, 'Content-Type': nginxContentType(found.path), 'Content-Length': String(Buffer.byteLength(found.content)), Connection: 'keep-alive', 'Accept-Ranges': 'bytes'}, body: found.content}
      if (found.kind === 'redirect') {
        const moved = html(301, 'Moved Permanently', page(301, 'Moved Permanently'), {Server: server, Connection: 'keep-alive'})
        return {...moved, headers: {...moved.headers, Location: `http://${hostOf(request).replace(/:\d+$/, '')}${found.location}${query}`}}
      }
      // No autoindex in the image's configuration: a directory without index.html is forbidden.
      if (found.kind === 'no-index') return html(403, 'Forbidden', page(403, 'Forbidden'), {Server: server, Connection: 'keep-alive'})
      return html(404, 'Not Found', page(404, 'Not Found'), {Server: server, Connection: 'keep-alive'})
    },
  }
}

/** The request's Host header (nginx's redirects leave its port out: port_in_redirect names its own port 80, which goes unwritten). */
function hostOf(request: ImageRequest): string {
  return Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'host')?.[1] ?? 'localhost'
}

function httpdServer(image: string): ImageServer {
  const server = `Apache/${httpdVersion} (Unix)`
  const notFound = (): ReturnType<ImageServer['answer']> => {
    const answer = html(404, 'Not Found', httpdNotFoundPage, {Server: server})
    return {...answer, headers: {...answer.headers, 'Content-Type': 'text/html; charset=iso-8859-1'}}
  }
  return {
    image: 'httpd',
    ports: [80],
    servesFiles: true,
    accessLog: 'httpd',
    answer(request): ReturnType<ImageServer['answer']> {
      const path = request.path.split('?')[0]!
      // httpd.conf's DocumentRoot "/usr/local/apache2/htdocs", DirectoryIndex index.html.
      const files = request.files ?? shippedFiles(image)
      const found = lookUpStatic(files, httpdDocumentRoot, path)
      const query = request.path.includes('?') ? request.path.slice(request.path.indexOf('?')) : ''
      if (found.kind === 'bad-request') {
        const answer = html(400, 'Bad Request', httpdBadRequestPage, {Server: server, Connection: 'close'})
        return {...answer, headers: {...answer.headers, 'Content-Type': 'text/html; charset=iso-8859-1'}}
      }
      // The image's httpd.conf has Options Indexes on its document root: mod_autoindex lists a directory without index.html.
      if (found.kind === 'no-index') {
        const body = httpdDirectoryListing(found.path.slice(httpdDocumentRoot.length) || '/', files.list(found.path).map((name) => (files.get(`${found.path}/${name}`)?.kind === 'directory' ? `${name}/` : name)))
        const listing = html(200, 'OK', body, {Server: server})
        return {...listing, headers: {...listing.headers, 'Content-Type': 'text/html;charset=ISO-8859-1'}}
      }
      if (found.kind === 'file') {
        const type = httpdContentType(found.path)
        return {status: 200, reason: 'OK', headers: {Server: server, 'Accept-Ranges': 'bytes', 'Content-Length': String(Buffer.byteLength(found.content)), ...(type ? {'Content-Type': type} : {})}, body: found.content}
      }
      if (found.kind === 'redirect') {
        // UseCanonicalName Off: the name and port the client asked for.
        const location = `http://${hostOf(request)}${found.location}${query}`
        const body = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>301 Moved Permanently</title>\n</head><body>\n<h1>Moved Permanently</h1>\n<p>The document has moved <a href="${location}">here</a>.</p>\n</body></html>\n`
        const moved = html(301, 'Moved Permanently', body, {Server: server, Location: location})
        return {...moved, headers: {...moved.headers, 'Content-Type': 'text/html; charset=iso-8859-1'}}
      }
      return notFound()
    },
  }
}

/** httpd's mime.types for the common extensions; a file of no known type goes without a Content-Type. */
function httpdContentType(path: string): string | undefined {
  const type = nginxContentType(path)
  return type === 'application/octet-stream' ? undefined : type
}

function httpEchoServer(args: readonly string[], env: Readonly<Record<string, string>>): ImageServer | null {
  const echoed = flagValue(args, 'text') ?? env.ECHO_TEXT
  // Without -text http-echo exits at once ("Missing -text option!"): nothing listens.
  if (echoed === undefined || echoed === '') return null
  return {
    image: 'http-echo',
    ports: [listenPort(flagValue(args, 'listen'), 5678)],
    answer(request) {
      const headers = {'X-App-Name': 'http-echo', 'X-App-Version': '1.0.0'}
      if (request.path.split('?')[0] === '/health') return text(200, 'OK', '{"status":"ok"}', {...headers, 'Content-Type': 'application/json'})
      return text(200, 'OK', `${echoed}\n`, headers)
    },
  }
}

function queryParameter(path: string, name: string): string | undefined {
  const query = path.includes('?') ? path.slice(path.indexOf('?') + 1) : ''
  return new URLSearchParams(query).get(name) ?? undefined
}

function netexecServer(args: readonly string[]): ImageServer {
  return {
    image: 'agnhost netexec',
    ports: [listenPort(flagValue(args, 'http-port'), 8080)],
    answer(request) {
      const path = request.path.split('?')[0]!
      if (path === '/hostname') return text(200, 'OK', request.podName)
      if (path === '/echo') return text(200, 'OK', queryParameter(request.path, 'msg') ?? '')
      if (path === '/clientip') return text(200, 'OK', request.clientIp ?? '')
      if (path === '/healthz') return text(200, 'OK', '')
      if (path === '/shell' || path === '/exit' || path === '/upload' || path === '/dial' || path === '/redirect') return text(501, 'Not Implemented', `kubemu does not simulate netexec's ${path}\n`)
      // netexec's catch-all "/" handler: the server's current time, as Go prints a time.Time.
      return text(200, 'OK', `NOW: ${goTime(request.nowMilliseconds)}`)
    },
  }
}

function goTime(milliseconds: number): string {
  const iso = new Date(milliseconds).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000000 +0000 UTC`
}

function livenessServer(): ImageServer {
  return {
    image: 'agnhost liveness',
    ports: [8080],
    answer(request) {
      if (request.path.split('?')[0] !== '/healthz') return text(404, 'Not Found', '404 page not found\n', {'X-Content-Type-Options': 'nosniff'})
      const seconds = (request.nowMilliseconds - request.startedMilliseconds) / 1000
      if (seconds > livenessHealthySeconds) return text(500, 'Internal Server Error', `error: ${seconds}`)
      return text(200, 'OK', 'ok')
    },
  }
}

/** CoreDNS's build, as its image reports it (its start-up lines, its /metrics' coredns_build_info). */
export const coreDnsBuild = {version: '1.11.3', goVersion: 'go1.21.11', revision: 'a6338e9'}

/** CoreDNS with kubeadm's Corefile: DNS on 53, the health plugin on 8080, ready on 8181, prometheus on 9153. */
function coreDnsServer(): ImageServer {
  return {
    image: 'coredns',
    ports: [53, 8080, 8181, 9153],
    answer(request, port) {
      const path = request.path.split('?')[0]!
      if (port === 53) return emptyReply
      if (port === 8080 && path === '/health') return text(200, 'OK', 'OK')
      if (port === 8181 && path === '/ready') return text(200, 'OK', 'OK')
      if (port === 9153 && path === '/metrics') return text(200, 'OK', `# HELP coredns_build_info A metric with a constant '1' value labeled by version, revision, and goversion from which CoreDNS was built.\n# TYPE coredns_build_info gauge\ncoredns_build_info{goversion="${coreDnsBuild.goVersion}",revision="${coreDnsBuild.revision}",version="${coreDnsBuild.version}"} 1\n`, {'Content-Type': 'text/plain; version=0.0.4; charset=utf-8'})
      return text(404, 'Not Found', '404 page not found\n', {'X-Content-Type-Options': 'nosniff'})
    },
  }
}

function environment(container: Json): Record<string, string> {
  const result: Record<string, string> = {}
  for (const entry of Array.isArray(container.env) ? container.env : []) {
    const variable = entry as Json
    if (typeof variable.name === 'string' && typeof variable.value === 'string') result[variable.name] = variable.value
  }
  return result
}

/** nginx's flags that test its configuration, signal a running master or print and exit: such an nginx serves nothing. */
const nginxNotServing = ['-t', '-T', '-s', '-v', '-V', '-h', '-?']

/** The server a container's image runs with its command and args, or null when it is no image we know (or its command replaces the server). */
export function imageServer(container: Json): ImageServer | null {
  const {repository, tag} = parseImage(typeof container.image === 'string' ? container.image : '')
  const command = strings(container.command)
  const args = strings(container.args)
  const name = repository.split('/').at(-1)
  const image = typeof container.image === 'string' ? container.image : ''
  // A script that writes its pages and then starts nginx (`sh -c "echo … > …/index.html && nginx -g 'daemon off;'"`) runs the same server.
  if (repository === 'nginx') return command.length === 0 || command[0] === 'nginx' || commandRuns(container, ['nginx'], nginxNotServing) ? nginxServer(tag, image) : null
  if (repository === 'httpd') return command.length === 0 || command[0] === 'httpd-foreground' || command[0] === 'httpd' ? httpdServer(image) : null
  // http-echo's ENTRYPOINT is /http-echo; a command naming it (`create deployment … -- /http-echo -text=hi`) runs the same server.
  if (repository === 'hashicorp/http-echo') {
    if (command.length === 0) return httpEchoServer(args, environment(container))
    return command[0]!.split('/').at(-1) === 'http-echo' ? httpEchoServer([...command.slice(1), ...args], environment(container)) : null
  }
  // agnhost's ENTRYPOINT is /agnhost; the docs' tutorials also name it as the command
  // (`kubectl create deployment … --image=…/agnhost:2.39 -- /agnhost netexec --http-port=8080`).
  if (name === 'agnhost' && (command.length === 0 || command[0]!.split('/').at(-1) === 'agnhost')) {
    const agnhostArgs = [...command.slice(1), ...args]
    if (agnhostArgs[0] === 'netexec') return netexecServer(agnhostArgs.slice(1))
    if (agnhostArgs[0] === 'liveness') return livenessServer()
    return null
  }
  if (repository === 'coredns/coredns' && command.length === 0) return coreDnsServer()
  // The docs' older liveness example image, the same server.
  if (name === 'liveness' && command.length === 0) return livenessServer()
  return null
}

// The servers of images people run in tutorials, as those images answer: which port each listens
// on (from its arguments, as its flags parse them) and its response to a request. Only what the
// image itself decides is here; the pod and the clock come from the caller.
import type {HttpResponse} from './types.js'

type Json = Record<string, unknown>

export interface ImageRequest {
  readonly method: string
  readonly path: string
  readonly clientIp?: string
  readonly podName: string
  readonly nowMilliseconds: number
  /** When the container's process started (agnhost liveness fails 10 s after). */
  readonly startedMilliseconds: number
}

export interface ImageServer {
  readonly image: 'nginx' | 'httpd' | 'http-echo' | 'agnhost netexec' | 'agnhost liveness' | 'coredns'
  /** The TCP ports the server listens on. */
  readonly ports: readonly number[]
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

const nginxWelcomePage = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`

const httpdNotFoundPage = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>404 Not Found</title>
</head><body>
<h1>Not Found</h1>
<p>The requested URL was not found on this server.</p>
</body></html>
`

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : []
}

/** `docker.io/library/nginx:1.25-alpine` → {repository: 'nginx', tag: '1.25-alpine'}. */
export function parseImage(image: string): {repository: string; tag: string} {
  const withoutDigest = image.split('@')[0]!
  const slash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  const tag = colon > slash ? withoutDigest.slice(colon + 1) : 'latest'
  let repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest
  const first = repository.split('/')[0]!
  if (repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) repository = repository.slice(first.length + 1)
  if (repository.startsWith('library/')) repository = repository.slice('library/'.length)
  return {repository, tag}
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

function nginxVersion(tag: string): string {
  const match = /^(\d+\.\d+)(\.\d+)?/.exec(tag)
  if (!match) return nginxLatestVersion
  return match[2] ? `${match[1]}${match[2]}` : nginxSeriesReleases[match[1]!] ?? `${match[1]}.0`
}

function nginxServer(tag: string): ImageServer {
  const server = `nginx/${nginxVersion(tag)}`
  const page = (status: number, reason: string) => `<html>\n<head><title>${status} ${reason}</title></head>\n<body>\n<center><h1>${status} ${reason}</h1></center>\n<hr><center>${server}</center>\n</body>\n</html>\n`
  return {
    image: 'nginx',
    ports: [80],
    answer(request) {
      const path = request.path.split('?')[0]!
      if (request.method !== 'GET' && request.method !== 'HEAD') return html(405, 'Not Allowed', page(405, 'Not Allowed'), {Server: server, Connection: 'keep-alive'})
      if (path === '/' || path === '/index.html') return html(200, 'OK', nginxWelcomePage, {Server: server, Connection: 'keep-alive', 'Accept-Ranges': 'bytes'})
      return html(404, 'Not Found', page(404, 'Not Found'), {Server: server, Connection: 'keep-alive'})
    },
  }
}

function httpdServer(): ImageServer {
  const server = `Apache/${httpdVersion} (Unix)`
  return {
    image: 'httpd',
    ports: [80],
    answer(request) {
      const path = request.path.split('?')[0]!
      if (path === '/' || path === '/index.html') return html(200, 'OK', '<html><body><h1>It works!</h1></body></html>\n', {Server: server, 'Accept-Ranges': 'bytes'})
      const notFound = html(404, 'Not Found', httpdNotFoundPage, {Server: server})
      return {...notFound, headers: {...notFound.headers, 'Content-Type': 'text/html; charset=iso-8859-1'}}
    },
  }
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
      if (port === 9153 && path === '/metrics') return text(200, 'OK', '# HELP coredns_build_info A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.\n# TYPE coredns_build_info gauge\ncoredns_build_info{goversion="go1.21.11",revision="a6338e9",version="1.11.3"} 1\n', {'Content-Type': 'text/plain; version=0.0.4; charset=utf-8'})
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

/** The server a container's image runs with its command and args, or null when it is no image we know (or its command replaces the server). */
export function imageServer(container: Json): ImageServer | null {
  const {repository, tag} = parseImage(typeof container.image === 'string' ? container.image : '')
  const command = strings(container.command)
  const args = strings(container.args)
  const name = repository.split('/').at(-1)
  if (repository === 'nginx') return command.length === 0 || command[0] === 'nginx' ? nginxServer(tag) : null
  if (repository === 'httpd') return command.length === 0 || command[0] === 'httpd-foreground' || command[0] === 'httpd' ? httpdServer() : null
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

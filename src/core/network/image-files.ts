// The files an image ships that its server answers from: nginx's and httpd's document roots with
// the pages their images put there. The kubelet lays them into a container's filesystem (under the
// pod's volume mounts, which hide them as a mount does), and the image's server reads that
// filesystem, so a ConfigMap mounted on the document root, or a page an exec wrote, is what
// curl gets back, as from the real images.
import type {ContainerFiles} from './types.js'
import {parseImage} from './image-reference.js'

export const nginxDocumentRoot = '/usr/share/nginx/html'
export const httpdDocumentRoot = '/usr/local/apache2/htdocs'

export const nginxWelcomePage = `<!DOCTYPE html>
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

const nginxErrorPage = `<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
`

export const httpdIndexPage = '<html><body><h1>It works!</h1></body></html>\n'

/** The document-root files of the image's server, by absolute path; none for other images. */
export function imageFiles(image: string | undefined): Readonly<Record<string, string>> {
  const {repository} = parseImage(image ?? '')
  if (repository === 'nginx') return {[`${nginxDocumentRoot}/index.html`]: nginxWelcomePage, [`${nginxDocumentRoot}/50x.html`]: nginxErrorPage}
  if (repository === 'httpd') return {[`${httpdDocumentRoot}/index.html`]: httpdIndexPage}
  return {}
}

/** The image's own files as a container without mounts or changes holds them (for an answer given without the container's filesystem). */
export function shippedFiles(image: string | undefined): ContainerFiles {
  const files = imageFiles(image)
  return {
    get(path) {
      const content = files[path]
      if (content !== undefined) return {kind: 'file', content}
      const prefix = path.endsWith('/') ? path : `${path}/`
      return Object.keys(files).some((file) => file.startsWith(prefix)) || path === '/' ? {kind: 'directory'} : undefined
    },
    list(path) {
      const prefix = path.endsWith('/') ? path : `${path}/`
      return [...new Set(Object.keys(files).filter((file) => file.startsWith(prefix)).map((file) => file.slice(prefix.length).split('/')[0]!))].sort()
    },
  }
}

/**
 * What a static server finds for a request path under its document root: a file, a directory
 * asked without its trailing slash (the server redirects), a directory without its index file, or
 * nothing; a path with a malformed %-escape, or whose `..` climbs above the root, is a bad request
 * (nginx and httpd answer 400). A directory's index file answers for it.
 */
export type StaticLookup = {kind: 'file'; path: string; content: string} | {kind: 'redirect'; location: string} | {kind: 'no-index'; path: string} | {kind: 'missing'; path: string} | {kind: 'bad-request'}

export function lookUpStatic(files: ContainerFiles, documentRoot: string, requestPath: string, indexFile = 'index.html'): StaticLookup {
  let decoded: string
  try {
    decoded = decodeURIComponent(requestPath)
  } catch {
    return {kind: 'bad-request'}
  }
  const parts: string[] = []
  for (const part of decoded.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (parts.length === 0) return {kind: 'bad-request'}
      parts.pop()
    } else parts.push(part)
  }
  const relative = parts.join('/')
  const target = relative === '' ? documentRoot : `${documentRoot}/${relative}`
  const entry = files.get(target)
  if (entry?.kind === 'file') return requestPath.endsWith('/') ? {kind: 'missing', path: target} : {kind: 'file', path: target, content: entry.content}
  if (entry?.kind !== 'directory') return {kind: 'missing', path: target}
  if (!requestPath.endsWith('/')) return {kind: 'redirect', location: `${requestPath}/`}
  const index = files.get(`${target}/${indexFile}`)
  return index?.kind === 'file' ? {kind: 'file', path: `${target}/${indexFile}`, content: index.content} : {kind: 'no-index', path: target}
}

/** nginx's mime.types for the common extensions (its default_type otherwise). */
export function nginxContentType(path: string): string {
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase()
  const types: Record<string, string> = {html: 'text/html', htm: 'text/html', shtml: 'text/html', css: 'text/css', xml: 'text/xml', js: 'application/javascript', json: 'application/json', txt: 'text/plain', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml', ico: 'image/x-icon', webp: 'image/webp'}
  return path.includes('.') ? (types[extension] ?? 'application/octet-stream') : 'application/octet-stream'
}

import {describe, expect, it} from 'vitest'
import {containerResponse} from '../../src/core/network/container-servers.js'
import {parseImage} from '../../src/core/network/image-reference.js'
import {fixtureNowMilliseconds, pod, view} from './view-fixture.js'

const get = {method: 'GET', path: '/', headers: {}}

describe("what a container's server answers", () => {
  it('a declared port answers with a page naming the pod; other ports are refused', () => {
    const app = pod('app-1', {image: 'example/app:1', ports: [{containerPort: 3000}]})
    const response = containerResponse(view([app]), app, 3000, get)
    expect(response).toMatchObject({status: 200, reason: 'OK'})
    expect(response !== 'refused' && response.body).toContain('default/app-1')
    expect(containerResponse(view([app]), app, 3001, get)).toBe('refused')
  })

  it('a pod that is not running, or whose container is not running, refuses', () => {
    const pending = pod('p', {image: 'nginx', phase: 'Pending'})
    expect(containerResponse(view([pending]), pending, 80, get)).toBe('refused')
    const notStarted = pod('p', {image: 'nginx'})
    ;(notStarted.status as {containerStatuses: unknown[]}).containerStatuses = [{name: 'main', state: {waiting: {reason: 'CrashLoopBackOff'}}}]
    expect(containerResponse(view([notStarted]), notStarted, 80, get)).toBe('refused')
  })

  it('nginx serves its welcome page on port 80 with its version, and its 404 page elsewhere', () => {
    const nginx = pod('web', {image: 'nginx:1.25'})
    const page = containerResponse(view([nginx]), nginx, 80, get)
    expect(page).toMatchObject({status: 200, headers: {Server: 'nginx/1.25.5', 'Content-Type': 'text/html', 'Content-Length': '615', Date: 'Thu, 01 Jan 2026 00:00:00 GMT'}})
    expect(page !== 'refused' && page.body).toContain('<title>Welcome to nginx!</title>')
    const missing = containerResponse(view([nginx]), nginx, 80, {...get, path: '/nope'})
    expect(missing).toMatchObject({status: 404, reason: 'Not Found', body: '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.25.5</center>\r\n</body>\r\n</html>\r\n'})
    // nginx listens on 80 whatever the pod declares; nothing listens on 8080.
    const declared = pod('web', {image: 'nginx', ports: [{containerPort: 8080}]})
    expect(containerResponse(view([declared]), declared, 8080, get)).toBe('refused')
  })

  it("nginx and httpd answer from the container's files: a mounted page, a directory's index, a redirect to its slash, 404 for the rest", () => {
    const files = (entries: Record<string, string>) => ({
      get: (path: string) => (entries[path] !== undefined ? {kind: 'file' as const, content: entries[path]!} : Object.keys(entries).some((file) => file.startsWith(`${path}/`)) ? {kind: 'directory' as const} : undefined),
      list: (path: string) => [...new Set(Object.keys(entries).filter((file) => file.startsWith(`${path}/`)).map((file) => file.slice(path.length + 1).split('/')[0]!))].sort(),
    })
    const nginx = pod('web', {image: 'nginx:1.27'})
    const mounted = files({'/usr/share/nginx/html/index.html': 'hello from configmap', '/usr/share/nginx/html/about.txt': 'about', '/usr/share/nginx/html/docs/index.html': 'doc'})
    const ask = (path: string, host = '10.244.1.5') => containerResponse(view([nginx]), nginx, 80, {method: 'GET', path, headers: {Host: host}, files: mounted})
    expect(ask('/')).toMatchObject({status: 200, headers: {'Content-Type': 'text/html', 'Content-Length': '20'}, body: 'hello from configmap'})
    expect(ask('/about.txt')).toMatchObject({status: 200, headers: {'Content-Type': 'text/plain'}, body: 'about'})
    expect(ask('/docs/')).toMatchObject({status: 200, body: 'doc'})
    expect(ask('/docs?page=2', 'localhost:8080')).toMatchObject({status: 301, reason: 'Moved Permanently', headers: {Location: 'http://localhost/docs/?page=2'}})
    // A `..` above the root, or a malformed escape: nginx's URI parser answers 400 and closes.
    expect(ask('/../../../etc/passwd')).toMatchObject({status: 400, reason: 'Bad Request', headers: {Connection: 'close'}})
    expect(ask('/a/../../x')).toMatchObject({status: 400})
    expect(ask('/%zz')).toMatchObject({status: 400, body: expect.stringContaining('<center><h1>400 Bad Request</h1></center>')})
    expect(ask('/docs/../about.txt')).toMatchObject({status: 200, body: 'about'})
    expect(containerResponse(view([nginx]), nginx, 80, {method: 'GET', path: '/', headers: {}, files: files({'/usr/share/nginx/html/about.txt': 'about'})})).toMatchObject({status: 403, reason: 'Forbidden'})
    // The mount hid the image's 50x.html.
    expect(ask('/50x.html')).toMatchObject({status: 404})
    const httpd = pod('h', {image: 'httpd:2.4'})
    expect(containerResponse(view([httpd]), httpd, 80, {method: 'GET', path: '/', headers: {}, files: files({'/usr/local/apache2/htdocs/index.html': '<p>mine</p>'})})).toMatchObject({status: 200, body: '<p>mine</p>'})
    // httpd keeps the port the client asked for (UseCanonicalName Off).
    expect(containerResponse(view([httpd]), httpd, 80, {method: 'GET', path: '/sub', headers: {Host: 'localhost:8080'}, files: files({'/usr/local/apache2/htdocs/sub/a.txt': 'a'})})).toMatchObject({status: 301, headers: {Location: 'http://localhost:8080/sub/'}})
    // httpd's image has Options Indexes: a directory without index.html is listed (mod_autoindex, plain).
    const listed = files({'/usr/local/apache2/htdocs/pub/b.txt': 'b', '/usr/local/apache2/htdocs/pub/a file.txt': 'a', '/usr/local/apache2/htdocs/pub/sub/c.txt': 'c'})
    const listing = containerResponse(view([httpd]), httpd, 80, {method: 'GET', path: '/pub/', headers: {}, files: listed})
    expect(listing).toMatchObject({status: 200, headers: {'Content-Type': 'text/html;charset=ISO-8859-1'}})
    expect(listing !== 'refused' && listing.body).toBe(
      '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html>\n <head>\n  <title>Index of /pub</title>\n </head>\n <body>\n<h1>Index of /pub</h1>\n' +
        '<ul><li><a href="/"> Parent Directory</a></li>\n<li><a href="a%20file.txt"> a file.txt</a></li>\n<li><a href="b.txt"> b.txt</a></li>\n<li><a href="sub/"> sub/</a></li>\n</ul>\n</body></html>\n',
    )
    const root = containerResponse(view([httpd]), httpd, 80, {method: 'GET', path: '/', headers: {}, files: listed})
    expect(root !== 'refused' && root.body).toContain('<h1>Index of /</h1>\n<ul><li><a href="pub/"> pub/</a></li>\n</ul>\n')
    expect(containerResponse(view([httpd]), httpd, 80, {method: 'GET', path: '/%zz', headers: {}, files: listed})).toMatchObject({status: 400, reason: 'Bad Request', body: expect.stringContaining('<p>Your browser sent a request that this server could not understand.<br />\n</p>\n')})
    // An nginx that only tests its configuration serves nothing.
    const tested = pod('t', {image: 'nginx:1.27'})
    ;(tested.spec as {containers: Array<Record<string, unknown>>}).containers[0]!.command = ['sh', '-c', 'nginx -t && sleep 3600']
    expect(containerResponse(view([tested]), tested, 80, get)).toBe('refused')
  })

  it('httpd answers It works!', () => {
    const httpd = pod('h', {image: 'docker.io/library/httpd:2.4'})
    expect(containerResponse(view([httpd]), httpd, 80, get)).toMatchObject({status: 200, body: '<html><body><h1>It works!</h1></body></html>\n'})
  })

  it('http-echo echoes its -text on its -listen port', () => {
    const echo = pod('e', {image: 'hashicorp/http-echo', args: ['-listen=:8080', '-text', 'hello world']})
    expect(containerResponse(view([echo]), echo, 8080, get)).toMatchObject({status: 200, body: 'hello world\n', headers: {'X-App-Name': 'http-echo'}})
    expect(containerResponse(view([echo]), echo, 5678, get)).toBe('refused')
    const defaults = pod('e', {image: 'hashicorp/http-echo:1.0', args: ['-text=hi']})
    expect(containerResponse(view([defaults]), defaults, 5678, get)).toMatchObject({body: 'hi\n'})
  })

  it('http-echo named as the command (its entrypoint) serves the same, with the args after it', () => {
    const named = pod('e', {image: 'hashicorp/http-echo', command: ['/http-echo', '-text=hi', '-listen=:5678']})
    expect(containerResponse(view([named]), named, 5678, get)).toMatchObject({status: 200, body: 'hi\n'})
    const other = pod('e', {image: 'hashicorp/http-echo', command: ['sleep', '3600'], args: ['-text=hi']})
    expect(containerResponse(view([other]), other, 5678, get)).toBe('refused')
  })

  it('agnhost netexec answers /hostname, /echo and /clientip on 8080', () => {
    const netexec = pod('netexec-abc', {image: 'registry.k8s.io/e2e-test-images/agnhost:2.47', args: ['netexec']})
    const cluster = view([netexec])
    expect(containerResponse(cluster, netexec, 8080, {...get, path: '/hostname'})).toMatchObject({status: 200, body: 'netexec-abc'})
    expect(containerResponse(cluster, netexec, 8080, {...get, path: '/echo?msg=hi%20there'})).toMatchObject({body: 'hi there'})
    expect(containerResponse(cluster, netexec, 8080, {...get, path: '/clientip', clientIp: '10.244.2.7:41234'})).toMatchObject({body: '10.244.2.7:41234'})
    const custom = pod('n', {image: 'registry.k8s.io/e2e-test-images/agnhost:2.47', args: ['netexec', '--http-port=9376']})
    expect(containerResponse(view([custom]), custom, 9376, {...get, path: '/hostname'})).toMatchObject({body: 'n'})
  })

  it('agnhost liveness answers /healthz 200 for 10 s after its container started, then 500', () => {
    const started = new Date(fixtureNowMilliseconds).toISOString()
    const liveness = pod('liveness-http', {image: 'registry.k8s.io/e2e-test-images/agnhost:2.40', args: ['liveness'], startedAt: started})
    const healthz = {...get, path: '/healthz'}
    expect(containerResponse(view([liveness], {nowMilliseconds: fixtureNowMilliseconds + 10_000}), liveness, 8080, healthz)).toMatchObject({status: 200, body: 'ok'})
    expect(containerResponse(view([liveness], {nowMilliseconds: fixtureNowMilliseconds + 12_500}), liveness, 8080, healthz)).toMatchObject({status: 500, body: 'error: 12.5'})
  })

  it('a command that replaces the server leaves nothing listening', () => {
    const shell = pod('s', {image: 'nginx', command: ['sh', '-c', 'sleep 3600']})
    expect(containerResponse(view([shell]), shell, 80, get)).toBe('refused')
  })

  it('reads image references with registries, digests and library paths', () => {
    expect(parseImage('docker.io/library/nginx:1.25-alpine')).toEqual({repository: 'nginx', tag: '1.25-alpine'})
    expect(parseImage('localhost:5000/team/app')).toEqual({repository: 'team/app', tag: 'latest'})
    expect(parseImage('nginx@sha256:abc')).toEqual({repository: 'nginx', tag: 'latest'})
  })
})

describe('the CoreDNS addon pods', () => {
  it('answer their probes on 8080 and 8181 and take connections on 53 without an HTTP reply', () => {
    const coredns = pod('coredns-abc', {namespace: 'kube-system', image: 'registry.k8s.io/coredns/coredns:v1.11.3', args: ['-conf', '/etc/coredns/Corefile'], ports: [{containerPort: 53, name: 'dns', protocol: 'UDP'}, {containerPort: 53, name: 'dns-tcp'}, {containerPort: 9153, name: 'metrics'}]})
    const cluster = view([coredns])
    expect(containerResponse(cluster, coredns, 8080, {...get, path: '/health'})).toMatchObject({status: 200, body: 'OK'})
    expect(containerResponse(cluster, coredns, 8181, {...get, path: '/ready'})).toMatchObject({status: 200, body: 'OK'})
    expect(containerResponse(cluster, coredns, 53, get)).toMatchObject({status: 0})
    expect(containerResponse(cluster, coredns, 9000, get)).toBe('refused')
  })
})

// What `kubectl logs` shows of the images kubemu knows, through the CLI in one-shot mode: their
// start-up output as the real images write it (nginx's entrypoint and notices, httpd's AH lines,
// redis's banner, CoreDNS's; nothing for busybox's sh or an image kubemu does not know), then one access-log
// line per request nginx or httpd served, in the server's own format, with the client's address as
// the server sees it (a pod's IP, the node's after SNAT for a NodePort from outside, the node's for
// the kubelet's probes, whose lines come from the spec and are never stored one by one).
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')

const probedNginx = `apiVersion: v1
kind: Pod
metadata: {name: probed, labels: {app: probed}}
spec:
  containers:
  - name: web
    image: nginx:1.27
    readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 10}
    livenessProbe: {httpGet: {path: /healthz, port: 80}, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 2}
`

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (value: number) => String(value).padStart(2, '0')
/** nginx's error log time of an RFC 3339 timestamp: 2026/12/06 11:08:15. */
const nginxTime = (iso: string) => iso.slice(0, 19).replace(/-/g, '/').replace('T', ' ')
/** The access log's time: 06/Dec/2026:11:08:15 +0000. */
const accessTime = (milliseconds: number) => {
  const date = new Date(milliseconds)
  return `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
}

/** A log's lines without the fetcher pod's request (see the first case) and the final newline's empty line. */
const withoutFetcher = (log: string) => log.split('\n').filter((line) => line !== '' && !line.includes('/fetched'))

describe('container logs as the images write them', {timeout: 600_000}, () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '7'})
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: environment(), stdin})
  const field = async (pod: string, path: string) => (await run(`kubectl get pod ${pod} -o jsonpath='{${path}}'`)).stdout

  beforeAll(async () => {
    home = temporaryFolder()
    expect((await run('kubectl run web --image=nginx')).status).toBe(0)
    expect((await run('kubectl run site --image=httpd')).status).toBe(0)
    expect((await run('kubectl run client --image=busybox -- sleep 3600')).status).toBe(0)
    expect((await run('kubectl run cache --image=redis')).status).toBe(0)
    expect((await run('kubectl run shell --image=busybox')).status).toBe(0)
    expect((await run('kubectl run mystery --image=example.com/team/unknown:1.0')).status).toBe(0)
    expect((await run('kubectl wait --for=condition=Ready pod/web pod/site pod/client pod/cache pod/shell pod/mystery --timeout=60s')).status).toBe(0)
  }, 300_000)

  it("nginx: its entrypoint's lines and start-up notices, then a line per request from another pod", async () => {
    const startedAt = await field('web', '.status.containerStatuses[0].state.running.startedAt')
    const webIp = await field('web', '.status.podIP')
    const clientIp = await field('client', '.status.podIP')
    expect(await run(`kubectl exec client -- wget -qO /dev/null http://${webIp}/`)).toMatchObject({status: 0})
    expect(await run(`kubectl exec client -- wget -qO- http://${webIp}/missing`)).toMatchObject({status: 1})
    // A container's own command is replayed each time its run is looked at: its request shows once (nginx's error line, then its access line).
    expect((await run(`kubectl run fetcher --image=busybox -- sh -c 'wget -qO /dev/null http://${webIp}/fetched; sleep 3600'`)).status).toBe(0)
    expect((await run('kubectl wait --for=condition=Ready pod/fetcher --timeout=60s')).status).toBe(0)
    expect((await run('kubectl logs fetcher')).status).toBe(0)
    const logs = await run('kubectl logs web')
    expect(logs.status).toBe(0)
    const notice = (text: string) => `${nginxTime(startedAt)} [notice] 1#1: ${text}`
    const fetcherIp = await field('fetcher', '.status.podIP')
    expect(logs.stdout.split('\n').filter((line) => line.includes('/fetched'))).toEqual([
      expect.stringMatching(new RegExp(`\\[error\\] \\d+#\\d+: \\*\\d+ open\\(\\) "/usr/share/nginx/html/fetched" failed \\(2: No such file or directory\\), client: ${fetcherIp.replace(/\./g, '\\.')}, `)),
      expect.stringMatching(new RegExp(`^${fetcherIp.replace(/\./g, '\\.')} - - \\[[^\\]]+\\] "GET /fetched HTTP/1\\.1" 404 153 "-" "Wget" "-"$`)),
    ])
    const lines = logs.stdout.split('\n').filter((line) => !line.includes('/fetched'))
    expect(lines.slice(0, 20)).toEqual([
      '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
      '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
      '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh',
      '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf',
      '10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf',
      '/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh',
      '/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh',
      '/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh',
      '/docker-entrypoint.sh: Configuration complete; ready for start up',
      notice('using the "epoll" event method'),
      notice('nginx/1.27.3'),
      notice('built by gcc 12.2.0 (Debian 12.2.0-14) '),
      notice('OS: Linux 6.1.0-kubemu'),
      notice('getrlimit(RLIMIT_NOFILE): 1048576:1048576'),
      notice('start worker processes'),
      notice('start worker process 29'),
      notice('start worker process 30'),
      notice('start worker process 31'),
      notice('start worker process 32'),
      expect.stringMatching(new RegExp(`^${clientIp.replace(/\./g, '\\.')} - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] "GET / HTTP/1\\.1" 200 615 "-" "Wget" "-"$`)),
    ])
    // A missing page: nginx's error log says which file it could not open (its second connection, on its second worker), then the access line.
    expect(lines.slice(20)).toEqual([
      expect.stringMatching(new RegExp(`^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d \\[error\\] 30#30: \\*2 open\\(\\) "/usr/share/nginx/html/missing" failed \\(2: No such file or directory\\), client: ${clientIp.replace(/\./g, '\\.')}, server: localhost, request: "GET /missing HTTP/1\\.1", host: "${webIp.replace(/\./g, '\\.')}"$`)),
      expect.stringMatching(/ "GET \/missing HTTP\/1\.1" 404 153 "-" "Wget" "-"$/),
      '',
    ])
    expect(logs.stdout).not.toContain('simulated container')
    // --tail and --timestamps take the new lines as any other.
    const tail = (await run('kubectl logs web --tail=3 --timestamps')).stdout.split('\n').filter((line) => !line.includes('/fetched')).join('\n')
    expect(tail).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \d+\.\d+\.\d+\.\d+ - - \[[^\]]+\] "GET \/missing HTTP\/1\.1" 404 153 "-" "Wget" "-"\n$/)
  })

  it("httpd: its AH lines and its access log in httpd's common format; redis's banner; nothing from busybox's sh or an unknown image", async () => {
    const siteIp = await field('site', '.status.podIP')
    const clientIp = await field('client', '.status.podIP')
    expect(await run(`kubectl exec client -- wget -qO /dev/null http://${siteIp}/`)).toMatchObject({status: 0})
    const lines = (await run('kubectl logs site')).stdout.split('\n')
    const fqdn = `AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using ${siteIp}. Set the 'ServerName' directive globally to suppress this message`
    expect(lines).toEqual([
      fqdn,
      fqdn,
      expect.stringMatching(/^\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] \[mpm_event:notice\] \[pid 1:tid 1\] AH00489: Apache\/2\.4\.62 \(Unix\) configured -- resuming normal operations$/),
      expect.stringMatching(/^\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] \[core:notice\] \[pid 1:tid 1\] AH00094: Command line: 'httpd -D FOREGROUND'$/),
      expect.stringMatching(new RegExp(`^${clientIp.replace(/\./g, '\\.')} - - \\[[^\\]]+\\] "GET / HTTP/1\\.1" 200 45$`)),
      '',
    ])
    const redis = (await run('kubectl logs cache')).stdout.split('\n')
    expect(redis.map((line) => line.replace(/^1:([CM]) \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} /, '1:$1 '))).toEqual([
      '1:C * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo',
      '1:C * Redis version=7.4.1, bits=64, commit=00000000, modified=0, pid=1, just started',
      '1:C # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf',
      '1:M * monotonic clock: POSIX clock_gettime',
      '1:M * Running mode=standalone, port=6379.',
      '1:M * Server initialized',
      '1:M * Ready to accept connections tcp',
      '',
    ])
    // CoreDNS: its server block, the reload plugin's SHA-512 of the Corefile it was given, its build.
    const corefile = (await run("kubectl get configmap coredns -n kube-system -o jsonpath='{.data.Corefile}'")).stdout
    expect((await run('kubectl logs -n kube-system deployment/coredns')).stdout).toBe(
      `.:53\n[INFO] plugin/reload: Running configuration SHA512 = ${createHash('sha512').update(corefile).digest('hex')}\nCoreDNS-1.11.3\nlinux/amd64, go1.21.11, a6338e9\n`,
    )
    expect(await run('kubectl logs shell')).toMatchObject({status: 0, stdout: ''})
    expect(await run('kubectl logs mystery')).toMatchObject({status: 0, stdout: ''})
  })

  it('httpd lists a directory without index.html; a malformed escape is 400 from httpd and nginx, and their logs say so', async () => {
    const siteIp = await field('site', '.status.podIP')
    const webIp = await field('web', '.status.podIP')
    expect((await run("kubectl exec site -- sh -c 'mkdir -p /usr/local/apache2/htdocs/pub/sub && echo a > /usr/local/apache2/htdocs/pub/a.txt'")).status).toBe(0)
    expect(await run(`kubectl exec client -- wget -qO- http://${siteIp}/pub/`)).toMatchObject({
      status: 0,
      stdout: '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html>\n <head>\n  <title>Index of /pub</title>\n </head>\n <body>\n<h1>Index of /pub</h1>\n<ul><li><a href="/"> Parent Directory</a></li>\n<li><a href="a.txt"> a.txt</a></li>\n<li><a href="sub/"> sub/</a></li>\n</ul>\n</body></html>\n',
    })
    expect(await run(`kubectl exec client -- wget -qO- http://${siteIp}/%zz`)).toMatchObject({status: 1, stderr: expect.stringContaining('wget: server returned error: HTTP/1.1 400 Bad Request')})
    expect(await run(`kubectl exec client -- wget -qO- http://${webIp}/%zz`)).toMatchObject({status: 1, stderr: expect.stringContaining('wget: server returned error: HTTP/1.1 400 Bad Request')})
    expect((await run('kubectl logs site --tail=2')).stdout).toMatch(/^\S+ - - \[[^\]]+\] "GET \/pub\/ HTTP\/1\.1" 200 280\n\S+ - - \[[^\]]+\] "GET \/%zz HTTP\/1\.1" 400 226\n$/)
    // The seeded clock stands still between commands: the fetcher's lines share the millisecond and come after those served to execs.
    expect(withoutFetcher((await run('kubectl logs web')).stdout).at(-1)).toMatch(/ "GET \/%zz HTTP\/1\.1" 400 157 "-" "Wget" "-"$/)
  })

  it("a NodePort from outside: the server sees the node's address (kube-proxy masquerades it)", async () => {
    expect((await run('kubectl expose pod web --port=80 --type=NodePort')).status).toBe(0)
    const nodePort = (await run(`kubectl get svc web -o jsonpath='{.spec.ports[0].nodePort}'`)).stdout
    expect(await run(`curl -s -o /dev/null http://172.18.0.5:${nodePort}/index.html -H 'User-Agent: learner/1.0'`)).toMatchObject({status: 0})
    const last = withoutFetcher((await run('kubectl logs web')).stdout).at(-1)
    expect(last).toMatch(/^172\.18\.0\.5 - - \[[^\]]+\] "GET \/index\.html HTTP\/1\.1" 200 615 "-" "learner\/1\.0" "-"$/)
  })

  it("the kubelet's HTTP probes: a line per probe run from the node's address, computed from the spec (none stored), per run (--previous)", async () => {
    expect((await run('kubectl apply -f -', probedNginx)).status).toBe(0)
    expect((await run('kubectl wait --for=condition=Ready pod/probed --timeout=60s')).status).toBe(0)
    // A client's request is recorded (the probes' are not).
    expect((await run(`kubectl exec client -- wget -qO /dev/null http://${await field('probed', '.status.podIP')}/`)).status).toBe(0)
    const started = Date.parse(await field('probed', '.status.containerStatuses[0].state.running.startedAt'))
    const hostIp = await field('probed', '.status.hostIP')
    // The liveness probe's /healthz is 404: two failures in a row (at 15 s and 25 s) restart the container.
    expect((await run('time advance 40s')).status).toBe(0)
    expect(await field('probed', '.status.containerStatuses[0].restartCount')).toBe('1')
    const previousLog = (await run('kubectl logs probed --previous')).stdout.split('\n')
    const previous = previousLog.filter((line) => line.startsWith(hostIp))
    const podIp = await field('probed', '.status.podIP')
    // Each 404 of /healthz also has nginx's error line, the probe's Host naming the pod's IP and port.
    expect(previousLog.filter((line) => line.includes('[error]')).map((line) => line.replace(/^.*\[error\] \d+#\d+: \*\d+ /, ''))).toEqual(
      Array(2).fill(`open() "/usr/share/nginx/html/healthz" failed (2: No such file or directory), client: ${hostIp}, server: localhost, request: "GET /healthz HTTP/1.1", host: "${podIp}:80"`),
    )
    const probeLine = (at: number, path: string, status: number, bytes: number) => `${hostIp} - - [${accessTime(at)}] "GET ${path} HTTP/1.1" ${status} ${bytes} "-" "kube-probe/1.32" "-"`
    expect(previous).toEqual([
      probeLine(started, '/', 200, 615),
      probeLine(started + 10_000, '/', 200, 615),
      probeLine(started + 15_000, '/healthz', 404, 153),
      probeLine(started + 20_000, '/', 200, 615),
      probeLine(started + 25_000, '/healthz', 404, 153),
    ])
    // The new run's log starts over with its own start-up.
    const current = (await run('kubectl logs probed')).stdout
    expect(current.startsWith('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty')).toBe(true)
    // No line per probe is kept: only the requests clients sent are recorded.
    const folder = join(home, 'default', 'served-requests')
    const recorded = existsSync(folder) ? readdirSync(folder).flatMap((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')) as Array<{userAgent?: string}>) : []
    expect(recorded.filter((entry) => entry.userAgent === 'kube-probe/1.32')).toEqual([])
    expect(recorded.filter((entry) => entry.userAgent === 'Wget').length).toBeGreaterThan(0)
  })
})

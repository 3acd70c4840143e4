// What the images kubemu knows write to their stdout and stderr as their default command starts,
// as the real images write it: nginx's docker-entrypoint.sh and its docker-entrypoint.d scripts,
// then nginx's start-up notices; httpd's httpd-foreground (AH00558 twice: once as it checks its
// configuration, once as it starts; then AH00489 and AH00094); redis-server's banner; CoreDNS's
// server blocks, its reload plugin's checksum of the Corefile and its version; kube-proxy's klog
// lines as it starts (its node's address, conntrack settings, its proxier, its informers). Times are
// the run's start on the cluster clock (every line is logged at that moment, so a probe at the
// start comes after them). An image kubemu knows nothing about writes nothing (so
// does a shell image's default `sh`, which reads its empty stdin and exits).
import {createHash} from 'node:crypto'
import type {Container, Pod} from '../api/kinds.js'
import {months, nginxLogTime, two} from '../network/access-log.js'
import {parseImage} from '../network/image-reference.js'
import {coreDnsBuild, httpdVersion, nginxVersion} from '../network/image-servers.js'
import type {ContainerFiles} from '../network/types.js'
import {klogLine} from '../util/klog.js'

/** One line of a container's output at its moment. */
export interface OutputLine {
  readonly atMilliseconds: number
  readonly stream: 'stdout' | 'stderr'
  readonly text: string
}

/** nginx's worker_processes auto: one per CPU the node has (kubemu's nodes have 4). */
export const nginxWorkerProcesses = 4
/** The kernel kubemu's nodes report (node.status.nodeInfo.kernelVersion), which nginx names at start. */
export const nodeKernelVersion = '6.1.0-kubemu'
/** redis:latest's version. */
export const redisVersion = '7.4.1'
/** The first worker's PID: the entrypoint's scripts ran as PIDs before it. */
export const nginxFirstWorkerPid = 29

const nginxConfDirectory = '/etc/nginx/conf.d'

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']

/** httpd's error log time: `Sun Dec 06 11:08:15.123456 2026`. */
function httpdLogTime(milliseconds: number, microseconds: number): string {
  const date = new Date(milliseconds)
  return `${weekdays[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${two(date.getUTCDate())} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}.${String(date.getUTCMilliseconds() * 1000 + microseconds).padStart(6, '0')} ${date.getUTCFullYear()}`
}

/** redis's log time: `06 Dec 2026 11:08:15.123`. */
function redisLogTime(milliseconds: number): string {
  const date = new Date(milliseconds)
  return `${two(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}.${String(date.getUTCMilliseconds()).padStart(3, '0')}`
}

function literalEnv(container: Container, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value
}

/** The image's Debian release by nginx version: bookworm from 1.25, bullseye from 1.21, buster before. */
function nginxEra(version: string): {compiler: string; scripts: readonly string[]} {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const series = major * 1000 + minor
  if (series >= 1025) return {compiler: 'gcc 12.2.0 (Debian 12.2.0-14) ', scripts: ['10-listen-on-ipv6-by-default.sh', '15-local-resolvers.envsh', '20-envsubst-on-templates.sh', '30-tune-worker-processes.sh']}
  if (series >= 1021) return {compiler: 'gcc 10.2.1 20210110 (Debian 10.2.1-6) ', scripts: ['10-listen-on-ipv6-by-default.sh', '20-envsubst-on-templates.sh', '30-tune-worker-processes.sh']}
  return {compiler: 'gcc 8.3.0 (Debian 8.3.0-6) ', scripts: ['10-listen-on-ipv6-by-default.sh', '20-envsubst-on-templates.sh']}
}

/** What 10-listen-on-ipv6-by-default.sh finds of default.conf: the image's own, a mounted one (read-only), or none under a mount. */
function ipv6ScriptLines(files: ContainerFiles): string[] {
  const me = '10-listen-on-ipv6-by-default.sh'
  const conf = `${nginxConfDirectory}/default.conf`
  const entry = files.get(conf)
  // The image's default.conf is not among the files kubemu lays out: a file there came from a volume (ConfigMaps and Secrets mount read-only).
  if (entry?.kind === 'file') return [`${me}: info: can not modify ${conf} (read-only file system?)`]
  if (files.get(nginxConfDirectory)?.kind === 'directory') return [`${me}: info: ${conf} is not a file or does not exist`]
  return [`${me}: info: Getting the checksum of ${conf}`, `${me}: info: Enabled listen on IPv6 in ${conf}`]
}

function nginxLines(container: Container, tag: string, startedAt: number, files: ContainerFiles, entrypoint: boolean): OutputLine[] {
  const version = nginxVersion(tag)
  const era = nginxEra(version)
  const lines: OutputLine[] = []
  const out = (text: string, stream: OutputLine['stream'] = 'stdout') => lines.push({atMilliseconds: startedAt, stream, text})
  if (entrypoint && !literalEnv(container, 'NGINX_ENTRYPOINT_QUIET_LOGS')) {
    const me = '/docker-entrypoint.sh'
    out(`${me}: /docker-entrypoint.d/ is not empty, will attempt to perform configuration`)
    out(`${me}: Looking for shell scripts in /docker-entrypoint.d/`)
    for (const script of era.scripts) {
      out(`${me}: ${script.endsWith('.envsh') ? 'Sourcing' : 'Launching'} /docker-entrypoint.d/${script}`)
      if (script.startsWith('10-')) for (const text of ipv6ScriptLines(files)) out(text)
    }
    out(`${me}: Configuration complete; ready for start up`)
  }
  // nginx writes its notices to the error log, which the image links to /dev/stderr.
  const notice = (text: string) => out(`${nginxLogTime(startedAt)} [notice] 1#1: ${text}`, 'stderr')
  notice('using the "epoll" event method')
  notice(`nginx/${version}`)
  notice(`built by ${era.compiler}`)
  notice(`OS: Linux ${nodeKernelVersion}`)
  notice('getrlimit(RLIMIT_NOFILE): 1048576:1048576')
  notice('start worker processes')
  for (let worker = 0; worker < nginxWorkerProcesses; worker++) notice(`start worker process ${nginxFirstWorkerPid + worker}`)
  return lines
}

function httpdLines(pod: Pod, startedAt: number): OutputLine[] {
  const podIp = String((pod.status as {podIP?: string} | undefined)?.podIP ?? '127.0.1.1')
  const fqdn = `AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using ${podIp}. Set the 'ServerName' directive globally to suppress this message`
  return [
    {atMilliseconds: startedAt, stream: 'stderr', text: fqdn},
    {atMilliseconds: startedAt, stream: 'stderr', text: fqdn},
    {atMilliseconds: startedAt, stream: 'stderr', text: `[${httpdLogTime(startedAt + 2, 308)}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/${httpdVersion} (Unix) configured -- resuming normal operations`},
    {atMilliseconds: startedAt, stream: 'stderr', text: `[${httpdLogTime(startedAt + 2, 436)}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'`},
  ]
}

function redisLines(args: readonly string[], startedAt: number): OutputLine[] {
  const portFlag = args.indexOf('--port')
  const port = portFlag >= 0 && /^\d+$/.test(args[portFlag + 1] ?? '') ? Number(args[portFlag + 1]) : 6379
  const line = (offset: number, role: 'C' | 'M', level: '*' | '#', text: string): OutputLine => ({atMilliseconds: startedAt, stream: 'stdout', text: `1:${role} ${redisLogTime(startedAt + offset)} ${level} ${text}`})
  return [
    line(0, 'C', '*', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'),
    line(0, 'C', '*', `Redis version=${redisVersion}, bits=64, commit=00000000, modified=0, pid=1, just started`),
    args.length > 0 ? line(0, 'C', '*', 'Configuration loaded') : line(0, 'C', '#', 'Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf'),
    line(1, 'M', '*', 'monotonic clock: POSIX clock_gettime'),
    line(1, 'M', '*', `Running mode=standalone, port=${port}.`),
    line(2, 'M', '*', 'Server initialized'),
    line(2, 'M', '*', 'Ready to accept connections tcp'),
  ]
}

/**
 * CoreDNS as it starts with `-conf FILE` (its own default: ./Corefile): each server block's
 * address, the reload plugin's SHA-512 of the Corefile, its version and platform. Without a
 * Corefile it serves the whoami plugin on .:53 (no reload line).
 */
function coreDnsLines(args: readonly string[], startedAt: number, files: ContainerFiles): OutputLine[] {
  const flag = args.findIndex((arg) => arg === '-conf' || arg === '--conf')
  const path = flag >= 0 ? args[flag + 1] ?? '' : '/Corefile'
  const corefile = files.get(path.startsWith('/') ? path : `/${path}`)
  const lines: string[] = []
  if (corefile?.kind === 'file') {
    const blocks = [...corefile.content.matchAll(/^([^\s#{][^{]*?)\s*\{/gm)].flatMap((match) => match[1]!.trim().split(/\s+/))
    lines.push(...blocks.map((address) => (/:\d+$/.test(address) ? address : `${address}:53`)))
    if (/^\s*reload\b/m.test(corefile.content)) lines.push(`[INFO] plugin/reload: Running configuration SHA512 = ${createHash('sha512').update(corefile.content).digest('hex')}`)
  } else lines.push('.:53')
  lines.push(`CoreDNS-${coreDnsBuild.version}`, `linux/amd64, ${coreDnsBuild.goVersion}, ${coreDnsBuild.revision}`)
  return lines.map((text) => ({atMilliseconds: startedAt, stream: 'stdout', text}))
}

/** Where kube-proxy's DaemonSet mounts its ConfigMap's config.conf (kubeadm's --config). */
const kubeProxyConfigPath = '/var/lib/kube-proxy/config.conf'

/** The line kube-proxy 1.32 writes for the proxier its config.conf's mode names (none for kubemu's teaching-only userspace mode). */
const proxierLines: Readonly<Record<string, readonly [location: string, message: string]>> = {
  iptables: ['server_linux.go:170', '"Using iptables Proxier"'],
  '': ['server_linux.go:170', '"Using iptables Proxier"'],
  ipvs: ['server_linux.go:231', '"Using ipvs Proxier"'],
  nftables: ['server_linux.go:292', '"Using nftables Proxier"'],
}

/** kube-proxy 1.32's start-up, as klog writes it on stderr (thread 1, UTC). */
function kubeProxyLines(pod: Pod, tag: string, startedAt: number, files: ContainerFiles): OutputLine[] {
  const status = (pod.status ?? {}) as {hostIP?: string; podIP?: string}
  const config = files.get(kubeProxyConfigPath)
  const mode = config?.kind === 'file' ? (/^mode:[ \t]*["']?([\w-]*)["']?[ \t]*$/m.exec(config.content)?.[1] ?? '') : ''
  const lines: OutputLine[] = []
  const klog = (offset: number, location: string, message: string) => lines.push({atMilliseconds: startedAt + offset, stream: 'stderr', text: klogLine('I', location, message, startedAt + offset, 1, true).slice(0, -1)})
  klog(0, 'server.go:698', `"Successfully retrieved node IP(s)" IPs=["${status.hostIP ?? status.podIP ?? ''}"]`)
  klog(3, 'conntrack.go:121', '"Set sysctl" entry="net/netfilter/nf_conntrack_max" value=131072')
  klog(3, 'conntrack.go:60', '"Setting nf_conntrack_max" nfConntrackMax=131072')
  klog(4, 'conntrack.go:121', '"Set sysctl" entry="net/netfilter/nf_conntrack_tcp_timeout_established" value=86400')
  klog(4, 'conntrack.go:121', '"Set sysctl" entry="net/netfilter/nf_conntrack_tcp_timeout_close_wait" value=3600')
  // Without nodePortAddresses (kubeadm's ConfigMap has null) kube-proxy warns that NodePorts take every local address.
  const nodePortAddresses = config?.kind === 'file' ? /^nodePortAddresses:[ \t]*(\S.*)?$/m.exec(config.content)?.[1]?.trim() : undefined
  if (nodePortAddresses === undefined || nodePortAddresses === 'null' || nodePortAddresses === '[]') {
    const at = startedAt + 4
    lines.push({atMilliseconds: at, stream: 'stderr', text: klogLine('E', 'server.go:234', '"Kube-proxy configuration may be incomplete or incorrect" err="nodePortAddresses is unset; NodePort connections will be accepted on all local IPs. Consider using `--nodeport-addresses primary`"', at, 1, true).slice(0, -1)})
  }
  klog(4, 'server.go:243', '"kube-proxy running in dual-stack mode" primary ipFamily="IPv4"')
  const proxier = proxierLines[mode]
  if (proxier) klog(4, ...proxier)
  if (proxier && (mode === '' || mode === 'iptables')) {
    klog(5, 'proxier.go:255', '"Setting route_localnet=1 to allow node-ports on localhost; to change this either disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set nodePortAddresses (--nodeport-addresses) to filter loopback addresses" ipFamily="IPv4"')
  }
  klog(72, 'server.go:497', `"Version info" version="${tag}"`)
  klog(72, 'server.go:499', '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""')
  for (const [offset, location, controller] of [[74, 'config.go:329', 'node'], [75, 'config.go:199', 'service'], [76, 'config.go:105', 'endpoint slice']] as const) {
    klog(offset, location, `"Starting ${controller} config controller"`)
    klog(offset, 'shared_informer.go:313', `Waiting for caches to sync for ${controller} config`)
  }
  for (const controller of ['node', 'endpoint slice', 'service']) klog(176, 'shared_informer.go:320', `Caches are synced for ${controller} config`)
  return lines
}

/**
 * What the container's image writes as it starts with the command it runs: the image's own
 * (no command; args go to its entrypoint), or a command naming the image's server; nothing for
 * any other command (the simulated shell runs those) or an image kubemu does not know.
 */
export function imageStartupLines(pod: Pod, container: Container, startedAtMilliseconds: number, files: ContainerFiles): OutputLine[] {
  const {repository, tag} = parseImage(container.image ?? '')
  const command = container.command ?? []
  const args = container.args ?? []
  const program = basename(command[0] ?? args[0] ?? '')
  if (repository === 'nginx') {
    if (command.length === 0 && (args.length === 0 || program === 'nginx' || program === 'nginx-debug')) return nginxLines(container, tag, startedAtMilliseconds, files, true)
    if (program === 'nginx' || program === 'nginx-debug') return nginxLines(container, tag, startedAtMilliseconds, files, false)
    return []
  }
  if (repository === 'httpd') return command.length === 0 && args.length === 0 ? httpdLines(pod, startedAtMilliseconds) : []
  if (repository === 'redis' && command.length === 0) {
    // The image's entrypoint runs redis-server for no args, args that start with `-` or name a .conf file.
    if (args.length === 0) return redisLines([], startedAtMilliseconds)
    if (args[0]!.startsWith('-') || args[0]!.endsWith('.conf')) return redisLines(args, startedAtMilliseconds)
    if (program === 'redis-server') return redisLines(args.slice(1), startedAtMilliseconds)
  }
  if (repository === 'coredns/coredns' && command.length === 0) return coreDnsLines(args, startedAtMilliseconds, files)
  if (repository === 'kube-proxy' && program === 'kube-proxy') return kubeProxyLines(pod, tag, startedAtMilliseconds, files)
  return []
}

// The etcdctl 3.4 program on the embedded cluster: global flags and ETCDCTL_* variables, the
// verbs, etcdctl's error lines and exit codes.
import type {EmbeddedClient} from '../etcd/embedded-client.js'
import {commandTimeoutMillisecondsDefault, etcdVersion} from '../etcd/version.js'
import {defaultLayout} from '../etcd/layout.js'
import {readClusterState} from '../etcd/cluster-files.js'
import type {ReadOnlyMember} from '../etcd/read-only-member.js'
import {openClusterClock} from '../host/clock.js'
import {ClusterNameError, ClusterNotFoundError, existingClusterFolder, KubemuHomeError} from '../home.js'
import {EtcdError, HandshakeFailedError, UnreachableEndpointError, clientErrorText} from '../mvcc/errors.js'
import {type OutputFormat, UnsupportedFormatError, UnsupportedMarshalError} from '../printers/etcdctl.js'
import {StorageError} from '../storage/errors.js'
import {FlagError, type FlagSpec, parseFlags, parseGoDuration} from './flags.js'
import {type EtcdctlClient, type EtcdctlIo, ExitError, ReportedExitError, type Verb, type VerbGroup, exitCodes, flag, groupOf} from './verb.js'
import {runningUp} from '../host/up-marker.js'
import {applySeed, SeedError} from '../seed.js'
import {commandHelpText, rootHelpText} from './help.js'
import {memberForEndpoint, useServedEndpoints} from './endpoints.js'
import {certificateUser, transportSecurity} from './transport.js'
import {reportRpcFailure, reportUnreachable} from './retry-warning.js'
import {withClientv3Calls, withClientv3Reads} from './clientv3-calls.js'

export {memberForEndpoint} from './endpoints.js'

export {exitCodes, type EtcdctlIo} from './verb.js'

const globalFlags: FlagSpec[] = [
  {name: 'endpoints', kind: 'string', defaultValue: '127.0.0.1:2379', list: true, usage: 'gRPC endpoints'},
  {name: 'write-out', shorthand: 'w', kind: 'string', defaultValue: 'simple', usage: 'set the output format (fields, json, protobuf, simple, table)'},
  {name: 'hex', kind: 'bool', defaultValue: 'false', usage: 'print byte strings as hex encoded strings'},
  {name: 'dial-timeout', kind: 'duration', defaultValue: '2s', usage: 'dial timeout for client connections'},
  {name: 'command-timeout', kind: 'duration', defaultValue: '5s', usage: 'timeout for short running command (excluding dial timeout)'},
  {name: 'keepalive-time', kind: 'duration', defaultValue: '2s', usage: 'keepalive time for client connections'},
  {name: 'keepalive-timeout', kind: 'duration', defaultValue: '6s', usage: 'keepalive timeout for client connections'},
  {name: 'user', kind: 'string', defaultValue: '', usage: 'username[:password] for authentication (prompt if password is not supplied)'},
  {name: 'password', kind: 'string', defaultValue: '', usage: 'password for authentication (if this option is used, --user option shouldn\'t include password)'},
  {name: 'debug', kind: 'bool', defaultValue: 'false', usage: 'enable client-side debug logging'},
  {name: 'insecure-transport', kind: 'bool', defaultValue: 'true', usage: 'disable transport security for client connections'},
  {name: 'insecure-skip-tls-verify', kind: 'bool', defaultValue: 'false', usage: 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)'},
  {name: 'insecure-discovery', kind: 'bool', defaultValue: 'true', usage: 'accept insecure SRV records describing cluster endpoints'},
  {name: 'cacert', kind: 'string', defaultValue: '', usage: 'verify certificates of TLS-enabled secure servers using this CA bundle'},
  {name: 'cert', kind: 'string', defaultValue: '', usage: 'identify secure client using this TLS certificate file'},
  {name: 'key', kind: 'string', defaultValue: '', usage: 'identify secure client using this TLS key file'},
  {name: 'discovery-srv', shorthand: 'd', kind: 'string', defaultValue: '', usage: 'domain name to query for SRV records describing cluster endpoints'},
  {name: 'discovery-srv-name', kind: 'string', defaultValue: '', usage: 'service name to query when using DNS discovery'},
]

const versionVerb: Verb = {
  flags: [],
  async run({io}) {
    io.stdout(`etcdctl version: ${etcdVersion}\nAPI version: 3.4\n`)
    return exitCodes.success
  },
}

const kv = () => import('./verbs/kv.js').then((module) => module.kvVerbs)
const auth = () => import('./verbs/auth.js').then((module) => module.authVerbs)
const concurrency = () => import('./verbs/concurrency.js').then((module) => module.concurrencyVerbs)
const cluster = () => import('./verbs/cluster.js').then((module) => module.clusterVerbs)
const maintenance = () => import('./verbs/maintenance.js').then((module) => module.maintenanceVerbs)

/**
 * Each verb, loaded when a command names it (help loads them all): a command loads only its own
 * verb's module and what that uses, as scripts call etcdctl often.
 */
const verbLoaders: Record<string, () => Promise<Verb | VerbGroup>> = {
  auth: async () => (await auth()).auth!,
  user: async () => (await auth()).user!,
  role: async () => (await auth()).role!,
  snapshot: async () => (await import('./verbs/snapshot.js')).snapshotVerbs.snapshot!,
  lock: async () => (await concurrency()).lock!,
  elect: async () => (await concurrency()).elect!,
  get: async () => (await kv()).get!,
  put: async () => (await kv()).put!,
  del: async () => (await kv()).del!,
  txn: async () => (await import('./verbs/txn.js')).txnVerbs.txn!,
  lease: async () => groupOf((await import('./verbs/lease.js')).leaseVerbs.lease!, {grant: [], revoke: [], timetolive: ['keys'], list: [], 'keep-alive': ['once']}),
  check: async () => ({subcommands: (await import('./verbs/check.js')).checkVerbs}),
  compaction: async () => (await cluster()).compaction!,
  member: async () => groupOf((await cluster()).member!, {list: [], add: ['peer-urls', 'learner'], update: ['peer-urls'], remove: [], promote: []}),
  endpoint: async () => groupOf((await cluster()).endpoint!, {health: [], status: [], hashkv: ['rev']}, ['cluster']),
  watch: async () => (await import('./verbs/watch.js')).watchVerbs.watch!,
  alarm: async () => groupOf((await maintenance()).alarm!, {list: [], disarm: []}),
  defrag: async () => (await maintenance()).defrag!,
  'move-leader': async () => (await maintenance())['move-leader']!,
  version: async () => versionVerb,
}

/** etcdctl's --user: "name:password", or "name" with --password. */
function splitCredentials(user: string, password: string): {user: string; password: string} {
  if (password !== '') return {user, password}
  const colon = user.indexOf(':')
  return colon < 0 ? {user, password: ''} : {user: user.slice(0, colon), password: user.slice(colon + 1)}
}

/** The verbs this etcdctl implements so far. */
export function implementedVerbs(): string[] {
  return Object.keys(verbLoaders)
}

/** The verb: the first argument that is neither a flag nor a global flag's value. */
function findVerb(argv: readonly string[]): {verb: string | null; rest: string[]} {
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === '--') break
    if (argument.startsWith('-')) {
      // cobra's stripFlags: `--flag` or `-f` without `=` takes the next word as its value unless
      // it is a known boolean flag (so an unknown flag swallows the word after it too).
      const long = argument.startsWith('--') && !argument.includes('=')
      const short = !argument.startsWith('--') && argument.length === 2
      if ((long || short) && !booleanFlags.has(argument)) index++
      continue
    }
    return {verb: argument, rest: [...argv.slice(0, index), ...argv.slice(index + 1)]}
  }
  return {verb: null, rest: [...argv]}
}

/** The command's words (`lease keep-alive` → ['lease', 'keep-alive']) as etcdctl finds them among its flags: at most two. */
export function commandWordsOf(argv: readonly string[]): string[] {
  const {verb, rest} = findVerb(argv)
  if (verb === null) return []
  const {verb: subcommand} = findVerb(rest)
  return subcommand === null ? [verb] : [verb, subcommand]
}

const booleanFlags = new Set(['--help', '-h', ...globalFlags.filter((spec) => spec.kind === 'bool').flatMap((spec) => [`--${spec.name}`, ...(spec.shorthand ? [`-${spec.shorthand}`] : [])])])

interface Resolved {
  /** The command's words after `etcdctl`. */
  readonly path: string[]
  /** Null for a group whose subcommand is missing or unknown: its help is due. */
  readonly definition: Verb | null
  readonly group: VerbGroup | null
  readonly rest: string[]
}

/** The command to run: a plain verb, or a group's subcommand; null for an unknown verb. */
async function resolveVerb(name: string, rest: string[]): Promise<Resolved | null> {
  const definition = Object.hasOwn(verbLoaders, name) ? await verbLoaders[name]!() : undefined
  if (!definition) return null
  if (!('subcommands' in definition)) return {path: [name], definition, group: null, rest}
  const {verb: subcommand, rest: subcommandRest} = findVerb(rest)
  const sub = subcommand === null ? undefined : definition.subcommands[subcommand]
  if (!sub) return {path: [name], definition: null, group: definition, rest}
  return {path: [name, subcommand!], definition: sub, group: definition, rest: subcommandRest}
}

function helpOf(resolved: Resolved): string {
  const persistent = resolved.group?.flags ?? []
  if (!resolved.definition) {
    return commandHelpText({path: resolved.path, flags: persistent, globalFlags, subcommands: Object.keys(resolved.group!.subcommands)})
  }
  return commandHelpText({path: resolved.path, flags: resolved.definition.flags, globalFlags: [...globalFlags, ...persistent]})
}

/** Every command, as the root help lists them. */
async function commandPaths(): Promise<string[][]> {
  const verbs = await Promise.all(Object.entries(verbLoaders).map(async ([name, load]) => [name, await load()] as const))
  return [['help'], ...verbs.flatMap(([name, verb]) => ('subcommands' in verb ? Object.keys(verb.subcommands).map((sub) => [name, sub]) : [[name]]))]
}

/** Whether the arguments ask for help (before a bare `--`), as cobra's -h/--help. */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).some((argument) => argument === '-h' || argument === '--help' || argument === '--help=true')
}

export async function runEtcdctl(argv: readonly string[], io: EtcdctlIo): Promise<number> {
  // The first endpoint, as clientv3's balanced connection names its target.
  let firstEndpoint = globalFlags[0]!.defaultValue
  try {
    const {verb, rest} = findVerb(argv)
    if (verb === null) {
      // Bare `etcdctl` (or `etcdctl --help`) prints the root help and succeeds.
      io.stdout(rootHelpText(await commandPaths(), globalFlags))
      return exitCodes.success
    }
    if (verb === 'help') {
      // cobra's help command: `etcdctl help user add`.
      const words = rest.filter((argument) => !argument.startsWith('-'))
      const target = words.length > 0 ? await resolveVerb(words[0]!, words.slice(1)) : null
      io.stdout(target ? helpOf(target) : rootHelpText(await commandPaths(), globalFlags))
      return exitCodes.success
    }
    const resolved = await resolveVerb(verb, rest)
    if (!resolved) {
      const message = `unknown command "${verb}" for "etcdctl"`
      io.stderr(`Error: ${message}\nRun 'etcdctl --help' for usage.\n`)
      throw new ExitError(exitCodes.error, message)
    }
    if (!resolved.definition || asksForHelp(resolved.rest)) {
      io.stdout(helpOf(resolved))
      return exitCodes.success
    }
    const definition = resolved.definition
    let flags
    try {
      flags = parseFlags(resolved.rest, [...globalFlags, ...(resolved.group?.flags ?? []), ...definition.flags])
    } catch (error) {
      if (!(error instanceof FlagError)) throw error
      // cobra prints the error, then the command's usage; etcdctl then reports the error again.
      io.stderr(`Error: ${error.message}\n`)
      io.stdout(helpOf(resolved))
      io.stderr('\n')
      throw error
    }
    for (const spec of globalFlags) {
      const variable = io.environment[`ETCDCTL_${spec.name.toUpperCase().replaceAll('-', '_')}`]
      if (!flags.changed.has(spec.name) && variable !== undefined) flags.values.set(spec.name, variable)
    }
    firstEndpoint = flag(flags, 'endpoints').split(',')[0]!
    const formats: OutputFormat[] = ['simple', 'json', 'fields', 'table', 'protobuf']
    const format = flag(flags, 'write-out') as OutputFormat
    if (!formats.includes(format)) throw new ExitError(exitCodes.badFeature, 'unsupported output format')
    let folder: string
    try {
      // A named cluster must exist, as for kubectl: etcdctl never creates one.
      folder = existingClusterFolder(io.environment)
      applySeed(io.environment, folder)
    } catch (error) {
      if (error instanceof SeedError || error instanceof ClusterNotFoundError || error instanceof ClusterNameError || error instanceof KubemuHomeError) throw new ExitError(exitCodes.error, error.message)
      throw error
    }
    // The members' URLs of the `up` that serves this cluster: another process's (its marker), or,
    // inside up itself (an exec's etcdctl), the ones it says it serves.
    const servedEtcd = (): Readonly<Record<string, string>> | undefined => io.servedEtcd ?? runningUp(folder)?.etcd
    const servedUrls = servedEtcd()
    useServedEndpoints(servedUrls)
    const balancedEndpoints = defaultedToServed(flag(flags, 'endpoints').split(','), flags.changed.has('endpoints') || io.environment.ETCDCTL_ENDPOINTS !== undefined, servedUrls)
    // An exec's etcdctl (given up's URLs) runs on the pod's loopback, where the default
    // 127.0.0.1:2379 is the endpoint its warn lines name, as a kubeadm etcd pod's etcdctl names it;
    // on the host, the defaulted endpoints are those up's log prints, and the first names the target.
    if (io.servedEtcd === undefined) firstEndpoint = balancedEndpoints[0]!
    /**
     * The endpoint (and its member) requests go through: as clientv3's balancer, the first one
     * whose member is running, else the first that names a member (whose requests then wait for
     * it until the command's deadline).
     */
    const servingEndpoint = (): {endpoint: string; member: string} => {
      const named = balancedEndpoints.flatMap((endpoint) => {
        const member = memberForEndpoint(endpoint)
        return member ? [{endpoint, member}] : []
      })
      if (named.length === 0) throw new UnreachableEndpointError()
      if (named.length === 1) return named[0]!
      const stopped = new Set(readClusterState(folder).stopped)
      return named.find(({member}) => !stopped.has(member)) ?? named[0]!
    }
    /**
     * clientv3 logs in while it connects: with --user, an endpoint it cannot reach fails the
     * connection (exit 2; snapshot save's 5), not the verb's call. endpoint health dials each
     * endpoint itself and reports it unhealthy instead.
     */
    const loginFailure = (error: unknown): unknown => {
      if (!(error instanceof UnreachableEndpointError) || !('user' in credentialsOf()) || verb === 'endpoint') return error
      return new ExitError(verb === 'snapshot' ? exitCodes.interrupted : exitCodes.badConnection, error.message, error)
    }
    const credentialsOf = (): {user?: string; password?: string} => (flags.changed.has('user') || io.environment.ETCDCTL_USER ? splitCredentials(flag(flags, 'user'), flag(flags, 'password')) : {})
    const servingMember = (): string => servingEndpoint().member
    const connect = async (): Promise<EtcdctlClient> => {
      const credentials = credentialsOf()
      let endpoint: string
      try {
        endpoint = servingMember()
      } catch (error) {
        throw loginFailure(error)
      }
      const timeout = parseGoDuration(flag(flags, 'command-timeout')) || commandTimeoutMillisecondsDefault
      // A running `kubemu up` holds the writer lock: its etcd front door serves the members.
      const served = servedEtcd()
      const endpointOfMember = (name: string): string => balancedEndpoints.find((given) => memberForEndpoint(given) === name) ?? firstEndpoint
      let client: EtcdctlClient & {logIn?(): Promise<void>}
      if (served) {
        const {FrontDoorClient, handshakeFailingClient} = await import('./front-door-client.js')
        let tls: ReturnType<typeof frontDoorTls>
        try {
          tls = frontDoorTls(served)
        } catch (error) {
          // clientv3 connects lazily: each call then fails as against an unreachable endpoint.
          if (!(error instanceof HandshakeFailedError)) throw error
          return withClientv3Calls(handshakeFailingClient(error), firstEndpoint, endpointOfMember, io.stderr)
        }
        client = await FrontDoorClient.of(served, endpoint, {commandTimeoutMilliseconds: timeout, ...credentials, tls})
      } else {
        // Raft and the cluster load only for commands that open it: reads go lock-free without them.
        const [{EmbeddedCluster}, {EmbeddedClient}] = await Promise.all([import('../etcd/cluster.js'), import('../etcd/embedded-client.js')])
        // Every member reads the cluster clock (etcd's lessor included), as the rest of the cluster does.
        const {openClusterClock} = await import('../host/clock.js')
        const cluster = EmbeddedCluster.open(folder, {clock: openClusterClock(folder)})
        client = new EmbeddedClient(cluster, {endpoint, commandTimeoutMilliseconds: timeout, ...credentials})
      }
      if (!('user' in credentials) || !client.logIn) return withClientv3Calls(client, firstEndpoint, endpointOfMember, io.stderr)
      try {
        await client.logIn()
      } catch (error) {
        await client.close()
        // clientv3 logs in while it connects: etcdctl reports that as a failed connection.
        if (error instanceof EtcdError) {
          if (!(error instanceof UnreachableEndpointError)) reportRpcFailure(io.stderr, {kind: 'balanced', endpoint: firstEndpoint}, error)
          throw new ExitError(exitCodes.badConnection, error.message, error)
        }
        throw error
      }
      return withClientv3Calls(client, firstEndpoint, endpointOfMember, io.stderr)
    }
    /** The TLS to `up`'s front door the flags ask for, checked as its handshake would check it. */
    const frontDoorTls = (urls: Readonly<Record<string, string>>) => {
      const {endpoint, member} = servingEndpoint()
      return urls[member] ? transportSecurity(endpoint, urls[member], flags, folder, io.readFile) : undefined
    }
    // With credentials every request goes through the cluster, where permissions are checked.
    // Lock-free reads skip the network, not `up`'s TLS: the flags must pass its handshake.
    const openReader = async (options?: {withCredentials?: boolean}): Promise<ReadOnlyMember | null> => {
      const served = servedEtcd()
      const tls = served ? frontDoorTls(served) : undefined
      const {user, password} = credentialsOf()
      if (user === undefined || options?.withCredentials) {
        let member: string
        try {
          member = servingMember()
        } catch (error) {
          throw loginFailure(error)
        }
        // SQLite loads only for the commands that read a member's file.
        const {ReadOnlyMember} = await import('../etcd/read-only-member.js')
        const reader =
          user === undefined
            ? ReadOnlyMember.open(folder, defaultLayout(), member, openClusterClock(folder), undefined, certificateUser(tls))
            : ReadOnlyMember.open(folder, defaultLayout(), member, openClusterClock(folder), {user, password: password ?? ''})
        return reader && withClientv3Reads(reader, firstEndpoint, io.stderr)
      }
      return null
    }
    const readsThroughUp = (): boolean => {
      const served = servedEtcd()
      // Over TLS without --user the certificate's CN is the user, which only gRPC carries: the
      // member's file answers reads then, without loading gRPC.
      return served !== undefined && (frontDoorTls(served) === undefined || credentialsOf().user !== undefined)
    }
    const withClient = async (work: (client: EtcdctlClient) => Promise<void>): Promise<void> => {
      const client = await connect()
      try {
        await work(client)
      } finally {
        await client.close()
      }
    }
    // etcd's process_resident_memory_bytes: from the /metrics of `up`'s port when it serves the
    // endpoint, else this process's own, since the embedded cluster runs here.
    const residentMemoryBytes = async (endpoint: string): Promise<number> => {
      const served = servedEtcd()
      if (!served) return process.memoryUsage().rss
      // The port up serves the endpoint's member on (the default 127.0.0.1:2379 names infra1).
      const member = memberForEndpoint(endpoint)
      return residentMemoryFromMetrics(member && served[member] ? served[member] : endpoint)
    }
    return await definition.run({flags, io, format, withClient, openReader, folder, readsThroughUp, residentMemoryBytes})
  } catch (error) {
    const code = exitCodeOf(error)
    if (code === null) throw error
    // A verb that wraps the client's error in a sentence of its own still logs clientv3's warn line.
    reportUnreachable(io.stderr, {kind: 'balanced', endpoint: firstEndpoint}, error instanceof ExitError && error.cause !== undefined ? error.cause : error)
    if (!(error instanceof ReportedExitError)) io.stderr(`Error: ${error instanceof EtcdError ? clientErrorText(error) : (error as Error).message}\n`)
    return code
  }
}

/**
 * The endpoints a balanced request may go through. Given none (no flag, no ETCDCTL_ENDPOINTS)
 * while `up` serves etcd on ports of its own (`--etcd-ports`), etcdctl's default 127.0.0.1:2379 is
 * nobody's port: the request balances over every served member's, as the etcdctl line up's log
 * prints would, so one stopped member does not fail it. The verbs that go to each endpoint
 * (endpoint status|health, snapshot save, defrag) keep the one default, which names infra1 as on
 * the default ports, where 2379 is infra1's and stays the only endpoint, as for the real etcdctl.
 */
function defaultedToServed(given: readonly string[], chosen: boolean, served: Readonly<Record<string, string>> | undefined): readonly string[] {
  if (chosen || !served) return given
  const urls = Object.values(served)
  const port = (url: string) => url.replace(/^\w+:\/\//, '').split(':').pop()
  if (urls.length === 0 || given.some((endpoint) => urls.some((url) => port(url) === port(endpoint)))) return given
  return urls.map((url) => url.replace(/^http:\/\//, ''))
}

/** Reads process_resident_memory_bytes from an endpoint's /metrics (bounded wait). */
async function residentMemoryFromMetrics(endpoint: string): Promise<number> {
  const url = `${endpoint.includes('://') ? endpoint : `http://${endpoint}`}/metrics`
  const response = await fetch(url, {signal: AbortSignal.timeout(metricsWaitMilliseconds)})
  const line = (await response.text()).split('\n').find((row) => row.startsWith('process_resident_memory_bytes '))
  return line ? Number(line.split(' ')[1]) : 0
}

const metricsWaitMilliseconds = 5000

/** The exit code etcdctl gives each kind of failure; null for a bug, which must crash loudly. */
function exitCodeOf(error: unknown): number | null {
  if (error instanceof ExitError) return error.code
  if (error instanceof UnsupportedFormatError) return exitCodes.badFeature
  if (error instanceof FlagError || error instanceof UnsupportedMarshalError || error instanceof EtcdError || error instanceof StorageError) return exitCodes.error
  return null
}

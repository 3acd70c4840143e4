// The etcdctl 3.4 program on the embedded cluster: global flags and ETCDCTL_* variables, the
// verbs, etcdctl's error lines and exit codes.
import {EmbeddedCluster} from '../etcd/cluster.js'
import {EmbeddedClient, commandTimeoutMillisecondsDefault, etcdVersion} from '../etcd/embedded-client.js'
import {defaultLayout} from '../etcd/layout.js'
import {ReadOnlyMember} from '../etcd/read-only.js'
import {systemClock} from '../util/clock.js'
import {clusterFolder} from '../home.js'
import {EtcdError} from '../mvcc/errors.js'
import {prefixEnd} from '../mvcc/key-range.js'
import type {RangeRequest, SortOrder, SortTarget} from '../mvcc/types.js'
import {type OutputFormat, printDelete, printGet, printPut} from '../printers/etcdctl.js'
import {StorageError} from '../storage/errors.js'
import {FlagError, type FlagSpec, type ParsedFlags, parseFlags, parseGoDuration} from './flags.js'

/** etcdctl's exit codes (etcdctl/ctlv3/command/error.go). */
export const exitCodes = {success: 0, error: 1, badConnection: 2, invalidInput: 3, badFeature: 4, interrupted: 5, io: 6, badArgs: 128} as const

export interface EtcdctlIo {
  /** Binary strings: one character per byte. */
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly readStdin: () => Promise<Uint8Array>
  readonly environment: NodeJS.ProcessEnv
}

class ExitError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

const globalFlags: FlagSpec[] = [
  {name: 'endpoints', kind: 'string', defaultValue: '127.0.0.1:2379'},
  {name: 'write-out', shorthand: 'w', kind: 'string', defaultValue: 'simple'},
  {name: 'hex', kind: 'bool', defaultValue: 'false'},
  {name: 'dial-timeout', kind: 'duration', defaultValue: '2s'},
  {name: 'command-timeout', kind: 'duration', defaultValue: '5s'},
  {name: 'keepalive-time', kind: 'duration', defaultValue: '2s'},
  {name: 'keepalive-timeout', kind: 'duration', defaultValue: '6s'},
  {name: 'user', kind: 'string', defaultValue: ''},
  {name: 'password', kind: 'string', defaultValue: ''},
  {name: 'debug', kind: 'bool', defaultValue: 'false'},
  {name: 'insecure-transport', kind: 'bool', defaultValue: 'true'},
  {name: 'insecure-skip-tls-verify', kind: 'bool', defaultValue: 'false'},
  {name: 'insecure-discovery', kind: 'bool', defaultValue: 'true'},
  {name: 'cacert', kind: 'string', defaultValue: ''},
  {name: 'cert', kind: 'string', defaultValue: ''},
  {name: 'key', kind: 'string', defaultValue: ''},
  {name: 'discovery-srv', shorthand: 'd', kind: 'string', defaultValue: ''},
  {name: 'discovery-srv-name', kind: 'string', defaultValue: ''},
]

interface Verb {
  readonly flags: FlagSpec[]
  run(context: VerbContext): Promise<number>
}

interface VerbContext {
  readonly flags: ParsedFlags
  readonly io: EtcdctlIo
  readonly format: OutputFormat
  /** Opens the cluster, runs `work` against it, and suspends the cluster again. */
  withClient(work: (client: EmbeddedClient) => Promise<void>): Promise<void>
  /** The serving member's database for reads without the writer lock; null when it is down. */
  openReader(): ReadOnlyMember | null
  readonly folder: string
}

const flag = (flags: ParsedFlags, name: string): string => flags.values.get(name) ?? ''
const isSet = (flags: ParsedFlags, name: string): boolean => flag(flags, name) === 'true'
const encoder = new TextEncoder()

/** An argument as Go sees it: the bytes of the string. */
const argumentBytes = (text: string): Uint8Array => encoder.encode(text)

function keyRange(key: string, end: string | undefined, prefix: boolean, fromKey: boolean): {key: Uint8Array; rangeEnd?: Uint8Array} {
  let keyBytes = argumentBytes(key)
  if (prefix && fromKey) throw new ExitError(exitCodes.badArgs, '`--prefix` and `--from-key` cannot be set at the same time, choose one')
  if (prefix) {
    if (keyBytes.length === 0) return {key: Uint8Array.of(0), rangeEnd: Uint8Array.of(0)}
    return {key: keyBytes, rangeEnd: prefixEnd(keyBytes)}
  }
  if (fromKey) {
    if (keyBytes.length === 0) keyBytes = Uint8Array.of(0)
    return {key: keyBytes, rangeEnd: Uint8Array.of(0)}
  }
  return end !== undefined ? {key: keyBytes, rangeEnd: argumentBytes(end)} : {key: keyBytes}
}

const verbs: Record<string, Verb> = {
  get: {
    flags: [
      {name: 'consistency', kind: 'string', defaultValue: 'l'},
      {name: 'order', kind: 'string', defaultValue: ''},
      {name: 'sort-by', kind: 'string', defaultValue: ''},
      {name: 'limit', kind: 'int', defaultValue: '0'},
      {name: 'prefix', kind: 'bool', defaultValue: 'false'},
      {name: 'from-key', kind: 'bool', defaultValue: 'false'},
      {name: 'rev', kind: 'int', defaultValue: '0'},
      {name: 'keys-only', kind: 'bool', defaultValue: 'false'},
      {name: 'count-only', kind: 'bool', defaultValue: 'false'},
      {name: 'print-value-only', kind: 'bool', defaultValue: 'false'},
    ],
    async run({flags, io, format, withClient, openReader, folder}) {
      const [key, end, ...extra] = flags.positionals
      if (key === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, 'get command needs one argument as key and an optional argument as range_end')
      const consistency = flag(flags, 'consistency')
      if (consistency !== 'l' && consistency !== 's') throw new ExitError(exitCodes.badFeature, `unknown consistency flag "${consistency}"`)
      const orders: Record<string, SortOrder> = {ASCEND: 'ascend', DESCEND: 'descend', '': 'none'}
      const order = orders[flag(flags, 'order').toUpperCase()]
      if (!order) throw new ExitError(exitCodes.badFeature, `bad sort order ${flag(flags, 'order')}`)
      const targets: Record<string, SortTarget> = {CREATE: 'create', KEY: 'key', MODIFY: 'mod', VALUE: 'value', VERSION: 'version', '': 'key'}
      const target = targets[flag(flags, 'sort-by').toUpperCase()]
      if (!target) throw new ExitError(exitCodes.badFeature, `bad sort target ${flag(flags, 'sort-by')}`)
      const valueOnly = isSet(flags, 'print-value-only')
      if (valueOnly && format !== 'simple') throw new ExitError(exitCodes.badArgs, 'print-value-only is only for `--write-out=simple`')
      const request: RangeRequest = {
        ...keyRange(key, end, isSet(flags, 'prefix'), isSet(flags, 'from-key')),
        limit: Number(flag(flags, 'limit')),
        revision: Number(flag(flags, 'rev')),
        // clientv3.WithSort: sorting by key ascending is the natural order, so it asks for none.
        sortOrder: target === 'key' && order === 'ascend' ? 'none' : order,
        sortTarget: target,
        serializable: consistency === 's',
        keysOnly: isSet(flags, 'keys-only'),
        countOnly: isSet(flags, 'count-only'),
      }
      const options = {hex: isSet(flags, 'hex'), valueOnly}
      // A member's committed state needs no lock and no raft when it is current (see ReadOnlyMember).
      const reader = openReader()
      if (reader) {
        try {
          if (request.serializable || reader.servesCurrentState(folder)) {
            io.stdout(printGet(reader.range(request), format, options))
            return exitCodes.success
          }
        } finally {
          reader.close()
        }
      }
      await withClient(async (client) => io.stdout(printGet(await client.kv.range(request), format, options)))
      return exitCodes.success
    },
  },
  put: {
    flags: [
      {name: 'lease', kind: 'string', defaultValue: '0'},
      {name: 'prev-kv', kind: 'bool', defaultValue: 'false'},
      {name: 'ignore-value', kind: 'bool', defaultValue: 'false'},
      {name: 'ignore-lease', kind: 'bool', defaultValue: 'false'},
    ],
    async run({flags, io, format, withClient}) {
      const usage = 'put command needs 1 argument and input from stdin or 2 arguments'
      const [key, valueArgument, ...extra] = flags.positionals
      if (key === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, usage)
      const ignoreValue = isSet(flags, 'ignore-value')
      if (ignoreValue && valueArgument !== undefined) throw new ExitError(exitCodes.badArgs, "put command needs only 1 argument when 'ignore-value' is set")
      let value: Uint8Array = new Uint8Array()
      if (!ignoreValue) {
        if (valueArgument !== undefined) value = argumentBytes(valueArgument)
        else {
          value = await io.readStdin()
          if (value.length === 0) throw new ExitError(exitCodes.badArgs, usage)
        }
      }
      const leaseText = flag(flags, 'lease')
      if (!/^[0-9a-fA-F]{1,16}$/.test(leaseText)) throw new ExitError(exitCodes.badArgs, `bad lease ID (${leaseText}), expecting ID in Hex`)
      await withClient(async (client) => {
        const response = await client.kv.put({
          key: argumentBytes(key),
          value,
          lease: BigInt(`0x${leaseText}`),
          prevKv: isSet(flags, 'prev-kv'),
          ignoreValue,
          ignoreLease: isSet(flags, 'ignore-lease'),
        })
        io.stdout(printPut(response, format, {hex: isSet(flags, 'hex')}))
      })
      return exitCodes.success
    },
  },
  del: {
    flags: [
      {name: 'prefix', kind: 'bool', defaultValue: 'false'},
      {name: 'prev-kv', kind: 'bool', defaultValue: 'false'},
      {name: 'from-key', kind: 'bool', defaultValue: 'false'},
    ],
    async run({flags, io, format, withClient}) {
      const [key, end, ...extra] = flags.positionals
      if (key === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, 'del command needs one argument as key and an optional argument as range_end')
      const range = keyRange(key, end, isSet(flags, 'prefix'), isSet(flags, 'from-key'))
      await withClient(async (client) => {
        const response = await client.kv.deleteRange({...range, prevKv: isSet(flags, 'prev-kv')})
        io.stdout(printDelete(response, format, {hex: isSet(flags, 'hex')}))
      })
      return exitCodes.success
    },
  },
  version: {
    flags: [],
    async run({io}) {
      io.stdout(`etcdctl version: ${etcdVersion}\nAPI version: 3.4\n`)
      return exitCodes.success
    },
  },
}

/** etcdctl's --user: "name:password", or "name" with --password. */
function splitCredentials(user: string, password: string): {user: string; password: string} {
  if (password !== '') return {user, password}
  const colon = user.indexOf(':')
  return colon < 0 ? {user, password: ''} : {user: user.slice(0, colon), password: user.slice(colon + 1)}
}

/** The verbs this etcdctl implements so far. */
export function implementedVerbs(): string[] {
  return Object.keys(verbs)
}

/** The verb: the first argument that is neither a flag nor a global flag's value. */
function findVerb(argv: readonly string[]): {verb: string | null; rest: string[]} {
  const takesValue = new Set(globalFlags.filter((spec) => spec.kind !== 'bool').flatMap((spec) => [`--${spec.name}`, ...(spec.shorthand ? [`-${spec.shorthand}`] : [])]))
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === '--') break
    if (argument.startsWith('-')) {
      if (takesValue.has(argument)) index++
      continue
    }
    return {verb: argument, rest: [...argv.slice(0, index), ...argv.slice(index + 1)]}
  }
  return {verb: null, rest: [...argv]}
}

/** Which member an endpoint names: its client URL's port (2379, 22379, 32379). */
export function memberForEndpoint(endpoint: string): string | null {
  const layout = defaultLayout()
  const port = endpoint.trim().replace(/^\w+:\/\//, '').split(':').pop()
  return layout.members.find((member) => member.clientUrl.endsWith(`:${port}`))?.name ?? null
}

export async function runEtcdctl(argv: readonly string[], io: EtcdctlIo): Promise<number> {
  try {
    const {verb, rest} = findVerb(argv)
    if (verb === null) throw new ExitError(exitCodes.badArgs, 'a command is required (see etcdctl --help)')
    const definition = verbs[verb]
    if (!definition) {
      const message = `unknown command "${verb}" for "etcdctl"`
      io.stderr(`Error: ${message}\nRun 'etcdctl --help' for usage.\n`)
      throw new ExitError(exitCodes.error, message)
    }
    const flags = parseFlags(rest, [...globalFlags, ...definition.flags])
    for (const spec of globalFlags) {
      const variable = io.environment[`ETCDCTL_${spec.name.toUpperCase().replaceAll('-', '_')}`]
      if (!flags.changed.has(spec.name) && variable !== undefined) flags.values.set(spec.name, variable)
    }
    const formats: OutputFormat[] = ['simple', 'json', 'fields', 'table', 'protobuf']
    const format = flag(flags, 'write-out') as OutputFormat
    if (!formats.includes(format)) throw new ExitError(exitCodes.badFeature, 'unsupported output format')
    const folder = clusterFolder(io.environment)
    const servingMember = (): string => {
      const member = flag(flags, 'endpoints').split(',').map(memberForEndpoint).find((name) => name !== null)
      if (!member) throw new ExitError(exitCodes.error, 'context deadline exceeded')
      return member
    }
    const connect = async (): Promise<EmbeddedClient> => {
      const endpoint = servingMember()
      const cluster = EmbeddedCluster.open(folder)
      const timeout = parseGoDuration(flag(flags, 'command-timeout')) || commandTimeoutMillisecondsDefault
      const credentials = flags.changed.has('user') || io.environment.ETCDCTL_USER ? splitCredentials(flag(flags, 'user'), flag(flags, 'password')) : {}
      return new EmbeddedClient(cluster, {endpoint, commandTimeoutMilliseconds: timeout, ...credentials})
    }
    // With credentials every request goes through the cluster, where permissions are checked.
    const openReader = (): ReadOnlyMember | null =>
      flag(flags, 'user') === '' ? ReadOnlyMember.open(folder, defaultLayout(), servingMember(), systemClock) : null
    const withClient = async (work: (client: EmbeddedClient) => Promise<void>): Promise<void> => {
      const client = await connect()
      try {
        await work(client)
      } finally {
        await client.close()
      }
    }
    return await definition.run({flags, io, format, withClient, openReader, folder})
  } catch (error) {
    if (error instanceof ExitError) {
      io.stderr(`Error: ${error.message}\n`)
      return error.code
    }
    if (error instanceof FlagError) {
      io.stderr(`Error: ${error.message}\n`)
      return exitCodes.error
    }
    if (error instanceof EtcdError) {
      io.stderr(`Error: ${error.message}\n`)
      return exitCodes.error
    }
    if (error instanceof StorageError) {
      io.stderr(`Error: ${error.message}\n`)
      return exitCodes.error
    }
    throw error
  }
}

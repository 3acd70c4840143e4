// What every etcdctl verb shares: its context, exit codes, errors, flag helpers.
import type {EtcdClient} from '../etcd/api.js'
import type {ReadOnlyMember} from '../etcd/read-only-member.js'
import {prefixEnd} from '../mvcc/key-range.js'
import type {OutputFormat} from '../printers/etcdctl.js'
import type {FlagSpec, ParsedFlags} from './flags.js'

/** etcdctl's exit codes (etcdctl/ctlv3/command/error.go). */
export const exitCodes = {success: 0, error: 1, badConnection: 2, invalidInput: 3, badFeature: 4, interrupted: 5, io: 6, badArgs: 128} as const

export interface EtcdctlIo {
  /** Binary strings: one character per byte. */
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly readStdin: () => Promise<Uint8Array>
  /** Standard input line by line, as it arrives (for interactive verbs). */
  readonly stdinLines?: () => AsyncIterable<string>
  readonly environment: NodeJS.ProcessEnv
  /** The members' URLs of the `up` this runs inside (an exec's etcdctl in up's process); else read from up's marker. */
  readonly servedEtcd?: Readonly<Record<string, string>>
  /**
   * Reads a file a flag names (--cacert, --cert, --key) where this etcdctl runs: a container's own
   * files for an exec's etcdctl (null: no such file); the host's without it.
   */
  readonly readFile?: (path: string) => Uint8Array | null
  /** Whether stdout is a terminal (progress bars are drawn only there). */
  readonly stdoutIsTerminal?: boolean
  /** Present when stdin is a terminal: reads a line without echoing it (for passwords). */
  readonly terminal?: {readHiddenLine(): Promise<string>}
  /**
   * Catches Ctrl-C (SIGINT) and SIGTERM from now on, for verbs that clean up when interrupted
   * (lock, elect); without it they run until their work ends.
   */
  readonly catchInterrupt?: () => AbortSignal
}

/** etcdctl's exit with an error line; `cause` is the client's error it wraps, whose warn line still prints. */
export class ExitError extends Error {
  constructor(
    readonly code: number,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : {cause})
  }
}

/** A failure the command already reported on stderr (etcdctl's bare os.Exit): only the exit code follows. */
export class ReportedExitError extends ExitError {
  constructor(code: number) {
    super(code, '')
  }
}

export interface Verb {
  readonly flags: readonly FlagSpec[]
  run(context: VerbContext): Promise<number>
}

/** A verb that is only a name for its subcommands (`etcdctl user add`). */
export interface VerbGroup {
  readonly subcommands: Record<string, Verb>
  /** Flags of the group that every subcommand takes too (cobra's persistent flags). */
  readonly flags?: readonly FlagSpec[]
}

/**
 * A group made of a verb that reads its subcommand from its first argument: each subcommand
 * takes the group's persistent flags and its own.
 */
export function groupOf(verb: Verb, subcommandFlags: Record<string, readonly string[]>, persistent: readonly string[] = []): VerbGroup {
  const subcommands: Record<string, Verb> = {}
  for (const [name, own] of Object.entries(subcommandFlags)) {
    subcommands[name] = {
      flags: verb.flags.filter((spec) => own.includes(spec.name)),
      run: (context) => verb.run({...context, flags: {...context.flags, positionals: [name, ...context.flags.positionals]}}),
    }
  }
  return {subcommands, flags: verb.flags.filter((spec) => persistent.includes(spec.name))}
}

/** What the verbs talk to: the embedded cluster, or the members of a running `kubemu up` over gRPC. */
export interface EtcdctlClient extends EtcdClient {
  /** A client of the same cluster served by another member (by name). */
  forMember(name: string, commandTimeoutMilliseconds?: number): EtcdctlClient
}

export interface VerbContext {
  readonly flags: ParsedFlags
  readonly io: EtcdctlIo
  readonly format: OutputFormat
  /** Opens the cluster, runs `work` against it, and suspends the cluster again. */
  withClient(work: (client: EtcdctlClient) => Promise<void>): Promise<void>
  /**
   * The serving member's database for reads without the writer lock; null when it is down, or
   * when --user is given and not `withCredentials` (then reads go through the cluster).
   * `withCredentials`: the reader logs in with --user and checks permissions as etcd would.
   */
  openReader(options?: {withCredentials?: boolean}): Promise<ReadOnlyMember | null>
  readonly folder: string
  /**
   * Whether a running `kubemu up` answers this command's requests through its JSON gateway: a
   * linearizable read then goes through the members (the member's file may lag the leader).
   */
  readsThroughUp(): boolean
  /** The resident memory of the process serving `endpoint`, as its /metrics reports it. */
  residentMemoryBytes(endpoint: string): Promise<number>
}

export const flag = (flags: ParsedFlags, name: string): string => flags.values.get(name) ?? ''
export const isSet = (flags: ParsedFlags, name: string): boolean => flag(flags, name) === 'true'
const encoder = new TextEncoder()

/** An argument as Go sees it: the bytes of the string. */
export const argumentBytes = (text: string): Uint8Array => encoder.encode(text)

export function keyRange(key: string, end: string | undefined, prefix: boolean, fromKey: boolean): {key: Uint8Array; rangeEnd?: Uint8Array} {
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


// etcdctl watch: key, range or prefix, from a revision, with previous values, optionally running
// a command per event. It reads the member's database and never takes the writer lock, so
// writes from other processes go on while it watches.
import {spawn} from 'node:child_process'
import {goQuote, printWatch} from '../../printers/etcdctl.js'
import type {WatchEvent} from '../../mvcc/types.js'
import type {WatchRequest, WatchResponse, Watcher} from '../../etcd/api.js'
import {EtcdError, etcdErrors, grpcStatusText} from '../../mvcc/errors.js'
import type {ReadOnlyMember} from '../../etcd/read-only-member.js'
import {FlagError, type FlagSpec, type ParsedFlags, parseFlags} from '../flags.js'
import {type Verb, type VerbContext, ExitError, exitCodes, flag, isSet, keyRange} from '../verb.js'
import {argify} from './txn.js'

/** etcdctl runs the command after printing the response, with the response's revision. */
function runForEvent(command: readonly string[], event: WatchEvent, revision: number, io: {environment: NodeJS.ProcessEnv}): Promise<void> {
  const quoted = (bytes: Uint8Array) => Buffer.from(goQuote(bytes), 'utf8').toString()
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: 'inherit',
      env: {
        ...io.environment,
        ETCD_WATCH_REVISION: String(revision),
        ETCD_WATCH_KEY: quoted(event.kv.key),
        ETCD_WATCH_EVENT_TYPE: `"${event.type}"`,
        ETCD_WATCH_VALUE: quoted(event.kv.value),
      },
    })
    child.on('error', () => resolve())
    child.on('exit', () => resolve())
  })
}

const watchFlags: FlagSpec[] = [
  {name: 'interactive', shorthand: 'i', kind: 'bool', defaultValue: 'false'},
  {name: 'prefix', kind: 'bool', defaultValue: 'false'},
  {name: 'rev', kind: 'int', defaultValue: '0'},
  {name: 'prev-kv', kind: 'bool', defaultValue: 'false'},
]

/** Watches of one `watch -i` session at most (each line starts one). */
export const interactiveWatchesMax = 1000

async function openWatchReader(context: VerbContext): Promise<ReadOnlyMember> {
  // With --user the reader logs in and checks the watched range against the user's permissions.
  let reader = await context.openReader({withCredentials: true})
  if (!reader) {
    // A fresh cluster has no files yet: create it, as the first command on a real etcd would find it.
    await context.withClient(async () => {})
    reader = await context.openReader({withCredentials: true})
    if (!reader) throw new ExitError(exitCodes.error, 'context deadline exceeded')
  }
  return reader
}

/** The reason etcdctl prints for a cancelled watch (clientv3's WatchResponse.Err). */
function cancelReasonOf(response: WatchResponse): string {
  if (response.compactRevision) return etcdErrors.compacted().message
  return response.cancelReason || etcdErrors.futureRevision().message
}

/**
 * Starts a watch; null when the server refuses it (a range the user may not read), after printing
 * the cancel line etcdctl prints for etcd's refusal. A failed login fails the command as clientv3's.
 */
function startWatch(reader: ReadOnlyMember, request: WatchRequest, io: VerbContext['io']): Watcher | null {
  try {
    return reader.watch(request)
  } catch (error) {
    if (!(error instanceof EtcdError)) throw error
    if (error.message === etcdErrors.authFailed().message) throw new ExitError(exitCodes.badConnection, error.message)
    io.stderr(`watch was canceled (${grpcStatusText(error)})\n`)
    return null
  }
}

/** Prints a watch's responses (running the command per event) until it ends; true if the server cancelled it. */
async function pump(watcher: Watcher, flags: ParsedFlags, command: readonly string[], context: VerbContext): Promise<boolean> {
  const {io, format} = context
  const options = {hex: isSet(context.flags, 'hex')}
  for (;;) {
    const response = await watcher.next()
    if (!response) return false
    if (response.canceled) io.stderr(`watch was canceled (${cancelReasonOf(response)})\n`)
    io.stdout(printWatch(response, format, options))
    if (command.length > 0) for (const event of response.events) await runForEvent(command, event, response.header.revision, io)
    if (response.canceled) return true
  }
}

function watchRequest(flags: ParsedFlags, key: string, end: string | undefined) {
  return {...keyRange(key, end, isSet(flags, 'prefix'), false), startRevision: Number(flag(flags, 'rev')), prevKv: isSet(flags, 'prev-kv')}
}

/** etcdctl watch -i: each line of stdin (`watch [options] key [range_end]`) starts a watch. */
async function interactive(context: VerbContext): Promise<number> {
  const {io} = context
  if (!io.stdinLines) throw new ExitError(exitCodes.invalidInput, 'Error reading watch request line: EOF')
  const reader = await openWatchReader(context)
  const watchers: Watcher[] = []
  try {
    for await (const line of io.stdinLines()) {
      const words = argify(line)
      if (words[0] !== 'watch') {
        io.stderr(`Invalid command ${line} (only support watch)\n`)
        continue
      }
      let flags: ParsedFlags
      try {
        flags = parseFlags(words.slice(1), watchFlags)
      } catch (error) {
        if (error instanceof FlagError) throw new ExitError(exitCodes.badArgs, error.message)
        throw error
      }
      const [key, end] = flags.positionals
      if (key === undefined) {
        io.stderr(`Invalid command ${line} (command type or key is not provided)\n`)
        continue
      }
      if (watchers.length >= interactiveWatchesMax) throw new ExitError(exitCodes.error, `too many watches (${interactiveWatchesMax})`)
      const watcher = startWatch(reader, watchRequest(flags, key, end), io)
      if (!watcher) continue
      watchers.push(watcher)
      void pump(watcher, flags, flags.rest, context)
    }
    throw new ExitError(exitCodes.invalidInput, 'Error reading watch request line: EOF')
  } finally {
    for (const watcher of watchers) watcher.cancel()
    reader.close()
  }
}

export const watchVerbs: Record<string, Verb> = {
  watch: {
    flags: watchFlags,
    async run(context) {
      const {flags} = context
      if (isSet(flags, 'interactive')) return interactive(context)
      const [key, end, ...extra] = flags.positionals
      if (key === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, 'bad number of arguments')
      if (end !== undefined && isSet(flags, 'prefix')) throw new ExitError(exitCodes.badArgs, '`range_end` and `--prefix` are mutually exclusive')
      const reader = await openWatchReader(context)
      // Like etcdctl, a watch runs until it is interrupted or the server cancels it.
      try {
        const watcher = startWatch(reader, watchRequest(flags, key, end), context.io)
        if (watcher) await pump(watcher, flags, flags.rest, context)
      } finally {
        reader.close()
      }
      throw new ExitError(exitCodes.interrupted, 'watch is canceled by the server')
    },
  },
}

// etcdctl watch: key, range or prefix, from a revision, with previous values, optionally running
// a command per event. It reads the member's database and never takes the writer lock, so
// writes from other processes go on while it watches.
import {spawn} from 'node:child_process'
import {goQuote, printWatch} from '../../printers/etcdctl.js'
import type {WatchEvent} from '../../mvcc/types.js'
import {type Verb, ExitError, exitCodes, flag, isSet, keyRange} from '../verb.js'

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

export const watchVerbs: Record<string, Verb> = {
  watch: {
    flags: [
      {name: 'interactive', shorthand: 'i', kind: 'bool', defaultValue: 'false'},
      {name: 'prefix', kind: 'bool', defaultValue: 'false'},
      {name: 'rev', kind: 'int', defaultValue: '0'},
      {name: 'prev-kv', kind: 'bool', defaultValue: 'false'},
    ],
    async run({flags, io, format, withClient, openReader}) {
      if (isSet(flags, 'interactive')) throw new ExitError(exitCodes.badFeature, 'interactive watch is not supported by kubemu yet')
      const [key, end, ...extra] = flags.positionals
      if (key === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, 'bad number of arguments')
      if (end !== undefined && isSet(flags, 'prefix')) throw new ExitError(exitCodes.badArgs, '`range_end` and `--prefix` are mutually exclusive')
      let reader = openReader()
      if (!reader) {
        // A fresh cluster has no files yet: create it, as the first command on a real etcd would find it.
        await withClient(async () => {})
        reader = openReader()
        if (!reader) throw new ExitError(exitCodes.error, 'context deadline exceeded')
      }
      const watcher = reader.watch({
        ...keyRange(key, end, isSet(flags, 'prefix'), false),
        startRevision: Number(flag(flags, 'rev')),
        prevKv: isSet(flags, 'prev-kv'),
      })
      const options = {hex: isSet(flags, 'hex')}
      // Like etcdctl, a watch runs until it is interrupted or the server cancels it.
      for (;;) {
        const response = await watcher.next()
        if (!response) break
        if (response.canceled) io.stderr('watch was canceled (etcdserver: mvcc: required revision has been compacted)\n')
        io.stdout(printWatch(response, format, options))
        if (flags.rest.length > 0) for (const event of response.events) await runForEvent(flags.rest, event, response.header.revision, io)
        if (response.canceled) break
      }
      reader.close()
      throw new ExitError(exitCodes.interrupted, 'watch is canceled by the server')
    },
  },
}

// etcdctl lock and elect, on clientv3/concurrency's algorithms (see ../session.ts).
import {spawn} from 'node:child_process'
import type {KeyValue} from '../../mvcc/types.js'
import {printGet} from '../../printers/etcdctl.js'
import {Session, SessionExpiredError, createOwnKey, prefixRange, sessionPollMilliseconds, sleep, waitForTurn} from '../session.js'
import {type Verb, type VerbContext, ExitError, exitCodes, flag, isSet} from '../verb.js'

/** concurrency.NewSession's default TTL, which etcdctl elect uses. */
const electionSessionTtlSeconds = 60

const ttlFlag = {name: 'ttl', kind: 'int', defaultValue: '10', usage: 'timeout for session'} as const

function interruption(context: VerbContext): () => boolean {
  const signal = context.io.catchInterrupt?.()
  return () => signal?.aborted ?? false
}

async function untilInterrupted(interrupted: () => boolean, session: Session): Promise<void> {
  while (!interrupted()) {
    if (session.isExpired) throw new SessionExpiredError('session expired')
    await sleep(sessionPollMilliseconds)
  }
}

/** Runs the command with the lock held, as etcdctl: output passes through, failures are errors. */
function runLocked(command: readonly string[], environment: NodeJS.ProcessEnv): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), {stdio: 'inherit', env: environment})
    child.on('error', (error: NodeJS.ErrnoException) => {
      const name = command[0]!
      resolve(error.code === 'ENOENT' && !name.includes('/') ? `exec: "${name}": executable file not found in $PATH` : `fork/exec ${name}: no such file or directory`)
    })
    child.on('exit', (code, signal) => resolve(signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal.toLowerCase()}` : code === 0 ? null : `exit status ${code}`))
  })
}

function printKey(context: VerbContext, response: Parameters<typeof printGet>[0]): void {
  context.io.stdout(printGet(response, context.format, {hex: isSet(context.flags, 'hex')}))
}

export const concurrencyVerbs: Record<string, Verb> = {
  lock: {
    flags: [ttlFlag],
    async run(context) {
      const [name, ...inline] = context.flags.positionals
      if (name === undefined) throw new ExitError(exitCodes.badArgs, 'lock takes a lock name argument and an optional command to execute')
      const command = [...inline, ...context.flags.rest]
      const interrupted = interruption(context)
      const session = await Session.open(context, Number(flag(context.flags, 'ttl')))
      try {
        const prefix = `${name}/`
        const own = await createOwnKey(session, prefix, new Uint8Array())
        const header = (await waitForTurn(session, prefix, own.createRevision, interrupted)) ?? own.header
        if (interrupted()) return exitCodes.success
        const unlock = () => session.run((client) => client.kv.deleteRange({key: own.key}))
        if (command.length > 0) {
          const failure = await runLocked(command, {
            ...context.io.environment,
            ETCD_LOCK_KEY: Buffer.from(own.key).toString('utf8'),
            ETCD_LOCK_REV: String(Math.max(header.revision, own.header.revision)),
          })
          await unlock()
          if (failure) throw new ExitError(exitCodes.error, failure)
          return exitCodes.success
        }
        const held = await session.run((client) => client.kv.range({key: own.key}))
        if (held.kvs.length === 0) throw new ExitError(exitCodes.error, 'lock lost on init')
        printKey(context, held)
        await untilInterrupted(interrupted, session)
        await unlock()
        return exitCodes.success
      } catch (error) {
        if (error instanceof SessionExpiredError) throw new ExitError(exitCodes.error, error.message)
        throw error
      } finally {
        session.close()
      }
    },
  },
  elect: {
    flags: [{name: 'listen', shorthand: 'l', kind: 'bool', defaultValue: 'false', usage: 'observation mode'}],
    async run(context) {
      const {flags} = context
      const [name, proposal, ...extra] = flags.positionals
      if (name === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, 'elect takes one election name argument and an optional proposal argument')
      const listen = isSet(flags, 'listen')
      if (proposal === undefined && !listen) throw new ExitError(exitCodes.badArgs, 'no proposal argument but -l not set')
      if (proposal !== undefined && listen) throw new ExitError(exitCodes.badArgs, 'proposal given but -l is set')
      const interrupted = interruption(context)
      const session = await Session.open(context, electionSessionTtlSeconds)
      try {
        const prefix = `${name}/`
        if (listen) {
          await observe(context, session, prefix, interrupted)
          return exitCodes.success
        }
        const own = await createOwnKey(session, prefix, Buffer.from(proposal!, 'utf8'))
        if (own.existing && Buffer.from(own.existing.value).toString('utf8') !== proposal) {
          await session.run((client) => client.kv.put({key: own.key, value: Buffer.from(proposal!, 'utf8'), lease: session.leaseId}))
        }
        if ((await waitForTurn(session, prefix, own.createRevision, interrupted)) === null) return exitCodes.success
        printKey(context, await session.run((client) => client.kv.range({key: own.key})))
        await untilInterrupted(interrupted, session)
        await session.run((client) => client.kv.deleteRange({key: own.key}))
        return exitCodes.success
      } catch (error) {
        if (error instanceof SessionExpiredError) throw new ExitError(exitCodes.error, `elect: ${error.message}`)
        throw error
      } finally {
        session.close()
      }
    },
  },
}

/** Election.Observe: prints the leader each time it changes (a new key or a new value). */
async function observe(context: VerbContext, session: Session, prefix: string, interrupted: () => boolean): Promise<void> {
  let shown: KeyValue | null = null
  while (!interrupted()) {
    const response = await session.range({...prefixRange(prefix), sortTarget: 'create', sortOrder: 'ascend', limit: 1})
    const leader = response.kvs[0]
    const changed = leader && (!shown || Buffer.compare(Buffer.from(shown.key), Buffer.from(leader.key)) !== 0 || shown.modRevision !== leader.modRevision)
    if (leader && changed) {
      printKey(context, {...response, kvs: [leader], more: false, count: 1})
      shown = leader
    }
    await sleep(sessionPollMilliseconds)
  }
}

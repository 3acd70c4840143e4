// etcdctl lease grant|revoke|timetolive|list|keep-alive.
import {systemClock} from '../../util/clock.js'
import {printKeepAlive, printLeaseGrant, printLeaseList, printLeaseRevoke, printTimeToLive, leaseHex} from '../../printers/etcdctl-lease.js'
import {EtcdError} from '../../mvcc/errors.js'
import {type Verb, ExitError, exitCodes, isSet} from '../verb.js'

/** Renewals one keep-alive makes before it stops by itself (at TTL/3 that is days). */
export const keepAliveRenewalsMax = 1_000_000

function leaseArgument(text: string | undefined): bigint {
  if (text === undefined || !/^[-+]?[0-9a-fA-F]+$/.test(text) || BigInt(`0x${text.replace(/^[-+]/, '')}`) >= 1n << 63n) {
    throw new ExitError(exitCodes.badArgs, `bad lease ID arg (strconv.ParseInt: parsing "${text}": invalid syntax), expecting ID in Hex`)
  }
  return BigInt(`0x${text.replace(/^[-+]/, '')}`) * (text.startsWith('-') ? -1n : 1n)
}

export const leaseVerbs: Record<string, Verb> = {
  lease: {
    flags: [
      {name: 'keys', kind: 'bool', defaultValue: 'false'},
      {name: 'once', kind: 'bool', defaultValue: 'false'},
    ],
    async run({flags, io, format, withClient}) {
      const [sub, ...rest] = flags.positionals
      switch (sub) {
        case 'grant': {
          if (rest.length !== 1) throw new ExitError(exitCodes.badArgs, 'lease grant command needs TTL argument')
          if (!/^[-+]?\d+$/.test(rest[0]!)) throw new ExitError(exitCodes.badArgs, `bad TTL (strconv.ParseInt: parsing "${rest[0]}": invalid syntax)`)
          await wrapped(withClient(async (client) => io.stdout(printLeaseGrant(await client.lease.grant(Number(rest[0])), format))), exitCodes.error, 'failed to grant lease')
          return exitCodes.success
        }
        case 'revoke': {
          if (rest.length !== 1) throw new ExitError(exitCodes.badArgs, 'lease revoke command needs 1 argument')
          const id = leaseArgument(rest[0])
          await wrapped(withClient(async (client) => io.stdout(printLeaseRevoke(id, await client.lease.revoke(id), format))), exitCodes.error, 'failed to revoke lease')
          return exitCodes.success
        }
        case 'timetolive': {
          if (rest.length !== 1) throw new ExitError(exitCodes.badArgs, 'lease timetolive command needs lease ID as argument')
          const id = leaseArgument(rest[0])
          const keys = isSet(flags, 'keys')
          await wrapped(withClient(async (client) => io.stdout(printTimeToLive(await client.lease.timeToLive(id, keys), keys, format))), exitCodes.badConnection)
          return exitCodes.success
        }
        case 'list':
          await wrapped(withClient(async (client) => io.stdout(printLeaseList(await client.lease.leases(), format))), exitCodes.badConnection)
          return exitCodes.success
        case 'keep-alive': {
          if (rest.length !== 1) throw new ExitError(exitCodes.badArgs, 'lease keep-alive command needs lease ID as argument')
          const id = leaseArgument(rest[0])
          return keepAlive(id, isSet(flags, 'once'), {io, format, withClient})
        }
        default:
          throw new ExitError(exitCodes.badArgs, `unknown command "${sub ?? ''}" for "etcdctl lease"`)
      }
    },
  },
}

/** etcdctl's error wrapping per lease verb (connecting included): its exit code and, for some, a sentence around it. */
async function wrapped<T>(operation: Promise<T>, code: number, sentence?: string): Promise<T> {
  try {
    return await operation
  } catch (error) {
    if (!(error instanceof EtcdError)) throw error
    throw new ExitError(code, sentence ? `${sentence} (${error.message})` : error.message, error)
  }
}

/** Renews at a third of the TTL, as clientv3 does, opening the cluster only for each renewal. */
async function keepAlive(id: bigint, once: boolean, context: Pick<Parameters<Verb['run']>[0], 'io' | 'format' | 'withClient'>): Promise<number> {
  const {io, format, withClient} = context
  for (let renewal = 0; renewal < keepAliveRenewalsMax; renewal++) {
    let ttl = 0
    try {
      await withClient(async (client) => {
        const response = await client.lease.keepAliveOnce(id)
        ttl = response.ttl
        io.stdout(printKeepAlive(response, format))
      })
    } catch (error) {
      // etcdctl reports a failed one-off keep-alive as a connection problem (exit 2).
      if (once && error instanceof EtcdError) throw new ExitError(exitCodes.badConnection, error.message, error)
      if (error instanceof EtcdError) {
        if (format === 'simple') io.stdout(`lease ${leaseHex(id)} expired or revoked.\n`)
        return exitCodes.success
      }
      throw error
    }
    if (once) return exitCodes.success
    await systemClock.sleep(Math.max(1, ttl) * 1000 / 3)
  }
  return exitCodes.success
}

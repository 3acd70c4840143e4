// etcdctl alarm list|disarm, defrag, move-leader.
import type {AlarmMember} from '../../etcd/api.js'
import {SnapshotError} from '../../etcd/snapshot-error.js'
import {EtcdError, clientErrorText} from '../../mvcc/errors.js'
import {goJson} from '../../printers/etcdctl.js'
import {ProtobufWriter, asBinary} from '../../printers/protobuf.js'
import {type Verb, ExitError, exitCodes, flag, isSet} from '../verb.js'
import {clientFor, endpointsOf} from './cluster.js'

const alarmNumbers: Record<string, number> = {NONE: 0, NOSPACE: 1, CORRUPT: 2}

function printAlarms(alarms: readonly AlarmMember[], format: string): string {
  // etcd leaves the header of an alarm response unset, so an empty list marshals to nothing.
  if (format === 'protobuf') {
    const writer = new ProtobufWriter()
    for (const alarm of alarms) writer.message(2, new ProtobufWriter().integer(1, alarm.memberId).integer(2, alarmNumbers[alarm.alarm] ?? 0).finish())
    return asBinary(writer.finish())
  }
  if (format === 'json') return `${goJson(alarms.length === 0 ? {} : {alarms: alarms.map((alarm) => ({memberID: alarm.memberId, alarm: alarmNumbers[alarm.alarm] ?? 0}))})}\n`
  return alarms.map((alarm) => `memberID:${alarm.memberId} alarm:${alarm.alarm} \n`).join('')
}

export const maintenanceVerbs: Record<string, Verb> = {
  alarm: {
    flags: [],
    async run({flags, io, format, withClient}) {
      const [sub] = flags.positionals
      if (sub !== 'list' && sub !== 'disarm') throw new ExitError(exitCodes.badArgs, `unknown command "${sub ?? ''}" for "etcdctl alarm"`)
      await withClient(async (client) => {
        const listed = await client.maintenance.alarmList()
        if (sub === 'list') {
          io.stdout(printAlarms(listed.alarms, format))
          return
        }
        for (const alarm of listed.alarms) await client.maintenance.alarmDisarm(alarm)
        io.stdout(printAlarms(listed.alarms, format))
      })
      return exitCodes.success
    },
  },
  defrag: {
    flags: [
      {name: 'cluster', kind: 'bool', defaultValue: 'false'},
      {name: 'data-dir', kind: 'string', defaultValue: ''},
    ],
    async run({flags, io, withClient}) {
      const dataDir = flag(flags, 'data-dir')
      if (dataDir !== '') {
        // Offline: a member data folder no process uses, such as one `snapshot restore` made.
        try {
          const {defragmentDataFolder} = await import('../../etcd/snapshot.js')
          defragmentDataFolder(dataDir)
        } catch (error) {
          if (error instanceof SnapshotError) throw new ExitError(exitCodes.badConnection, error.message)
          throw error
        }
        return exitCodes.success
      }
      let failures = 0
      await withClient(async (client) => {
        for (const endpoint of await endpointsOf(client, isSet(flags, 'cluster'), flag(flags, 'endpoints'))) {
          try {
            await clientFor(client, endpoint).maintenance.defragment()
            io.stdout(`Finished defragmenting etcd member[${endpoint}]\n`)
          } catch (error) {
            // As etcdctl: each failure is reported and the others go on; the exit code tells.
            if (!(error instanceof EtcdError)) throw error
            io.stderr(`Failed to defragment etcd member[${endpoint}] (${clientErrorText(error)})\n`)
            failures++
          }
        }
      })
      return failures === 0 ? exitCodes.success : exitCodes.error
    },
  },
  'move-leader': {
    flags: [],
    async run({flags, io, withClient}) {
      const [target, ...extra] = flags.positionals
      if (target === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, 'move-leader command needs 1 argument')
      if (!/^[0-9a-fA-F]{1,16}$/.test(target)) throw new ExitError(exitCodes.badArgs, `strconv.ParseUint: parsing "${target}": invalid syntax`)
      const targetId = BigInt(`0x${target}`)
      const endpoints = flag(flags, 'endpoints').split(',')
      await withClient(async (client) => {
        // etcdctl asks every given endpoint for its status and sends the request to the leader.
        for (const endpoint of endpoints) {
          const status = await clientFor(client, endpoint).maintenance.status()
          if (status.leader !== status.header.memberId) continue
          await clientFor(client, endpoint).maintenance.moveLeader(targetId)
          io.stdout(`Leadership transferred from ${status.leader.toString(16)} to ${target}\n`)
          return
        }
        throw new ExitError(exitCodes.badArgs, `no leader endpoint given at [${endpoints.join(' ')}]`)
      })
      return exitCodes.success
    },
  },
}

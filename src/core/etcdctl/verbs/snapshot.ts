// etcdctl snapshot save|restore|status.
import {statSync} from 'node:fs'
import {SnapshotError} from '../../etcd/snapshot-error.js'

/** The snapshot machinery loads only for snapshot commands. */
const snapshots = () => import('../../etcd/snapshot.js')
import type {RestoreOptions} from '../../etcd/snapshot.js'
import type {EmbeddedClient} from '../../etcd/embedded-client.js'
import {printSnapshotStatus} from '../../printers/etcdctl-snapshot.js'
import {StorageError} from '../../storage/errors.js'
import {EtcdError, clientErrorText, grpcStatusText} from '../../mvcc/errors.js'
import {zapTime} from '../retry-warning.js'
import {type EtcdctlIo, type VerbGroup, ExitError, exitCodes, flag, isSet} from '../verb.js'

/** A zap-style info line, as etcdctl logs its snapshot steps on stderr. */
function logInfo(io: EtcdctlIo, caller: string, message: string, fields: Record<string, unknown>): void {
  io.stderr(`${JSON.stringify({level: 'info', ts: Date.now() / 1000, caller, msg: message, ...fields})}\n`)
}

function asExit(error: unknown, code: number, notFound: (message: string) => string = (message) => message): never {
  if (error instanceof SnapshotError) throw new ExitError(code, error.message)
  if (error instanceof StorageError) {
    if (error.code === 'NotFound') throw new ExitError(code, notFound(error.message))
    if (error.code === 'NotADatabase' || error.code === 'Corrupt') throw new ExitError(code, 'invalid database')
  }
  throw error
}

export const snapshotVerbs: Record<string, VerbGroup> = {
  snapshot: {
    subcommands: {
      save: {
        flags: [],
        async run({flags, io, withClient, openReader}) {
          if (flags.positionals.length !== 1) throw new ExitError(exitCodes.badArgs, 'snapshot save expects one argument')
          const path = flags.positionals[0]!
          const endpoints = flag(flags, 'endpoints').split(',')
          if (endpoints.length !== 1) throw new ExitError(exitCodes.interrupted, `snapshot must be requested to one selected node, not multiple [${endpoints.join(' ')}]`)
          await withClient(async (client) => {
            logInfo(io, 'snapshot/v3_snapshot.go:119', 'created temporary db file', {path: `${path}.part`})
            logInfo(io, 'snapshot/v3_snapshot.go:127', 'fetching snapshot', {endpoint: endpoints[0]})
            const started = Date.now()
            let size: number
            try {
              const snapshot = await snapshots()
              if ('serving' in client) size = await snapshot.saveSnapshot(client as EmbeddedClient, path)
              else {
                // Through a running `kubemu up`: the member's committed state, read from its file.
                const reader = await openReader({withCredentials: true})
                if (!reader) throw new ExitError(exitCodes.interrupted, 'context deadline exceeded')
                try {
                  reader.checkMaintenanceAdmin()
                  size = snapshot.saveSnapshotOf(reader.database, path)
                } finally {
                  reader.close()
                }
              }
            } catch (error) {
              if (error instanceof EtcdError) {
                io.stderr(`${JSON.stringify({level: 'warn', ts: zapTime(new Date()), caller: 'clientv3/maintenance.go:210', msg: 'failed to receive from snapshot stream; closing', error: grpcStatusText(error)})}\n`)
                throw new ExitError(exitCodes.interrupted, clientErrorText(error))
              }
              asExit(error, exitCodes.interrupted)
            }
            logInfo(io, 'snapshot/v3_snapshot.go:142', 'fetched snapshot', {endpoint: endpoints[0], size: `${Math.round(size / 1000)} kB`, took: (Date.now() - started) / 1000})
            logInfo(io, 'snapshot/v3_snapshot.go:152', 'saved', {path})
          })
          io.stdout(`Snapshot saved at ${path}\n`)
          return exitCodes.success
        },
      },
      status: {
        flags: [],
        async run({flags, io, format}) {
          if (flags.positionals.length !== 1) throw new ExitError(exitCodes.badArgs, 'snapshot status requires exactly one argument')
          try {
            io.stdout(printSnapshotStatus((await snapshots()).snapshotStatus(flags.positionals[0]!), format))
          } catch (error) {
            asExit(error, exitCodes.error)
          }
          return exitCodes.success
        },
      },
      restore: {
        flags: [
          {name: 'data-dir', kind: 'string', defaultValue: '', usage: 'Path to the data directory'},
          {name: 'wal-dir', kind: 'string', defaultValue: '', usage: 'Path to the WAL directory (use --data-dir if none given)'},
          {name: 'initial-cluster', kind: 'string', defaultValue: 'default=http://localhost:2380', usage: 'Initial cluster configuration for restore bootstrap'},
          {name: 'initial-cluster-token', kind: 'string', defaultValue: 'etcd-cluster', usage: 'Initial cluster token for the etcd cluster during restore bootstrap'},
          {name: 'initial-advertise-peer-urls', kind: 'string', defaultValue: 'http://localhost:2380', usage: 'List of this member\'s peer URLs to advertise to the rest of the cluster'},
          {name: 'name', kind: 'string', defaultValue: 'default', usage: 'Human-readable name for this member'},
          {name: 'skip-hash-check', kind: 'bool', defaultValue: 'false', usage: 'Ignore snapshot integrity hash value (required if copied from data directory)'},
        ],
        async run({flags, io}) {
          if (flags.positionals.length !== 1) throw new ExitError(exitCodes.badArgs, 'snapshot restore requires exactly one argument')
          const path = flags.positionals[0]!
          const name = flag(flags, 'name')
          const dataDir = flag(flags, 'data-dir') || `${name}.etcd`
          const where = {path, 'wal-dir': flag(flags, 'wal-dir') || `${dataDir}/member/wal`, 'data-dir': dataDir, 'snap-dir': `${dataDir}/member/snap`}
          try {
            // etcd checks the name and the folder before it logs anything.
            await restoreSnapshotChecked(path, {name, initialCluster: flag(flags, 'initial-cluster'), initialClusterToken: flag(flags, 'initial-cluster-token'), dataDir, skipHashCheck: isSet(flags, 'skip-hash-check')}, () =>
              logInfo(io, 'snapshot/v3_snapshot.go:296', 'restoring snapshot', where),
            )
          } catch (error) {
            asExit(error, exitCodes.error, () => `open ${path}: no such file or directory`)
          }
          logInfo(io, 'snapshot/v3_snapshot.go:309', 'restored snapshot', where)
          return exitCodes.success
        },
      },
    },
  },
}

/** Restore with etcd's order of checks: a file shorter than its hash cannot be read at all. */
async function restoreSnapshotChecked(path: string, options: RestoreOptions, logStart: () => void): Promise<void> {
  const members = options.initialCluster.split(',').map((pair) => pair.split('=')[0])
  if (!members.includes(options.name)) throw new SnapshotError(`couldn't find local name "${options.name}" in the initial cluster configuration`)
  if (statOrNull(options.dataDir)) throw new SnapshotError(`data-dir "${options.dataDir}" exists`)
  logStart()
  const size = statOrNull(path)?.size
  if (size !== undefined && size < 32 && !options.skipHashCheck) throw new SnapshotError(`seek ${path}: invalid argument`)
  const {restoreSnapshot} = await snapshots()
  restoreSnapshot(path, options)
}

function statOrNull(path: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(path)
  } catch {
    return null
  }
}

// etcd's snapshot save, status and restore on kubemu's snapshot files (src/core/storage/
// snapshot-file.ts). Status walks the state the way etcd walks its bolt buckets (alarm, auth,
// authRoles, authUsers, cluster, key, lease, members, meta) to count keys and compute a CRC-32C;
// the "key" bucket is encoded exactly as etcd's, the other buckets as close as kubemu's state
// allows.
import {chmodSync, existsSync, mkdirSync, renameSync, rmSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {Crc32c, encodeKeyValue, revisionKey} from '../mvcc/hash.js'
import {MemberDatabase} from '../storage/member-database.js'
import {copySnapshotForRestore, readSnapshotFile, writeSnapshotFile} from '../storage/snapshot-file.js'
import {type ClusterLayout, layoutOf, procfileMembers} from './layout.js'
import {type MemberRecord, bootstrap} from './member-setup.js'

export interface SnapshotStatus {
  readonly hash: number
  readonly revision: number
  readonly totalKey: number
  readonly totalSize: number
}

import {SnapshotError} from './snapshot-error.js'

export {SnapshotError} from './snapshot-error.js'

/**
 * Saves the serving member's state to `path`, through `path.part` as etcdctl does. The client is
 * the embedded one (its snapshotTo calls saveSnapshotOf below), named by shape to keep one direction.
 */
export function saveSnapshot(client: {snapshotTo(path: string): Promise<number>}, path: string): Promise<number> {
  return client.snapshotTo(path)
}

/** A snapshot of a member's database as it is committed now (a reader's view will do). */
export function saveSnapshotOf(database: MemberDatabase, path: string): number {
  const partial = `${path}.part`
  if (!existsSync(dirname(partial))) throw new SnapshotError(`could not open ${partial} (open ${partial}: no such file or directory)`)
  rmSync(partial, {force: true})
  writeSnapshotFile(database, partial)
  // etcdctl writes snapshots readable by their owner only.
  chmodSync(partial, 0o600)
  renameSync(partial, path)
  return readSize(path)
}

function readSize(path: string): number {
  const file = readSnapshotFile(path)
  try {
    return file.sizeBytes
  } finally {
    file.close()
  }
}

const encoder = new TextEncoder()
const uint64 = (value: bigint | number): Uint8Array => {
  const bytes = Buffer.alloc(8)
  bytes.writeBigUInt64BE(BigInt.asUintN(64, BigInt(value)))
  return bytes
}

/** Hash, revision, key count and size of a snapshot file, as `etcdctl snapshot status`. */
export function snapshotStatus(path: string): SnapshotStatus {
  const file = readSnapshotFile(path)
  try {
    const crc = new Crc32c()
    let totalKey = 0
    const bucket = (name: string, entries: ReadonlyArray<readonly [Uint8Array, Uint8Array]>) => {
      crc.update(encoder.encode(name))
      for (const [key, value] of entries) crc.update(key).update(value)
      totalKey += entries.length
    }
    const meta = file.meta
    bucket('alarm', file.alarms.map((alarm) => [encoder.encode(`${alarm.memberId}:${alarm.alarm}`), new Uint8Array()] as const))
    const auth = JSON.parse(meta.get('auth') ?? '{"enabled":false,"revision":1}') as {enabled: boolean; revision: number; everEnabled?: boolean}
    bucket('auth', [
      ...(auth.everEnabled ? [[encoder.encode('authEnabled'), Uint8Array.of(auth.enabled ? 1 : 0)] as const] : []),
      [encoder.encode('authRevision'), uint64(auth.revision)] as const,
    ])
    bucket('authRoles', file.roles.map((role) => [encoder.encode(role.name), encoder.encode(role.permissions)] as const))
    bucket('authUsers', file.users.map((user) => [encoder.encode(user.name), encoder.encode(user.roles)] as const))
    bucket('cluster', [[encoder.encode('clusterVersion'), encoder.encode('3.4.0')]])
    crc.update(encoder.encode('key'))
    let revision = 0
    for (const row of file.history()) {
      crc.update(revisionKey(row)).update(encodeKeyValue(row))
      revision = Math.max(revision, row.modRevision)
      totalKey++
    }
    bucket('lease', file.leases.map((lease) => [uint64(lease.id), uint64(lease.grantedTtl)] as const))
    const members = JSON.parse(meta.get('members') ?? '[]') as MemberRecord[]
    bucket('members', members.map((member) => [encoder.encode(member.id), encoder.encode(JSON.stringify(member))] as const))
    const compacted = meta.get('compact_revision')
    bucket('meta', [
      [encoder.encode('consistent_index'), uint64(Number(meta.get('applied_index') ?? 0))] as const,
      ...(compacted !== undefined ? [[encoder.encode('finishedCompactRev'), uint64(Number(compacted))] as const, [encoder.encode('scheduledCompactRev'), uint64(Number(compacted))] as const] : []),
    ])
    return {hash: crc.digest(), revision, totalKey, totalSize: file.sizeBytes}
  } finally {
    file.close()
  }
}

export interface RestoreOptions {
  readonly name: string
  /** etcd's --initial-cluster: name=peer-url,… */
  readonly initialCluster: string
  readonly initialClusterToken: string
  readonly dataDir: string
  readonly skipHashCheck: boolean
}

/** Where a restored member's database lives inside its data folder (etcd: member/snap/db). */
export function restoredDatabasePath(dataDir: string): string {
  return join(dataDir, 'member', 'snap', 'db')
}

/**
 * Turns a snapshot file into a member data folder for a new cluster, as etcd's restore does: the
 * data as it was, and the new membership as the first committed raft entries.
 */
export function restoreSnapshot(path: string, options: RestoreOptions): ClusterLayout {
  const members = options.initialCluster.split(',').map((pair) => {
    const at = pair.indexOf('=')
    const name = at < 0 ? pair : pair.slice(0, at)
    const peerUrl = at < 0 ? '' : pair.slice(at + 1)
    // Members of etcd's Procfile keep their client URLs, so a restored default cluster lists them.
    const known = procfileMembers.find((member) => member.name === name && member.peerUrl === peerUrl)
    return {name, peerUrl, clientUrl: known?.clientUrl ?? ''}
  })
  if (!members.some((member) => member.name === options.name)) throw new SnapshotError(`couldn't find local name "${options.name}" in the initial cluster configuration`)
  if (existsSync(options.dataDir)) throw new SnapshotError(`data-dir "${options.dataDir}" exists`)
  const file = readSnapshotFile(path)
  try {
    if (!options.skipHashCheck) {
      if (file.storedHash === null) throw new SnapshotError('snapshot missing hash but --skip-hash-check=false')
      if (file.storedHash !== file.actualHash) throw new SnapshotError(`expected sha256 ${file.storedHash}, got ${file.actualHash}`)
    }
  } finally {
    file.close()
  }
  const layout = layoutOf(members, options.initialClusterToken)
  const self = layout.members.find((member) => member.name === options.name)!
  const target = restoredDatabasePath(options.dataDir)
  mkdirSync(join(options.dataDir, 'member', 'snap'), {recursive: true})
  mkdirSync(join(options.dataDir, 'member', 'wal'), {recursive: true})
  try {
    copySnapshotForRestore(path, target)
    const database = MemberDatabase.open(target)
    try {
      database.ensureIdentity({clusterId: layout.clusterId.toString(), memberId: self.id, name: self.name})
      bootstrap(database, layout)
    } finally {
      database.close()
    }
  } catch (error) {
    rmSync(options.dataDir, {recursive: true, force: true})
    throw error
  }
  return layout
}

/** etcdctl defrag --data-dir: defragments a member data folder that no process is using. */
export function defragmentDataFolder(dataDir: string): void {
  const path = restoredDatabasePath(dataDir)
  if (!existsSync(dirname(path))) throw new SnapshotError(`cannot open database at ${path} (open ${path}: no such file or directory)`)
  const database = MemberDatabase.open(path)
  try {
    database.defragment()
  } finally {
    database.close()
  }
}

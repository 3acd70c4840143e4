// Snapshot files: what `etcdctl snapshot save` writes. Like etcd's, which is a copy of the
// member's bolt database, ours is a copy of the member's SQLite database made consistent by
// VACUUM INTO, without the raft log and the member's identity, plus a SHA-256 of its content
// that restore checks (etcd appends one to the file for the same purpose).
import {createHash} from 'node:crypto'
import {copyFileSync, existsSync, statSync} from 'node:fs'
import Database from 'better-sqlite3'
import {StorageError, guarded} from './errors.js'
import type {HistoryRow, StoredLease} from './kv-tables.js'
import type {MemberDatabase} from './member-database.js'
import {metaRaftHardState, stateMachineTables, subRevisionBits} from './schema.js'

const metaSnapshotHash = 'snapshot_sha256'
/** Meta rows that belong to one member's running state, not to the data a snapshot carries. */
const memberOnlyMeta = ['cluster_id', 'member_id', 'member_name', 'clean_shutdown', metaRaftHardState, metaSnapshotHash]

/**
 * The content hash: every state table the file has and the replicated meta, in key order. A file
 * of an older schema lacks the newer tables (kv_deleted before version 5): its hash is the one it
 * was written with.
 */
function contentHash(db: Database.Database): string {
  const hash = createHash('sha256')
  const placeholders = memberOnlyMeta.map(() => '?').join(', ')
  const present = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[])
  const tables: Array<[string, string]> = [
    ...stateMachineTables.filter((table) => present.has(table)).map((table): [string, string] => [table, `SELECT * FROM ${table} ORDER BY 1, 2`]),
    ['meta', `SELECT * FROM meta WHERE name NOT IN (${placeholders}) ORDER BY name`],
  ]
  for (const [table, query] of tables) {
    hash.update(`${table}\n`)
    const statement = db.prepare(query).raw(true).safeIntegers(true)
    const rows = table === 'meta' ? statement.iterate(...memberOnlyMeta) : statement.iterate()
    for (const row of rows as Iterable<unknown[]>) {
      for (const cell of row) {
        const bytes = cell instanceof Uint8Array ? Buffer.from(cell) : Buffer.from(String(cell), 'utf8')
        hash.update(`${bytes.length}:`).update(bytes)
      }
      hash.update('\n')
    }
  }
  return hash.digest('hex')
}

/** Writes the member's state to `path` (which must not exist), consistent as of now. */
export function writeSnapshotFile(database: MemberDatabase, path: string): void {
  guarded(path, () => database.db.prepare('VACUUM INTO ?').run(path))
  const snapshot = guarded(path, () => new Database(path))
  try {
    guarded(path, () => {
      snapshot.pragma('journal_mode = DELETE')
      snapshot.transaction(() => {
        clearRaftState(snapshot)
        const remove = snapshot.prepare('DELETE FROM meta WHERE name = ?')
        for (const name of memberOnlyMeta) remove.run(name)
        snapshot.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run(metaSnapshotHash, contentHash(snapshot))
      })()
      snapshot.exec('VACUUM')
    })
  } finally {
    snapshot.close()
  }
}

export interface SnapshotFileContent {
  readonly sizeBytes: number
  /** Null when the file carries no hash (a member database, not a saved snapshot). */
  readonly storedHash: string | null
  readonly actualHash: string
  readonly meta: ReadonlyMap<string, string>
  readonly history: () => Iterable<HistoryRow>
  readonly leases: readonly StoredLease[]
  readonly users: ReadonlyArray<{name: string; roles: string}>
  readonly roles: ReadonlyArray<{name: string; permissions: string}>
  readonly alarms: ReadonlyArray<{memberId: string; alarm: string}>
  close(): void
}

/** Opens a snapshot file for reading; a file that is not one fails with NotADatabase. */
export function readSnapshotFile(path: string): SnapshotFileContent {
  if (!existsSync(path)) throw new StorageError('NotFound', `stat ${path}: no such file or directory`, path)
  const db = guarded(path, () => new Database(path, {readonly: true, fileMustExist: true}))
  try {
    return guarded(path, () => {
      const hasMeta = db.prepare("SELECT count(*) AS count FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'kv_history', 'lease', 'auth_user', 'auth_role', 'alarm')").get() as {count: number}
      if (hasMeta.count !== 6) throw new StorageError('NotADatabase', 'invalid database', path)
      const meta = new Map((db.prepare('SELECT name, value FROM meta').all() as Array<{name: string; value: string}>).map((row) => [row.name, row.value]))
      return {
        sizeBytes: statSync(path).size,
        storedHash: meta.get(metaSnapshotHash) ?? null,
        actualHash: contentHash(db),
        meta,
        history: () => mapRows(db),
        leases: (db.prepare('SELECT id, granted_ttl, expiry_ms FROM lease ORDER BY id').safeIntegers(true).all() as Array<{id: bigint; granted_ttl: bigint; expiry_ms: bigint}>).map((row) => ({
          id: row.id,
          grantedTtl: Number(row.granted_ttl),
          expiryMilliseconds: Number(row.expiry_ms),
        })),
        users: db.prepare('SELECT name, roles FROM auth_user ORDER BY name').all() as Array<{name: string; roles: string}>,
        roles: db.prepare('SELECT name, permissions FROM auth_role ORDER BY name').all() as Array<{name: string; permissions: string}>,
        alarms: (db.prepare('SELECT member_id, alarm FROM alarm ORDER BY member_id, alarm').all() as Array<{member_id: string; alarm: string}>).map((row) => ({memberId: row.member_id, alarm: row.alarm})),
        close: () => db.close(),
      }
    })
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * Drops the raft state of the cluster a file came from: its log, its snapshot and its hard state
 * (a table of its own in a file written before schema version 3, a meta row since).
 */
function clearRaftState(db: Database.Database): void {
  for (const table of ['raft_log', 'raft_snapshot']) db.prepare(`DELETE FROM ${table}`).run()
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'raft_hard_state'").get()) db.prepare('DELETE FROM raft_hard_state').run()
  db.prepare('DELETE FROM meta WHERE name = ?').run(metaRaftHardState)
}

function* mapRows(db: Database.Database): Iterable<HistoryRow> {
  // A file written before schema version 3 keeps each row's revision and sub-revision in columns of their own.
  const packed = !db.prepare("SELECT 1 FROM pragma_table_info('kv_history') WHERE name = 'revision'").get()
  const query = packed
    ? `SELECT id >> ${subRevisionBits} AS revision, id & ${2 ** subRevisionBits - 1} AS sub_revision, key, value, create_revision, version, lease, tombstone FROM kv_history ORDER BY id`
    : 'SELECT revision, sub_revision, key, value, create_revision, version, lease, tombstone FROM kv_history ORDER BY revision, sub_revision'
  const rows = db.prepare(query).safeIntegers(true).iterate() as Iterable<{
    revision: bigint
    sub_revision: bigint
    key: Buffer
    value: Buffer
    create_revision: bigint
    version: bigint
    lease: bigint
    tombstone: bigint
  }>
  for (const row of rows) {
    yield {
      key: new Uint8Array(row.key),
      value: new Uint8Array(row.value),
      createRevision: Number(row.create_revision),
      modRevision: Number(row.revision),
      subRevision: Number(row.sub_revision),
      version: Number(row.version),
      lease: row.lease,
      tombstone: row.tombstone !== 0n,
    }
  }
}

/**
 * Copies a snapshot file to a new member database path and drops what the old cluster's raft
 * state left in it; the caller then bootstraps the new membership into it.
 */
export function copySnapshotForRestore(source: string, target: string): void {
  guarded(target, () => copyFileSync(source, target))
  const db = guarded(target, () => new Database(target))
  try {
    guarded(target, () =>
      db.transaction(() => {
        clearRaftState(db)
        const remove = db.prepare('DELETE FROM meta WHERE name = ?')
        for (const name of [...memberOnlyMeta, 'applied_index', 'conf_state', 'members']) remove.run(name)
      })(),
    )
  } finally {
    db.close()
  }
}

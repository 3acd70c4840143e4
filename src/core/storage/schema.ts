// The schema of one member's database. Current values live apart from history so that a
// range over live keys never scans old revisions.

export const schemaVersion = 2

export const schemaStatements: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS meta (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) WITHOUT ROWID`,
  // Raft's durable state: the log after the last snapshot, the hard state and the snapshot.
  `CREATE TABLE IF NOT EXISTS raft_log (
     log_index INTEGER PRIMARY KEY,
     term INTEGER NOT NULL,
     entry_type INTEGER NOT NULL,
     data BLOB NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS raft_hard_state (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 0),
     term INTEGER NOT NULL,
     vote TEXT NOT NULL,
     commit_index INTEGER NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS raft_snapshot (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 0),
     snapshot_index INTEGER NOT NULL,
     term INTEGER NOT NULL,
     conf_state TEXT NOT NULL,
     data BLOB NOT NULL
   )`,
  // The MVCC state machine. Every value lives once, in history (as etcd's bolt keeps revisions);
  // kv is the index of the current keys (etcd's treeIndex), pointing at each key's newest row.
  // Rowid tables: SQLite keeps a row of up to a page in its leaf, where a WITHOUT ROWID table
  // spills rows over a quarter page into overflow pages and leaves most of them empty.
  `CREATE TABLE IF NOT EXISTS kv_history (
     id INTEGER PRIMARY KEY,
     revision INTEGER NOT NULL,
     sub_revision INTEGER NOT NULL,
     key BLOB NOT NULL,
     value BLOB NOT NULL,
     create_revision INTEGER NOT NULL,
     version INTEGER NOT NULL,
     lease INTEGER NOT NULL,
     tombstone INTEGER NOT NULL,
     UNIQUE (revision, sub_revision)
   )`,
  `CREATE INDEX IF NOT EXISTS kv_history_by_key ON kv_history (key, revision, sub_revision)`,
  `CREATE TABLE IF NOT EXISTS kv (
     key BLOB NOT NULL UNIQUE,
     history_id INTEGER NOT NULL,
     create_revision INTEGER NOT NULL,
     mod_revision INTEGER NOT NULL,
     version INTEGER NOT NULL,
     lease INTEGER NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS kv_by_lease ON kv (lease) WHERE lease != 0`,
  `CREATE TABLE IF NOT EXISTS lease (
     id INTEGER PRIMARY KEY,
     granted_ttl INTEGER NOT NULL,
     expiry_ms INTEGER NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS lease_by_expiry ON lease (expiry_ms)`,
  `CREATE TABLE IF NOT EXISTS auth_user (
     name TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     roles TEXT NOT NULL
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS auth_role (
     name TEXT PRIMARY KEY,
     permissions TEXT NOT NULL
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS alarm (
     member_id TEXT NOT NULL,
     alarm TEXT NOT NULL,
     PRIMARY KEY (member_id, alarm)
   ) WITHOUT ROWID`,
]

/**
 * What brings a database of the version before each one up to it, in one transaction: version 1
 * kept every current value twice (in kv and in history) in WITHOUT ROWID tables.
 */
export const schemaMigrations: ReadonlyMap<number, readonly string[]> = new Map([
  [
    2,
    [
      'DROP INDEX kv_by_lease',
      'DROP INDEX kv_history_by_key',
      'ALTER TABLE kv RENAME TO kv_version1',
      'ALTER TABLE kv_history RENAME TO kv_history_version1',
      ...schemaStatements,
      `INSERT INTO kv_history (revision, sub_revision, key, value, create_revision, version, lease, tombstone)
         SELECT revision, sub_revision, key, value, create_revision, version, lease, tombstone FROM kv_history_version1 ORDER BY revision, sub_revision`,
      `INSERT INTO kv (key, history_id, create_revision, mod_revision, version, lease)
         SELECT k.key, h.id, k.create_revision, k.mod_revision, k.version, k.lease FROM kv_version1 k JOIN kv_history h ON h.key = k.key AND h.revision = k.mod_revision`,
      'DROP TABLE kv_version1',
      'DROP TABLE kv_history_version1',
    ],
  ],
])

/** The tables that make up the state machine, in the order a snapshot carries them. */
export const stateMachineTables = ['kv', 'kv_history', 'lease', 'auth_user', 'auth_role', 'alarm'] as const

// The schema of one member's database. Current keys live apart from history so that a range
// over live keys never scans old revisions.

export const schemaVersion = 5

/**
 * A history row's id packs its revision and sub-revision: revision × 2^24 + sub-revision. Rows are
 * then in revision order in the table's own B-tree, so neither a range of revisions nor a key's
 * newest row at a revision needs an index of its own (each put writes one index entry fewer), and
 * the index by key holds the key alone (SQLite appends the rowid to every index entry).
 */
export const subRevisionBits = 24
/** Changes one revision may hold (a txn's operations, a DeleteRange's keys): what the sub-revision's bits count. */
export const changesPerRevisionMax = 2 ** subRevisionBits
/** The newest revision an id can carry: ids, and the first id after this revision, stay within SQLite's signed 64-bit integers. */
export const revisionMax = 2 ** (63 - subRevisionBits) - 2

/** The tables of the MVCC state machine as schema version 2 made them (what version 3 migrates from). */
const versionTwoMvccTables: readonly string[] = [
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
]

/** The tables of the MVCC state machine as schema version 3 made them (what version 4 migrates from). */
const versionThreeMvccTables: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS kv_history (
     id INTEGER PRIMARY KEY,
     key BLOB NOT NULL,
     value BLOB NOT NULL,
     create_revision INTEGER NOT NULL,
     version INTEGER NOT NULL,
     lease INTEGER NOT NULL,
     tombstone INTEGER NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS kv_history_by_key ON kv_history (key)`,
  `CREATE TABLE IF NOT EXISTS kv (
     key BLOB PRIMARY KEY,
     history_id INTEGER NOT NULL,
     lease INTEGER NOT NULL
   ) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS kv_by_lease ON kv (lease) WHERE lease != 0`,
]

/** The tables of the MVCC state machine as schema version 4 made them (what version 5 migrates from). */
const versionFourMvccTables: readonly string[] = [
  // Every value lives once, in history (as etcd's bolt keeps revisions), keyed by its packed
  // revision (see subRevisionBits). A rowid table: SQLite keeps a row of up to a page in its leaf,
  // where a WITHOUT ROWID table spills rows over a quarter page into overflow pages. key_id is
  // its key's number (kv.key_id), which the index of a key's rows holds instead of the key.
  `CREATE TABLE IF NOT EXISTS kv_history (
     id INTEGER PRIMARY KEY,
     key BLOB NOT NULL,
     key_id INTEGER NOT NULL,
     value BLOB NOT NULL,
     create_revision INTEGER NOT NULL,
     version INTEGER NOT NULL,
     lease INTEGER NOT NULL,
     tombstone INTEGER NOT NULL
   )`,
  // A key's rows by its number (SQLite appends the id): entries of a few bytes, and a new key's
  // number is the id of its first row, so its entry goes at the end of the index like the row
  // itself. Indexed by the key, each put of a new key wrote an entry of the key's length at a
  // random place (a page, and a split every dozen entries), on every member.
  `CREATE INDEX IF NOT EXISTS kv_history_by_key_id ON kv_history (key_id)`,
  // Every current key (and in version 4, every deleted key with history left, history_id 0): its
  // number, its newest history row and its lease. Small rows, so one B-tree keyed by the key (no
  // rowid table beside an index of the keys); the lease stays here for the index of a lease's keys.
  `CREATE TABLE IF NOT EXISTS kv (
     key BLOB PRIMARY KEY,
     key_id INTEGER NOT NULL,
     history_id INTEGER NOT NULL,
     lease INTEGER NOT NULL
   ) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS kv_by_lease ON kv (lease) WHERE lease != 0`,
]

/**
 * The tables of the MVCC state machine now: version 4's, where kv holds only current keys, and
 * the deleted keys that still have history.
 */
const mvccTables: readonly string[] = [
  ...versionFourMvccTables,
  // Every deleted key that still has history, with its number, until compaction drops its last
  // row (etcd's treeIndex keeps such a key for reads at past revisions). A key is in kv or here,
  // never both: a delete moves it here, a put of it moves it back with its number. Apart from kv,
  // so that a range over current keys walks only them, however many keys were deleted.
  `CREATE TABLE IF NOT EXISTS kv_deleted (
     key BLOB PRIMARY KEY,
     key_id INTEGER NOT NULL
   ) WITHOUT ROWID`,
]

/** Moves the deleted keys schema version 4 kept in kv (history_id 0) to kv_deleted: a file's migration, or a snapshot of that version installed. */
export const versionFourDeletedKeysMoved: readonly string[] = [
  'INSERT INTO kv_deleted (key, key_id) SELECT key, key_id FROM kv WHERE history_id = 0',
  'DELETE FROM kv WHERE history_id = 0',
]

export const schemaStatements: readonly string[] = [
  // Member metadata, and raft's hard state (term, vote, commit) in the row 'raft_hard_state': in
  // the same page as the applied index and the revision, which each Ready writes too.
  `CREATE TABLE IF NOT EXISTS meta (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) WITHOUT ROWID`,
  // Raft's durable state: the log after the last snapshot, and the snapshot.
  `CREATE TABLE IF NOT EXISTS raft_log (
     log_index INTEGER PRIMARY KEY,
     term INTEGER NOT NULL,
     entry_type INTEGER NOT NULL,
     data BLOB NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS raft_snapshot (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 0),
     snapshot_index INTEGER NOT NULL,
     term INTEGER NOT NULL,
     conf_state TEXT NOT NULL,
     data BLOB NOT NULL
   )`,
  ...mvccTables,
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

/** The meta row of raft's hard state (before version 3, a table of its own). */
export const metaRaftHardState = 'raft_hard_state'

/**
 * What brings a database of the version before each one up to it, in one transaction: version 1
 * kept every current value twice (in kv and in history) in WITHOUT ROWID tables; version 2 gave
 * history rows an id of their own with an index of their revisions, repeated each current key's
 * columns in kv (a rowid table with an index of its keys) and kept raft's hard state in a table;
 * version 3 indexed history by the key itself and kept only current keys in kv; version 4 numbered
 * keys and kept deleted keys in kv (history_id 0) until compaction.
 */
export const schemaMigrations: ReadonlyMap<number, readonly string[]> = new Map([
  [
    2,
    [
      'DROP INDEX kv_by_lease',
      'DROP INDEX kv_history_by_key',
      'ALTER TABLE kv RENAME TO kv_version1',
      'ALTER TABLE kv_history RENAME TO kv_history_version1',
      ...versionTwoMvccTables,
      `INSERT INTO kv_history (revision, sub_revision, key, value, create_revision, version, lease, tombstone)
         SELECT revision, sub_revision, key, value, create_revision, version, lease, tombstone FROM kv_history_version1 ORDER BY revision, sub_revision`,
      `INSERT INTO kv (key, history_id, create_revision, mod_revision, version, lease)
         SELECT k.key, h.id, k.create_revision, k.mod_revision, k.version, k.lease FROM kv_version1 k JOIN kv_history h ON h.key = k.key AND h.revision = k.mod_revision`,
      'DROP TABLE kv_version1',
      'DROP TABLE kv_history_version1',
    ],
  ],
  [
    3,
    [
      'DROP INDEX kv_by_lease',
      'DROP INDEX kv_history_by_key',
      'ALTER TABLE kv RENAME TO kv_version2',
      'ALTER TABLE kv_history RENAME TO kv_history_version2',
      ...versionThreeMvccTables,
      `INSERT INTO kv_history (id, key, value, create_revision, version, lease, tombstone)
         SELECT (revision << ${subRevisionBits}) + sub_revision, key, value, create_revision, version, lease, tombstone FROM kv_history_version2 ORDER BY revision, sub_revision`,
      `INSERT INTO kv (key, history_id, lease)
         SELECT k.key, (h.revision << ${subRevisionBits}) + h.sub_revision, k.lease FROM kv_version2 k JOIN kv_history_version2 h ON h.id = k.history_id`,
      'DROP TABLE kv_version2',
      'DROP TABLE kv_history_version2',
      // A file of version 1 made by hand (the tests') may lack the tables the MVCC ones sat beside.
      'CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
      'CREATE TABLE IF NOT EXISTS raft_hard_state (singleton INTEGER PRIMARY KEY CHECK (singleton = 0), term INTEGER NOT NULL, vote TEXT NOT NULL, commit_index INTEGER NOT NULL)',
      `INSERT INTO meta (name, value) SELECT '${metaRaftHardState}', json_object('term', term, 'vote', vote, 'commit', commit_index) FROM raft_hard_state`,
      'DROP TABLE raft_hard_state',
    ],
  ],
  [
    4,
    [
      'DROP INDEX kv_by_lease',
      'DROP INDEX kv_history_by_key',
      'ALTER TABLE kv RENAME TO kv_version3',
      'ALTER TABLE kv_history RENAME TO kv_history_version3',
      ...versionFourMvccTables,
      // Each key with history gets the id of its oldest row as its number; a deleted key keeps a row.
      `INSERT INTO kv (key, key_id, history_id, lease)
         SELECT h.key, h.key_id, coalesce(k.history_id, 0), coalesce(k.lease, 0)
         FROM (SELECT key, min(id) AS key_id FROM kv_history_version3 GROUP BY key) h LEFT JOIN kv_version3 k ON k.key = h.key`,
      `INSERT INTO kv_history (id, key, key_id, value, create_revision, version, lease, tombstone)
         SELECT h.id, h.key, k.key_id, h.value, h.create_revision, h.version, h.lease, h.tombstone FROM kv_history_version3 h JOIN kv k ON k.key = h.key ORDER BY h.id`,
      'DROP TABLE kv_version3',
      'DROP TABLE kv_history_version3',
    ],
  ],
  [
    5,
    [
      // Deleted keys leave kv for a table of their own, so ranges over current keys skip them.
      mvccTables.at(-1)!,
      ...versionFourDeletedKeysMoved,
    ],
  ],
])

/** The tables that make up the state machine, in the order a snapshot carries them. */
export const stateMachineTables = ['kv', 'kv_deleted', 'kv_history', 'lease', 'auth_user', 'auth_role', 'alarm'] as const

// The schema of one member's database. Current values live apart from history so that a
// range over live keys never scans old revisions.

export const schemaVersion = 1

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
  // The MVCC state machine.
  `CREATE TABLE IF NOT EXISTS kv (
     key BLOB PRIMARY KEY,
     value BLOB NOT NULL,
     create_revision INTEGER NOT NULL,
     mod_revision INTEGER NOT NULL,
     version INTEGER NOT NULL,
     lease INTEGER NOT NULL
   ) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS kv_by_lease ON kv (lease) WHERE lease != 0`,
  `CREATE TABLE IF NOT EXISTS kv_history (
     revision INTEGER NOT NULL,
     sub_revision INTEGER NOT NULL,
     key BLOB NOT NULL,
     value BLOB NOT NULL,
     create_revision INTEGER NOT NULL,
     version INTEGER NOT NULL,
     lease INTEGER NOT NULL,
     tombstone INTEGER NOT NULL,
     PRIMARY KEY (revision, sub_revision)
   ) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS kv_history_by_key ON kv_history (key, revision, sub_revision)`,
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

/** The tables that make up the state machine, in the order a snapshot carries them. */
export const stateMachineTables = ['kv', 'kv_history', 'lease', 'auth_user', 'auth_role', 'alarm'] as const

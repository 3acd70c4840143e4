// A member's file keeps every value once, and a file written by an earlier schema is brought to
// the current one when a writer opens it, with every key, revision and raft state as they were.
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {schemaVersion} from '../../src/core/storage/schema.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

/** The MVCC tables schema version 3 made: history indexed by the key itself, kv holding the current keys alone. */
const versionThreeTables = [
  'CREATE TABLE kv_history (id INTEGER PRIMARY KEY, key BLOB NOT NULL, value BLOB NOT NULL, create_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL, tombstone INTEGER NOT NULL)',
  'CREATE INDEX kv_history_by_key ON kv_history (key)',
  'CREATE TABLE kv (key BLOB PRIMARY KEY, history_id INTEGER NOT NULL, lease INTEGER NOT NULL) WITHOUT ROWID',
  'CREATE INDEX kv_by_lease ON kv (lease) WHERE lease != 0',
]

/** A history row's id in schema versions 3 and later: revision × 2^24 + sub-revision. */
const packed = (revision: number, subRevision: number) => revision * 2 ** 24 + subRevision

/** The MVCC tables as schema version 1 made them: every current value also in kv, WITHOUT ROWID. */
const versionOneTables = [
  'CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL) WITHOUT ROWID',
  'CREATE INDEX kv_by_lease ON kv (lease) WHERE lease != 0',
  'CREATE TABLE kv_history (revision INTEGER NOT NULL, sub_revision INTEGER NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, create_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL, tombstone INTEGER NOT NULL, PRIMARY KEY (revision, sub_revision)) WITHOUT ROWID',
  'CREATE INDEX kv_history_by_key ON kv_history (key, revision, sub_revision)',
]

/** The tables schema version 2 made: history rows numbered apart from their revisions, each current key's columns repeated in kv, raft's hard state in a table. */
const versionTwoTables = [
  'CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
  'CREATE TABLE raft_log (log_index INTEGER PRIMARY KEY, term INTEGER NOT NULL, entry_type INTEGER NOT NULL, data BLOB NOT NULL)',
  'CREATE TABLE raft_hard_state (singleton INTEGER PRIMARY KEY CHECK (singleton = 0), term INTEGER NOT NULL, vote TEXT NOT NULL, commit_index INTEGER NOT NULL)',
  'CREATE TABLE raft_snapshot (singleton INTEGER PRIMARY KEY CHECK (singleton = 0), snapshot_index INTEGER NOT NULL, term INTEGER NOT NULL, conf_state TEXT NOT NULL, data BLOB NOT NULL)',
  'CREATE TABLE kv_history (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL, sub_revision INTEGER NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, create_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL, tombstone INTEGER NOT NULL, UNIQUE (revision, sub_revision))',
  'CREATE INDEX kv_history_by_key ON kv_history (key, revision, sub_revision)',
  'CREATE TABLE kv (key BLOB NOT NULL UNIQUE, history_id INTEGER NOT NULL, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL)',
  'CREATE INDEX kv_by_lease ON kv (lease) WHERE lease != 0',
  'CREATE TABLE lease (id INTEGER PRIMARY KEY, granted_ttl INTEGER NOT NULL, expiry_ms INTEGER NOT NULL)',
  'CREATE INDEX lease_by_expiry ON lease (expiry_ms)',
  'CREATE TABLE auth_user (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, roles TEXT NOT NULL) WITHOUT ROWID',
  'CREATE TABLE auth_role (name TEXT PRIMARY KEY, permissions TEXT NOT NULL) WITHOUT ROWID',
  'CREATE TABLE alarm (member_id TEXT NOT NULL, alarm TEXT NOT NULL, PRIMARY KEY (member_id, alarm)) WITHOUT ROWID',
]

describe('member database layout', () => {
  it("gives a version 2 file's dropped tables back when it brings it to the current schema: the file does not double (the quota counts free pages)", () => {
    const path = join(temporaryFolder(), 'infra1.db')
    const old = new Database(path)
    old.pragma('auto_vacuum = INCREMENTAL')
    old.pragma('journal_mode = WAL')
    for (const statement of versionTwoTables) old.exec(statement)
    const history = old.prepare('INSERT INTO kv_history (revision, sub_revision, key, value, create_revision, version, lease, tombstone) VALUES (?, 0, ?, ?, ?, 1, 0, 0)')
    const current = old.prepare('INSERT INTO kv VALUES (?, ?, ?, ?, 1, 0)')
    old.transaction(() => {
      for (let revision = 2; revision < 3_002; revision++) {
        const key = bytes(`/registry/configmaps/default/${revision}`)
        history.run(revision, key, new Uint8Array(1_024).fill(revision % 251), revision)
        current.run(key, revision - 1, revision, revision)
      }
    })()
    old.prepare("INSERT INTO meta VALUES ('revision', '3001')").run()
    old.pragma('user_version = 2')
    old.pragma('wal_checkpoint(TRUNCATE)')
    const pagesBefore = Number(old.pragma('page_count', {simple: true}))
    old.close()

    const database = MemberDatabase.open(path)
    try {
      expect(Number(database.db.pragma('user_version', {simple: true}))).toBe(schemaVersion)
      expect(Number(database.db.pragma('freelist_count', {simple: true}))).toBe(0)
      expect(Number(database.db.pragma('page_count', {simple: true}))).toBeLessThan(pagesBefore * 1.2)
    } finally {
      database.close()
    }
  })

  it('brings a version 2 file to the current schema: keys, revisions, sub-revisions and raft state as they were', () => {
    const path = join(temporaryFolder(), 'infra1.db')
    const old = new Database(path)
    old.pragma('auto_vacuum = INCREMENTAL')
    old.pragma('journal_mode = WAL')
    for (const statement of versionTwoTables) old.exec(statement)
    const history = old.prepare('INSERT INTO kv_history (revision, sub_revision, key, value, create_revision, version, lease, tombstone) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    history.run(2, 0, bytes('/a'), bytes('a1'), 2, 1, 0, 0)
    history.run(3, 0, bytes('/a'), bytes('a2'), 2, 2, 7, 0)
    history.run(3, 1, bytes('/b'), bytes('b1'), 3, 1, 0, 0)
    history.run(4, 0, bytes('/b'), new Uint8Array(), 0, 0, 0, 1)
    old.prepare('INSERT INTO kv VALUES (?, ?, ?, ?, ?, ?)').run(bytes('/a'), 2, 2, 3, 2, 7)
    old.prepare("INSERT INTO raft_hard_state VALUES (0, 5, 'a1b2', 9)").run()
    old.prepare(`INSERT INTO raft_snapshot VALUES (0, 8, 5, '{"voters":["a1b2"]}', X'')`).run()
    old.prepare("INSERT INTO raft_log VALUES (9, 5, 0, X'')").run()
    old.prepare("INSERT INTO meta VALUES ('revision', '4')").run()
    old.pragma('user_version = 2')
    old.close()

    const database = MemberDatabase.open(path)
    try {
      expect(Number(database.db.pragma('user_version', {simple: true}))).toBe(schemaVersion)
      // One B-tree per table and one index of a key's rows, no more: history rows keyed by their revision, raft's hard state a meta row.
      const trees = database.db.prepare("SELECT name FROM sqlite_master WHERE tbl_name IN ('kv', 'kv_history', 'raft_hard_state') AND rootpage > 0 ORDER BY name").pluck().all()
      expect(trees).toEqual(['kv', 'kv_by_lease', 'kv_history', 'kv_history_by_key_id'])
      const raft = database.loadRaftState()
      expect(raft.hardState).toEqual({term: 5, vote: 'a1b2', commit: 9})
      expect(raft.snapshot?.metadata).toEqual({index: 8, term: 5, confState: {voters: ['a1b2']}})
      expect(raft.entries.map((entry) => [entry.index, entry.term])).toEqual([[9, 5]])
      const current = database.kv.range({start: bytes('/'), end: bytes('0')}, 10)
      expect(current.map((entry) => [text(entry.key), text(entry.value), entry.createRevision, entry.modRevision, entry.version, entry.lease])).toEqual([['/a', 'a2', 2, 3, 2, 7n]])
      expect(text(database.kv.getAt(bytes('/a'), 2)!.value)).toBe('a1')
      expect(text(database.kv.getAt(bytes('/b'), 3)!.value)).toBe('b1')
      expect(database.kv.getAt(bytes('/b'), 4)).toBeNull()
      const changes = database.kv.history(3, 4, {start: bytes('/'), end: bytes('0')}, 10)
      expect(changes.map((row) => [text(row.key), row.modRevision, row.subRevision, row.tombstone])).toEqual([
        ['/a', 3, 0, false],
        ['/b', 3, 1, false],
        ['/b', 4, 0, true],
      ])
      expect(database.kv.keysWithLease(7n).map(text)).toEqual(['/a'])
      expect(database.integrityProblems()).toEqual([])
    } finally {
      database.close()
    }
  })


  it('brings a version 1 file to the current schema: current values, history and leases as they were', () => {
    const path = join(temporaryFolder(), 'infra1.db')
    const old = new Database(path)
    old.pragma('journal_mode = WAL')
    for (const statement of versionOneTables) old.exec(statement)
    const history = old.prepare('INSERT INTO kv_history VALUES (?, 0, ?, ?, ?, ?, ?, ?)')
    history.run(2, bytes('/a'), bytes('a1'), 2, 1, 0, 0)
    history.run(3, bytes('/a'), bytes('a2'), 2, 2, 7, 0)
    history.run(4, bytes('/b'), bytes('b1'), 4, 1, 0, 0)
    history.run(5, bytes('/b'), new Uint8Array(), 0, 0, 0, 1)
    old.prepare('INSERT INTO kv VALUES (?, ?, ?, ?, ?, ?)').run(bytes('/a'), bytes('a2'), 2, 3, 2, 7)
    old.pragma('user_version = 1')
    old.close()

    // A read-only view (a one-shot read) leaves the file alone and says why, so the caller opens a writer.
    expect(() => MemberDatabase.open(path, {readonly: true})).toThrow(expect.objectContaining({name: 'StorageError', code: 'SchemaOutdated'}))
    const database = MemberDatabase.open(path)
    try {
      MemberDatabase.open(path, {readonly: true}).close()
      expect(Number(database.db.pragma('user_version', {simple: true}))).toBe(schemaVersion)
      // Incremental vacuum, so that compaction can give pages back to the file system.
      expect(Number(database.db.pragma('auto_vacuum', {simple: true}))).toBe(2)
      const current = database.kv.range({start: bytes('/'), end: bytes('0')}, 10)
      expect(current.map((entry) => [text(entry.key), text(entry.value), entry.createRevision, entry.modRevision, entry.version, entry.lease])).toEqual([['/a', 'a2', 2, 3, 2, 7n]])
      expect(text(database.kv.getAt(bytes('/a'), 2)!.value)).toBe('a1')
      expect(text(database.kv.getAt(bytes('/b'), 4)!.value)).toBe('b1')
      expect(database.kv.getAt(bytes('/b'), 5)).toBeNull()
      expect(database.kv.keysWithLease(7n).map(text)).toEqual(['/a'])
      expect(database.integrityProblems()).toEqual([])
    } finally {
      database.close()
    }
  })

  it("brings a version 3 file to the current schema: a deleted key's history stays reachable, and compaction drops it", () => {
    const path = join(temporaryFolder(), 'infra1.db')
    const made = MemberDatabase.open(path)
    made.close()
    const old = new Database(path)
    old.exec('DROP TABLE kv; DROP TABLE kv_history')
    for (const statement of versionThreeTables) old.exec(statement)
    const history = old.prepare('INSERT INTO kv_history (id, key, value, create_revision, version, lease, tombstone) VALUES (?, ?, ?, ?, ?, ?, ?)')
    history.run(packed(2, 0), bytes('/a'), bytes('a1'), 2, 1, 0, 0)
    history.run(packed(3, 0), bytes('/a'), bytes('a2'), 2, 2, 7, 0)
    history.run(packed(3, 1), bytes('/b'), bytes('b1'), 3, 1, 0, 0)
    history.run(packed(4, 0), bytes('/b'), new Uint8Array(), 0, 0, 0, 1)
    old.prepare('INSERT INTO kv VALUES (?, ?, ?)').run(bytes('/a'), packed(3, 0), 7)
    old.pragma('user_version = 3')
    old.close()

    const database = MemberDatabase.open(path)
    try {
      expect(Number(database.db.pragma('user_version', {simple: true}))).toBe(schemaVersion)
      // History's index holds each key's number, not the key.
      expect(database.db.prepare("SELECT name FROM pragma_index_info('kv_history_by_key_id')").pluck().all()).toEqual(['key_id'])
      expect(database.kv.range({start: bytes('/'), end: bytes('0')}, 10).map((entry) => [text(entry.key), text(entry.value), entry.modRevision, entry.lease])).toEqual([['/a', 'a2', 3, 7n]])
      expect(database.kv.count({start: bytes('/'), end: bytes('0')})).toBe(1)
      expect(text(database.kv.getAt(bytes('/a'), 2)!.value)).toBe('a1')
      expect(text(database.kv.getAt(bytes('/b'), 3)!.value)).toBe('b1')
      expect(database.kv.getAt(bytes('/b'), 4)).toBeNull()
      expect(database.kv.rangeAt({start: bytes('/'), end: bytes('0')}, 3, 10).map((entry) => [text(entry.key), text(entry.value)])).toEqual([['/a', 'a2'], ['/b', 'b1']])
      expect(database.kv.countAt({start: bytes('/'), end: bytes('0')}, 3)).toBe(2)
      // The key deleted at revision 4 comes back at 5 with its number, so its old rows stay reachable.
      database.transaction(() => database.kv.put({key: bytes('/b'), value: bytes('b2'), createRevision: 5, modRevision: 5, version: 1, lease: 0n}, 0))
      expect(text(database.kv.getAt(bytes('/b'), 3)!.value)).toBe('b1')
      expect(text(database.kv.previous(bytes('/b'), 5, 0)?.value ?? new Uint8Array())).toBe('')
      database.transaction(() => database.kv.delete(bytes('/b'), 6, 0))
      expect(text(database.kv.getAt(bytes('/b'), 5)!.value)).toBe('b2')
      // Compaction past the last tombstone drops the deleted key's rows, and then the key itself.
      database.transaction(() => database.kv.compact(6, -1))
      expect(database.db.prepare('SELECT count(*) FROM kv').pluck().get()).toBe(1)
      expect(database.kv.rangeAt({start: bytes('/'), end: bytes('0')}, 6, 10).map((entry) => text(entry.key))).toEqual(['/a'])
      expect(database.integrityProblems()).toEqual([])
    } finally {
      database.close()
    }
  })

  it("writes a new key's entry of history's index at the index's end, a few bytes long, not the key", () => {
    const database = MemberDatabase.open(join(temporaryFolder(), 'infra1.db'))
    try {
      // etcdctl check perf's keys: 256 bytes that begin at random.
      const keys = Array.from({length: 300}, (_, index) => bytes(`${((index * 7919) % 1000).toString().padStart(3, '0')}/${'k'.repeat(252)}`))
      database.transaction(() => keys.forEach((key, index) => database.kv.put({key, value: bytes('v'), createRevision: index + 2, modRevision: index + 2, version: 1, lease: 0n}, 0)))
      const index = database.db.prepare("SELECT count(*) AS pages, sum(pgsize - unused) AS used FROM dbstat WHERE name = 'kv_history_by_key_id'").get() as {pages: number; used: number}
      // Keyed by the key (schema version 3), the 300 entries took 81,044 bytes over 25 pages.
      expect(index.used).toBeLessThan(300 * 20)
      expect(index.pages).toBeLessThanOrEqual(3)
    } finally {
      database.close()
    }
  })

  it('refuses a file of a newer schema to readers as to writers: its tables would read wrong', () => {
    const path = join(temporaryFolder(), 'infra1.db')
    MemberDatabase.open(path).close()
    const newer = new Database(path)
    newer.pragma(`user_version = ${schemaVersion + 1}`)
    newer.close()
    for (const readonly of [false, true]) {
      expect(() => MemberDatabase.open(path, {readonly})).toThrow(expect.objectContaining({name: 'StorageError', code: 'SchemaTooNew'}))
    }
  })

  it('keeps a current value once: kv points at its newest history row', () => {
    const database = MemberDatabase.open(join(temporaryFolder(), 'infra1.db'))
    try {
      database.transaction(() => database.kv.put({key: bytes('/k'), value: bytes('x'.repeat(3000)), createRevision: 2, modRevision: 2, version: 1, lease: 0n}, 0))
      const stored = database.db.prepare("SELECT sum(pgsize) AS bytes FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'kv' AND name != 'kv_by_lease')").get() as {bytes: number}
      // One page (a B-tree keyed by the key, no rowid table beside an index) holds the key; the value's 3,000 bytes are in history alone.
      expect(stored.bytes).toBeLessThanOrEqual(Number(database.db.pragma('page_size', {simple: true})))
      expect(text(database.kv.get(bytes('/k'))!.value)).toBe('x'.repeat(3000))
    } finally {
      database.close()
    }
  })
})

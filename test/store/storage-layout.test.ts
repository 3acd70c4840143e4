// A member's file keeps every value once, and a file written by the previous schema is brought
// to the current one when a writer opens it, with every key and revision as they were.
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {schemaVersion} from '../../src/core/storage/schema.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

/** The MVCC tables as schema version 1 made them: every current value also in kv, WITHOUT ROWID. */
const versionOneTables = [
  'CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL) WITHOUT ROWID',
  'CREATE INDEX kv_by_lease ON kv (lease) WHERE lease != 0',
  'CREATE TABLE kv_history (revision INTEGER NOT NULL, sub_revision INTEGER NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, create_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL, tombstone INTEGER NOT NULL, PRIMARY KEY (revision, sub_revision)) WITHOUT ROWID',
  'CREATE INDEX kv_history_by_key ON kv_history (key, revision, sub_revision)',
]

describe('member database layout', () => {
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

  it('keeps a current value once: kv points at its newest history row', () => {
    const database = MemberDatabase.open(join(temporaryFolder(), 'infra1.db'))
    try {
      database.transaction(() => database.kv.put({key: bytes('/k'), value: bytes('x'.repeat(3000)), createRevision: 2, modRevision: 2, version: 1, lease: 0n}, 0))
      const stored = database.db.prepare("SELECT sum(pgsize) AS bytes FROM dbstat WHERE name IN ('kv', 'sqlite_autoindex_kv_1')").get() as {bytes: number}
      // Two pages (the table and its key index) hold the key; the value's 3,000 bytes are in history alone.
      expect(stored.bytes).toBeLessThanOrEqual(2 * 4096)
      expect(text(database.kv.get(bytes('/k'))!.value)).toBe('x'.repeat(3000))
    } finally {
      database.close()
    }
  })
})

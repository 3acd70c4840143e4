// A deleted key stays in kv_deleted (with its number) while it has history, and compaction drops it
// with its last history row. Compaction finds those keys from the tombstones it drops, written
// since the previous compaction, instead of scanning every deleted key.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {dropKeysWithoutHistorySql} from '../../src/core/storage/kv-tables.js'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

function put(database: MemberDatabase, key: string, revision: number, createRevision = revision, version = 1): void {
  database.transaction(() => database.kv.put({key: bytes(key), value: bytes(`${key}@${revision}`), createRevision, modRevision: revision, version, lease: 0n}, 0))
}

function remove(database: MemberDatabase, key: string, revision: number): void {
  database.transaction(() => database.kv.delete(bytes(key), revision, 0))
}

/** Every key with history: current (kv) and deleted (kv_deleted). */
const keysInKv = (database: MemberDatabase) =>
  (database.db.prepare('SELECT key FROM kv UNION ALL SELECT key FROM kv_deleted ORDER BY key').pluck().all() as Buffer[]).map((key) => text(key))

describe('compaction and deleted keys', () => {
  it('drops a deleted key with its last history row, over successive compactions, and keeps every other', () => {
    const database = MemberDatabase.open(join(temporaryFolder(), 'infra1.db'))
    try {
      put(database, '/live', 2)
      put(database, '/gone-early', 3)
      remove(database, '/gone-early', 4)
      put(database, '/back', 5)
      remove(database, '/back', 6)
      put(database, '/back', 7)
      put(database, '/gone-late', 8)
      remove(database, '/gone-late', 9)
      database.transaction(() => database.kv.compact(5, -1))
      // Deleted at 4, before the compaction: no history left, so kv forgets it.
      expect(keysInKv(database)).toEqual(['/back', '/gone-late', '/live'])
      remove(database, '/live', 10)
      put(database, '/gone-late', 11)
      remove(database, '/gone-late', 12)
      database.transaction(() => database.kv.compact(11, 5))
      // /live's tombstone (10) and /gone-late's first one (9) are older than 11, but /gone-late's
      // newest (12) is not: it keeps its number and its row at 12; /back lives.
      expect(keysInKv(database)).toEqual(['/back', '/gone-late'])
      expect(text(database.kv.getAt(bytes('/gone-late'), 11)!.value)).toBe('/gone-late@11')
      database.transaction(() => database.kv.compact(12, 11))
      expect(keysInKv(database)).toEqual(['/back'])
      expect(text(database.kv.get(bytes('/back'))!.value)).toBe('/back@7')
      expect(database.integrityProblems()).toEqual([])
    } finally {
      database.close()
    }
  })

  it('finds the keys to drop by seeking the tombstones compacted, not by scanning kv', () => {
    const database = MemberDatabase.open(join(temporaryFolder(), 'infra1.db'))
    try {
      const plan = (database.db.prepare(`EXPLAIN QUERY PLAN ${dropKeysWithoutHistorySql}`).all({from: 0, below: 0}) as Array<{detail: string}>).map((row) => row.detail)
      expect(plan.some((detail) => /^SCAN kv_deleted\b/.test(detail)), plan.join('\n')).toBe(false)
      expect(plan.some((detail) => /^SEARCH kv_history USING INTEGER PRIMARY KEY/.test(detail)), plan.join('\n')).toBe(true)
    } finally {
      database.close()
    }
  })
})

// A DeleteRange of a span writes its tombstones and moves its keys to kv_deleted in the same
// transaction that removes them from kv: the moved keys take the pages kv let go of, so the file
// grows by the tombstones alone (before, kv_deleted's rows went to new pages at the file's end and
// kv's freed pages were written to the WAL as well). The tombstones keep their ids: consecutive,
// in key order, after the changes of the same revision before them.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

const keyCount = 3_000
/** Keys of check perf's size, whose order differs from the order they were written in. */
const keyOf = (index: number) => bytes(`/span/${((index * 7919) % keyCount).toString().padStart(6, '0')}${'k'.repeat(240)}`)
const span = {start: bytes('/span/'), end: bytes('/span0')}

const pages = (database: MemberDatabase, table: string) => Number((database.db.prepare('SELECT count(*) AS pages FROM dbstat WHERE name = ?').get(table) as {pages: number}).pages)

describe('deleting a span', () => {
  it('moves its keys into the pages kv let go of, and numbers its tombstones in key order after the revision changes before them', () => {
    const database = MemberDatabase.open(join(temporaryFolder(), 'infra1.db'))
    try {
      database.transaction(() => {
        for (let index = 0; index < keyCount; index++) database.kv.put({key: keyOf(index), value: bytes('v'), createRevision: 2, modRevision: 2, version: 1, lease: 0n}, index)
      })
      const kvPages = pages(database, 'kv')
      const filePages = () => Number(database.db.pragma('page_count', {simple: true}))
      const before = filePages()
      const historyPagesBefore = pages(database, 'kv_history')
      // One revision: a put (sub-revision 0), then the span's tombstones from sub-revision 1.
      database.transaction(() => {
        database.kv.put({key: bytes('/other'), value: bytes('x'), createRevision: 3, modRevision: 3, version: 1, lease: 0n}, 0)
        database.kv.deleteSpan(span, keyCount, 3, 1)
      })
      const tombstonePages = pages(database, 'kv_history') - historyPagesBefore
      // kv_deleted's rows fill the pages kv freed: the file grows by the tombstones' pages and a few more.
      expect(filePages() - before).toBeLessThan(tombstonePages + kvPages * 0.25)
      expect(pages(database, 'kv_deleted')).toBeGreaterThan(kvPages * 0.8)
      expect(database.kv.count(span)).toBe(0)
      const rows = database.kv.history(3, 3, {start: bytes('/'), end: null}, keyCount + 10)
      expect(rows.map((row) => row.subRevision)).toEqual(Array.from({length: keyCount + 1}, (_, index) => index))
      expect(text(rows[0]!.key)).toBe('/other')
      const tombstoneKeys = rows.slice(1).map((row) => Buffer.from(row.key))
      expect(rows.slice(1).every((row) => row.tombstone)).toBe(true)
      expect(tombstoneKeys).toEqual([...tombstoneKeys].sort(Buffer.compare))
      // Nothing else was left in history (the numbering holds no placeholder row).
      expect(Number((database.db.prepare("SELECT count(*) AS n FROM kv_history WHERE key = X''").get() as {n: number}).n)).toBe(0)
      // A deleted key keeps its number: put again, its history reads through.
      database.transaction(() => database.kv.put({key: keyOf(5), value: bytes('back'), createRevision: 4, modRevision: 4, version: 1, lease: 0n}, 0))
      expect(text(database.kv.getAt(keyOf(5), 2)!.value)).toBe('v')
      expect(database.kv.getAt(keyOf(5), 3)).toBeNull()
    } finally {
      database.close()
    }
  })
})

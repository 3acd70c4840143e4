// A range's cost follows the keys it can return, not the keys deleted in its span: deleted keys
// wait for compaction apart from the current ones (kv_deleted), so a range or a count over a prefix
// whose keys were all deleted walks only the current keys. Counted as the
// database pages a fresh connection reads from its files (pread() bytes of this thread: SQLite
// reads each page it visits, and a fresh connection has none cached), not as time.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

const deletedKeys = 20_000
/** Pages a read of a few current keys may visit: the B-trees' levels, a leaf or two of each, the schema. */
const pagesReadMax = 16

/** Bytes this thread has read through read()/pread() so far (page cache hits included). */
function bytesReadByThisThread(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/thread-self/io', 'utf8'))![1])
}

function pagesRead(database: MemberDatabase, read: () => unknown): number {
  const pageBytes = Number(database.db.pragma('page_size', {simple: true}))
  const before = bytesReadByThisThread()
  read()
  // The read of /proc itself counts too: less than a page.
  return Math.floor((bytesReadByThisThread() - before) / pageBytes)
}

const span = {start: bytes('/gone/'), end: bytes('/gone0')}
const name = (index: number) => `/gone/${index.toString().padStart(6, '0')}`

describe('ranges over deleted keys', () => {
  it('read the pages of the current keys only, however many keys of the span were deleted; past revisions still see them', () => {
    const path = join(temporaryFolder(), 'infra1.db')
    const writer = MemberDatabase.open(path)
    try {
      const keys = Array.from({length: deletedKeys}, (_, index) => bytes(name(index)))
      writer.transaction(() => keys.forEach((key, index) => writer.kv.put({key, value: bytes(`v${index}`), createRevision: 2, modRevision: 2, version: 1, lease: 0n}, index)))
      writer.transaction(() => writer.kv.deleteSpan(span, keys.length, 3, 0))
      writer.transaction(() => writer.kv.put({key: bytes('/gone/zzz'), value: bytes('live'), createRevision: 4, modRevision: 4, version: 1, lease: 0n}, 0))
      // A key deleted and put again is current once, with its history.
      writer.transaction(() => writer.kv.put({key: bytes(name(7)), value: bytes('back'), createRevision: 5, modRevision: 5, version: 1, lease: 0n}, 0))
    } finally {
      writer.close()
    }

    for (const check of [
      (database: MemberDatabase) => expect(database.kv.range(span, 10).map((entry) => [text(entry.key), text(entry.value)])).toEqual([[name(7), 'back'], ['/gone/zzz', 'live']]),
      (database: MemberDatabase) => expect(database.kv.count(span)).toBe(2),
    ]) {
      const reader = MemberDatabase.open(path, {readonly: true})
      try {
        expect(pagesRead(reader, () => check(reader))).toBeLessThanOrEqual(pagesReadMax)
      } finally {
        reader.close()
      }
    }

    const database = MemberDatabase.open(path, {readonly: true})
    try {
      // At revision 2 every key was there; at 3 none; the one put again keeps its older row.
      expect(database.kv.countAt(span, 2)).toBe(deletedKeys)
      expect(database.kv.rangeAt(span, 2, 3).map((entry) => text(entry.key))).toEqual([name(0), name(1), name(2)])
      expect(database.kv.countAt(span, 3)).toBe(0)
      expect(database.kv.rangeAt(span, 5, 10).map((entry) => text(entry.key))).toEqual([name(7), '/gone/zzz'])
      expect(text(database.kv.getAt(bytes(name(7)), 2)!.value)).toBe('v7')
      expect(database.kv.getAt(bytes(name(8)), 3)).toBeNull()
      expect(text(database.kv.getAt(bytes(name(8)), 2)!.value)).toBe('v8')
      expect(database.integrityProblems()).toEqual([])
    } finally {
      database.close()
    }
  })

  it('compaction forgets a deleted key with its last history row, and a key put again after it starts over', () => {
    const database = MemberDatabase.open(join(temporaryFolder(), 'infra1.db'))
    try {
      database.transaction(() => database.kv.put({key: bytes('/k'), value: bytes('one'), createRevision: 2, modRevision: 2, version: 1, lease: 0n}, 0))
      database.transaction(() => database.kv.delete(bytes('/k'), 3, 0))
      const deleted = () => database.db.prepare('SELECT count(*) FROM kv_deleted').pluck().get()
      expect(deleted()).toBe(1)
      database.transaction(() => database.kv.compact(3, -1))
      expect(deleted()).toBe(0)
      database.transaction(() => database.kv.put({key: bytes('/k'), value: bytes('two'), createRevision: 4, modRevision: 4, version: 1, lease: 0n}, 0))
      expect(text(database.kv.get(bytes('/k'))!.value)).toBe('two')
      expect(database.kv.getAt(bytes('/k'), 3)).toBeNull()
      expect(database.integrityProblems()).toEqual([])
    } finally {
      database.close()
    }
  })
})

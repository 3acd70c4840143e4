// A member's transactions and savepoints (every apply of a txn request runs in one) reuse one
// transaction function instead of having better-sqlite3 build one per call (about as long as the
// savepoint itself), with the same outcomes: a failed inner part rolls back alone, a failed
// outer transaction rolls back whole, values come back, reads see one commit.
import {join} from 'node:path'
import {describe, expect, it, vi} from 'vitest'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {temporaryFolder} from '../support/temp.js'

describe("a member database's transactions", () => {
  it('nest as savepoints, roll back what failed, and build no transaction function per call', () => {
    const database = MemberDatabase.open(join(temporaryFolder(), 'infra1.db'))
    try {
      const built = vi.spyOn(database.db, 'transaction')
      const result = database.transaction(() => {
        database.setMeta('outer', '1')
        expect(() =>
          database.transaction(() => {
            database.setMeta('inner', '1')
            throw new Error('inner failed')
          }),
        ).toThrow('inner failed')
        database.transaction(() => database.setMeta('kept', '1'))
        return 'done'
      })
      expect(result).toBe('done')
      expect([database.getMeta('outer'), database.getMeta('inner'), database.getMeta('kept')]).toEqual(['1', null, '1'])
      expect(() =>
        database.transaction(() => {
          database.setMeta('outer', '2')
          throw new Error('outer failed')
        }),
      ).toThrow('outer failed')
      expect(database.getMeta('outer')).toBe('1')
      expect(database.readConsistently(() => [database.getMeta('outer'), database.getMeta('kept')])).toEqual(['1', '1'])
      expect(built).not.toHaveBeenCalled()
    } finally {
      database.close()
    }
  })
})

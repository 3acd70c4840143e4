// A member's WAL keeps the blocks it grew to when a checkpoint restarts it: the frames that follow
// overwrite them, so a WAL fsync flushes data without changing the file's size (a size change makes
// the fsync commit the file system's journal, which waits behind every dirty block ordered before
// it). Measured as the WAL file's size on disk, with a second connection restarting the WAL as the
// checkpointer's thread does.
import {statSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {bytes, temporaryFolder} from '../support/temp.js'

/** What one transaction writes: about 11 MiB of WAL, more than SQLite's default WAL size between checkpoints (1,000 pages) and less than the leader's between two restarts. */
const valuesWritten = 2_500
const value = new Uint8Array(4096).fill(7)

describe("a member's WAL", () => {
  it('keeps the size it grew to when a checkpoint restarts it', () => {
    const path = join(temporaryFolder(), 'infra1.db')
    const writer = MemberDatabase.open(path)
    const checkpointer = new Database(path, {fileMustExist: true})
    try {
      writer.transaction(() => {
        for (let index = 0; index < valuesWritten; index++) {
          writer.kv.put({key: bytes(`/big/${index}`), value, createRevision: 2, modRevision: 2, version: 1, lease: 0n}, index)
        }
      }, {durable: false})
      const grown = statSync(`${path}-wal`).size
      expect(grown).toBeGreaterThan(valuesWritten * value.length)
      // As the checkpointer's round ends: every frame copied, the next write starts the WAL over.
      const [result] = checkpointer.pragma('wal_checkpoint(RESTART)') as Array<{busy: number}>
      expect(result!.busy).toBe(0)
      writer.transaction(() => writer.kv.put({key: bytes('/small'), value: bytes('x'), createRevision: 3, modRevision: 3, version: 1, lease: 0n}, 0), {durable: false})
      expect(statSync(`${path}-wal`).size).toBe(grown)
    } finally {
      checkpointer.close()
      writer.close()
    }
  })
})

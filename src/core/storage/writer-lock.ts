import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {StorageError, guarded} from './errors.js'

export const writerLockFileName = 'writer.lock'

/**
 * The cluster's writer lock: an exclusive SQLite lock on a small file. The operating system
 * drops it when the holding process dies, so a crash never leaves the cluster locked.
 */
export class WriterLock {
  private constructor(private readonly db: Database.Database) {}

  /** Waits up to `waitMilliseconds` for the lock; throws StorageError 'Locked' when it stays held. */
  static acquire(folder: string, waitMilliseconds: number): WriterLock {
    mkdirSync(folder, {recursive: true})
    const path = join(folder, writerLockFileName)
    return guarded(path, () => {
      const db = new Database(path)
      try {
        db.pragma(`busy_timeout = ${waitMilliseconds}`)
        db.pragma('journal_mode = DELETE')
        db.pragma('locking_mode = EXCLUSIVE')
        // The first write under EXCLUSIVE locking mode takes the lock and keeps it until close.
        db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder; INSERT INTO holder VALUES (' + process.pid + '); COMMIT')
        return new WriterLock(db)
      } catch (error) {
        db.close()
        const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as {code: unknown}).code) : ''
        if (code.startsWith('SQLITE_BUSY')) {
          throw new StorageError('Locked', `the cluster in ${folder} is busy: another kubemu process holds its writer lock`, path, {cause: error})
        }
        throw error
      }
    })
  }

  /** Whether another process holds the lock right now. Probes without writing (no fsync). */
  static heldElsewhere(folder: string): boolean {
    mkdirSync(folder, {recursive: true})
    const path = join(folder, writerLockFileName)
    return guarded(path, () => {
      const db = new Database(path)
      try {
        db.pragma('busy_timeout = 0')
        db.exec('BEGIN EXCLUSIVE')
        db.exec('ROLLBACK')
        return false
      } catch (error) {
        const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as {code: unknown}).code) : ''
        if (code.startsWith('SQLITE_BUSY')) return true
        throw error
      } finally {
        db.close()
      }
    })
  }

  release(): void {
    this.db.close()
  }
}

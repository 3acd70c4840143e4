import {close as closeFile, existsSync, fdatasync, mkdirSync, openSync} from 'node:fs'
import {dirname} from 'node:path'
import Database from 'better-sqlite3'
import type {ConfState, Entry, EntryType, HardState, Snapshot} from '../raft/types.js'
import {assert, InvariantError} from '../util/assert.js'
import {StorageError, guarded} from './errors.js'
import {AuthTables} from './auth-tables.js'
import {checkpointsAwaited, commitsBeforeBackgroundCheckpoints, releaseCheckpoints, walAutocheckpointPagesMax, watchCheckpoints} from './checkpointer.js'
import {KvTables} from './kv-tables.js'
import {metaRaftHardState, schemaMigrations, schemaStatements, schemaVersion} from './schema.js'

export interface MemberIdentity {
  readonly clusterId: string
  readonly memberId: string
  readonly name: string
}

export interface PersistedRaftState {
  readonly hardState: HardState
  readonly snapshot: Snapshot | null
  readonly entries: Entry[]
}

export interface OpenOptions {
  readonly readonly?: boolean
  /** Wait this long for another process's write lock before giving up. */
  readonly busyTimeoutMilliseconds?: number
}

const busyTimeoutMillisecondsDefault = 5000
/**
 * SQLite's page cache of a member's writer (2 MiB by default): keys written at random touch pages
 * all over the tables, and the API server reads back the objects it writes. Not larger: when a
 * B-tree split reorders sibling pages, SQLite parks a page for a moment at the number of the
 * lock-byte page (1 GiB into the file), and the commit that follows walks the whole cache to drop
 * what lies past the end of the file. Random keys split pages often, so that walk grows with the
 * cache: at 32 MiB it took about a tenth of `up`'s CPU under etcdctl's `check perf`.
 */
export const pageCacheKibibytes = 8 * 1024
/** How many raft log rows one load reads at most; compaction keeps the log well below it. */
export const raftLogLoadEntriesMax = 1_000_000

/**
 * The WAL file's size SQLite truncates it back to once a checkpoint has copied it into the
 * database. Under load a member's WAL grows past a few MiB between two restarts of the WAL (one
 * big DeleteRange alone writes tens of MiB); truncated back each time, it was extended again and
 * its blocks allocated again. Kept at 64 MiB (the size of one of etcd's preallocated WAL files;
 * etcd keeps up to five), the store took slightly less CPU per put (median 72.5 against 78.5 ms per
 * 1,000 puts in bench/ready-writes, overlapping ranges); fsync latency did not measurably change.
 * The cost: up to 64 MiB per member on disk while `up` runs (the file goes when the member closes).
 */
export const walKeptBytesMax = 64 * 1024 * 1024

/** Creates the tables of a new file, or brings an older file's up to this schema. */
function migrate(db: Database.Database, current: number): void {
  db.transaction(() => {
    for (let version = current + 1; current > 0 && version <= schemaVersion; version++) {
      for (const statement of schemaMigrations.get(version) ?? []) db.exec(statement)
    }
    // Then every table of this schema that is still missing (all of them in a new file).
    for (const statement of schemaStatements) db.exec(statement)
    db.pragma(`user_version = ${schemaVersion}`)
  })()
  // A migration copies tables and drops the old ones: their pages go back to the file system, or
  // the file would double and the quota (which counts free pages, as etcd's db size does) trip.
  if (current > 0 && Number(db.pragma('auto_vacuum', {simple: true})) === autoVacuumIncremental) db.pragma('incremental_vacuum')
  // A file made before incremental vacuum switches to it by being rewritten, once.
  if (Number(db.pragma('auto_vacuum', {simple: true})) !== autoVacuumIncremental) {
    db.pragma('auto_vacuum = INCREMENTAL')
    db.exec('VACUUM')
  }
}

/** Free pages a file keeps for its next writes whatever its size (256 KiB of 4 KiB pages), and as a share of the pages in use. */
export const freePagesKeptMin = 64
export const freePagesKeptShareOfInUse = 1 / 16

/** SQLite's auto_vacuum mode number for INCREMENTAL. */
const autoVacuumIncremental = 2

/**
 * One etcd member's durable state in one SQLite file (WAL mode). Raft's writes use
 * synchronous=FULL: a Ready batch is on disk before any of its messages leave.
 */
export class MemberDatabase {
  readonly kv: KvTables
  readonly auth: AuthTables
  private readonly statements
  /**
   * Runs its argument in a transaction (a savepoint inside one): made once, since
   * db.transaction() builds a new function and its variants at each call, which cost about as
   * much as the savepoint itself (11 of 12 µs), and every apply of a txn request runs in one.
   */
  private readonly runTransaction: Database.Transaction<<T>(work: () => T) => T>
  /** Write transactions committed, until checkpoints move to the background. */
  private commits = 0
  private checkpointsInBackground = false

  private constructor(
    readonly path: string,
    readonly db: Database.Database,
    private readonly writable: boolean,
    private readonly busyTimeoutMilliseconds: number,
  ) {
    this.kv = new KvTables(db, path)
    this.auth = new AuthTables(db, path)
    this.runTransaction = db.transaction(<T>(work: () => T): T => work())
    this.statements = guarded(path, () => ({
      getMeta: db.prepare<[string], {value: string}>('SELECT value FROM meta WHERE name = ?'),
      setMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      deleteMeta: db.prepare('DELETE FROM meta WHERE name = ?'),
      snapshot: db.prepare<[], {snapshot_index: number; term: number; conf_state: string; data: Buffer}>(
        'SELECT snapshot_index, term, conf_state, data FROM raft_snapshot WHERE singleton = 0',
      ),
      setSnapshot: db.prepare(
        'INSERT INTO raft_snapshot (singleton, snapshot_index, term, conf_state, data) VALUES (0, ?, ?, ?, ?) ON CONFLICT (singleton) DO UPDATE SET snapshot_index = excluded.snapshot_index, term = excluded.term, conf_state = excluded.conf_state, data = excluded.data',
      ),
      entries: db.prepare<[number, number], {log_index: number; term: number; entry_type: number; data: Buffer}>(
        'SELECT log_index, term, entry_type, data FROM raft_log WHERE log_index > ? ORDER BY log_index LIMIT ?',
      ),
      deleteEntriesFrom: db.prepare('DELETE FROM raft_log WHERE log_index >= ?'),
      deleteEntriesThrough: db.prepare('DELETE FROM raft_log WHERE log_index <= ?'),
      insertEntry: db.prepare('INSERT INTO raft_log (log_index, term, entry_type, data) VALUES (?, ?, ?, ?)'),
    }))
  }

  static open(path: string, options: OpenOptions = {}): MemberDatabase {
    return guarded(path, () => {
      if (!options.readonly) mkdirSync(dirname(path), {recursive: true})
      const db = new Database(path, {readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false})
      const busyTimeoutMilliseconds = options.busyTimeoutMilliseconds ?? busyTimeoutMillisecondsDefault
      try {
        db.pragma(`busy_timeout = ${busyTimeoutMilliseconds}`)
        if (!options.readonly) {
          // Only a file without tables takes it: pages freed by compaction can then go back to the file system.
          if (Number(db.pragma('page_count', {simple: true})) === 0) db.pragma('auto_vacuum = INCREMENTAL')
          db.pragma('journal_mode = WAL')
          db.pragma(`journal_size_limit = ${walKeptBytesMax}`)
          db.pragma('synchronous = FULL')
          db.pragma(`cache_size = -${pageCacheKibibytes}`)
          const current = Number(db.pragma('user_version', {simple: true}))
          if (current > schemaVersion) {
            throw new StorageError('SchemaTooNew', `${path}: written by a newer kubemu (schema ${current}, this one knows ${schemaVersion})`, path)
          }
          if (current < schemaVersion) migrate(db, current)
        } else {
          // Reads the header, so a file that is not a database fails here, not later.
          const current = Number(db.pragma('user_version', {simple: true}))
          // A newer layout read with this one's statements would miscount (deleted keys kept in kv).
          if (current > schemaVersion) throw new StorageError('SchemaTooNew', `${path}: written by a newer kubemu (schema ${current}, this one knows ${schemaVersion})`, path)
          if (current < schemaVersion) throw new StorageError('SchemaOutdated', `${path}: schema ${current}, brought up to ${schemaVersion} by the next command that writes`, path)
        }
        return new MemberDatabase(path, db, !(options.readonly ?? false), busyTimeoutMilliseconds)
      } catch (error) {
        db.close()
        throw error
      }
    })
  }

  close(): void {
    if (this.checkpointsInBackground) releaseCheckpoints(this.path)
    this.closed = true
    if (this.walFile !== null && !this.walSyncing) closeFile(this.walFile, () => {})
    // A descriptor closed here (or by the fsync in flight) is never used again: its number may
    // already name another file.
    if (!this.walSyncing) this.walFile = null
    guarded(this.path, () => this.db.close())
  }

  private closed = false
  /** The WAL file, opened by its own descriptor for fsync (Linux syncs the file, whichever descriptor names it). */
  private walFile: number | null = null
  private walSyncing = false
  /** Whether tryBeginWrite() waits for a lock the checkpointer holds (a seeded cluster's members, whose Readies must not depend on its timing). */
  waitsForWriteLock = false

  /**
   * fsyncs the WAL from libuv's thread pool, beside the event loop (and beside other members'
   * fsyncs): when `done` runs without an error, every transaction committed before the call is
   * on disk, as a synchronous=FULL commit would have left it. SQLite writes its WAL with write()
   * in commit order; its own checkpoints, at synchronous=NORMAL, sync the WAL first.
   */
  syncWal(done: (error: StorageError | null) => void): void {
    assert(!this.walSyncing, 'one WAL fsync at a time per database')
    let file: number
    try {
      // After close, a descriptor of its own for this one fsync (what was committed before the
      // close must still reach the disk); a WAL the last connection's checkpoint removed needs none.
      if (this.closed && !existsSync(`${this.path}-wal`)) {
        queueMicrotask(() => done(null))
        return
      }
      file = this.closed ? openSync(`${this.path}-wal`, 'r') : (this.walFile ??= openSync(`${this.path}-wal`, 'r'))
    } catch (error) {
      done(new StorageError('IO', `${this.path}: cannot open the WAL to sync it (${error instanceof Error ? error.message : String(error)})`, this.path, {cause: error}))
      return
    }
    this.walSyncing = true
    fdatasync(file, (error) => {
      this.walSyncing = false
      if (this.closed) {
        closeFile(file, () => {})
        if (this.walFile === file) this.walFile = null
      }
      done(error ? new StorageError('IO', `${this.path}: fsync of the WAL failed (${error.message})`, this.path, {cause: error}) : null)
    })
  }

  /** etcd's defragment: rewrites the file without its free pages. */
  defragment(): void {
    this.kv.forgetSize()
    guarded(this.path, () => {
      this.db.exec('VACUUM')
      this.db.pragma('wal_checkpoint(TRUNCATE)')
    })
  }

  /**
   * Gives the file's free pages back to the file system beyond a reserve kept for the writes to
   * come (a sixteenth of the pages in use), after compaction or a raft log cut frees many at once,
   * so that the file stays near the data it holds. Inside a transaction.
   */
  releaseFreePages(): void {
    this.kv.forgetSize()
    guarded(this.path, () => {
      const free = Number(this.db.pragma('freelist_count', {simple: true}))
      if (free <= freePagesKeptMin) return
      const inUse = Number(this.db.pragma('page_count', {simple: true})) - free
      const kept = Math.max(freePagesKeptMin, Math.floor(inUse * freePagesKeptShareOfInUse))
      if (free > kept) this.db.pragma(`incremental_vacuum(${free - kept})`)
    })
  }

  /** Changes whenever another connection commits to this file (SQLite's data_version). */
  dataVersion(): number {
    return guarded(this.path, () => Number(this.db.pragma('data_version', {simple: true})))
  }

  /**
   * Runs `work` in one write transaction: all of it happens, or none of it. `durable` (the
   * default) fsyncs the commit; without it the commit reaches disk with the next durable one or syncWal()
   * (WAL order), which is enough for state that the raft log can rebuild.
   */
  transaction<T>(work: () => T, options: {durable?: boolean} = {}): T {
    this.kv.forgetSize()
    return guarded(this.path, () => {
      if (this.db.inTransaction) return this.runTransaction.immediate(work) as T
      this.setSynchronous(options.durable ?? true)
      const result = this.runTransaction.immediate(work) as T
      this.countCommit()
      return result
    })
  }

  /**
   * Opens a write transaction without waiting for the write lock: false (and no transaction)
   * while another connection holds it, which is the checkpointer restarting the WAL (see
   * checkpointer.ts) for as long as its sync of the database file takes. The event loop must
   * not sleep in SQLite's busy handler meanwhile: the caller tries again a moment later. Close
   * the transaction with endWrite(). Not durable: its commit reaches disk with syncWal().
   * With `waitsForWriteLock` it waits for the lock instead (within the busy timeout).
   */
  tryBeginWrite(): boolean {
    return guarded(this.path, () => {
      assert(!this.db.inTransaction, 'a write transaction begins outside any other')
      this.setSynchronous(false)
      if (this.waitsForWriteLock) {
        // Within the busy timeout: a lock held longer is a storage error, as for any other write.
        this.writeStatements.begin.run()
        return true
      }
      this.writeStatements.busyTimeoutNone.run()
      try {
        this.writeStatements.begin.run()
        return true
      } catch (error) {
        if ((error as {code?: unknown}).code === 'SQLITE_BUSY') return false
        throw error
      } finally {
        this.writeStatements.busyTimeoutDefault.run()
      }
    })
  }

  /** Whether a write transaction is open on this connection. */
  get writing(): boolean {
    return this.db.inTransaction
  }

  /** Commits (or, after a failure, rolls back) the transaction tryBeginWrite() opened. */
  endWrite(commit: boolean): void {
    guarded(this.path, () => {
      if (!this.db.inTransaction) return
      if (commit) {
        try {
          this.writeStatements.commit.run()
        } catch (error) {
          // Not committed: the size remembered inside the transaction is not the file's.
          this.kv.forgetSize()
          throw error
        }
        this.countCommit()
      } else {
        this.kv.forgetSize()
        this.writeStatements.rollback.run()
      }
    })
  }

  private writeStatementsPrepared: {begin: Database.Statement; commit: Database.Statement; rollback: Database.Statement; busyTimeoutNone: Database.Statement; busyTimeoutDefault: Database.Statement} | null = null

  private get writeStatements() {
    return (this.writeStatementsPrepared ??= {
      begin: this.db.prepare('BEGIN IMMEDIATE'),
      commit: this.db.prepare('COMMIT'),
      rollback: this.db.prepare('ROLLBACK'),
      busyTimeoutNone: this.db.prepare('PRAGMA busy_timeout = 0'),
      busyTimeoutDefault: this.db.prepare(`PRAGMA busy_timeout = ${this.busyTimeoutMilliseconds}`),
    })
  }

  /**
   * Runs reads in one read transaction: they all see the same commit, even while another
   * connection (a member's thread) writes to the file.
   */
  readConsistently<T>(work: () => T): T {
    return guarded(this.path, () => (this.db.inTransaction ? work() : (this.runTransaction.deferred(work) as T)))
  }

  /** A database that keeps writing checkpoints from the background (see checkpointer.ts). */
  private countCommit(): void {
    if (this.checkpointsInBackground || !this.writable || ++this.commits < commitsBeforeBackgroundCheckpoints) return
    this.checkpointsInBackground = true
    this.db.pragma(`wal_autocheckpoint = ${walAutocheckpointPagesMax}`)
    watchCheckpoints(this.path, this.writesAwaitedNow)
  }

  private writesAwaitedNow = false

  /**
   * Whether requests wait on this file's writes (its member leads): the checkpointer then
   * restarts its WAL less often, since each restart makes the writes wait (see checkpointer.ts).
   */
  writesAwaited(awaited: boolean): void {
    if (awaited === this.writesAwaitedNow) return
    this.writesAwaitedNow = awaited
    if (this.checkpointsInBackground) checkpointsAwaited(this.path, awaited)
  }

  private synchronousFull = true

  private setSynchronous(full: boolean): void {
    if (full === this.synchronousFull) return
    this.db.pragma(`synchronous = ${full ? 'FULL' : 'NORMAL'}`)
    this.synchronousFull = full
  }

  // ---- identity and metadata ---------------------------------------------------------------

  getMeta(name: string): string | null {
    return guarded(this.path, () => this.statements.getMeta.get(name)?.value ?? null)
  }

  setMeta(name: string, value: string): void {
    if (!this.db.inTransaction) this.kv.forgetSize()
    guarded(this.path, () => this.statements.setMeta.run(name, value))
  }

  deleteMeta(name: string): void {
    if (!this.db.inTransaction) this.kv.forgetSize()
    guarded(this.path, () => this.statements.deleteMeta.run(name))
  }

  /** Stamps a new database with its member's identity, or checks that it is the member expected. */
  ensureIdentity(identity: MemberIdentity): void {
    const clusterId = this.getMeta('cluster_id')
    const memberId = this.getMeta('member_id')
    if (clusterId === null && memberId === null) {
      this.transaction(() => {
        this.setMeta('cluster_id', identity.clusterId)
        this.setMeta('member_id', identity.memberId)
        this.setMeta('member_name', identity.name)
      })
      return
    }
    if (clusterId !== identity.clusterId || memberId !== identity.memberId) {
      throw new StorageError(
        'WrongCluster',
        `${this.path}: belongs to member ${memberId ?? '?'} of cluster ${clusterId ?? '?'}, not to member ${identity.memberId} (${identity.name}) of cluster ${identity.clusterId}`,
        this.path,
      )
    }
  }

  /** SQLite's own consistency check; returns the problems it found (none when healthy). */
  integrityProblems(): string[] {
    return guarded(this.path, () => {
      const rows = this.db.pragma('integrity_check') as Array<{integrity_check: string}>
      return rows.map((row) => row.integrity_check).filter((line) => line !== 'ok')
    })
  }

  /** SQLite's quick check; a damaged file becomes a clear Corrupt error instead of wrong data. */
  verify(): void {
    const problems = guarded(this.path, () => (this.db.pragma('quick_check(5)') as Array<{quick_check: string}>).map((row) => row.quick_check).filter((line) => line !== 'ok'))
    if (problems.length > 0) throw new StorageError('Corrupt', `${this.path}: the database file is corrupt (${problems.join('; ')})`, this.path)
  }

  // ---- raft --------------------------------------------------------------------------------

  loadHardState(): HardState {
    const text = this.getMeta(metaRaftHardState)
    return text === null ? {term: 0, vote: '', commit: 0} : (JSON.parse(text) as HardState)
  }

  loadRaftState(): PersistedRaftState {
    const hardState = this.loadHardState()
    return guarded(this.path, () => {
      const snapshotRow = this.statements.snapshot.get()
      const snapshot: Snapshot | null = snapshotRow
        ? {
            metadata: {index: snapshotRow.snapshot_index, term: snapshotRow.term, confState: JSON.parse(snapshotRow.conf_state) as ConfState},
            data: new Uint8Array(snapshotRow.data),
          }
        : null
      const after = snapshot?.metadata.index ?? 0
      const entries = this.statements.entries.all(after, raftLogLoadEntriesMax).map(
        (row): Entry => ({index: row.log_index, term: row.term, type: row.entry_type as EntryType, data: new Uint8Array(row.data)}),
      )
      for (let position = 0; position < entries.length; position++) {
        if (entries[position]!.index !== after + 1 + position) {
          throw new StorageError('Corrupt', `${this.path}: the raft log has a gap before index ${entries[position]!.index}`, this.path)
        }
      }
      return {hardState, snapshot, entries}
    })
  }

  /** Persists one Ready's raft state. Call inside transaction() together with anything else. */
  persistRaft(hardState: HardState | null, entries: readonly Entry[], snapshot: Snapshot | null): void {
    if (snapshot) {
      this.saveSnapshot(snapshot)
      this.statements.deleteEntriesFrom.run(0)
    }
    if (entries.length > 0) {
      // Raft hands over a run of the log: consecutive indexes, terms that never go down.
      for (let i = 1; i < entries.length; i++) {
        const entry = entries[i]!
        const before = entries[i - 1]!
        if (!(entry.index === before.index + 1 && entry.term >= before.term)) throw new InvariantError(`raft entries to persist run on: (index ${before.index}, term ${before.term}) then (index ${entry.index}, term ${entry.term})`)
      }
      this.statements.deleteEntriesFrom.run(entries[0]!.index)
      for (const entry of entries) this.statements.insertEntry.run(entry.index, entry.term, entry.type, entry.data)
    }
    if (hardState) this.setMeta(metaRaftHardState, JSON.stringify({term: hardState.term, vote: hardState.vote, commit: hardState.commit} satisfies HardState))
  }

  /** A snapshot taken locally at an applied index: entries it covers are no longer needed. */
  compactRaftLog(snapshot: Snapshot): void {
    this.transaction(() => {
      this.saveSnapshot(snapshot)
      this.statements.deleteEntriesThrough.run(snapshot.metadata.index)
      this.releaseFreePages()
    })
  }

  private saveSnapshot(snapshot: Snapshot): void {
    const {index, term, confState} = snapshot.metadata
    assert(index > 0, 'a snapshot has a positive index')
    this.statements.setSnapshot.run(index, term, JSON.stringify(confState), snapshot.data)
  }
}

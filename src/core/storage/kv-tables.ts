import type Database from 'better-sqlite3'
import {guarded} from './errors.js'
import {assert} from '../util/assert.js'
import {revisionMax, stateMachineTables, subRevisionBits, versionFourDeletedKeysMoved} from './schema.js'

/** A key's state at one revision, as etcd's mvccpb.KeyValue. Keys and values are raw bytes. */
export interface StoredKeyValue {
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly createRevision: number
  readonly modRevision: number
  readonly version: number
  readonly lease: bigint
}

export interface HistoryRow extends StoredKeyValue {
  readonly subRevision: number
  readonly tombstone: boolean
}

/** [start, end) in byte order; `end` null means every key from `start` on. */
export interface KeySpan {
  readonly start: Uint8Array
  readonly end: Uint8Array | null
}

export interface StoredLease {
  readonly id: bigint
  readonly grantedTtl: number
  readonly expiryMilliseconds: number
}

interface KvRow {
  key: Buffer
  value: Buffer
  create_revision: bigint
  mod_revision: bigint
  version: bigint
  lease: bigint
}

interface HistoryDbRow extends KvRow {
  sub_revision: bigint
  tombstone: bigint
}

const empty = new Uint8Array()
const subRevisionMask = 2 ** subRevisionBits - 1

/** A history row's id: its revision and sub-revision packed (see subRevisionBits). */
function historyId(revision: number, subRevision: number): bigint {
  return (BigInt(revision) << BigInt(subRevisionBits)) + BigInt(subRevision)
}

/** The first history id after every row of `revision` (ids below it are of that revision or older). */
function historyIdAfter(revision: number): bigint {
  return historyId(Math.min(revision, revisionMax) + 1, 0)
}
/** The largest key any span can reach: no key sorts after 0xff repeated this long in practice. */
const spanEndless = Buffer.alloc(4096, 0xff)

function keyValue(row: KvRow): StoredKeyValue {
  return {
    key: row.key,
    value: row.value,
    createRevision: Number(row.create_revision),
    modRevision: Number(row.mod_revision),
    version: Number(row.version),
    lease: row.lease,
  }
}

function historyRow(row: HistoryDbRow): HistoryRow {
  return {...keyValue(row), subRevision: Number(row.sub_revision), tombstone: row.tombstone !== 0n}
}

/**
 * The deleted keys whose every history row a compaction drops (run before it, from @from, the
 * previous compaction's first history id after it, to @below, this one's): a deleted key's newest
 * row is its tombstone, so its rows all go when that one is older than the compaction's revision.
 * Such tombstones are all newer than the previous compaction's (which dropped the older ones): the
 * seek covers the history written since, not every deleted key nor older history.
 */
export const dropKeysWithoutHistorySql = `
  DELETE FROM kv_deleted WHERE key IN (SELECT key FROM kv_history WHERE id >= @from AND id < @below AND tombstone = 1)
    AND NOT EXISTS (SELECT 1 FROM kv_history n WHERE n.key_id = kv_deleted.key_id AND n.id >= @below)`

/** A key's number, current or deleted (null: the key has no history). */
const keyIdOf = (key: string) => `coalesce((SELECT key_id FROM kv WHERE key = ${key}), (SELECT key_id FROM kv_deleted WHERE key = ${key}))`

/** The SQL of the MVCC state machine: current values, history, leases, auth and alarms. */
export class KvTables {
  private readonly statements
  /** Prepared once: db.pragma() prepares its statement again at each call, and every write checks the size (the quota). */
  private readonly pageCount

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {
    const prepare = <R>(sql: string) => db.prepare<unknown[], R>(sql).safeIntegers(true)
    const revision = `h.id >> ${subRevisionBits}`
    const currentColumns = `k.key AS key, h.value AS value, h.create_revision AS create_revision, ${revision} AS mod_revision, h.version AS version, h.lease AS lease`
    const historyColumns = `h.key AS key, h.value AS value, h.create_revision AS create_revision, ${revision} AS mod_revision, h.version AS version, h.lease AS lease, h.id & ${subRevisionMask} AS sub_revision, h.tombstone AS tombstone`
    // The newest row of each key at or before a revision, unless a tombstone: the keys of the
    // span, current (kv) and deleted with history left (kv_deleted), then for each one seek of the
    // index of its rows (kv_history_by_key_id: its number, and the id SQLite appends) and one
    // primary-key seek for the row. CROSS JOIN keeps the keys as the outer loop: the planner would
    // otherwise scan all of history for the join. A range with a limit reads each table in key
    // order on its own (rangeAtOf, so the limit stops each walk) and merges the two here: over the
    // UNION ALL, SQLite sorts the whole span in a temporary B-tree first.
    const rangeAtOf = (table: 'kv' | 'kv_deleted') => `
      FROM ${table} k
      CROSS JOIN kv_history h ON h.id = (SELECT max(n.id) FROM kv_history n WHERE n.key_id = k.key_id AND n.id < @below)
      WHERE k.key >= @start AND k.key < @end AND h.tombstone = 0 ORDER BY k.key LIMIT @limit`
    const atRevision = `
      FROM (SELECT key, key_id FROM kv WHERE key >= @start AND key < @end UNION ALL SELECT key, key_id FROM kv_deleted WHERE key >= @start AND key < @end ORDER BY key) k
      CROSS JOIN kv_history h ON h.id = (SELECT max(n.id) FROM kv_history n WHERE n.key_id = k.key_id AND n.id < @below)
      WHERE h.tombstone = 0`
    // A key's newest row before a history id: its number, then one seek of the index of its rows.
    const newestBefore = `SELECT ${historyColumns} FROM kv_history h WHERE h.key_id = ${keyIdOf('@key')} AND h.id < @below ORDER BY h.id DESC LIMIT 1`
    this.pageCount = guarded(path, () => db.prepare<[], number>('PRAGMA page_count').pluck())
    this.statements = guarded(path, () => ({
      // The value is the key's newest history row's: one primary-key seek per key.
      get: prepare<KvRow>(`SELECT ${currentColumns} FROM kv k CROSS JOIN kv_history h ON h.id = k.history_id WHERE k.key = ?`),
      range: prepare<KvRow>(`SELECT ${currentColumns} FROM kv k CROSS JOIN kv_history h ON h.id = k.history_id WHERE k.key >= ? AND k.key < ? ORDER BY k.key LIMIT ?`),
      count: prepare<{total: bigint}>('SELECT count(*) AS total FROM kv WHERE key >= ? AND key < ?'),
      rangeAtCurrent: prepare<HistoryDbRow>(`SELECT ${historyColumns} ${rangeAtOf('kv')}`),
      rangeAtDeleted: prepare<HistoryDbRow>(`SELECT ${historyColumns} ${rangeAtOf('kv_deleted')}`),
      getAt: prepare<HistoryDbRow>(newestBefore),
      countAt: prepare<{total: bigint}>(`SELECT count(*) AS total ${atRevision}`),
      // A key new to kv takes the number its first history row was written with (the history row,
      // written first, looks it up): a deleted key's own, or that row's id; a current key keeps
      // its number. Not RETURNING: SQLite buffers a statement's returned rows in a table of their
      // own, which cost more than the seek.
      upsert: prepare('INSERT INTO kv (key, key_id, history_id, lease) VALUES (@key, (SELECT key_id FROM kv_history WHERE id = @id), @id, @lease) ON CONFLICT (key) DO UPDATE SET history_id = excluded.history_id, lease = excluded.lease'),
      // A deleted key put again leaves kv_deleted (a seek that finds nothing for a key that was current or new).
      undelete: prepare('DELETE FROM kv_deleted WHERE key = ?'),
      // A deleted key moves from kv to kv_deleted with its number.
      moveDeleted: prepare('INSERT INTO kv_deleted (key, key_id) SELECT key, key_id FROM kv WHERE key = ?'),
      delete: prepare('DELETE FROM kv WHERE key = ?'),
      // A deleted span's keys go to kv_deleted from their tombstones (in key order, as their ids),
      // after they left kv: kv_deleted's new rows then take the pages kv let go of in the same
      // transaction, which are written once instead of as free pages and again at the file's end.
      moveDeletedSpan: prepare('INSERT INTO kv_deleted (key, key_id) SELECT key, key_id FROM kv_history WHERE id >= ? AND id < ? ORDER BY id'),
      deleteSpan: prepare('DELETE FROM kv WHERE key >= ? AND key < ?'),
      // A tombstone per current key of the span, numbered in key order: one statement, not one
      // call per key (a prefix delete of 60,000 keys spent 0.9 s of each member's event loop in the
      // calls alone). Without an id, SQLite gives each row one past the table's largest (see
      // deleteSpan), which costs a seventh of a row_number() window over the span.
      insertSpanTombstones: prepare(
        `INSERT INTO kv_history (id, key, key_id, value, create_revision, version, lease, tombstone)
         SELECT NULL, key, key_id, X'', 0, 0, 0, 1 FROM kv WHERE key >= ? AND key < ? ORDER BY key`,
      ),
      largestHistoryId: prepare<{id: bigint | null}>('SELECT max(id) AS id FROM kv_history'),
      insertPlaceholder: prepare(`INSERT INTO kv_history (id, key, key_id, value, create_revision, version, lease, tombstone) VALUES (?, X'', 0, X'', 0, 0, 0, 0)`),
      deletePlaceholder: prepare('DELETE FROM kv_history WHERE id = ?'),
      insertHistory: prepare(
        `INSERT INTO kv_history (id, key, key_id, value, create_revision, version, lease, tombstone) VALUES (@id, @key, coalesce(${keyIdOf('@key')}, @id), @value, @createRevision, @version, @lease, @tombstone)`,
      ),
      history: prepare<HistoryDbRow>(`SELECT ${historyColumns} FROM kv_history h WHERE id >= ? AND id < ? AND key >= ? AND key < ? ORDER BY id LIMIT ?`),
      previous: prepare<HistoryDbRow>(newestBefore),
      // What a compaction drops: every row with a newer row of its key before @below, and the
      // tombstones before @below. A row with a newer one before the previous compaction's @from
      // went then, as did the tombstones before it: so the newer rows to look for are those
      // written since (a seek of the ids), each with a seek of its key's older rows, and the
      // rows that stayed at the last compaction (one per live key) are not walked again.
      compactSuperseded: prepare(`
        DELETE FROM kv_history WHERE id IN (
          SELECT o.id FROM kv_history n CROSS JOIN kv_history o ON o.key_id = n.key_id AND o.id < n.id WHERE n.id >= @from AND n.id < @below)`),
      compactTombstones: prepare('DELETE FROM kv_history WHERE id >= @from AND id < @below AND tombstone = 1'),
      dropKeysWithoutHistory: prepare(dropKeysWithoutHistorySql),
      historyThrough: prepare<HistoryDbRow>(`SELECT ${historyColumns} FROM kv_history h WHERE id < ? ORDER BY id`),
      // `lease != 0` lets SQLite use the partial index kv_by_lease (it cannot infer it from `lease = ?`).
      keysWithLease: prepare<{key: Buffer}>('SELECT key FROM kv WHERE lease = ? AND lease != 0 ORDER BY key'),
      getLease: prepare<{id: bigint; granted_ttl: bigint; expiry_ms: bigint}>('SELECT id, granted_ttl, expiry_ms FROM lease WHERE id = ?'),
      listLeases: prepare<{id: bigint; granted_ttl: bigint; expiry_ms: bigint}>('SELECT id, granted_ttl, expiry_ms FROM lease ORDER BY id'),
      upsertLease: prepare(
        'INSERT INTO lease (id, granted_ttl, expiry_ms) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET granted_ttl = excluded.granted_ttl, expiry_ms = excluded.expiry_ms',
      ),
      deleteLease: prepare('DELETE FROM lease WHERE id = ?'),
      alarms: prepare<{member_id: string; alarm: string}>('SELECT member_id, alarm FROM alarm ORDER BY member_id, alarm'),
      addAlarm: prepare('INSERT OR IGNORE INTO alarm (member_id, alarm) VALUES (?, ?)'),
      removeAlarm: prepare('DELETE FROM alarm WHERE member_id = ? AND alarm = ?'),
      expiredLeases: prepare<{id: bigint}>('SELECT id FROM lease WHERE expiry_ms <= ? ORDER BY expiry_ms LIMIT ?'),
      earliestLeaseExpiry: prepare<{expiry: bigint | null}>('SELECT MIN(expiry_ms) AS expiry FROM lease'),
    }))
  }

  get(key: Uint8Array): StoredKeyValue | null {
    return guarded(this.path, () => {
      const row = this.statements.get.get(key)
      return row ? keyValue(row) : null
    })
  }

  range(span: KeySpan, limit: number): StoredKeyValue[] {
    return guarded(this.path, () => this.statements.range.all(span.start, span.end ?? spanEndless, limit).map(keyValue))
  }

  count(span: KeySpan): number {
    return guarded(this.path, () => Number(this.statements.count.get(span.start, span.end ?? spanEndless)!.total))
  }

  rangeAt(span: KeySpan, revision: number, limit: number): StoredKeyValue[] {
    return guarded(this.path, () => {
      const parameters = {start: span.start, end: span.end ?? spanEndless, below: historyIdAfter(revision), limit}
      const [current, deleted] = [this.statements.rangeAtCurrent.all(parameters), this.statements.rangeAtDeleted.all(parameters)]
      // Both in key order, no key in both tables: merged, the first `limit`.
      const merged: HistoryDbRow[] = []
      let [i, j] = [0, 0]
      while (merged.length < limit && (i < current.length || j < deleted.length)) {
        const takeCurrent = j >= deleted.length || (i < current.length && Buffer.compare(current[i]!.key, deleted[j]!.key) < 0)
        merged.push(takeCurrent ? current[i++]! : deleted[j++]!)
      }
      return merged.map(keyValue)
    })
  }

  /** The key as it was at `revision`, or null if it did not exist then: one index seek. */
  getAt(key: Uint8Array, revision: number): StoredKeyValue | null {
    return guarded(this.path, () => {
      const row = this.statements.getAt.get({key, below: historyIdAfter(revision)})
      return row && row.tombstone === 0n ? keyValue(row) : null
    })
  }

  countAt(span: KeySpan, revision: number): number {
    return guarded(this.path, () => Number(this.statements.countAt.get({start: span.start, end: span.end ?? spanEndless, below: historyIdAfter(revision)})!.total))
  }

  /**
   * Records a key's new state in history and makes it the current one. Inside a transaction.
   * Version 1 is a key that was not current (new, or deleted before): it leaves kv_deleted.
   */
  put(entry: StoredKeyValue, subRevision: number): void {
    const id = historyId(entry.modRevision, subRevision)
    this.statements.insertHistory.run({id, key: entry.key, value: entry.value, createRevision: entry.createRevision, version: entry.version, lease: entry.lease, tombstone: 0})
    this.statements.upsert.run({key: entry.key, id, lease: entry.lease})
    if (entry.version === 1) this.statements.undelete.run(entry.key)
  }

  /** Removes a key (a current one) and records its tombstone. Inside a transaction. */
  delete(key: Uint8Array, revision: number, subRevision: number): void {
    this.statements.insertHistory.run({id: historyId(revision, subRevision), key, value: empty, createRevision: 0, version: 0, lease: 0n, tombstone: 1})
    this.statements.moveDeleted.run(key)
    assert(this.statements.delete.run(key).changes === 1, 'a key deleted is a current key')
  }

  /**
   * Removes every current key in `span` (`count` of them) and records their tombstones, in key
   * order, the first at `firstSubRevision`. Inside a transaction.
   */
  deleteSpan(span: KeySpan, count: number, revision: number, firstSubRevision: number): void {
    const end = span.end ?? spanEndless
    const first = historyId(revision, firstSubRevision)
    // SQLite numbers a row inserted without an id one past the table's largest (below 2^63 - 1, as
    // every id here is): with the largest at first - 1, the tombstones take first, first + 1, … in
    // key order. The row there is this revision's change before the span's; when that slot is
    // empty (a previous revision's last possible id, or a gap), a placeholder holds it for the
    // statement. No id of a later revision exists yet.
    const largest = this.statements.largestHistoryId.get()!.id ?? 0n
    assert(largest < first, `history holds id ${largest}, past the first tombstone ${first} of a deleted span`)
    const placeholder = largest < first - 1n
    if (placeholder) this.statements.insertPlaceholder.run(first - 1n)
    const inserted = this.statements.insertSpanTombstones.run(span.start, end)
    if (placeholder) this.statements.deletePlaceholder.run(first - 1n)
    assert(inserted.changes === count, `${inserted.changes} tombstones for the ${count} keys of a deleted span`)
    assert(BigInt(inserted.lastInsertRowid) === first + BigInt(count) - 1n, `the tombstones of a deleted span end at id ${inserted.lastInsertRowid}, not ${first + BigInt(count) - 1n}`)
    this.statements.deleteSpan.run(span.start, end)
    this.statements.moveDeletedSpan.run(first, first + BigInt(count))
  }

  /** Changes in [fromRevision, toRevision] for keys in `span`, oldest first, at most `rowsMax`. */
  history(fromRevision: number, toRevision: number, span: KeySpan, rowsMax: number): HistoryRow[] {
    return guarded(this.path, () => this.statements.history.all(historyId(Math.min(fromRevision, revisionMax), 0), historyIdAfter(toRevision), span.start, span.end ?? spanEndless, rowsMax).map(historyRow))
  }

  /** The key's state just before (revision, subRevision), or null if it did not exist then. */
  previous(key: Uint8Array, revision: number, subRevision: number): StoredKeyValue | null {
    return guarded(this.path, () => {
      const row = this.statements.previous.get({key, below: historyId(Math.min(revision, revisionMax), subRevision)})
      return row && row.tombstone === 0n ? keyValue(row) : null
    })
  }

  /**
   * Drops history a compaction at `revision` makes unreachable, and the deleted keys left without
   * any; `previousRevision` is the last compaction's (-1: none yet). Inside a transaction.
   */
  compact(revision: number, previousRevision: number): number {
    const below = historyIdAfter(revision)
    const from = previousRevision < 0 ? 0n : historyIdAfter(previousRevision)
    this.statements.dropKeysWithoutHistory.run({from, below})
    return this.statements.compactSuperseded.run({from, below}).changes + this.statements.compactTombstones.run({from, below}).changes
  }

  *historyThrough(revision: number): Generator<HistoryRow> {
    for (const row of this.statements.historyThrough.iterate(historyIdAfter(revision))) yield historyRow(row)
  }

  keysWithLease(id: bigint): Uint8Array[] {
    return guarded(this.path, () => this.statements.keysWithLease.all(id).map((row) => row.key))
  }

  getLease(id: bigint): StoredLease | null {
    return guarded(this.path, () => {
      const row = this.statements.getLease.get(id)
      return row ? {id: row.id, grantedTtl: Number(row.granted_ttl), expiryMilliseconds: Number(row.expiry_ms)} : null
    })
  }

  listLeases(): StoredLease[] {
    return guarded(this.path, () =>
      this.statements.listLeases.all().map((row) => ({id: row.id, grantedTtl: Number(row.granted_ttl), expiryMilliseconds: Number(row.expiry_ms)})),
    )
  }

  saveLease(lease: StoredLease): void {
    this.statements.upsertLease.run(lease.id, lease.grantedTtl, lease.expiryMilliseconds)
  }

  deleteLease(id: bigint): void {
    this.statements.deleteLease.run(id)
  }

  expiredLeases(nowMilliseconds: number, countMax: number): bigint[] {
    return guarded(this.path, () => this.statements.expiredLeases.all(nowMilliseconds, countMax).map((row) => row.id))
  }

  /** When the first lease expires (wall-clock milliseconds); null without leases. */
  earliestLeaseExpiry(): number | null {
    return guarded(this.path, () => {
      const expiry = this.statements.earliestLeaseExpiry.get()?.expiry
      return expiry === null || expiry === undefined ? null : Number(expiry)
    })
  }

  alarms(): Array<{memberId: string; alarm: string}> {
    return guarded(this.path, () => this.statements.alarms.all().map((row) => ({memberId: row.member_id, alarm: row.alarm})))
  }

  addAlarm(memberId: string, alarm: string): void {
    this.statements.addAlarm.run(memberId, alarm)
  }

  removeAlarm(memberId: string, alarm: string): boolean {
    return this.statements.removeAlarm.run(memberId, alarm).changes > 0
  }

  /**
   * The database file's size as etcd reports dbSize: pages in use plus free pages. As etcd's
   * backend, which keeps its size from its last commit (the quota check of every write reads it):
   * the size a member's writer remembered as its last Ready committed, until another write comes.
   * Read from the file otherwise: outside a transaction, the pragma opens a read transaction of
   * its own, 5-30 µs, which every write to the API server paid.
   */
  sizeBytes(): number {
    return this.sizeRemembered ?? this.sizeOnFile()
  }

  private sizeOnFile(): number {
    return guarded(this.path, () => Number(this.pageCount.get()) * this.pageBytes())
  }

  /** The size as of now; call inside the write transaction, after its writes (the size it commits). */
  rememberSize(): void {
    this.sizeRemembered = this.sizeOnFile()
  }

  /** A write other than a remembered one changed (or may change) the size: the next read asks the file. */
  forgetSize(): void {
    this.sizeRemembered = null
  }

  private sizeRemembered: number | null = null

  /** The file's page size, read once: it is fixed when the file is created (nothing here changes it). */
  private pageBytes(): number {
    return (this.pageBytesRead ??= Number(this.db.pragma('page_size', {simple: true})))
  }

  private pageBytesRead: number | undefined


  /** What etcd reports as dbSizeInUse: the size without free pages. */
  sizeInUseBytes(): number {
    return guarded(this.path, () => {
      const inUse = Number(this.db.pragma('page_count', {simple: true})) - Number(this.db.pragma('freelist_count', {simple: true}))
      return inUse * this.pageBytes()
    })
  }

  /** Every row of the state machine's tables, for a snapshot. */
  exportTables(): Record<string, unknown[]> {
    return guarded(this.path, () => {
      const tables: Record<string, unknown[]> = {}
      for (const table of stateMachineTables) tables[table] = this.db.prepare(`SELECT * FROM ${table}`).safeIntegers(true).all()
      return tables
    })
  }

  /** Replaces the state machine's tables with a snapshot's rows. Inside a transaction. */
  importTables(tables: Record<string, Array<Record<string, unknown>>>): void {
    for (const table of stateMachineTables) {
      this.db.prepare(`DELETE FROM ${table}`).run()
      const rows = tables[table] ?? []
      if (rows.length === 0) continue
      const columns = Object.keys(rows[0]!)
      const insert = this.db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
      for (const row of rows) insert.run(...columns.map((column) => row[column]))
    }
    // A snapshot of schema 4 kept deleted keys in kv (history_id 0) and had no kv_deleted.
    if (!('kv_deleted' in tables)) {
      for (const statement of versionFourDeletedKeysMoved) this.db.prepare(statement).run()
    }
  }
}

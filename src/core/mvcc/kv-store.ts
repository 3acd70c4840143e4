import type {MemberDatabase} from '../storage/member-database.js'
import type {KeySpan} from '../storage/kv-tables.js'
import {changesPerRevisionMax, revisionMax} from '../storage/schema.js'
import {InvariantError} from '../util/assert.js'
import {etcdErrors} from './errors.js'
import {compareBytes, inSpan, spanOf} from './key-range.js'
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  AppliedChange,
} from './types.js'

/** etcd's --max-txn-ops default. */
export const txnOperationsMax = 128
/** A range without a limit still stops here, so one request cannot exhaust memory. */
export const rangeKeysMax = 10_000_000

const metaRevision = 'revision'
const metaCompactRevision = 'compact_revision'

export function revisionHeader(revision: number): ResponseHeader {
  return {clusterId: 0n, memberId: 0n, revision, raftTerm: 0}
}

/**
 * One write transaction: every change gets the same main revision and its own sub-revision,
 * and reads inside it see its earlier writes, as in etcd's storeTxnWrite.
 */
class WriteTransaction {
  readonly events: AppliedChange[] = []
  /** Keys changed so far: the next change's sub-revision. */
  private changes = 0

  constructor(
    private readonly store: KvStore,
    readonly beginRevision: number,
  ) {}

  get changed(): boolean {
    return this.changes > 0
  }

  /** The revision a read inside this transaction reports. */
  get revision(): number {
    return this.changed ? this.beginRevision + 1 : this.beginRevision
  }

  /** Refuses, before anything is written, changes the history's ids cannot number (see subRevisionBits). */
  private makeRoom(changes: number): void {
    if (this.beginRevision + 1 > revisionMax) throw etcdErrors.noSpace()
    if (this.changes + changes > changesPerRevisionMax) throw etcdErrors.requestTooLarge()
  }

  /**
   * A key's current value as this transaction sees it, read once until the transaction writes: a
   * txn's compare reads the key its put then reads again (the API server's every write).
   * Read-only, as every KeyValue the store hands out.
   */
  current(key: Uint8Array): KeyValue | null {
    const name = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
    if (this.currentRead?.name === name) return this.currentRead.kv
    const kv = this.store.database.kv.get(key)
    this.currentRead = {name, kv}
    return kv
  }

  /** The last key current() read and what it held; forgotten at every write. */
  private currentRead: {readonly name: string; readonly kv: KeyValue | null} | null = null

  put(request: PutRequest): PutResponse {
    this.makeRoom(1)
    const tables = this.store.database.kv
    const previous = this.current(request.key)
    this.currentRead = null
    if ((request.ignoreValue || request.ignoreLease) && !previous) throw etcdErrors.keyNotFound()
    const value = request.ignoreValue ? previous!.value : request.value
    const lease = request.ignoreLease ? previous!.lease : (request.lease ?? 0n)
    if (lease !== 0n && !tables.getLease(lease)) throw etcdErrors.leaseNotFound()
    const revision = this.beginRevision + 1
    if (previous && !(previous.modRevision < revision && previous.createRevision <= previous.modRevision)) throw new InvariantError(`key ${Buffer.from(request.key).toString()} was written at revision ${previous?.modRevision} (created at ${previous?.createRevision}), not before revision ${revision}`)
    const entry: KeyValue = {
      key: request.key,
      value,
      createRevision: previous ? previous.createRevision : revision,
      modRevision: revision,
      version: previous ? previous.version + 1 : 1,
      lease,
    }
    tables.put(entry, this.changes++)
    this.events.push({type: 'PUT', kv: entry, ...(previous ? {prevKv: previous} : {})})
    const response: PutResponse = {header: revisionHeader(revision)}
    if (request.prevKv && previous) response.prevKv = previous
    return response
  }

  deleteRange(request: DeleteRangeRequest): DeleteRangeResponse {
    this.currentRead = null
    const tables = this.store.database.kv
    const span = spanOf(request.key, request.rangeEnd)
    const revision = this.beginRevision + 1
    const tombstone = (key: Uint8Array): KeyValue => ({key, value: new Uint8Array(), createRevision: 0, modRevision: revision, version: 0, lease: 0n})
    // Without prevKv, neither values nor keys come out of SQLite: watchers read what they need
    // from history (as etcd reads a deleted key's previous value only for a watcher that asked
    // for it) and are told the span, so deleting a large prefix costs the database's writes alone
    // (60,000 keys, each with an event object, took a tenth of a second of each member's loop).
    if (span !== 'single' && !request.prevKv) {
      const count = tables.count(span)
      if (count > 0) {
        this.makeRoom(count)
        tables.deleteSpan(span, count, revision, this.changes)
        this.changes += count
        this.events.push({type: 'DELETE_SPAN', span, count})
      }
      return {header: revisionHeader(this.revision), deleted: count, prevKvs: []}
    }
    const doomed = span === 'single' ? [tables.get(request.key)].filter((kv): kv is KeyValue => kv !== null) : tables.range(span, rangeKeysMax)
    this.makeRoom(doomed.length)
    for (const kv of doomed) {
      tables.delete(kv.key, revision, this.changes++)
      this.events.push({type: 'DELETE', kv: tombstone(kv.key), prevKv: kv})
    }
    return {header: revisionHeader(this.revision), deleted: doomed.length, prevKvs: request.prevKv ? doomed : []}
  }

  range(request: RangeRequest): RangeResponse {
    return this.store.rangeAt(request, this.revision, (key) => this.current(key))
  }
}

/**
 * The etcd MVCC key-value store of one member, on its SQLite tables. The writer (the process
 * holding the cluster lock) keeps the revision in memory and stores it once per applied batch
 * (flush); a reader in another process reads it from the database every time.
 */
export class KvStore {
  private revisionInMemory: number | null = null
  private revisionDirty = false
  private compactRevisionInMemory: number | null = null

  constructor(
    readonly database: MemberDatabase,
    private readonly writer = false,
  ) {}

  currentRevision(): number {
    if (this.writer && this.revisionInMemory !== null) return this.revisionInMemory
    const revision = Number(this.database.getMeta(metaRevision) ?? 1)
    if (this.writer) this.revisionInMemory = revision
    return revision
  }

  /** Stores the in-memory revision; call inside the transaction of the applies it covers. */
  flush(): void {
    if (!this.revisionDirty) return
    this.database.setMeta(metaRevision, String(this.revisionInMemory))
    this.revisionDirty = false
  }

  /** Forgets what is cached, after the tables were replaced (a snapshot was installed). */
  reload(): void {
    this.revisionInMemory = null
    this.compactRevisionInMemory = null
    this.revisionDirty = false
  }

  /** -1 until the first compaction, as etcd's compactMainRev. */
  compactRevision(): number {
    if (this.writer && this.compactRevisionInMemory !== null) return this.compactRevisionInMemory
    const revision = Number(this.database.getMeta(metaCompactRevision) ?? -1)
    if (this.writer) this.compactRevisionInMemory = revision
    return revision
  }

  // ---- reads -------------------------------------------------------------------------------

  range(request: RangeRequest): RangeResponse {
    return this.rangeAt(request, this.currentRevision())
  }

  /** A range as of `current`, the newest revision the reader may see; `currentOf` reads one key's current value (a write transaction's, which it remembers). */
  rangeAt(request: RangeRequest, current: number, currentOf: (key: Uint8Array) => KeyValue | null = (key) => this.database.kv.get(key)): RangeResponse {
    if (request.key.length === 0) throw etcdErrors.emptyKey()
    const revision = request.revision && request.revision > 0 ? request.revision : current
    if (revision > current) throw etcdErrors.futureRevision()
    if (revision < this.compactRevision()) throw etcdErrors.compacted()
    const tables = this.database.kv
    const span = spanOf(request.key, request.rangeEnd)
    const sortOrder = request.sortOrder ?? 'none'
    const sortTarget = request.sortTarget ?? 'key'
    const filtered =
      (request.minModRevision ?? 0) > 0 ||
      (request.maxModRevision ?? 0) > 0 ||
      (request.minCreateRevision ?? 0) > 0 ||
      (request.maxCreateRevision ?? 0) > 0
    const limit = request.limit ?? 0
    // Like etcd: a sorted or filtered range reads everything, then sorts and truncates.
    const fetchMax = sortOrder !== 'none' || filtered || limit <= 0 ? rangeKeysMax : limit + 1
    let kvs: KeyValue[]
    let count: number
    if (span === 'single') {
      const single = revision === current ? currentOf(request.key) : tables.getAt(request.key, revision)
      kvs = single ? [single] : []
      count = kvs.length
    } else if (revision === current) {
      count = tables.count(span)
      kvs = request.countOnly ? [] : tables.range(span, fetchMax)
    } else {
      count = tables.countAt(span, revision)
      kvs = request.countOnly ? [] : tables.rangeAt(span, revision, fetchMax)
    }
    if (request.countOnly) return {header: revisionHeader(current), kvs: [], more: false, count}
    if (filtered) kvs = kvs.filter((kv) => passesFilters(kv, request))
    const effectiveOrder = sortOrder === 'none' && sortTarget !== 'key' ? 'ascend' : sortOrder
    if (effectiveOrder !== 'none') sortKeyValues(kvs, sortTarget, effectiveOrder)
    let more = false
    if (limit > 0 && kvs.length > limit) {
      kvs = kvs.slice(0, limit)
      more = true
    }
    if (request.keysOnly) kvs = kvs.map((kv) => ({...kv, value: new Uint8Array()}))
    // The header names the store's revision, not the one read at (as etcd's rr.Rev).
    return {header: revisionHeader(current), kvs, more, count}
  }

  // ---- writes (only from the apply loop, inside a database transaction) ---------------------

  /** Runs `work` as one revision; returns its result and the events it produced. */
  write<T>(work: (transaction: WriteTransaction) => T): {result: T; events: AppliedChange[]; revision: number} {
    const transaction = new WriteTransaction(this, this.currentRevision())
    const result = work(transaction)
    if (transaction.changed) {
      // One revision per write transaction, one after the other: none began inside this one.
      if (this.currentRevision() !== transaction.beginRevision) throw new InvariantError(`a write transaction began at revision ${transaction.beginRevision} but the store moved to ${this.currentRevision()} during it`)
      if (this.writer) {
        this.revisionInMemory = transaction.beginRevision + 1
        this.revisionDirty = true
      } else {
        this.database.setMeta(metaRevision, String(transaction.beginRevision + 1))
      }
    }
    return {result, events: transaction.events, revision: transaction.revision}
  }

  put(request: PutRequest): {response: PutResponse; events: AppliedChange[]} {
    const {result, events} = this.write((transaction) => transaction.put(request))
    return {response: result, events}
  }

  deleteRange(request: DeleteRangeRequest): {response: DeleteRangeResponse; events: AppliedChange[]} {
    const {result, events} = this.write((transaction) => transaction.deleteRange(request))
    return {response: result, events}
  }

  txn(request: TxnRequest): {response: TxnResponse; events: AppliedChange[]} {
    checkTxn(request)
    const {result, events, revision} = this.write((transaction) => this.executeTxn(transaction, request))
    return {response: {...result, header: revisionHeader(revision)}, events}
  }

  private executeTxn(transaction: WriteTransaction, request: TxnRequest): TxnResponse {
    const succeeded = request.compare.every((compare) => this.evaluate(transaction, compare))
    const operations = succeeded ? request.success : request.failure
    // A lease that does not exist fails the whole txn before anything is written, as in etcd.
    for (const operation of flattenPuts(operations)) {
      if (operation.lease && operation.lease !== 0n && !this.database.kv.getLease(operation.lease)) throw etcdErrors.leaseNotFound()
    }
    const responses: ResponseOp[] = operations.map((operation) => this.executeOperation(transaction, operation))
    return {header: revisionHeader(transaction.revision), succeeded, responses}
  }

  private executeOperation(transaction: WriteTransaction, operation: RequestOp): ResponseOp {
    if ('requestRange' in operation) return {responseRange: transaction.range(operation.requestRange)}
    if ('requestPut' in operation) return {responsePut: transaction.put(operation.requestPut)}
    if ('requestDeleteRange' in operation) return {responseDeleteRange: transaction.deleteRange(operation.requestDeleteRange)}
    const nested = this.executeTxn(transaction, operation.requestTxn)
    return {responseTxn: nested}
  }

  private evaluate(transaction: WriteTransaction, compare: Compare): boolean {
    const response = transaction.range({key: compare.key, ...(compare.rangeEnd ? {rangeEnd: compare.rangeEnd} : {})})
    if (response.kvs.length === 0) {
      if (compare.target === 'value') return false
      return compareOne(compare, {key: compare.key, value: new Uint8Array(), createRevision: 0, modRevision: 0, version: 0, lease: 0n})
    }
    return response.kvs.every((kv) => compareOne(compare, kv))
  }

  /** etcd's compaction: history before `revision` that no read at or after it can see goes. */
  compact(revision: number): {header: ResponseHeader} {
    const current = this.currentRevision()
    if (revision > current) throw etcdErrors.futureRevision()
    const previous = this.compactRevision()
    if (revision <= previous) throw etcdErrors.compacted()
    this.database.kv.compact(revision, previous)
    this.database.releaseFreePages()
    this.database.setMeta(metaCompactRevision, String(revision))
    if (this.writer) this.compactRevisionInMemory = revision
    this.flush()
    return {header: revisionHeader(current)}
  }
}

function successor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1)
  next.set(key)
  return next
}

function passesFilters(kv: KeyValue, request: RangeRequest): boolean {
  if ((request.minModRevision ?? 0) > 0 && kv.modRevision < request.minModRevision!) return false
  if ((request.maxModRevision ?? 0) > 0 && kv.modRevision > request.maxModRevision!) return false
  if ((request.minCreateRevision ?? 0) > 0 && kv.createRevision < request.minCreateRevision!) return false
  if ((request.maxCreateRevision ?? 0) > 0 && kv.createRevision > request.maxCreateRevision!) return false
  return true
}

function sortKeyValues(kvs: KeyValue[], target: string, order: 'ascend' | 'descend'): void {
  const direction = order === 'ascend' ? 1 : -1
  const field = (kv: KeyValue): number | Uint8Array => {
    switch (target) {
      case 'version':
        return kv.version
      case 'create':
        return kv.createRevision
      case 'mod':
        return kv.modRevision
      case 'value':
        return kv.value
      default:
        return kv.key
    }
  }
  // Array.prototype.sort is stable, as Go's sort.Stable that etcd uses.
  kvs.sort((a, b) => {
    const left = field(a)
    const right = field(b)
    const difference = typeof left === 'number' ? left - (right as number) : compareBytes(left, right as Uint8Array)
    return direction * difference
  })
}

function compareOne(compare: Compare, kv: KeyValue): boolean {
  let difference: number
  switch (compare.target) {
    case 'value':
      difference = compareBytes(kv.value, compare.value ?? new Uint8Array())
      break
    case 'version':
      difference = kv.version - (compare.version ?? 0)
      break
    case 'create':
      difference = kv.createRevision - (compare.createRevision ?? 0)
      break
    case 'mod':
      difference = kv.modRevision - (compare.modRevision ?? 0)
      break
    case 'lease': {
      const wanted = compare.lease ?? 0n
      difference = kv.lease === wanted ? 0 : kv.lease > wanted ? 1 : -1
      break
    }
  }
  switch (compare.result) {
    case 'equal':
      return difference === 0
    case 'not_equal':
      return difference !== 0
    case 'greater':
      return difference > 0
    case 'less':
      return difference < 0
  }
}

function* flattenPuts(operations: readonly RequestOp[]): Generator<PutRequest> {
  for (const operation of operations) {
    if ('requestPut' in operation) yield operation.requestPut
    else if ('requestTxn' in operation) {
      yield* flattenPuts(operation.requestTxn.success)
      yield* flattenPuts(operation.requestTxn.failure)
    }
  }
}

/** etcd's checkTxnReqsPermission/checkIntervals: bounded size, no key written twice in a branch. */
export function checkTxn(request: TxnRequest): void {
  if (request.compare.length > txnOperationsMax || request.success.length > txnOperationsMax || request.failure.length > txnOperationsMax) {
    throw etcdErrors.tooManyOperations()
  }
  for (const branch of [request.success, request.failure]) {
    const puts = new Set<string>()
    const deletes: KeySpan[] = []
    for (const operation of branch) {
      if ('requestPut' in operation) {
        const key = Buffer.from(operation.requestPut.key).toString('latin1')
        if (puts.has(key)) throw etcdErrors.duplicateKey()
        puts.add(key)
      } else if ('requestDeleteRange' in operation) {
        const span = spanOf(operation.requestDeleteRange.key, operation.requestDeleteRange.rangeEnd)
        deletes.push(span === 'single' ? {start: operation.requestDeleteRange.key, end: successor(operation.requestDeleteRange.key)} : span)
      } else if ('requestTxn' in operation) {
        checkTxn(operation.requestTxn)
      }
    }
    for (const key of puts) {
      const bytes = Buffer.from(key, 'latin1')
      for (const span of deletes) {
        if (inSpan(bytes, span)) throw etcdErrors.duplicateKey()
      }
    }
  }
}

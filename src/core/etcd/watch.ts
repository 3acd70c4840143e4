import {compareBytes, inSpan, spanOf} from '../mvcc/key-range.js'
import {KvStore} from '../mvcc/kv-store.js'
import type {AppliedChange, KeyValue, ResponseHeader, WatchEvent} from '../mvcc/types.js'
import type {KeySpan} from '../storage/kv-tables.js'
import type {MemberDatabase} from '../storage/member-database.js'
import type {WatchApi, WatchRequest, WatchResponse, Watcher} from './api.js'
import type {Clock} from '../util/clock.js'
import type {EtcdMember} from './member.js'
import {assert} from '../util/assert.js'
import {EtcdError} from '../mvcc/errors.js'

/**
 * History rows one watch response carries at most when it spans several revisions. A revision
 * is never split: one that holds more events (a DeleteRange of many keys, a lease revocation)
 * goes out whole in a response of its own, as etcd keeps a revision's events together.
 */
export const watchEventsPerResponseMax = 1000
/** How often a watcher in another process looks for new writes in the database. */
export const watchPollMilliseconds = 50
/** etcd's default --experimental-watch-progress-notify-interval. */
export const watchProgressIntervalMilliseconds = 10 * 60 * 1000

/**
 * Told the events of each batch of applies while a watcher waits: true wakes it. A source that
 * sees the applies themselves keeps a watcher asleep through writes outside its range.
 */
export type WakesWatcher = (events: readonly AppliedChange[], revision: number) => boolean

/** Where a watcher reads history, and how it learns that new history was written. */
export interface WatchSource {
  database(): MemberDatabase
  /** Resolves after new writes may have landed (those `wakes` accepts, where the source sees them), or when `signal` aborts. */
  waitForChange(signal: AbortSignal, wakes?: WakesWatcher): Promise<void>
  /** Resolves after `milliseconds` of the source's clock (for progress notifications), or at once when `signal` aborts, leaving no timer behind. */
  sleep(milliseconds: number, signal: AbortSignal): Promise<void>
}

/** Whether an applied change may hold an event in `span`: a key in it, or a deleted span that overlaps it. */
function touches(change: AppliedChange, span: KeySpan): boolean {
  if (change.type !== 'DELETE_SPAN') return inSpan(change.kv.key, span)
  const deleted = change.span
  return (deleted.end === null || compareBytes(span.start, deleted.end) < 0) && (span.end === null || compareBytes(deleted.start, span.end) < 0)
}

/** A watcher reading history from a member's database, as etcd's synced and unsynced watchers do. */
export class HistoryWatcher implements Watcher {
  private nextRevision: number
  private readonly span: KeySpan
  private readonly abort = new AbortController()
  private finished = false
  /** Counts waits: only the latest may move nextRevision. */
  private waits = 0

  constructor(
    private readonly source: WatchSource,
    private readonly request: WatchRequest,
    private readonly header: (revision: number) => ResponseHeader,
  ) {
    const span = spanOf(request.key, request.rangeEnd)
    this.span = span === 'single' ? {start: request.key, end: successorKey(request.key)} : span
    // Without a start revision the watch begins after the newest write at creation, as etcd's.
    this.nextRevision = request.startRevision && request.startRevision > 0 ? request.startRevision : new KvStore(source.database()).currentRevision() + 1
  }

  async created(): Promise<void> {}

  /** Whether the watch ended (cancelled or compacted away). */
  get ended(): boolean {
    return this.finished
  }

  cancel(): void {
    this.finished = true
    this.abort.abort()
  }

  async next(): Promise<WatchResponse | null> {
    while (!this.finished) {
      const kv = new KvStore(this.source.database())
      const current = kv.currentRevision()
      const compactRevision = kv.compactRevision()
      if (this.nextRevision < compactRevision) {
        this.finished = true
        // etcd's response to a compacted start carries no revision in its header.
        return {header: this.header(0), events: [], compactRevision, canceled: true}
      }
      const applied = this.appliedSeen
      this.appliedSeen = null
      if (this.nextRevision <= current) {
        const events = (applied && this.eventsApplied(applied, current)) ?? this.readEvents(current)
        if (events.length > 0) return {header: this.header(current), events}
      }
      if (await this.waitOrProgress(this.nextRevision > current)) return {header: this.header(current), events: []}
    }
    return null
  }

  /**
   * Waits for a change; true when the progress interval passed first (send a notification).
   * A watcher that has read all history (`synced`) sees every later batch of applies, in order,
   * so it sleeps through those with no event in its range, moving past their revisions: a
   * thousand writes elsewhere cost it no read of history (etcd's synced watchers, matched per
   * event in memory).
   */
  private async waitOrProgress(synced: boolean): Promise<boolean> {
    const wait = ++this.waits
    const wakes: WakesWatcher | undefined = synced
      ? (events, revision) => {
          // A wait the progress notification ended goes, at the first batch it sees.
          if (wait !== this.waits) return true
          if (events.some((event) => touches(event, this.span))) {
            this.appliedSeen = {events, revision, from: this.nextRevision}
            return true
          }
          this.nextRevision = Math.max(this.nextRevision, revision + 1)
          return false
        }
      : undefined
    if (!this.request.progressNotify) {
      await this.source.waitForChange(this.abort.signal, wakes)
      return false
    }
    // The wait that loses the race ends with it: a progress interval's timer per wait ended by a
    // write would otherwise stay behind for ten minutes, and a busy watch would pile them up.
    const waitEnded = new AbortController()
    const endWait = () => waitEnded.abort()
    this.abort.signal.addEventListener('abort', endWait, {once: true})
    try {
      const changed = this.source.waitForChange(waitEnded.signal, wakes).then(() => false)
      const idle = this.source.sleep(watchProgressIntervalMilliseconds, waitEnded.signal).then(() => !this.finished && !waitEnded.signal.aborted)
      return await Promise.race([changed, idle])
    } finally {
      this.abort.signal.removeEventListener('abort', endWait)
      waitEnded.abort()
    }
  }

  /**
   * The batch of applies that woke this synced watcher, with the revision it ended at and the
   * watcher's next revision when it came: the batch holds every change from there on.
   */
  private appliedSeen: {readonly events: readonly AppliedChange[]; readonly revision: number; readonly from: number} | null = null

  /**
   * The events of the batch of applies that woke this synced watcher, as readEvents would read
   * them back from history (etcd's synced watchers are sent the events of each write from
   * memory): null when the batch does not hold all of history from nextRevision to `current`
   * (more was applied since, or the watcher moved), when a span was deleted in it (its events are
   * in history only), or when the events would take more than one response.
   */
  private eventsApplied(applied: {readonly events: readonly AppliedChange[]; readonly revision: number; readonly from: number}, current: number): WatchEvent[] | null {
    if (applied.revision !== current || applied.from !== this.nextRevision) return null
    // The batch starts where the watcher is: revisions a member applied without telling its
    // watchers (a snapshot installed) are in history only. A batch that begins with a span's
    // deletion (no revision of its own here) is read from history too.
    const first = applied.events[0]
    if (!first || first.type === 'DELETE_SPAN' || first.kv.modRevision !== this.nextRevision) return null
    const noPut = this.request.filters?.includes('noput') ?? false
    const noDelete = this.request.filters?.includes('nodelete') ?? false
    const events: WatchEvent[] = []
    // Changes in the span, filtered or not: readEvents cuts a response by these.
    let inSpanCount = 0
    for (const change of applied.events) {
      if (change.type === 'DELETE_SPAN') {
        if (touches(change, this.span)) return null
        continue
      }
      if (change.kv.modRevision < this.nextRevision) return null
      if (!inSpan(change.kv.key, this.span)) continue
      if (++inSpanCount > watchEventsPerResponseMax) return null
      if ((change.type === 'PUT' && noPut) || (change.type === 'DELETE' && noDelete)) continue
      // As readEvents makes them from history rows: objects of their own, keys and values as Buffers.
      const {key, value, createRevision, modRevision, version, lease} = change.kv
      const kv = change.type === 'PUT'
        ? {key: asBuffer(key), value: asBuffer(value), createRevision, modRevision, version, lease}
        : {key: asBuffer(key), value: new Uint8Array(), createRevision: 0, modRevision, version: 0, lease: 0n}
      events.push(this.request.prevKv && change.prevKv ? {type: change.type, kv, prevKv: storedCopy(change.prevKv)} : {type: change.type, kv})
    }
    this.nextRevision = current + 1
    return events
  }

  /** Events from nextRevision on, whole revisions only, filtered as the request asks. */
  private readEvents(current: number): WatchEvent[] {
    const tables = this.source.database().kv
    let rows = tables.history(this.nextRevision, current, this.span, watchEventsPerResponseMax + 1)
    if (rows.length > watchEventsPerResponseMax) {
      const firstRevision = rows[0]!.modRevision
      const lastRevision = rows[rows.length - 1]!.modRevision
      // Several revisions: the last one read may be cut short, so it waits for the next response.
      // A single revision larger than the bound: all of it, however many events it holds.
      rows = lastRevision > firstRevision ? rows.filter((row) => row.modRevision < lastRevision) : tables.history(firstRevision, firstRevision, this.span, Number.MAX_SAFE_INTEGER)
    }
    // A watch is ordered: it never goes back to a revision it has sent (etcd's watch guarantees).
    assert(rows.length === 0 || rows[0]!.modRevision >= this.nextRevision, `a watch at revision ${this.nextRevision} read history from revision ${rows[0]?.modRevision}`)
    for (let index = 1; index < rows.length; index++) assert(rows[index - 1]!.modRevision <= rows[index]!.modRevision, 'watch history rows out of revision order')
    this.nextRevision = rows.length > 0 ? rows[rows.length - 1]!.modRevision + 1 : current + 1
    const filters = new Set(this.request.filters ?? [])
    const events: WatchEvent[] = []
    for (const row of rows) {
      const type = row.tombstone ? 'DELETE' : 'PUT'
      if ((type === 'PUT' && filters.has('noput')) || (type === 'DELETE' && filters.has('nodelete'))) continue
      const kv = row.tombstone
        ? {key: row.key, value: new Uint8Array(), createRevision: 0, modRevision: row.modRevision, version: 0, lease: 0n}
        : {key: row.key, value: row.value, createRevision: row.createRevision, modRevision: row.modRevision, version: row.version, lease: row.lease}
      const previous = this.request.prevKv ? tables.previous(row.key, row.modRevision, row.subRevision) : null
      events.push(previous ? {type, kv, prevKv: previous} : {type, kv})
    }
    return events
  }
}

/** A key-value as a history row gives it: an object of its own, its key and value Buffers (views of the bytes, not copies). */
function storedCopy({key, value, createRevision, modRevision, version, lease}: KeyValue): KeyValue {
  return {key: asBuffer(key), value: asBuffer(value), createRevision, modRevision, version, lease}
}

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))

function successorKey(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1)
  next.set(key)
  return next
}

/**
 * Watches served by a member of this process: woken by its applies, no polling. The member is
 * looked up at each step, so a client that fails over moves its watches with it (members share
 * one history of revisions).
 */
export class EmbeddedWatchApi implements WatchApi {
  constructor(
    private readonly serving: () => EtcdMember,
    private readonly header: (revision: number) => ResponseHeader,
    private readonly clock: Clock,
  ) {}

  watch(request: WatchRequest): Watcher {
    this.serving()
    const source: WatchSource = {
      database: () => {
        const member = this.serving()
        // A closed cluster's members stay its members, closed: the watch ends as on a stopped server.
        if (member.closed) throw new EtcdError('Unavailable', 'etcdserver: server stopped')
        return member.database
      },
      waitForChange: (signal, wakes) =>
        new Promise((resolve) => {
          const member = this.serving()
          if (member.closed) return resolve()
          // One listener per wait, removed when the wait ends, so a long watch does not pile them up.
          const onAbort = () => {
            stop()
            resolve()
          }
          // A wake with no events (the member goes away) wakes every watcher.
          const stop = member.onWatchEvents((events, revision) => {
            if (wakes && events.length > 0 && !wakes(events, revision)) return
            stop()
            signal.removeEventListener('abort', onAbort)
            resolve()
          })
          signal.addEventListener('abort', onAbort, {once: true})
        }),
      sleep: (milliseconds, signal) => this.clock.sleep(milliseconds, signal),
    }
    return new HistoryWatcher(source, request, this.header)
  }
}

// Store reads kept in memory for the API server's caches (the RBAC objects, what admission
// consults), as kube-apiserver's informers keep them: a read serves while this process holds the
// store alone (its writer epoch is the one the read was kept under), nothing under the memo's key
// prefixes was written through this process since (the store's write listeners say so at once),
// and the watch of cached-changes.ts (under `up`) saw no change made past the API servers.
// Otherwise the store is read again. A failed read is not kept: the last read that succeeded
// since the last drop answers for it (none after a drop: a copy older than a write is stale). A read named by keepCurrent is
// made again in the background as soon as the kept reads are dropped, as an informer applies a
// change when it comes: a request that follows (perhaps once etcd has lost its quorum) finds it.
import type {Store} from '../store/store.js'
import type {CachedChangesFeed} from './cached-changes.js'

export class StoreReadMemo {
  private readonly entries = new Map<string, Promise<unknown>>()
  /** The last read of each key that succeeded, under the current writer epoch. */
  private readonly lastRead = new Map<string, unknown>()
  /** Counts the drops: a read started before one is not remembered as the last. */
  private generation = 0
  private epoch: number | null = null
  private readonly forgotten: Array<() => void> = []
  /** The reads made again after every drop, by key. */
  private readonly current = new Map<string, () => Promise<unknown>>()
  private refreshing = false
  private refreshAgain = false

  /** `entriesMax`: kept reads at most; past it the memo starts over. */
  constructor(
    private readonly store: Pick<Store, 'exclusiveWriterEpoch' | 'onWrite'>,
    prefixes: readonly string[],
    private readonly entriesMax: number,
    changes?: CachedChangesFeed,
  ) {
    // Without onWrite there is no epoch either: nothing is kept.
    store.onWrite?.((key) => {
      if (prefixes.some((prefix) => key.startsWith(prefix))) this.forget()
    })
    changes?.subscribe((prefix) => {
      if (prefix === null || prefixes.includes(prefix)) this.forget()
    })
  }

  /** Whether reads can be kept now (this process holds the store alone). */
  keeps(): boolean {
    return (this.store.exclusiveWriterEpoch?.() ?? null) !== null
  }

  read<T>(key: string, read: () => Promise<T>): Promise<T> {
    const epoch = this.store.exclusiveWriterEpoch?.() ?? null
    if (epoch === null || epoch !== this.epoch) {
      this.entries.clear()
      this.lastRead.clear()
      this.epoch = epoch
      if (epoch === null) return read()
    }
    const existing = this.entries.get(key)
    if (existing) return existing as Promise<T>
    if (this.entries.size >= this.entriesMax) {
      this.entries.clear()
      this.lastRead.clear()
    }
    // A read that fails (etcd without a quorum) answers with the last one that succeeded, as an
    // informer whose relist fails keeps serving its copy; it is kept until the next drop.
    const generation = this.generation
    const reading = read().then(
      (value) => {
        // A read a drop overtook may predate the write that dropped it: not a copy to fall back on.
        if (generation === this.generation) this.lastRead.set(key, value)
        return value
      },
      (error: unknown) => {
        if (!this.lastRead.has(key)) throw error
        return this.lastRead.get(key) as T
      },
    )
    this.entries.set(key, reading)
    reading.catch(() => {
      if (this.entries.get(key) === reading) this.entries.delete(key)
    })
    return reading
  }

  /** Makes `read` again (under `key`) whenever the kept reads are dropped, while they can be kept. */
  keepCurrent(key: string, read: () => Promise<unknown>): void {
    this.current.set(key, read)
    // Read at once too, as an informer lists when it starts: each API server of `up` has its own.
    this.scheduleRefresh()
  }

  /** Drops the kept reads (a read too large to hold). */
  clear(): void {
    this.entries.clear()
    this.lastRead.clear()
  }

  /** Told whenever the kept reads are dropped for a write or a change seen. */
  onForget(listener: () => void): void {
    this.forgotten.push(listener)
  }

  private forget(): void {
    this.generation++
    this.entries.clear()
    // A copy from before a write is not one to fall back on: an informer would have applied the write.
    this.lastRead.clear()
    for (const listener of this.forgotten) listener()
    this.scheduleRefresh()
  }

  /** One refresh at a time: drops during one make one more after it (a burst of writes reads once or twice). */
  private scheduleRefresh(): void {
    if (this.current.size === 0 || !this.keeps()) return
    if (this.refreshing) {
      this.refreshAgain = true
      return
    }
    this.refreshing = true
    setImmediate(() => void this.refresh())
  }

  private async refresh(): Promise<void> {
    try {
      // A failed read (etcd without a quorum) leaves nothing kept: the next request reads.
      for (const [key, read] of this.current) await this.read(key, read).catch(() => undefined)
    } finally {
      this.refreshing = false
      if (this.refreshAgain) {
        this.refreshAgain = false
        this.scheduleRefresh()
      }
    }
  }
}

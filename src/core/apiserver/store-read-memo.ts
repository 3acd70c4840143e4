// Store reads kept in memory for the API server's caches (the RBAC objects, what admission
// consults), as kube-apiserver's informers keep them: a read serves while this process holds the
// store alone (its writer epoch is the one the read was kept under), nothing under the memo's key
// prefixes was written through this process since (the store's write listeners say so at once),
// and the watch of cached-changes.ts (under `up`) saw no change made past the API servers.
// Otherwise the store is read again. A failed read is not kept.
import type {Store} from '../store/store.js'
import type {CachedChangesFeed} from './cached-changes.js'

export class StoreReadMemo {
  private readonly entries = new Map<string, Promise<unknown>>()
  private epoch: number | null = null
  private readonly forgotten: Array<() => void> = []

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
      this.epoch = epoch
      if (epoch === null) return read()
    }
    const existing = this.entries.get(key)
    if (existing) return existing as Promise<T>
    if (this.entries.size >= this.entriesMax) this.entries.clear()
    const reading = read()
    this.entries.set(key, reading)
    reading.catch(() => {
      if (this.entries.get(key) === reading) this.entries.delete(key)
    })
    return reading
  }

  /** Drops the kept reads (a read too large to hold). */
  clear(): void {
    this.entries.clear()
  }

  /** Told whenever the kept reads are dropped for a write or a change seen. */
  onForget(listener: () => void): void {
    this.forgotten.push(listener)
  }

  private forget(): void {
    this.entries.clear()
    for (const listener of this.forgotten) listener()
  }
}

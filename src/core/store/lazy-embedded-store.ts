// The store of a one-shot command on the embedded cluster: reads go straight to a running
// member's database without the writer lock (as etcdctl's serializable reads do) while that view
// is current; the first write, or a view that may be stale (a stopped member, no quorum), opens
// the cluster (taking the lock), and from then on everything goes through it, so a command reads
// its own writes.
import type {RaftPosition} from '../etcd/api.js'
import type {EmbeddedClient} from '../etcd/embedded-client.js'
import type {FailoverClient} from '../etcd/failover-client.js'
import type {EmbeddedStoreOptions} from './backends.js'
import {defaultLayout} from '../etcd/layout.js'
import {ReadOnlyMember} from '../etcd/read-only-member.js'
import {ReaderEtcdClient} from './reader-client.js'
import {ensureClientUser} from './client-user.js'
import {type Clock, systemClock} from '../util/clock.js'
import {type CompactionState, type CompactionStep, EtcdStore, type ListOptions, type ListResult, type Store, type StoredObject, type StoreWatch, type WriteOptions} from './store.js'

export class LazyEmbeddedStore implements Store {
  private reader: ReadOnlyMember | null | undefined
  private readerStore: EtcdStore | null = null
  private writer: Store | null = null
  private writerClient: FailoverClient | null = null
  /** The cluster being opened: concurrent first writes wait for the same one. */
  private opening: Promise<Store> | null = null
  /** Counts the times this store took the writer lock. */
  private writerEpoch = 0
  private readonly writeListeners = new Set<(key: string) => void>()

  constructor(
    private readonly folder: string,
    private readonly options: EmbeddedStoreOptions = {},
  ) {}

  private get clock(): Clock {
    return this.options.clock ?? systemClock
  }

  /** The lock-free view, when it serves the cluster's current state. */
  private readable(): EtcdStore | null {
    if (this.writer) return null
    if (this.reader === undefined) {
      this.reader = this.openReader()
      if (this.reader) {
        this.readerStore = new EtcdStore(new ReaderEtcdClient(this.reader))
      }
    }
    if (!this.reader || !this.readerStore || !this.reader.servesCurrentState(this.folder)) return null
    return this.readerStore
  }

  /** A view of the preferred member, else of the first running one after it. */
  private openReader(): ReadOnlyMember | null {
    const names = defaultLayout().members.map((member) => member.name)
    const preferred = this.options.preferredMember ?? names[0]!
    for (const name of [preferred, ...names.filter((other) => other !== preferred)]) {
      const reader = ReadOnlyMember.open(this.folder, defaultLayout(), name, this.clock, this.options.etcdUser)
      if (reader) return reader
    }
    return null
  }

  private async writable(): Promise<Store> {
    if (this.writer) return this.writer
    this.opening ??= import('./backends.js').then(async ({openEmbeddedClient}) => {
      const client = openEmbeddedClient(this.folder, this.options)
      try {
        if (this.options.etcdUser) await ensureClientUser(client, this.options.etcdUser)
      } catch (error) {
        await client.close()
        this.opening = null
        throw error
      }
      this.writerClient = client
      this.writer = new EtcdStore(client, this.clock)
      this.writerEpoch++
      return this.writer
    })
    return this.opening
  }

  async get(key: string): Promise<{object: StoredObject | null; revision: number}> {
    return (this.readable() ?? (await this.writable())).get(key)
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return (this.readable() ?? (await this.writable())).list(prefix, options)
  }

  async create(key: string, value: Uint8Array, options?: WriteOptions): Promise<StoredObject> {
    return this.observed(key, (await this.writable()).create(key, value, options))
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, options?: WriteOptions): Promise<StoredObject> {
    return this.observed(key, (await this.writable()).update(key, value, expectedModRevision, options))
  }

  raftPositionOf(revision: number): RaftPosition | null {
    return this.writerClient?.raftPositionOf(revision) ?? null
  }

  async compactStep(state: CompactionState): Promise<CompactionStep> {
    return ((await this.writable()) as EtcdStore).compactStep(state)
  }

  async delete(key: string, expectedModRevision?: number): Promise<StoredObject> {
    return this.observed(key, (await this.writable()).delete(key, expectedModRevision))
  }

  watch(prefix: string, revision: number): StoreWatch {
    const readable = this.readable()
    if (readable) return readable.watch(prefix, revision)
    // A watch that needs the cluster opens it on its first read of events.
    let inner: StoreWatch | null = null
    let epoch = 0
    let cancelled = false
    return {
      next: async () => {
        if (cancelled) return null
        if (!inner) {
          const writer = await this.writable()
          epoch = this.writerEpoch
          inner = writer.watch(prefix, revision)
        }
        try {
          return await inner.next()
        } catch (error) {
          // The writer it read from was given back (releaseWriter closed that cluster): the watch
          // ends, as a watch ends when its server goes away, and its client watches again.
          if (this.writer === null || this.writerEpoch !== epoch) return null
          throw error
        }
      },
      cancel: () => {
        cancelled = true
        inner?.cancel()
      },
    }
  }

  onWrite(listener: (key: string) => void): () => void {
    this.writeListeners.add(listener)
    return () => this.writeListeners.delete(listener)
  }

  /**
   * Tells the listeners once the write succeeded. A failed one changed nothing they keep; one
   * that timed out and commits later (etcd without a quorum) reaches them as an informer's would,
   * through the watch of cached objects under `up`. Telling them of failures made the caches
   * read etcd again while it had no quorum, each time a controller's write failed.
   */
  private observed<T>(key: string, writing: Promise<T>): Promise<T> {
    return writing.then((result) => {
      for (const listener of this.writeListeners) listener(key)
      return result
    })
  }

  /** The etcd API of the cluster this store writes to (opening it), served by the preferred member, for the etcd front door. */
  async embeddedClient(): Promise<EmbeddedClient> {
    await this.writable()
    const client = this.writerClient!
    return client.memberClient(this.options.preferredMember ?? client.embedded.layout.members[0]!.name)
  }

  /**
   * The store of another master's API server on the cluster this store opened: its etcd client
   * prefers `member` and fails over like this one's. One process, one writer: its writes are
   * this store's (same epoch, same write listeners), and closing it leaves the cluster open.
   */
  async memberStore(member: string): Promise<Store> {
    await this.writable()
    const inner = new EtcdStore(this.writerClient!.preferring(member), this.clock)
    return {
      get: (key) => inner.get(key),
      list: (prefix, options) => inner.list(prefix, options),
      watch: (prefix, revision) => inner.watch(prefix, revision),
      create: (key, value, options) => this.observed(key, inner.create(key, value, options)),
      update: (key, value, expected, options) => this.observed(key, inner.update(key, value, expected, options)),
      delete: (key, expected) => this.observed(key, inner.delete(key, expected)),
      compactStep: (state) => inner.compactStep(state),
      raftPositionOf: (revision) => inner.raftPositionOf(revision),
      exclusiveWriterEpoch: () => this.exclusiveWriterEpoch(),
      onWrite: (listener) => this.onWrite(listener),
      close: () => inner.close(),
    }
  }

  exclusiveWriterEpoch(): number | null {
    return this.writer ? this.writerEpoch : null
  }

  /**
   * Closes the cluster (a clean stop) and gives the writer lock back, keeping this store usable:
   * reads go lock-free again and the next write reopens the cluster. A command that waits for
   * other processes (kubectl delete --wait, wait, rollout status) must not hold the lock meanwhile.
   */
  async releaseWriter(): Promise<void> {
    if (!this.writer && !this.opening) return
    try {
      await this.opening
      await this.writer?.close()
    } finally {
      // Even when closing failed (the cluster's close frees the lock whatever happens), the next
      // write opens the cluster again rather than using the closed one.
      this.writer = null
      this.writerClient = null
      this.opening = null
      this.reader = undefined
      const readerStore = this.readerStore
      this.readerStore = null
      await readerStore?.close()
    }
  }

  async close(): Promise<void> {
    await this.readerStore?.close()
    this.readerStore = null
    await this.writer?.close()
    this.writer = null
    this.writerClient = null
    this.opening = null
  }
}

// The shared informer (client-go's, reduced) behind the typed Informer views: a LIST of one resource, then a WATCH from
// the list's resourceVersion, kept in a cache by namespace/name; each change is handed to the
// handlers with the object as it was before. A watch that ends is opened again; one that fails
// with 410 Gone (its start was compacted) falls back to a new LIST, whose differences with the
// cache become events, as client-go's Reflector does.
import {isKubeObject, type KubeObject} from '../api/object.js'
import {nextMacrotask} from '../util/macrotask.js'
import type {ApiWatch, WatchEvent} from '../api/wire.js'
import {type ApiClient, isGone, objectKey, type ResourceRef, resourceKey} from './client.js'
import {assert} from '../util/assert.js'
import {cachedObjects} from './cached-objects.js'

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface InformerEvent<T extends KubeObject> {
  readonly type: InformerEventType
  readonly object: T
  /** The cached object before this change (for MODIFIED and DELETED). */
  readonly previous: T | null
}

/** One sync applies at most this many watch batches (a bound; a sync normally needs a few). */
export const informerBatchesPerSyncMax = 100_000
/** A sync re-lists at most this many times (watches that keep failing are a broken server). */
export const informerRelistsPerSyncMax = 10
/**
 * Objects one page of an informer's list asks for (client-go's reflector pages its lists by 500).
 * A list of every pod at once held them all decoded beside the cache: at 100,000 pods, a relist
 * after the watch fell behind a compaction took the heap from about 300 MiB to over 1 GiB.
 */
export const informerListPageObjectsMax = 500
/** Pages one list reads at most (a bound: 500 million objects). */
export const informerListPagesMax = 1_000_000

const idle = (): Promise<'idle'> => nextMacrotask().then(() => 'idle' as const)

/**
 * The object as the cache keeps it: frozen, its parts shared with the other cached objects that
 * have them (cached-objects.ts), and without metadata.managedFields, as kube-controller-manager's
 * and kube-scheduler's informers drop them (client-go's TransformStripManagedFields). No loop reads
 * them, a write from a cached object keeps the live object's (the API server's field manager
 * takes them from what is stored), and they were about a third of each cached pod's objects. A
 * copy: the event's object is the API server's, shared with its other watchers. `previous`: the
 * cached object it replaces, whose unchanged parts it takes over.
 */
function cachedForm<T extends KubeObject>(object: T, previous: T | null): T {
  if (object.metadata.managedFields === undefined) return cachedObjects.shareNext(object, previous)
  const {managedFields: _dropped, ...metadata} = object.metadata
  return cachedObjects.shareNext({...object, metadata}, previous)
}

/** A secondary index of an informer's cache (client-go's Indexer): objects by one value of theirs. */
export interface InformerIndex<T extends KubeObject> {
  readonly name: string
  /** The value an object is indexed under; null leaves it out. */
  readonly valueOf: (object: T) => string | null
}

/** Who adds handlers (a control loop being built) and where a handler's failure goes. */
export interface InformerHandlerOwners {
  /** The owner of a handler added now, or null (then its failures are thrown as before). */
  current(): string | null
  /** A handler of `owner` threw: the event went on to the other handlers; its owner is out of step. */
  failed(owner: string, error: unknown): void
}

const unowned: InformerHandlerOwners = {current: () => null, failed: () => {}}

interface Registration<T extends KubeObject> {
  readonly handler: (event: InformerEvent<T>) => void
  readonly owner: string | null
}

/** One resource's cache, shared by every Informer view of it (each checks the objects are its kind). */
export class SharedInformer {
  private readonly cache = new Map<string, KubeObject>()
  private readonly indexes = new Map<string, {valueOf: (object: KubeObject) => string | null; byValue: Map<string, Map<string, KubeObject>>}>()
  private readonly registrations: Array<Registration<KubeObject>> = []
  private revision = 0
  private watch: ApiWatch | null = null
  /**
   * The watch's next batch, asked for once and kept until it comes, with what it came to. A sync
   * with nothing to wait for looks at `outcome` after a macrotask instead of racing the promise:
   * each race left a reaction on it until the watch's next event, which for a kind that rarely
   * changes was thousands per informer, growing as long as the cluster ran.
   */
  private pendingNext: {readonly promise: Promise<WatchEvent[] | null>; outcome: {readonly events: WatchEvent[] | null} | {readonly error: unknown} | null} | null = null
  private started = false

  constructor(
    private readonly client: ApiClient,
    readonly resource: ResourceRef,
    private readonly owners: InformerHandlerOwners = unowned,
  ) {}

  /**
   * Adds a handler; on an informer that has already listed, it first gets the cache as ADDED
   * events (client-go's AddEventHandler), so a loop built again starts from the whole state.
   */
  onEvent(handler: (event: InformerEvent<KubeObject>) => void): void {
    const registration = {handler, owner: this.owners.current()}
    this.registrations.push(registration)
    if (this.started) for (const object of this.cache.values()) this.deliver(registration, {type: 'ADDED', object, previous: null})
  }

  /** Removes the handlers of an owner (a loop that failed and is built again). */
  removeHandlersOf(owner: string): void {
    for (let index = this.registrations.length - 1; index >= 0; index--) if (this.registrations[index]!.owner === owner) this.registrations.splice(index, 1)
  }

  /** The resourceVersion the cache is at. */
  get resourceVersion(): number {
    return this.revision
  }

  get(key: string): KubeObject | undefined {
    return this.cache.get(key)
  }

  list(): KubeObject[] {
    return [...this.cache.values()]
  }

  get size(): number {
    return this.cache.size
  }

  /** Adds an index (once per name: informers are shared, so several users may ask for it). */
  addIndex(index: InformerIndex<KubeObject>): void {
    if (this.indexes.has(index.name)) return
    const entry = {valueOf: index.valueOf, byValue: new Map<string, Map<string, KubeObject>>()}
    this.indexes.set(index.name, entry)
    for (const [key, object] of this.cache) indexInto(entry, key, object)
  }

  /** The cached objects an index has under `value`. */
  byIndex(name: string, value: string): KubeObject[] {
    const entry = this.indexes.get(name)
    if (!entry) throw new Error(`informer of ${resourceKey(this.resource)} has no index ${name}`)
    return [...(entry.byValue.get(value)?.values() ?? [])]
  }

  private put(key: string, object: KubeObject, previous: KubeObject | null): void {
    for (const entry of this.indexes.values()) {
      const value = entry.valueOf(object)
      // Same value: replaced in place, so an index keeps the cache's order of first arrival.
      if (previous && value !== null && entry.valueOf(previous) === value) entry.byValue.get(value)!.set(key, object)
      else {
        if (previous) unindex(entry, key, previous)
        indexInto(entry, key, object)
      }
    }
    this.cache.set(key, object)
  }

  private remove(key: string, previous: KubeObject | null): void {
    if (previous) for (const entry of this.indexes.values()) unindex(entry, key, previous)
    this.cache.delete(key)
  }

  private emit(event: InformerEvent<KubeObject>): void {
    for (const registration of this.registrations) this.deliver(registration, event)
  }

  private deliver(registration: Registration<KubeObject>, event: InformerEvent<KubeObject>): void {
    if (registration.owner === null) return registration.handler(event)
    try {
      registration.handler(event)
    } catch (error) {
      this.owners.failed(registration.owner, error)
    }
  }

  private async relist(): Promise<void> {
    this.watch?.cancel()
    this.watch = null
    this.pendingNext = null
    // In pages at one resourceVersion (the continue token keeps it), each page's objects cached
    // before the next is read; the differences with the cache become events as they come.
    const seen = new Set<string>()
    let listed: {resourceVersion: string; continue?: string} | null = null
    for (let pages = 0; pages < informerListPagesMax && (listed === null || listed.continue); pages++) {
      const page: Awaited<ReturnType<ApiClient['list']>> = await this.client.list<KubeObject>(this.resource, '', {limit: String(informerListPageObjectsMax), ...(listed?.continue ? {continue: listed.continue} : {})})
      for (const listedItem of page.items) {
        const key = objectKey(listedItem)
        const previous = this.cache.get(key) ?? null
        const item = cachedForm(listedItem, previous)
        seen.add(key)
        this.put(key, item, previous)
        if (!previous) this.emit({type: 'ADDED', object: item, previous: null})
        else if (previous.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit({type: 'MODIFIED', object: item, previous})
      }
      listed = page
    }
    if (listed === null || listed.continue) throw new Error(`the list of ${resourceKey(this.resource)} went past ${informerListPagesMax} pages`)
    for (const [key, previous] of [...this.cache]) {
      if (seen.has(key)) continue
      this.remove(key, previous)
      this.emit({type: 'DELETED', object: previous, previous})
    }
    this.revision = Number(listed.resourceVersion)
    this.watch = await this.client.watch(this.resource, listed.resourceVersion)
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await this.relist()
  }

  stop(): void {
    this.watch?.cancel()
    this.watch = null
    this.pendingNext = null
  }

  private nextOfWatch(watch: ApiWatch): NonNullable<SharedInformer['pendingNext']> {
    const pending: NonNullable<SharedInformer['pendingNext']> = {promise: watch.next(), outcome: null}
    pending.promise.then(
      (events) => (pending.outcome = {events}),
      (error: unknown) => (pending.outcome = {error}),
    )
    return pending
  }

  /** Applies one watch event; false when the watch reported 410 Gone. */
  private apply(event: WatchEvent): boolean {
    if (event.type === 'ERROR') {
      if (event.object.code === 410) return false
      throw new Error(`watch of ${resourceKey(this.resource)} failed: ${String(event.object.message)}`)
    }
    // The API server's watch events carry their object with its metadata (it asserts so as it sends them).
    if (!isKubeObject(event.object)) throw new Error(`watch of ${resourceKey(this.resource)} sent a ${event.type} event with no object metadata`)
    if (event.type === 'BOOKMARK') {
      // A bookmark's object only carries where the watch stands: nothing to cache.
      const version = Number(event.object.metadata.resourceVersion ?? 0)
      if (version > this.revision) this.revision = version
      return true
    }
    const key = objectKey(event.object)
    const previous = this.cache.get(key) ?? null
    const object = cachedForm(event.object, previous)
    const version = Number(object.metadata.resourceVersion ?? 0)
    if (version > this.revision) this.revision = version
    // A watch from the cache's list never brings an object back to an older state than the cache holds.
    assert(previous === null || version >= Number(previous.metadata.resourceVersion ?? 0), `the ${resourceKey(this.resource)} informer got ${key} at resourceVersion ${version}, older than its cached ${previous?.metadata.resourceVersion}`)
    if (event.type === 'DELETED') {
      this.remove(key, previous)
      this.emit({type: 'DELETED', object, previous})
    } else {
      this.put(key, object, previous)
      this.emit({type: previous ? 'MODIFIED' : 'ADDED', object, previous})
    }
    return true
  }

  /**
   * Applies the events the watch has already delivered and, when `targetRevision` is ahead of
   * the cache (this client wrote it), waits for the events up to it. Returns how many batches
   * were applied.
   */
  async sync(targetRevision = 0): Promise<number> {
    if (!this.started) await this.start()
    let batches = 0
    let relists = 0
    while (batches < informerBatchesPerSyncMax) {
      if (!this.watch) await this.relist()
      const pending = (this.pendingNext ??= this.nextOfWatch(this.watch!))
      if (this.revision >= targetRevision && pending.outcome === null) {
        await idle()
        if (pending.outcome === null) return batches
      }
      const outcome = pending.outcome ?? {events: await pending.promise}
      // A failed watch fails every sync until the informer is relisted, as before it came.
      if ('error' in outcome) throw outcome.error
      const next = outcome.events
      this.pendingNext = null
      batches++
      let gone = next === null
      for (const event of next ?? []) {
        if (!this.apply(event)) {
          gone = true
          break
        }
      }
      if (gone) {
        if (++relists > informerRelistsPerSyncMax) throw new Error(`the watch of ${resourceKey(this.resource)} failed ${relists} times in one sync`)
        try {
          await this.relist()
        } catch (error) {
          if (!isGone(error)) throw error
        }
      }
    }
    return batches
  }
}

function indexInto<T extends KubeObject>(entry: {valueOf: (object: T) => string | null; byValue: Map<string, Map<string, T>>}, key: string, object: T): void {
  const value = entry.valueOf(object)
  if (value === null) return
  let objects = entry.byValue.get(value)
  if (!objects) entry.byValue.set(value, (objects = new Map()))
  objects.set(key, object)
}

function unindex<T extends KubeObject>(entry: {valueOf: (object: T) => string | null; byValue: Map<string, Map<string, T>>}, key: string, object: T): void {
  const value = entry.valueOf(object)
  if (value === null) return
  const objects = entry.byValue.get(value)
  objects?.delete(key)
  if (objects?.size === 0) entry.byValue.delete(value)
}

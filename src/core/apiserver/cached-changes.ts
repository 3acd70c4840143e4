// What kube-apiserver's informers give its RBAC authorizer, its admission plugins and kube-aggregator, reduced to
// what kubemu's caches of those objects need: a watch on their key prefixes that says "something
// under this prefix changed". Writes through an API server of this process invalidate the caches
// at once (the store's write listeners); this feed covers the rest — a role binding or a
// namespace written past the API servers, e.g. by etcdctl through the front door — within a
// watch delivery, as an informer would.
import type {Store, StoreWatch} from '../store/store.js'
import type {Clock} from '../util/clock.js'

/** After a watch fails (compaction, a member failure), it starts again this much later. */
export const cachedChangesRetryMilliseconds = 1_000

/** What a cache subscribes to (a CachedChanges). */
export interface CachedChangesFeed {
  subscribe(listener: (prefix: string | null) => void): () => void
}

/**
 * Whoever caches objects listens here; `notify` makes them read the store again: what is under
 * the prefix, or everything for null (a watch that started again may have missed changes).
 */
export class CachedChanges implements CachedChangesFeed {
  private readonly listeners = new Set<(prefix: string | null) => void>()

  subscribe(listener: (prefix: string | null) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  notify(prefix: string | null): void {
    for (const listener of this.listeners) listener(prefix)
  }
}

/** Watches `prefixes` (those of every cached object) until `signal` aborts, telling `changes` of every event. */
export async function watchCachedChanges(store: Store, prefixes: readonly string[], changes: CachedChanges, clock: Clock, signal: AbortSignal, report: (message: string) => void): Promise<void> {
  let lastFailure: string | null = null
  while (!signal.aborted) {
    let watches: StoreWatch[] = []
    const cancel = () => {
      for (const watch of watches) watch.cancel()
    }
    signal.addEventListener('abort', cancel, {once: true})
    try {
      // Any read gives the revision the watches start after.
      const {revision} = await store.get(prefixes[0]!)
      // Whatever changed before the watches started may have been missed: read again.
      changes.notify(null)
      watches = prefixes.map((prefix) => store.watch(prefix, revision))
      if (signal.aborted) cancel()
      // One watch ending (cancelled, compacted, its member gone) restarts them all.
      await Promise.race(watches.map((watch, index) => drain(watch, prefixes[index]!, changes)))
      lastFailure = null
    } catch (error) {
      // As an informer whose watch failed, the caches keep what they have until the watch is
      // back (and then read everything again, above).
      const message = error instanceof Error ? error.message : String(error)
      if (!signal.aborted && message !== lastFailure) report(`kube-apiserver: the watch of its cached objects (RBAC, admission, APIServices, CRDs) failed (${message}); watching again`)
      lastFailure = message
    } finally {
      signal.removeEventListener('abort', cancel)
      cancel()
    }
    if (!signal.aborted) await clock.sleep(cachedChangesRetryMilliseconds, signal)
  }
}

async function drain(watch: StoreWatch, prefix: string, changes: CachedChanges): Promise<void> {
  for (;;) {
    const events = await watch.next()
    if (events === null) return
    if (events.length > 0) changes.notify(prefix)
  }
}

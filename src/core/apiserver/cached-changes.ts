// What kube-apiserver's RBAC informers give its authorizer, reduced to what kubemu's cache needs:
// a watch on the four RBAC prefixes that says "something changed". Writes through an API server
// of this process invalidate the cache at once (the store's write listeners); this feed covers
// the rest — a role binding written past the API servers, e.g. by etcdctl through the front door
// — within a watch delivery, as an informer would.
import type {Store, StoreWatch} from '../../store/store.js'
import type {Clock} from '../../util/clock.js'
import {rbacKeyPrefixes} from './rbac-cache.js'

/** After a watch fails (compaction, a member failure), it starts again this much later. */
export const rbacWatchRetryMilliseconds = 1_000

/** Whoever caches RBAC objects listens here; `notify` makes them read the store again. */
export class RbacChanges {
  private readonly listeners = new Set<() => void>()

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  notify(): void {
    for (const listener of this.listeners) listener()
  }
}

/** Watches the RBAC prefixes until `signal` aborts, telling `changes` of every event. */
export async function watchRbacChanges(store: Store, changes: RbacChanges, clock: Clock, signal: AbortSignal, report: (message: string) => void): Promise<void> {
  let lastFailure: string | null = null
  while (!signal.aborted) {
    let watches: StoreWatch[] = []
    const cancel = () => {
      for (const watch of watches) watch.cancel()
    }
    signal.addEventListener('abort', cancel, {once: true})
    try {
      // Any read gives the revision the watches start after.
      const {revision} = await store.get(rbacKeyPrefixes[0])
      // Whatever changed before the watches started may have been missed: read again.
      changes.notify()
      watches = rbacKeyPrefixes.map((prefix) => store.watch(prefix, revision))
      if (signal.aborted) cancel()
      // One watch ending (cancelled, compacted, its member gone) restarts them all.
      await Promise.race(watches.map((watch) => drain(watch, changes)))
      lastFailure = null
    } catch (error) {
      // As an informer whose watch failed, the caches keep what they have until the watch is
      // back (and then read everything again, above).
      const message = error instanceof Error ? error.message : String(error)
      if (!signal.aborted && message !== lastFailure) report(`kube-apiserver: the RBAC watch failed (${message}); watching again`)
      lastFailure = message
    } finally {
      signal.removeEventListener('abort', cancel)
      cancel()
    }
    if (!signal.aborted) await clock.sleep(rbacWatchRetryMilliseconds, signal)
  }
}

async function drain(watch: StoreWatch, changes: RbacChanges): Promise<void> {
  for (;;) {
    const events = await watch.next()
    if (events === null) return
    if (events.length > 0) changes.notify()
  }
}

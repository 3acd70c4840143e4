// kube-apiserver's compactor (--etcd-compaction-interval, 5 minutes by default): every interval it
// compacts etcd to the revision it noted one interval before, so history stays bounded and etcd
// does not run out of space (NOSPACE) under a long-running control plane. Coordinated through
// compact_rev_key, so that any number of API servers compact once per interval between them.
import type {CompactionState, Store} from '../store/store.js'
import type {Clock} from '../util/clock.js'

/** kube-apiserver's default --etcd-compaction-interval. */
export const compactionIntervalMilliseconds = 5 * 60 * 1000

/** Runs until `signal` aborts; a failed step is reported and tried again at the next interval. */
export async function runCompactor(store: Store, clock: Clock, signal: AbortSignal, report: (message: string) => void): Promise<void> {
  if (!store.compactStep) return
  let state: CompactionState = {version: 0, revision: 0}
  while (!signal.aborted) {
    await clock.sleep(compactionIntervalMilliseconds, signal)
    if (signal.aborted) return
    try {
      const compacting = state.revision
      const step = await store.compactStep(state)
      state = {version: step.version, revision: step.revision}
      if (step.compacted) report(`etcd: compacted to revision ${compacting}`)
    } catch (error) {
      report(`etcd: compaction failed (${error instanceof Error ? error.message : String(error)}); trying again in ${compactionIntervalMilliseconds / 60_000} minutes`)
    }
  }
}

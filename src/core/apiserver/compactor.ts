// kube-apiserver's compactor (--etcd-compaction-interval, 5 minutes by default): every interval it
// compacts etcd to the revision it noted one interval before, so history stays bounded and etcd
// does not run out of space (NOSPACE) under a long-running control plane. Coordinated through
// compact_rev_key, so that any number of API servers compact once per interval between them.
// Its interval is cluster time: `kubemu time advance` and one-shot commands catching up compact too.
import type {CompactionState, Store} from '../store/store.js'
import type {Clock} from '../util/clock.js'

/** kube-apiserver's default --etcd-compaction-interval. */
export const compactionIntervalMilliseconds = 5 * 60 * 1000
/** How often a running compactor reads the cluster clock, which `kubemu time advance` moves without waking sleepers. */
export const compactorPollMilliseconds = 10_000

/** One API server's compactor: where it stands in compact_rev_key's count, and when it steps next. */
export class Compactor {
  constructor(
    private readonly store: Store & Required<Pick<Store, 'compactStep'>>,
    private state: CompactionState,
    private dueAtMilliseconds: number,
  ) {}

  nextDue(): number {
    return this.dueAtMilliseconds
  }

  /** One step at cluster time `now`: the revision it compacted to, or null (a first step, or another API server's turn). */
  async step(now: number): Promise<number | null> {
    // A failed step waits for the next interval too, as kube's loop does.
    this.dueAtMilliseconds = now + compactionIntervalMilliseconds
    const compacting = this.state.revision
    const step = await this.store.compactStep(this.state)
    this.state = {version: step.version, revision: step.revision}
    return step.compacted ? compacting : null
  }
}

/** Runs until `signal` aborts; a failed step is reported and tried again at the next interval. */
export async function runCompactor(store: Store, clock: Clock, signal: AbortSignal, report: (message: string) => void): Promise<void> {
  if (!store.compactStep) return
  const compactor = new Compactor(store as Store & Required<Pick<Store, 'compactStep'>>, {version: 0, revision: 0}, clock.nowMilliseconds() + compactionIntervalMilliseconds)
  while (!signal.aborted) {
    const wait = compactor.nextDue() - clock.nowMilliseconds()
    if (wait > 0) {
      await clock.sleep(Math.min(wait, compactorPollMilliseconds), signal)
      continue
    }
    try {
      const compacted = await compactor.step(clock.nowMilliseconds())
      if (compacted !== null) report(`etcd: compacted to revision ${compacted}`)
    } catch (error) {
      report(`etcd: compaction failed (${error instanceof Error ? error.message : String(error)}); trying again in ${compactionIntervalMilliseconds / 60_000} minutes`)
    }
  }
}

/**
 * The compactor of a command that runs the cluster for a moment (one-shot): when an interval of
 * cluster time has passed since the last step (`lastStepAt`, kept with the cluster), it takes the
 * next step where compact_rev_key says the previous one left off. Returns whether `now` is to be
 * kept as the last step: after a step, failed or not (the next is an interval later, and a failure
 * never fails the command), and at the first call, which starts the count as an API server
 * starting does (its first step is an interval after it starts).
 */
export async function compactWhenDue(store: Store, now: number, lastStepAt: number | undefined): Promise<boolean> {
  if (!store.compactStep) return false
  if (lastStepAt === undefined) return true
  if (now - lastStepAt < compactionIntervalMilliseconds) return false
  try {
    await new Compactor(store as Store & Required<Pick<Store, 'compactStep'>>, {version: 0, revision: 0, resumed: true}, now).step(now)
  } catch {
    // As kube's loop: the next step tries again.
  }
  return true
}

// The scheduling queue's backoff (kube-scheduler 1.32's podBackoffQ): a pod that failed to
// schedule waits podInitialBackoffSeconds doubled per failed attempt, at most
// podMaxBackoffSeconds, before a cluster event may send it back to the active queue.
import type {Pod} from '../api/kinds.js'

/** Pods backing off at once past this are a broken invariant (the work queues' bound). */
export const backingOffPodsMax = 1_000_000

export class PodBackoff {
  /** Failed attempts and the time of the last, per pod key. */
  private readonly attempts = new Map<string, {count: number; lastMilliseconds: number}>()
  /** Pods a cluster event released before their backoff ended, with the time it ends. */
  private readonly waiting = new Map<string, {pod: Pod; readyMilliseconds: number}>()

  constructor(
    private readonly initialMilliseconds: number,
    private readonly maxMilliseconds: number,
  ) {}

  /** A failed attempt of the pod at `now`. */
  failed(key: string, now: number): void {
    const count = (this.attempts.get(key)?.count ?? 0) + 1
    this.attempts.set(key, {count, lastMilliseconds: now})
  }

  /** calculateBackoffDuration: initial × 2^(attempts−1), capped. */
  private readyMilliseconds(key: string): number {
    const attempt = this.attempts.get(key)
    if (!attempt) return 0
    let duration = this.initialMilliseconds
    for (let index = 1; index < attempt.count && duration < this.maxMilliseconds; index++) duration *= 2
    return attempt.lastMilliseconds + Math.min(duration, this.maxMilliseconds)
  }

  /** True when the pod may go to the active queue now; otherwise it waits here until its backoff ends. */
  release(key: string, pod: Pod, now: number): boolean {
    const ready = this.readyMilliseconds(key)
    if (ready <= now) return true
    if (this.waiting.size >= backingOffPodsMax && !this.waiting.has(key)) throw new Error(`assertion failed: ${backingOffPodsMax} pods are backing off`)
    this.waiting.set(key, {pod, readyMilliseconds: ready})
    return false
  }

  /** The pods whose backoff has ended (all of them with `everything`), removed from here. */
  due(now: number, everything: boolean): Array<[string, Pod]> {
    const due: Array<[string, Pod]> = []
    for (const [key, entry] of this.waiting) {
      if (!everything && entry.readyMilliseconds > now) continue
      due.push([key, entry.pod])
      this.waiting.delete(key)
    }
    return due
  }

  hasDue(now: number, everything: boolean): boolean {
    for (const entry of this.waiting.values()) if (everything || entry.readyMilliseconds <= now) return true
    return false
  }

  nextDue(): number | null {
    let earliest: number | null = null
    for (const entry of this.waiting.values()) if (earliest === null || entry.readyMilliseconds < earliest) earliest = entry.readyMilliseconds
    return earliest
  }

  /** The pod was scheduled or deleted: its attempts are forgotten. */
  forget(key: string): void {
    this.attempts.delete(key)
    this.waiting.delete(key)
  }
}

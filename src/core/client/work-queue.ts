// A work queue (client-go's workqueue, reduced): keys, each at most once in the queue; a key
// being processed and added again is processed once more after; keys added for later become due
// on the injected clock. Bounded: adding beyond the limit is a broken invariant.
import {assert} from '../util/assert.js'
import type {Clock} from '../util/clock.js'

/** No queue holds more keys than this (a cluster of kwok's stated scale has 100,000 pods). */
export const workQueueKeysMax = 1_000_000

export class WorkQueue {
  private readonly queued = new Set<string>()
  private readonly later = new Map<string, number>()

  constructor(
    readonly name: string,
    private readonly clock: Clock,
  ) {}

  add(key: string): void {
    this.later.delete(key)
    if (this.queued.has(key)) return
    assert(this.queued.size < workQueueKeysMax, `the ${this.name} queue holds ${workQueueKeysMax} keys`)
    this.queued.add(key)
  }

  /** Adds the key once `delayMilliseconds` have passed (an earlier due time wins). */
  addAfter(key: string, delayMilliseconds: number): void {
    if (delayMilliseconds <= 0) return this.add(key)
    if (this.queued.has(key)) return
    const due = this.clock.nowMilliseconds() + delayMilliseconds
    const current = this.later.get(key)
    assert(current !== undefined || this.later.size < workQueueKeysMax, `the ${this.name} queue holds ${workQueueKeysMax} keys for later`)
    if (current === undefined || due < current) this.later.set(key, due)
  }

  /** Moves the keys that are due into the queue; with `everything`, all of them (delays collapsed). */
  promoteDue(everything = false): void {
    const now = this.clock.nowMilliseconds()
    for (const [key, due] of [...this.later]) if (everything || due <= now) this.add(key)
  }

  /** The keys to process now, in the order they were added; the queue is empty after. */
  take(): string[] {
    const keys = [...this.queued]
    this.queued.clear()
    return keys
  }

  get length(): number {
    return this.queued.size
  }

  /** Keys added for later that are not yet due. */
  get waitingLength(): number {
    return this.later.size
  }

  /** The earliest due time of a key added for later, or null; keys `ignored` picks do not count. */
  nextDue(ignored?: (key: string) => boolean): number | null {
    let earliest: number | null = null
    for (const [key, due] of this.later) if ((earliest === null || due < earliest) && !ignored?.(key)) earliest = due
    return earliest
  }
}

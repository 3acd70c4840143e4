// What every controller shares (client-go's controller pattern): informer events map to keys in
// a work queue; process() reconciles each due key once; a 409 Conflict puts the key back for the
// next round (the reconcile reads the newer object then); a 404 means the work is moot.
import {ApiClientError, isConflict, isNotFound} from '../client/client.js'
import type {ControlLoop} from '../client/informer-factory.js'
import {WorkQueue} from '../client/work-queue.js'
import type {Clock} from '../util/clock.js'

/** client-go's default controller rate limiter: 5 ms, doubling per failure of a key, at most 1000 s. */
export const failureBackoffInitialMilliseconds = 5
export const failureBackoffMaxMilliseconds = 1_000_000

export abstract class Controller implements ControlLoop {
  protected readonly queue: WorkQueue
  private readonly failures = new Map<string, number>()

  constructor(
    readonly name: string,
    protected readonly clock: Clock,
  ) {
    this.queue = new WorkQueue(name, clock)
  }

  /** Reconciles one key: idempotent, from the informers' state, at the clock's `now`. */
  protected abstract reconcile(key: string, now: number): Promise<void>

  /** Whether this controller's delays are simulated ones that collapse in one-shot mode. */
  protected readonly delaysCollapse: boolean = false

  hasWork(collapseDelays: boolean): boolean {
    if (this.queue.length > 0) return true
    const due = this.queue.nextDue()
    return due !== null && ((collapseDelays && this.delaysCollapse) || due <= this.clock.nowMilliseconds())
  }

  nextDue(): number | null {
    return this.queue.nextDue()
  }

  async process(collapseDelays: boolean): Promise<number> {
    this.queue.promoteDue(collapseDelays && this.delaysCollapse)
    const keys = this.queue.take()
    for (const key of keys) {
      try {
        await this.reconcile(key, this.clock.nowMilliseconds())
        this.failures.delete(key)
      } catch (error) {
        if (isConflict(error)) this.queue.add(key)
        else if (isNotFound(error)) this.failures.delete(key)
        else if (error instanceof ApiClientError) {
          // The server refused (Forbidden, Invalid, quota…): try again later, less and less often.
          const failures = (this.failures.get(key) ?? 0) + 1
          this.failures.set(key, failures)
          this.queue.addAfter(key, Math.min(failureBackoffMaxMilliseconds, failureBackoffInitialMilliseconds * 2 ** (failures - 1)))
        } else throw error
      }
    }
    return keys.length
  }
}

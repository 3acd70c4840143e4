/** Time from outside: the wall clock in production, a manual one in tests (which never sleep). */
export interface Clock {
  nowMilliseconds(): number
  /** Resolves after `milliseconds`, or at once when `signal` aborts (so no timer outlives its use). */
  sleep(milliseconds: number, signal?: AbortSignal): Promise<void>
  /**
   * True while the clock moves only when told (`up --manual-clock`, a seeded one-shot cluster):
   * waiting on the wall for something only time can bring changes nothing there.
   */
  readonly standsStill?: boolean
}

export const systemClock: Clock = {
  nowMilliseconds: () => Date.now(),
  sleep: (milliseconds, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      // The listener goes when the timer fires: a long-lived signal does not collect one per sleep.
      const onAbort = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, Math.min(milliseconds, 2_147_483_647))
      signal?.addEventListener('abort', onAbort, {once: true})
    }),
}

/** A clock that moves only when told to; sleeping advances it at once. */
export class ManualClock implements Clock {
  constructor(private now = 1_700_000_000_000) {}

  nowMilliseconds(): number {
    return this.now
  }

  advance(milliseconds: number): void {
    this.now += milliseconds
  }

  async sleep(milliseconds: number): Promise<void> {
    this.now += milliseconds
  }
}

/** A clock whose sleepers wake only when a test moves it past their deadline. */
export class SteppedClock implements Clock {
  private sleepers: Array<{deadline: number; wake: () => void}> = []
  private sleepWatchers: Array<() => void> = []

  constructor(private now = 1_700_000_000_000) {}

  nowMilliseconds(): number {
    return this.now
  }

  /** Sleeps neither woken nor aborted yet: a test sees that no wait leaves one behind. */
  get pendingSleeps(): number {
    return this.sleepers.length
  }

  /** Resolves at the next sleep(): the code under test has done its work and waits for time again. */
  nextSleep(): Promise<void> {
    return new Promise((resolve) => this.sleepWatchers.push(resolve))
  }

  sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      // The listener goes when the sleeper wakes: a long-lived signal does not collect one per sleep.
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((candidate) => candidate !== sleeper)
        resolve()
      }
      const sleeper = {
        deadline: this.now + milliseconds,
        wake: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
      }
      this.sleepers.push(sleeper)
      const watchers = this.sleepWatchers
      this.sleepWatchers = []
      for (const watcher of watchers) watcher()
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  }

  advance(milliseconds: number): void {
    this.now += milliseconds
    const due = this.sleepers.filter((sleeper) => sleeper.deadline <= this.now)
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.deadline > this.now)
    for (const sleeper of due) sleeper.wake()
  }
}

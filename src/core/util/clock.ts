/** Time from outside: the wall clock in production, a manual one in tests (which never sleep). */
export interface Clock {
  nowMilliseconds(): number
  sleep(milliseconds: number): Promise<void>
}

export const systemClock: Clock = {
  nowMilliseconds: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
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

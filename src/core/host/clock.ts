// The cluster clock: wall time plus an offset kept with the cluster (host.json). Every component
// reads it (the API server, the loops, etcd's lessor), so `kubemu time advance` moves the whole
// cluster forward together. Sleeping waits on the wall clock: only `advance` skips time.
import {assert} from '../util/assert.js'
import {type Clock, systemClock} from '../util/clock.js'
import {GoDurationError, parseGoDurationMilliseconds} from '../util/go-duration.js'
import {clusterSeed, seededEpochMilliseconds} from '../seed.js'
import {readHostState, updateHostState} from './state.js'

/** The longest single `time advance` (a year): bounds the work one command can ask for. */
export const advanceMillisecondsMax = 366 * 24 * 3_600_000

export class TimeArgumentError extends Error {}

export class ClusterClock implements Clock {
  /** How far behind wall time plus offset this process replays (catching up from the last settle). */
  private lag = 0

  constructor(
    private readonly wall: Clock,
    private offset: number,
  ) {
    assert(Number.isFinite(offset) && offset >= 0, `clock offset ${offset} must be finite and not negative`)
  }

  nowMilliseconds(): number {
    return this.wall.nowMilliseconds() + this.offset - this.lag
  }

  /** Whether this process is replaying time that has passed (catch-up) rather than living in it. */
  get replaying(): boolean {
    return this.lag > 0
  }

  /**
   * Sets cluster time back to `time` (not later than now) so that what happened since can be
   * replayed in order; moveForward then consumes the lag before it moves the offset. Only before
   * this process has done anything at the later time.
   */
  replayFrom(time: number): void {
    const lag = this.wall.nowMilliseconds() + this.offset - time
    assert(lag >= 0 && Number.isFinite(lag), `replay from ${time} must not be in the future`)
    this.lag = lag
  }

  get offsetMilliseconds(): number {
    return this.offset
  }

  /** Whether this clock stands on a seeded cluster's epoch rather than wall time. */
  get seeded(): boolean {
    return this.wall instanceof SeededWallClock
  }

  /** Whether cluster time stands still in this process (a seeded cluster outside `up`): only `time advance` moves it. */
  get standsStill(): boolean {
    return this.wall instanceof SeededWallClock && !this.wall.running
  }

  get wallClock(): Clock {
    return this.wall
  }

  sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
    return this.wall.sleep(milliseconds, signal)
  }

  /** Moves cluster time forward (in this process only; `persist` keeps it with the cluster). */
  moveForward(milliseconds: number): void {
    assert(Number.isFinite(milliseconds) && milliseconds >= 0, `the clock moves forward only (asked ${milliseconds} ms)`)
    const fromLag = Math.min(this.lag, milliseconds)
    this.lag -= fromLag
    this.offset += milliseconds - fromLag
  }

  /** Ends a replay: cluster time is wall time plus offset again. */
  catchUpToWall(): void {
    this.lag = 0
  }

  /** Keeps the offset with the cluster; a larger one recorded meanwhile wins (time never goes back). */
  persist(folder: string): void {
    // A seeded cluster's next command starts from its epoch: the time `up` ran goes into the offset.
    const ran = this.wall instanceof SeededWallClock ? this.wall.ranMilliseconds() : 0
    updateHostState(folder, (state) => ({...state, clockOffsetMilliseconds: Math.max(state.clockOffsetMilliseconds, this.offset + ran)}))
  }
}

/**
 * What a seeded cluster's clock stands on instead of wall time: its epoch, so that one-shot
 * commands see the same cluster time run after run (only `kubemu time advance` moves it); under
 * `up` (`running`), the epoch plus the real time since up started. Sleeping still waits on `wall`.
 */
export class SeededWallClock implements Clock {
  private readonly startedAt: number

  constructor(
    private readonly wall: Clock,
    readonly running: boolean,
  ) {
    this.startedAt = wall.nowMilliseconds()
  }

  nowMilliseconds(): number {
    return seededEpochMilliseconds + this.ranMilliseconds()
  }

  ranMilliseconds(): number {
    return this.running ? Math.max(0, this.wall.nowMilliseconds() - this.startedAt) : 0
  }

  sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
    return this.wall.sleep(milliseconds, signal)
  }
}

/**
 * A running seeded `up`'s clock as another process reads it: the epoch plus the time since up
 * started, which that process cannot tell from the folder (up keeps it in host.json only when it
 * stops); so from the time up read (`upNow`), moved on by the wall time since.
 */
export function followingUpClock(upNow: number, wall: Clock): ClusterClock {
  const readAt = wall.nowMilliseconds()
  return new ClusterClock({nowMilliseconds: () => upNow + (wall.nowMilliseconds() - readAt), sleep: (milliseconds, signal) => wall.sleep(milliseconds, signal)}, 0)
}

/**
 * The clock of the cluster in `folder`, on `wall` (the system clock unless a test injects one);
 * a seeded cluster's stands on its epoch, moving with `wall` only while `up` runs (`running`).
 */
export function openClusterClock(folder: string, wall: Clock = systemClock, running = false): ClusterClock {
  const base = clusterSeed(folder) === null ? wall : new SeededWallClock(wall, running)
  return new ClusterClock(base, readHostState(folder).clockOffsetMilliseconds)
}

/** `kubemu time advance DURATION`: a positive Go duration, at most a year. */
export function parseAdvanceDuration(text: string): number {
  let milliseconds: number
  try {
    milliseconds = parseGoDurationMilliseconds(text)
  } catch (error) {
    if (error instanceof GoDurationError) throw new TimeArgumentError(`invalid duration ${JSON.stringify(text)}: give a Go duration such as 90s, 6m or 1h30m`)
    throw error
  }
  if (milliseconds < 0) throw new TimeArgumentError(`invalid duration ${JSON.stringify(text)}: the cluster clock only moves forward`)
  if (milliseconds > advanceMillisecondsMax) throw new TimeArgumentError(`invalid duration ${JSON.stringify(text)}: at most ${advanceMillisecondsMax / 3_600_000}h at once`)
  return milliseconds
}

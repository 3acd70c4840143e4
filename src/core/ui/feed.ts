// The status snapshots behind the web page and `status --watch`: one reader shared by every
// subscriber, reading only while someone watches, at most every feedIntervalMilliseconds, and
// passing a snapshot on when it changed (or after a heartbeat, so the clock on the page moves).
import type {ApiWatch, WatchEvent} from '../api/wire.js'
import type {ClusterStatus} from '../status/model.js'
import type {Clock} from '../util/clock.js'

/** How often the feed reads a snapshot while someone watches. */
export const feedIntervalMilliseconds = 500
/** A snapshot goes out at least this often even when nothing changed (the cluster time moves). */
export const feedHeartbeatMilliseconds = 5_000
/** Watchers at once (browser tabs, `status --watch`); one more is refused. */
export const feedSubscribersMax = 32

/** A snapshot that could not be read, as a watcher is told: the message only, never a stack. */
export function unavailable(error: unknown): {message: string} {
  return {message: error instanceof Error ? error.message : String(error)}
}

interface Subscriber {
  pending: WatchEvent | null
  wake: (() => void) | null
  cancelled: boolean
}

export class StatusFeed {
  private readonly subscribers = new Set<Subscriber>()
  private latest: WatchEvent | null = null
  private latestKey = ''
  private sentAt = 0
  private running: Promise<void> | null = null
  private readonly stopped = new AbortController()

  constructor(
    private readonly snapshot: () => Promise<ClusterStatus>,
    private readonly clock: Clock,
  ) {}

  get watchers(): number {
    return this.subscribers.size
  }

  /** A new watcher: its first batch is the newest snapshot; null when too many watch already. */
  subscribe(): ApiWatch | null {
    if (this.subscribers.size >= feedSubscribersMax) return null
    const subscriber: Subscriber = {pending: this.latest, wake: null, cancelled: false}
    this.subscribers.add(subscriber)
    this.running ??= this.run().finally(() => (this.running = null))
    return {
      next: async () => {
        while (!subscriber.cancelled && subscriber.pending === null && !this.stopped.signal.aborted) await new Promise<void>((resolve) => (subscriber.wake = resolve))
        if (subscriber.cancelled || this.stopped.signal.aborted) return null
        const event = subscriber.pending!
        subscriber.pending = null
        return [event]
      },
      cancel: () => {
        subscriber.cancelled = true
        this.subscribers.delete(subscriber)
        subscriber.wake?.()
      },
    }
  }

  /** Ends every watch (up stops). */
  close(): void {
    this.stopped.abort()
    for (const subscriber of this.subscribers) subscriber.wake?.()
  }

  private async run(): Promise<void> {
    while (this.subscribers.size > 0 && !this.stopped.signal.aborted) {
      await this.read()
      await this.clock.sleep(feedIntervalMilliseconds, this.stopped.signal)
    }
  }

  private async read(): Promise<void> {
    let event: WatchEvent
    let key: string
    try {
      const status = await this.snapshot()
      event = {type: 'MODIFIED', object: {...status}}
      key = JSON.stringify({...status, time: null})
    } catch (error) {
      event = {type: 'ERROR', object: unavailable(error)}
      key = JSON.stringify(event)
    }
    const now = this.clock.nowMilliseconds()
    if (key === this.latestKey && now - this.sentAt < feedHeartbeatMilliseconds) return
    this.latest = event
    this.latestKey = key
    this.sentAt = now
    for (const subscriber of this.subscribers) {
      subscriber.pending = event
      subscriber.wake?.()
      subscriber.wake = null
    }
  }
}

// The status feed behind /ui/api/watch: reads only while someone watches, passes a snapshot on when
// it changed or after the heartbeat, tells watchers of a failed read by its message, and refuses
// watchers beyond its limit.
import {describe, expect, it} from 'vitest'
import type {WatchEvent} from '../../src/core/api/wire.js'
import type {ClusterStatus} from '../../src/core/status/model.js'
import {feedHeartbeatMilliseconds, feedIntervalMilliseconds, feedSubscribersMax, StatusFeed} from '../../src/core/ui/feed.js'
import {SteppedClock} from '../../src/core/util/clock.js'

function snapshots(clock: SteppedClock) {
  const state = {reads: 0, term: 2, failure: null as string | null}
  const read = async (): Promise<ClusterStatus> => {
    state.reads++
    if (state.failure) throw new Error(state.failure)
    return {time: {now: clock.nowMilliseconds(), offsetMilliseconds: 0}, members: [{name: 'infra1', term: state.term}]} as unknown as ClusterStatus
  }
  return {state, read}
}

const termOf = (events: WatchEvent[] | null) => ((events?.[0]?.object as {members?: Array<{term: number}>}).members ?? [])[0]?.term

/** Moves the clock one feed interval and resolves once the feed has read and sleeps again. */
async function tick(clock: SteppedClock): Promise<void> {
  const slept = clock.nextSleep()
  clock.advance(feedIntervalMilliseconds)
  await slept
}

describe('StatusFeed', () => {
  it('sends the first snapshot, then changes and heartbeats, and stops reading when nobody watches', async () => {
    const clock = new SteppedClock()
    const {state, read} = snapshots(clock)
    const feed = new StatusFeed(read, clock)
    expect(state.reads).toBe(0)
    const sleeping = clock.nextSleep()
    const watch = feed.subscribe()!
    await sleeping
    expect(termOf(await watch.next())).toBe(2)

    // Nothing changed: nothing is sent until the heartbeat is due.
    let sent: WatchEvent[] | null = null
    const next = watch.next().then((events) => (sent = events))
    for (let waited = feedIntervalMilliseconds; waited < feedHeartbeatMilliseconds; waited += feedIntervalMilliseconds) {
      await tick(clock)
      expect(sent, `after ${waited} ms`).toBeNull()
    }
    await tick(clock)
    await next
    expect(termOf(sent)).toBe(2)
    expect(state.reads).toBe(feedHeartbeatMilliseconds / feedIntervalMilliseconds + 1)

    // A change goes out at the next read.
    state.term = 3
    await tick(clock)
    expect(termOf(await watch.next())).toBe(3)

    // A failed read: the message, no stack.
    state.failure = 'etcdserver: request timed out'
    await tick(clock)
    expect(await watch.next()).toEqual([{type: 'ERROR', object: {message: 'etcdserver: request timed out'}}])

    // Nobody watches: the feed reads once more at most, then stops.
    watch.cancel()
    expect(await watch.next()).toBeNull()
    expect(feed.watchers).toBe(0)
    const reads = state.reads
    clock.advance(10 * feedIntervalMilliseconds)
    await new Promise((resolve) => setImmediate(resolve))
    expect(state.reads).toBeLessThanOrEqual(reads + 1)
    feed.close()
  })

  it('refuses a watcher beyond the limit and ends every watch when closed', async () => {
    const clock = new SteppedClock()
    const feed = new StatusFeed(snapshots(clock).read, clock)
    const sleeping = clock.nextSleep()
    const watches = Array.from({length: feedSubscribersMax}, () => feed.subscribe())
    expect(watches.every((watch) => watch !== null)).toBe(true)
    expect(feed.subscribe()).toBeNull()
    await sleeping
    expect(await watches[0]!.next()).toHaveLength(1)
    feed.close()
    expect(await watches[0]!.next()).toBeNull()
  })
})

// client-go's event correlation as the kubelet's recorder runs it: similar events (same object,
// type and reason) combine from the 10th different message within a sliding 10 minutes; the spam
// filter lets 25 events about one object through at once, then one more every 5 minutes.
import {describe, expect, it} from 'vitest'
import {aggregateMessagesMax, aggregateWindowMilliseconds, combinedMessagePrefix, EventCorrelator, eventBackdateMillisecondsMax, spamBurstEvents, spamRefillMilliseconds} from '../../src/core/client/event-correlator.js'
import {SeededRandom} from '../../src/core/util/random.js'

/** client-go's correlation with every record kept (fewer keys than its LRU holds, so none is evicted). */
class KeepEveryRecord {
  private readonly similar = new Map<string, {messages: Set<string>; last: number}>()
  private readonly buckets = new Map<string, {tokens: number; at: number}>()

  correlate(objectKey: string, type: string, reason: string, message: string, at: number): {message: string; skip: boolean} {
    const key = JSON.stringify([objectKey, type, reason])
    let record = this.similar.get(key)
    if (!record || at - record.last > aggregateWindowMilliseconds) record = {messages: new Set(), last: at}
    record.messages.add(message)
    record.last = Math.max(record.last, at)
    let combined = false
    if (record.messages.size >= aggregateMessagesMax) {
      record.messages.delete(record.messages.values().next().value!)
      combined = true
    }
    this.similar.set(key, record)
    const bucket = this.buckets.get(objectKey) ?? {tokens: spamBurstEvents, at}
    bucket.tokens = Math.min(spamBurstEvents, bucket.tokens + Math.max(0, at - bucket.at) / spamRefillMilliseconds)
    bucket.at = Math.max(bucket.at, at)
    this.buckets.set(objectKey, bucket)
    const skip = bucket.tokens < 1
    if (!skip) bucket.tokens -= 1
    return {message: combined ? `${combinedMessagePrefix}${message}` : message, skip}
  }
}

const start = Date.parse('2026-01-01T00:00:00Z')

describe('EventCorrelator', () => {
  it('combines the 10th and later different messages of one type and reason, while they come within 10 minutes of each other', () => {
    const correlator = new EventCorrelator()
    const results = Array.from({length: 12}, (_, index) => correlator.correlate('pod-a', 'Warning', 'Unhealthy', `Liveness probe failed: attempt ${index}`, start + index * 1_000))
    expect(results.slice(0, 9).every((result) => !result.combined)).toBe(true)
    expect(results.slice(9).map((result) => result.message)).toEqual(['(combined from similar events): Liveness probe failed: attempt 9', '(combined from similar events): Liveness probe failed: attempt 10', '(combined from similar events): Liveness probe failed: attempt 11'])
    // The same message again is not a new one; another reason is its own group; past the window, a fresh start.
    expect(correlator.correlate('pod-a', 'Warning', 'BackOff', 'Back-off restarting failed container', start + 20_000).combined).toBe(false)
    expect(correlator.correlate('pod-a', 'Warning', 'Unhealthy', 'Liveness probe failed: late', start + 11_000 + 600_001).combined).toBe(false)
  })

  it('lets 25 events about one object through at once, then one every 5 minutes; another object has its own bucket', () => {
    const correlator = new EventCorrelator()
    const passed = (object: string, at: number) => !correlator.correlate(object, 'Warning', 'BackOff', 'Back-off restarting failed container', at).skip
    const burst = Array.from({length: 30}, () => passed('pod-a', start))
    expect(burst.filter(Boolean).length).toBe(25)
    expect(passed('pod-b', start)).toBe(true)
    expect(passed('pod-a', start + 299_000)).toBe(false)
    expect(passed('pod-a', start + 300_000)).toBe(true)
    expect(passed('pod-a', start + 300_001)).toBe(false)
    // Refills stop at the burst: an hour later, 25 pass again, not 12 × 1 + …
    expect(Array.from({length: 30}, () => passed('pod-a', start + 10 * 3_600_000)).filter(Boolean).length).toBe(25)
  })

  it('still combines an event recorded in the past with the similar ones before it, after later events about others', () => {
    const correlator = new EventCorrelator()
    for (let index = 0; index < 9; index++) correlator.correlate('pod-a', 'Warning', 'Unhealthy', `probe failed ${index}`, start)
    correlator.correlate('pod-b', 'Normal', 'Pulled', 'pulled', start + 11 * 60_000)
    // A kubelet catching up records pod-a's next failure at its time, 5 minutes after the others: within their window.
    expect(correlator.correlate('pod-a', 'Warning', 'Unhealthy', 'probe failed 9', start + 5 * 60_000).combined).toBe(true)
  })

  it('answers as if it kept every record while it drops the ones time made useless (seeded: SEED=… replays)', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000)
    const random = new SeededRandom(seed)
    const correlator = new EventCorrelator()
    const model = new KeepEveryRecord()
    let now = start
    let mostHeld = 0
    try {
      for (let step = 0; step < 30_000; step++) {
        // Mostly seconds apart, now and then a long quiet spell; a few hundred pods, a few reasons and messages.
        now += random.next() < 0.002 ? random.nextInt(4 * 3_600_000) : random.nextInt(20_000)
        // Some events come recorded in the past, as a kubelet catching up records them (up to the backdate limit).
        const at = random.next() < 0.1 ? now - random.nextInt(eventBackdateMillisecondsMax + 1) : now
        const object = `pod-${random.nextInt(300)}`
        const reason = ['BackOff', 'Unhealthy', 'Pulled', 'Started'][random.nextInt(4)]!
        const message = `message ${random.nextInt(14)}`
        const ours = correlator.correlate(object, 'Warning', reason, message, at)
        expect({message: ours.message, skip: ours.skip}).toEqual(model.correlate(object, 'Warning', reason, message, at))
        mostHeld = Math.max(mostHeld, correlator.recordsHeld.similar)
      }
      // Hours later one event: everything before it was dropped.
      correlator.correlate('pod-new', 'Normal', 'Pulled', 'again', now + 5 * 3_600_000 + eventBackdateMillisecondsMax)
      expect(correlator.recordsHeld).toEqual({similar: 1, buckets: 1})
      expect(mostHeld).toBeGreaterThan(30)
    } catch (error) {
      console.error(`event correlator equivalence failed: replay with SEED=${seed}`)
      throw error
    }
  })
})

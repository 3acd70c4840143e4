// client-go's event correlation as the kubelet's recorder runs it: similar events (same object,
// type and reason) combine from the 10th different message within a sliding 10 minutes; the spam
// filter lets 25 events about one object through at once, then one more every 5 minutes.
import {describe, expect, it} from 'vitest'
import {EventCorrelator} from '../../src/core/client/event-correlator.js'

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
})

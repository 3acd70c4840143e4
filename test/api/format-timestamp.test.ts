// formatTimestamp keeps the text of the last second it formatted (the API server stamps many
// writes within one second): every call must still give the text of its own second.
import {describe, expect, it} from 'vitest'
import {formatTimestamp} from '../../src/core/api/object.js'

describe('formatTimestamp', () => {
  it("gives each call its own second's RFC 3339 text, in any order", () => {
    const base = Date.UTC(2026, 11, 7, 12, 0, 0)
    const seen = [base, base + 999, base + 1000, base - 1, base, base + 59_000, base + 1000].map(formatTimestamp)
    expect(seen).toEqual(['2026-12-07T12:00:00Z', '2026-12-07T12:00:00Z', '2026-12-07T12:00:01Z', '2026-12-07T11:59:59Z', '2026-12-07T12:00:00Z', '2026-12-07T12:00:59Z', '2026-12-07T12:00:01Z'])
    expect(() => formatTimestamp(Number.NaN)).toThrow(RangeError)
    expect(formatTimestamp(base)).toBe('2026-12-07T12:00:00Z')
  })
})

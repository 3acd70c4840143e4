// Event records are keyed by a digest of the event's identity: equal identities must give one key,
// and identities that differ, even where their parts run together, different keys.
import {describe, expect, it} from 'vitest'
import {recordKey} from '../../src/core/client/record-keys.js'

describe('record keys', () => {
  it('are equal for equal parts and differ for parts that only join alike', () => {
    expect(recordKey('uid-1', 'Pod', 'web', 'Normal', 'Pulled', 'pulled')).toBe(recordKey('uid-1', 'Pod', 'web', 'Normal', 'Pulled', 'pulled'))
    expect(recordKey('uid-1', 'Pod', 'web', 'Normal', 'Pulled', 'pulled')).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(recordKey('ab', 'c')).not.toBe(recordKey('a', 'bc'))
    expect(recordKey('a,b')).not.toBe(recordKey('a', 'b'))
    expect(recordKey('a', 'b')).not.toBe(recordKey('b', 'a'))
    expect(recordKey('a')).not.toBe(recordKey('a', ''))
    // A missing part is an empty one, as client-go's key has "" for a field not set.
    expect(recordKey('a', undefined)).toBe(recordKey('a', ''))
  })
})

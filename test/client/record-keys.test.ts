// Event records are keyed by a digest of the event's identity: equal identities must give one key,
// and identities that differ, even where their parts run together, different keys.
import {createHash} from 'node:crypto'
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
    // The first 12 bytes of SHA-256 of the parts as a JSON array, whichever way Node hashes them.
    expect(recordKey('uid-1', 'Pod', 'wéb')).toBe(createHash('sha256').update('["uid-1","Pod","wéb"]').digest().subarray(0, 12).toString('base64url'))
  })
})

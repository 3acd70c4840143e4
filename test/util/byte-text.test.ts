// Bytes as text without loss: any bytes (NUL, invalid UTF-8, cut sequences, random data) come back
// exactly, valid UTF-8 reads as its text, and text that never held escaped bytes is its UTF-8.
import {randomBytes} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {bytesToText, textByteLength, textToBytes} from '../../src/core/util/byte-text.js'

describe('byte-text', () => {
  it('valid UTF-8 is its text; every other byte is one escape and comes back as itself', () => {
    expect(bytesToText(Buffer.from('héllo 😀 \u0000 end'))).toBe('héllo 😀 \u0000 end')
    expect(bytesToText(Buffer.from([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xe2, 0x82]))).toBe('a\udcff\udcc3(\udced\udca0\udc80\udce2\udc82')
    // U+1F480's low surrogate is DC80: a pair is a character, not an escape.
    expect(textToBytes('💀\udc80')).toEqual(Buffer.concat([Buffer.from('💀'), Buffer.from([0x80])]))
    expect(textByteLength('a\udcffé')).toBe(4)
  })

  it('random bytes of every size round-trip byte for byte', () => {
    for (const size of [0, 1, 2, 3, 7, 100, 4096, 1024 * 1024]) {
      const bytes = randomBytes(size)
      expect(textToBytes(bytesToText(bytes)).equals(bytes), `${size} bytes`).toBe(true)
    }
  })
})

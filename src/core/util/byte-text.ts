// Bytes as a JavaScript string without loss, so a container's files and streams can hold any
// bytes (kubectl cp of an image, `cat` of a binary file) while the simulated shell keeps working
// on strings: valid UTF-8 becomes its text, and each byte that is not part of valid UTF-8
// becomes the lone low surrogate U+DC00+byte (Python's "surrogateescape"). Valid UTF-8 never
// decodes to a lone surrogate, so turning the string back into bytes gives exactly the bytes
// that came in. Pure.

/** The length of the valid UTF-8 sequence starting at `offset`, or 0 when its first byte is not one. */
function sequenceBytes(bytes: Uint8Array, offset: number): number {
  const first = bytes[offset]!
  if (first < 0x80) return 1
  const continuation = (index: number, low = 0x80, high = 0xbf) => {
    const byte = bytes[offset + index]
    return byte !== undefined && byte >= low && byte <= high
  }
  if (first >= 0xc2 && first <= 0xdf) return continuation(1) ? 2 : 0
  if (first >= 0xe0 && first <= 0xef) {
    // No overlong forms (E0 A0..), no UTF-16 surrogates (ED 80..9F).
    const low = first === 0xe0 ? 0xa0 : 0x80
    const high = first === 0xed ? 0x9f : 0xbf
    return continuation(1, low, high) && continuation(2) ? 3 : 0
  }
  if (first >= 0xf0 && first <= 0xf4) {
    // No overlong forms (F0 90..), nothing past U+10FFFF (F4 8F..).
    const low = first === 0xf0 ? 0x90 : 0x80
    const high = first === 0xf4 ? 0x8f : 0xbf
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0
  }
  return 0
}

/** The bytes as text: UTF-8 where valid, U+DC00+byte for each other byte. */
export function bytesToText(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const text = buffer.toString('utf8')
  // Node decodes invalid bytes to U+FFFD: without one, every byte was valid UTF-8.
  if (!text.includes('\ufffd')) return text
  const pieces: string[] = []
  let runStart = 0
  let offset = 0
  while (offset < buffer.length) {
    const length = sequenceBytes(buffer, offset)
    if (length > 0) {
      offset += length
      continue
    }
    if (runStart < offset) pieces.push(buffer.toString('utf8', runStart, offset))
    pieces.push(String.fromCharCode(0xdc00 + buffer[offset]!))
    offset += 1
    runStart = offset
  }
  if (runStart < buffer.length) pieces.push(buffer.toString('utf8', runStart))
  return pieces.join('')
}

/** The bytes `bytesToText` read the text from (other text as UTF-8). */
export function textToBytes(text: string): Buffer {
  if (!/[\udc80-\udcff]/.test(text)) return Buffer.from(text, 'utf8')
  // Each UTF-16 unit is at most 3 UTF-8 bytes (a pair, 2 units, is 4).
  const out = Buffer.allocUnsafe(text.length * 3)
  let written = 0
  let runStart = 0
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) index += 1
      continue
    }
    if (unit < 0xdc80 || unit > 0xdcff) continue
    if (runStart < index) written += out.write(text.slice(runStart, index), written, 'utf8')
    out[written++] = unit - 0xdc00
    runStart = index + 1
  }
  if (runStart < text.length) written += out.write(text.slice(runStart), written, 'utf8')
  return out.subarray(0, written)
}

/** How many bytes the text stands for. */
export function textByteLength(text: string): number {
  return /[\udc80-\udcff]/.test(text) ? textToBytes(text).length : Buffer.byteLength(text, 'utf8')
}

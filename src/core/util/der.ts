// A small DER reader: the tag-length-value elements of ASN.1's distinguished encoding, enough to
// read certificate requests and certificates (sequences, sets, OIDs, strings, bit strings). Each
// element keeps the bytes it came from, so a signed part can be checked as it was signed.

/** What a malformed encoding is: the reader's callers word it for their users. */
export class DerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DerError'
  }
}

/** Length fields longer than this (4 bytes: 4 GiB) are not DER a request could hold. */
const lengthBytesMax = 4

export const derTags = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  objectIdentifier: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  t61String: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const

export interface DerElement {
  readonly tag: number
  /** The whole element, header included. */
  readonly encoded: Buffer
  /** The contents, without tag and length. */
  readonly contents: Buffer
}

/** The element that starts at `offset`, and where the next one starts. */
function readAt(bytes: Buffer, offset: number): {element: DerElement; next: number} {
  if (offset + 2 > bytes.length) throw new DerError('data truncated')
  const tag = bytes[offset]!
  if ((tag & 0x1f) === 0x1f) throw new DerError('high-tag-number form is not supported')
  let length = bytes[offset + 1]!
  let header = 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0) throw new DerError('indefinite length found (not DER)')
    if (count > lengthBytesMax) throw new DerError('length too large')
    if (offset + 2 + count > bytes.length) throw new DerError('data truncated')
    length = 0
    for (let index = 0; index < count; index++) length = length * 256 + bytes[offset + 2 + index]!
    if (length < 0x80 || bytes[offset + 2] === 0) throw new DerError('non-minimal length')
    header += count
  }
  const end = offset + header + length
  if (end > bytes.length) throw new DerError('data truncated')
  return {element: {tag, encoded: bytes.subarray(offset, end), contents: bytes.subarray(offset + header, end)}, next: end}
}

/** The one element `bytes` holds; trailing bytes are an error. */
export function readDer(bytes: Buffer): DerElement {
  const {element, next} = readAt(bytes, 0)
  if (next !== bytes.length) throw new DerError('trailing data')
  return element
}

/** The elements inside a constructed element (a SEQUENCE, a SET, an explicit tag). */
export function derChildren(element: DerElement): DerElement[] {
  if ((element.tag & 0x20) === 0) throw new DerError(`tag 0x${element.tag.toString(16)} is not constructed`)
  const children: DerElement[] = []
  for (let offset = 0; offset < element.contents.length;) {
    const {element: child, next} = readAt(element.contents, offset)
    children.push(child)
    offset = next
  }
  return children
}

/** The children of an element that must carry `tag`. */
export function expectChildren(element: DerElement | undefined, tag: number, what: string): DerElement[] {
  if (!element || element.tag !== tag) throw new DerError(`malformed ${what}`)
  return derChildren(element)
}

export function readObjectIdentifier(element: DerElement): string {
  if (element.tag !== derTags.objectIdentifier || element.contents.length === 0) throw new DerError('malformed object identifier')
  const arcs: number[] = []
  let value = 0
  for (const byte of element.contents) {
    value = value * 128 + (byte & 0x7f)
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('object identifier arc too large')
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80)
      else arcs.push(value)
      value = 0
    }
  }
  if (element.contents[element.contents.length - 1]! & 0x80) throw new DerError('truncated object identifier')
  return arcs.join('.')
}

/** The text of a string element (UTF8String, PrintableString, IA5String, T61String, BMPString). */
export function readString(element: DerElement): string {
  switch (element.tag) {
    case derTags.utf8String:
    case derTags.printableString:
    case derTags.ia5String:
      return element.contents.toString('utf8')
    case derTags.t61String:
      return element.contents.toString('latin1')
    case derTags.bmpString: {
      if (element.contents.length % 2 !== 0) throw new DerError('malformed BMPString')
      const swapped = Buffer.from(element.contents)
      swapped.swap16()
      return swapped.toString('utf16le')
    }
    default:
      throw new DerError(`tag 0x${element.tag.toString(16)} is not a string`)
  }
}

/** A BIT STRING's bytes (its unused-bits count must be 0 where whole bytes are meant). */
export function readBitString(element: DerElement): {bytes: Buffer; unusedBits: number} {
  if (element.tag !== derTags.bitString || element.contents.length === 0) throw new DerError('malformed bit string')
  const unusedBits = element.contents[0]!
  if (unusedBits > 7) throw new DerError('malformed bit string')
  return {bytes: element.contents.subarray(1), unusedBits}
}

/** PEM blocks read from one text at most (a certificate chain has a handful). */
export const pemBlocksMax = 1000

const beginMarker = '-----BEGIN '
const endMarker = '-----END '
const dashes = '-----'

/** The type a "-----BEGIN TYPE-----" or "-----END TYPE-----" marker at `at` names (no dash, no line break), or null. */
function markerType(text: string, at: number, marker: string): {type: string; end: number} | null {
  let index = at + marker.length
  while (index < text.length && text[index] !== '-' && text[index] !== '\r' && text[index] !== '\n') index++
  if (!text.startsWith(dashes, index)) return null
  return {type: text.slice(at + marker.length, index), end: index + dashes.length}
}

/**
 * Where each END marker is, by type, in order: each BEGIN then finds its END by a lookup with a
 * cursor that only moves forward, so a text of many BEGINs without an END is read in one pass.
 */
class EndMarkers {
  private readonly positions = new Map<string, number[]>()
  private readonly cursors = new Map<string, number>()

  constructor(text: string) {
    for (let at = text.indexOf(endMarker); at >= 0; at = text.indexOf(endMarker, at + 1)) {
      const found = markerType(text, at, endMarker)
      if (!found) continue
      const list = this.positions.get(found.type)
      if (list) list.push(at)
      else this.positions.set(found.type, [at])
    }
  }

  /** The first END of `type` at or after `from`; `from` never decreases between calls. */
  firstAtOrAfter(type: string, from: number): number {
    const list = this.positions.get(type)
    if (!list) return -1
    let cursor = this.cursors.get(type) ?? 0
    while (cursor < list.length && list[cursor]! < from) cursor++
    this.cursors.set(type, cursor)
    return cursor < list.length ? list[cursor]! : -1
  }
}

/**
 * The PEM blocks of a text, in order, as Go's pem.Decode finds them one after the other: each
 * one's type, DER, and whether it has headers; a block whose body is not base64 is skipped. A
 * block runs from "-----BEGIN TYPE-----" and its line end to the first "-----END TYPE-----"
 * after it; a BEGIN without one is passed over. Reads the text once, at most `blocksMax` blocks.
 */
export function pemBlocks(text: string, blocksMax = pemBlocksMax): Array<{type: string; bytes: Buffer; headers: boolean}> {
  const blocks: Array<{type: string; bytes: Buffer; headers: boolean}> = []
  const ends = new EndMarkers(text)
  for (let at = text.indexOf(beginMarker); at >= 0 && blocks.length < blocksMax; ) {
    const begin = markerType(text, at, beginMarker)
    let bodyStart = begin ? begin.end : -1
    if (bodyStart >= 0 && text[bodyStart] === '\r') bodyStart++
    if (bodyStart >= 0 && text[bodyStart] === '\n') bodyStart++
    else bodyStart = -1
    const bodyEnd = begin && bodyStart >= 0 ? ends.firstAtOrAfter(begin.type, bodyStart) : -1
    if (!begin || bodyEnd < 0) {
      at = text.indexOf(beginMarker, at + 1)
      continue
    }
    const body = text.slice(bodyStart, bodyEnd)
    at = text.indexOf(beginMarker, bodyEnd + endMarker.length + begin.type.length + dashes.length)
    const headers = /^[^\s:]+:/m.test(body)
    const base64 = body.replace(/^[^\s:]+:.*$/gm, '').replace(/\s+/g, '')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) continue
    blocks.push({type: begin.type, bytes: Buffer.from(base64, 'base64'), headers})
  }
  return blocks
}

// ---- writing ---------------------------------------------------------------------------------

function derLength(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size])
  const bytes: number[] = []
  for (let rest = size; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** One element: its tag, the DER length of its contents, the contents. */
export function derElement(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents)
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body])
}

export const derSequence = (...items: Buffer[]): Buffer => derElement(derTags.sequence, ...items)
export const derSet = (...items: Buffer[]): Buffer => derElement(derTags.set, ...items)
export const derUtf8String = (text: string): Buffer => derElement(derTags.utf8String, Buffer.from(text, 'utf8'))
export const derBitString = (bytes: Buffer, unusedBits = 0): Buffer => derElement(derTags.bitString, Buffer.from([unusedBits]), bytes)

/** An INTEGER from its big-endian bytes, in the fewest bytes that keep it positive. */
export function derInteger(bytes: Buffer): Buffer {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1]! < 0x80) start++
  const trimmed = bytes.subarray(start)
  return derElement(derTags.integer, trimmed[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed)
}

export function derObjectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number)
  const bytes = [40 * arcs[0]! + arcs[1]!]
  for (const arc of arcs.slice(2)) {
    const base128: number[] = [arc & 0x7f]
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) base128.unshift(0x80 | (rest & 0x7f))
    bytes.push(...base128)
  }
  return derElement(derTags.objectIdentifier, Buffer.from(bytes))
}

/** A PEM block of `type` around `der`, its base64 in lines of 64 as Go's pem.Encode writes them. */
export function pemBlock(type: string, der: Buffer): string {
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')
  return `-----BEGIN ${type}-----\n${base64}\n-----END ${type}-----\n`
}

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
  numericString: 0x12,
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
    case derTags.numericString:
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

/** The start of a BEGIN line (at the very start of the text, without its line break). */
const beginLine = '\n-----BEGIN '
/** The start of an END line (right after the headers, without its line break). */
const endLine = '\n-----END '
const dashes = '-----'

/** Go's getLine: the line at `from` without its \n or \r\n and trailing spaces and tabs (its end), and where the next line starts. */
function lineAt(text: string, from: number): {end: number; next: number} {
  let end = text.indexOf('\n', from)
  let next: number
  if (end < 0) {
    end = text.length
    next = end
  } else {
    next = end + 1
    if (end > from && text[end - 1] === '\r') end--
  }
  while (end > from && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--
  return {end, next}
}

/** Where each END line starts, in order, looked up with a cursor that only moves forward. */
class EndLines {
  private readonly positions: number[] = []
  private cursor = 0

  constructor(text: string) {
    for (let at = text.indexOf(endLine); at >= 0; at = text.indexOf(endLine, at + 1)) this.positions.push(at)
  }

  /** The first END line at or after `from`; `from` never decreases between calls. */
  firstAtOrAfter(from: number): number {
    while (this.cursor < this.positions.length && this.positions[this.cursor]! < from) this.cursor++
    return this.cursor < this.positions.length ? this.positions[this.cursor]! : -1
  }
}

/** Go's base64.StdEncoding: whole quanta of four, padding only at the end; line breaks are skipped. */
const goBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export interface PemBlock {
  readonly type: string
  readonly bytes: Buffer
  /** Whether header lines ("Key: value") followed the BEGIN line. */
  readonly headers: boolean
}

/** One pem.Decode from `from`: the block and where the rest starts, or null when no block is left. */
function decodeAt(text: string, from: number, ends: EndLines): {block: PemBlock; rest: number} | null {
  let rest = from
  for (;;) {
    if (text.startsWith(beginLine.slice(1), rest)) rest += beginLine.length - 1
    else {
      const at = text.indexOf(beginLine, rest)
      if (at < 0) return null
      rest = at + beginLine.length
    }
    const typeLine = lineAt(text, rest)
    const typeText = text.slice(rest, typeLine.end)
    rest = typeLine.next
    if (!typeText.endsWith(dashes)) continue
    const type = typeText.slice(0, -dashes.length)
    let headers = false
    for (;;) {
      // A block cut off in its headers ends the decoding: Go gives no block and the whole text back.
      if (rest >= text.length) return null
      const line = lineAt(text, rest)
      if (!text.slice(rest, line.end).includes(':')) break
      headers = true
      rest = line.next
    }
    let endIndex: number
    let trailer: number
    if (!headers && text.startsWith(endLine.slice(1), rest)) {
      endIndex = rest
      trailer = rest + endLine.length - 1
    } else {
      endIndex = ends.firstAtOrAfter(rest)
      if (endIndex < 0) continue
      trailer = endIndex + endLine.length
    }
    // The first END line must name the same type, end in five dashes and nothing but blanks after.
    if (text.slice(trailer, trailer + type.length + dashes.length) !== `${type}${dashes}`) continue
    const afterTrailer = trailer + type.length + dashes.length
    if (lineAt(text, afterTrailer).end !== afterTrailer) continue
    const base64 = text.slice(rest, endIndex).replace(/[ \t\r\n]/g, '')
    if (!goBase64.test(base64)) continue
    return {block: {type, bytes: Buffer.from(base64, 'base64'), headers}, rest: lineAt(text, endIndex + endLine.length - 1).next}
  }
}

/**
 * The PEM blocks of a text, in order, as Go's pem.Decode finds them one after the other: a BEGIN
 * line at the start of a line ("-----BEGIN TYPE-----", blanks after it allowed), header lines
 * holding a colon right after it, the body, and the first END line after them, which must name the
 * same type; a block that breaks a rule is passed over, and the search goes on inside it. Reads
 * the text once, at most `blocksMax` blocks.
 */
export function pemBlocks(text: string, blocksMax = pemBlocksMax): PemBlock[] {
  const blocks: PemBlock[] = []
  const ends = new EndLines(text)
  for (let rest = 0; blocks.length < blocksMax && rest < text.length;) {
    const decoded = decodeAt(text, rest, ends)
    if (!decoded) break
    blocks.push(decoded.block)
    rest = decoded.rest
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

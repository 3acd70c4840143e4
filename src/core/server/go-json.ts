// JSON read and written as Go's encoding/json does it, for etcd's HTTP gateway (which is Go's
// grpc-gateway): the same syntax error texts ("invalid character 'b' looking for beginning of
// object key string"), numbers kept as written (an int64 must not pass through a double), a
// stream of values read one at a time as json.Decoder reads them, and strings escaped as
// json.Marshal escapes them.
import {goQuote} from '../util/go-quote.js'

export {goQuote} from '../util/go-quote.js'

/** A parsed JSON value; `start`/`end` delimit its text in `source`. */
export type JsonNode = {readonly source: string; readonly start: number; readonly end: number} & (
  | {readonly kind: 'object'; readonly members: ReadonlyArray<readonly [string, JsonNode]>}
  | {readonly kind: 'array'; readonly items: readonly JsonNode[]}
  | {readonly kind: 'string'; readonly value: string}
  | {readonly kind: 'number'; readonly text: string}
  | {readonly kind: 'bool'; readonly value: boolean}
  | {readonly kind: 'null'}
)

/** Malformed JSON or a value of the wrong type, with encoding/json's text. */
export class GoJsonError extends Error {
  override readonly name = 'GoJsonError'
}

/** The text ran out inside a value (json.Decoder: "unexpected EOF"; json.Unmarshal: "unexpected end of JSON input"). */
class Truncated extends Error {}

/** Nesting a request may use; deeper input is refused (Go's own limit is 10,000). */
export const jsonNestingMax = 1000

/** A character as Go's scanner quotes it in its errors. */
function quoteChar(character: string): string {
  if (character === "'") return `'\\''`
  if (character === '"') return `'"'`
  return `'${goQuote(character).slice(1, -1)}'`
}

/** Characters a string holds as they are: anything but a quote, a backslash or a control character. */
const plainRun = /[^"\\\u0000-\u001f]+/y
const isSpace = (character: string | undefined) => character === ' ' || character === '\t' || character === '\n' || character === '\r'
const isDigit = (character: string | undefined) => character !== undefined && character >= '0' && character <= '9'
const isHex = (character: string | undefined) => character !== undefined && /^[0-9a-fA-F]$/.test(character)

class Scanner {
  position = 0

  /** `streaming`: the text is what arrived so far, so a number at its end may go on. */
  constructor(
    private readonly text: string,
    private readonly streaming = false,
  ) {}

  private peek(): string | undefined {
    return this.text[this.position]
  }

  private next(): string {
    const character = this.text[this.position]
    if (character === undefined) throw new Truncated()
    this.position++
    return character
  }

  skipSpace(): void {
    while (isSpace(this.peek())) this.position++
  }

  private invalid(character: string, context: string): GoJsonError {
    return new GoJsonError(`invalid character ${quoteChar(character)} ${context}`)
  }

  value(depth: number): JsonNode {
    if (depth > jsonNestingMax) throw new GoJsonError('exceeded max depth')
    const start = this.position
    const character = this.next()
    switch (character) {
      case '{':
        return this.object(start, depth)
      case '[':
        return this.array(start, depth)
      case '"':
        return {kind: 'string', value: this.stringBody(), start, end: this.position, source: this.text}
      case 't':
        this.literal('rue', 'true')
        return {kind: 'bool', value: true, start, end: this.position, source: this.text}
      case 'f':
        this.literal('alse', 'false')
        return {kind: 'bool', value: false, start, end: this.position, source: this.text}
      case 'n':
        this.literal('ull', 'null')
        return {kind: 'null', start, end: this.position, source: this.text}
      default:
        if (character === '-' || isDigit(character)) {
          this.number(character)
          return {kind: 'number', text: this.text.slice(start, this.position), start, end: this.position, source: this.text}
        }
        throw this.invalid(character, 'looking for beginning of value')
    }
  }

  private object(start: number, depth: number): JsonNode {
    const members: Array<readonly [string, JsonNode]> = []
    this.skipSpace()
    if (this.peek() === '}') {
      this.position++
      return {kind: 'object', members, start, end: this.position, source: this.text}
    }
    for (;;) {
      this.skipSpace()
      const quote = this.next()
      if (quote !== '"') throw this.invalid(quote, 'looking for beginning of object key string')
      const key = this.stringBody()
      this.skipSpace()
      const colon = this.next()
      if (colon !== ':') throw this.invalid(colon, 'after object key')
      this.skipSpace()
      members.push([key, this.value(depth + 1)])
      this.skipSpace()
      const separator = this.next()
      if (separator === '}') return {kind: 'object', members, start, end: this.position, source: this.text}
      if (separator !== ',') throw this.invalid(separator, 'after object key:value pair')
    }
  }

  private array(start: number, depth: number): JsonNode {
    const items: JsonNode[] = []
    this.skipSpace()
    if (this.peek() === ']') {
      this.position++
      return {kind: 'array', items, start, end: this.position, source: this.text}
    }
    for (;;) {
      this.skipSpace()
      items.push(this.value(depth + 1))
      this.skipSpace()
      const separator = this.next()
      if (separator === ']') return {kind: 'array', items, start, end: this.position, source: this.text}
      if (separator !== ',') throw this.invalid(separator, 'after array element')
    }
  }

  private literal(rest: string, word: string): void {
    for (const expected of rest) {
      const character = this.next()
      if (character !== expected) throw this.invalid(character, `in literal ${word} (expecting ${quoteChar(expected)})`)
    }
  }

  private number(first: string): void {
    let character: string | undefined = first
    if (character === '-') {
      character = this.next()
      if (!isDigit(character)) throw this.invalid(character, 'in numeric literal')
    }
    if (character !== '0') while (isDigit(this.peek())) this.position++
    if (this.peek() === '.') {
      this.position++
      const digit = this.next()
      if (!isDigit(digit)) throw this.invalid(digit, 'after decimal point in numeric literal')
      while (isDigit(this.peek())) this.position++
    }
    if (this.peek() === 'e' || this.peek() === 'E') {
      this.position++
      let digit = this.next()
      if (digit === '+' || digit === '-') digit = this.next()
      if (!isDigit(digit)) throw this.invalid(digit, 'in exponent of numeric literal')
      while (isDigit(this.peek())) this.position++
    }
    // A number is only known to end at the next character (or the end of the input).
    if (this.peek() === undefined && this.streaming) throw new Truncated()
  }

  private stringBody(): string {
    let value = ''
    for (;;) {
      // Plain runs are copied whole (a request may carry megabytes of base64).
      plainRun.lastIndex = this.position
      if (plainRun.test(this.text)) {
        value += this.text.slice(this.position, plainRun.lastIndex)
        this.position = plainRun.lastIndex
      }
      const character = this.next()
      if (character === '"') return value
      if (character === '\\') {
        const escape = this.next()
        const simple: Record<string, string> = {'"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t'}
        if (escape in simple) value += simple[escape]
        else if (escape === 'u') {
          let hex = ''
          for (let index = 0; index < 4; index++) {
            const digit = this.next()
            if (!isHex(digit)) throw this.invalid(digit, 'in \\u hexadecimal character escape')
            hex += digit
          }
          value += String.fromCharCode(Number.parseInt(hex, 16))
        } else throw this.invalid(escape, 'in string escape code')
      } else if (character < ' ') throw this.invalid(character, 'in string literal')
      else value += character
    }
  }
}

/**
 * The values of a streamed body, read as json.Decoder reads them: each value as soon as its text
 * is complete; what follows a value is only looked at when the next one is asked for.
 */
export class JsonValueReader {
  private text = ''
  private ended = false

  append(chunk: string): void {
    this.text += chunk
  }

  end(): void {
    this.ended = true
  }

  /** Characters held and not yet read as values. */
  get pendingLength(): number {
    return this.text.length
  }

  /**
   * The next value; undefined when its text is not complete yet, null at the end of the body.
   * Throws GoJsonError for malformed text ("unexpected EOF" when the body ends inside a value).
   */
  next(): JsonNode | null | undefined {
    const scanner = new Scanner(this.text, !this.ended)
    scanner.skipSpace()
    if (scanner.position === this.text.length) {
      this.text = ''
      return this.ended ? null : undefined
    }
    try {
      const node = scanner.value(0)
      this.text = this.text.slice(scanner.position)
      return node
    } catch (error) {
      if (!(error instanceof Truncated)) throw error
      if (this.ended) throw new GoJsonError('unexpected EOF')
      return undefined
    }
  }
}

/** The text a node was read from. */
export function textOf(node: JsonNode): string {
  return node.source.slice(node.start, node.end)
}

/** json.Unmarshal's reading: exactly one value, blanks around it allowed. */
export function parseJson(text: string): JsonNode {
  const scanner = new Scanner(text)
  try {
    scanner.skipSpace()
    const node = scanner.value(0)
    scanner.skipSpace()
    const rest = text[scanner.position]
    if (rest !== undefined) throw new GoJsonError(`invalid character ${quoteChar(rest)} after top-level value`)
    return node
  } catch (error) {
    if (error instanceof Truncated) throw new GoJsonError('unexpected end of JSON input')
    throw error
  }
}

/** A string as Go's json.Marshal writes it (HTML-safe: <, > and & escaped). */
export function goJsonString(value: string): string {
  let out = '"'
  for (const character of value) {
    const code = character.charCodeAt(0)
    if (character === '"' || character === '\\') out += `\\${character}`
    else if (character === '\n') out += '\\n'
    else if (character === '\r') out += '\\r'
    else if (character === '\t') out += '\\t'
    else if (code < 0x20 || character === '<' || character === '>' || character === '&' || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += character
  }
  return `${out}"`
}

/** Padded standard base64, which Node decodes as Go does; anything else takes the exact path for Go's error. */
const wellFormedBase64 = /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const base64Values = new Map([...base64Alphabet].map((character, index) => [character.charCodeAt(0), index]))

/**
 * Go's base64.StdEncoding.Decode: padded, line breaks skipped, and its error text
 * ("illegal base64 data at input byte N", N counting bytes of the UTF-8 input).
 */
export function decodeGoBase64(text: string): Buffer {
  const unbroken = text.includes('\n') || text.includes('\r') ? text.replace(/[\r\n]/g, '') : text
  if (unbroken.length % 4 === 0 && wellFormedBase64.test(unbroken)) return Buffer.from(unbroken, 'base64')
  const input = Buffer.from(text, 'utf8')
  const out: number[] = []
  const corrupt = (offset: number) => new GoJsonError(`illegal base64 data at input byte ${offset}`)
  let position = 0
  for (;;) {
    const quantum: number[] = []
    let padded = false
    while (quantum.length < 4) {
      if (position === input.length) {
        if (quantum.length === 0) return Buffer.from(out)
        throw corrupt(position - quantum.length)
      }
      const byte = input[position++]!
      const value = base64Values.get(byte)
      if (value !== undefined) {
        quantum.push(value)
        continue
      }
      if (byte === 0x0a || byte === 0x0d) continue
      if (byte !== 0x3d) throw corrupt(position - 1)
      // Padding: only after two or three characters of a quantum.
      if (quantum.length < 2) throw corrupt(position - 1)
      if (quantum.length === 2) {
        while (position < input.length && (input[position] === 0x0a || input[position] === 0x0d)) position++
        if (position === input.length) throw corrupt(input.length)
        if (input[position] !== 0x3d) throw corrupt(position - 1)
        position++
      }
      while (position < input.length && (input[position] === 0x0a || input[position] === 0x0d)) position++
      if (position < input.length) throw corrupt(position)
      padded = true
      break
    }
    const bits = quantum.reduce((sum, value, index) => sum | (value << (18 - 6 * index)), 0)
    const bytes = [(bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff]
    out.push(...bytes.slice(0, quantum.length - 1))
    if (padded) return Buffer.from(out)
  }
}

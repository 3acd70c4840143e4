// The first syntax error of a stream of JSON values as Go's encoding/json Decoder words it
// (`invalid character '}' looking for beginning of object key string`, at the offset one past
// the offending byte, counted from the stream's start), or "unexpected EOF" for a value cut
// short. kubectl reads a manifest that begins with `{` this way, so its errors read so.

export interface GoJsonSyntaxError {
  /** One past the offending byte; null for a value cut short ("unexpected EOF"). */
  readonly offset: number | null
  readonly message: string
  /** Where the whole values before the fault end: kubectl decodes (and acts on) those first. */
  readonly wholeValuesEnd: number
}

class SyntaxFault extends Error {
  constructor(
    readonly index: number | null,
    readonly detail: string,
  ) {
    super(detail)
  }
}

/** Go's quoteChar: the byte in single quotes, a quote escaped. */
function quoteChar(character: string): string {
  if (character === "'") return "'\\''"
  if (character === '"') return `'"'`
  const code = character.charCodeAt(0)
  if (code < 0x20 || code === 0x7f) return `'${JSON.stringify(character).slice(1, -1)}'`
  return `'${character}'`
}

const isSpace = (character: string | undefined) => character === ' ' || character === '\t' || character === '\n' || character === '\r'
const isDigit = (character: string | undefined) => character !== undefined && character >= '0' && character <= '9'

/** Nesting deeper than this is refused (Go's own limit is 10000; this one keeps the recursion within the stack). */
export const goJsonNestingMax = 1_000

class Scanner {
  index = 0
  constructor(readonly text: string) {}

  private fail(context: string): never {
    if (this.index >= this.text.length) throw new SyntaxFault(null, 'unexpected EOF')
    throw new SyntaxFault(this.index, `invalid character ${quoteChar(this.text[this.index]!)} ${context}`)
  }

  private skipSpace(): void {
    while (isSpace(this.text[this.index])) this.index++
  }

  value(depth: number): void {
    if (depth > goJsonNestingMax) throw new SyntaxFault(this.index, 'exceeded max depth')
    this.skipSpace()
    const character = this.text[this.index]
    if (character === '{') return this.object(depth)
    if (character === '[') return this.array(depth)
    if (character === '"') return this.string()
    if (character === '-' || isDigit(character)) return this.number()
    if (character === 't') return this.literal('true')
    if (character === 'f') return this.literal('false')
    if (character === 'n') return this.literal('null')
    this.fail('looking for beginning of value')
  }

  private object(depth: number): void {
    this.index++
    this.skipSpace()
    if (this.text[this.index] === '}') {
      this.index++
      return
    }
    for (;;) {
      this.skipSpace()
      if (this.text[this.index] !== '"') this.fail('looking for beginning of object key string')
      this.string()
      this.skipSpace()
      if (this.text[this.index] !== ':') this.fail('after object key')
      this.index++
      this.value(depth + 1)
      this.skipSpace()
      const next = this.text[this.index]
      if (next === '}') {
        this.index++
        return
      }
      if (next !== ',') this.fail('after object key:value pair')
      this.index++
    }
  }

  private array(depth: number): void {
    this.index++
    this.skipSpace()
    if (this.text[this.index] === ']') {
      this.index++
      return
    }
    for (;;) {
      this.value(depth + 1)
      this.skipSpace()
      const next = this.text[this.index]
      if (next === ']') {
        this.index++
        return
      }
      if (next !== ',') this.fail('after array element')
      this.index++
    }
  }

  private string(): void {
    this.index++
    for (;;) {
      const character = this.text[this.index]
      if (character === undefined) this.fail('')
      if (character === '"') {
        this.index++
        return
      }
      if (character === '\\') {
        this.index++
        const escape = this.text[this.index]
        if (escape === 'u') {
          for (let digit = 0; digit < 4; digit++) {
            this.index++
            if (!/^[0-9a-fA-F]$/.test(this.text[this.index] ?? '')) this.fail('in \\u hexadecimal character escape')
          }
        } else if (escape === undefined || !'"\\/bfnrt'.includes(escape)) this.fail('in string escape code')
      } else if (character.charCodeAt(0) < 0x20) this.fail('in string literal')
      this.index++
    }
  }

  private number(): void {
    if (this.text[this.index] === '-') {
      this.index++
      if (!isDigit(this.text[this.index])) this.fail('in numeric literal')
    }
    if (this.text[this.index] === '0') this.index++
    else while (isDigit(this.text[this.index])) this.index++
    if (this.text[this.index] === '.') {
      this.index++
      if (!isDigit(this.text[this.index])) this.fail('after decimal point in numeric literal')
      while (isDigit(this.text[this.index])) this.index++
    }
    if (this.text[this.index] === 'e' || this.text[this.index] === 'E') {
      this.index++
      if (this.text[this.index] === '+' || this.text[this.index] === '-') this.index++
      if (!isDigit(this.text[this.index])) this.fail('in exponent of numeric literal')
      while (isDigit(this.text[this.index])) this.index++
    }
  }

  private literal(word: string): void {
    this.index++
    for (const expected of word.slice(1)) {
      if (this.text[this.index] !== expected) this.fail(`in literal ${word} (expecting '${expected}')`)
      this.index++
    }
  }
}

/** The stream's first syntax error as Go's json.Decoder reports it, or null when every value is whole. */
export function goJsonStreamError(text: string): GoJsonSyntaxError | null {
  const scanner = new Scanner(text)
  let wholeValuesEnd = 0
  try {
    for (;;) {
      while (isSpace(text[scanner.index])) scanner.index++
      if (scanner.index >= text.length) return null
      scanner.value(0)
      wholeValuesEnd = scanner.index
    }
  } catch (error) {
    if (!(error instanceof SyntaxFault)) throw error
    return {offset: error.index === null ? null : error.index + 1, message: error.detail, wholeValuesEnd}
  }
}

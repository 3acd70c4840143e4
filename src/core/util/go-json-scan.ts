// encoding/json's scanner, for the messages of its SyntaxError: what kube-apiserver says of a body,
// a stored value or a Secret's docker config that is not JSON.
/** encoding/json's quoteChar: how its syntax errors show the offending byte. */
function quoteChar(byte: number): string {
  if (byte === 0x27) return "'\\''"
  if (byte === 0x22) return `'"'`
  const named: Record<number, string> = {0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v', 0x5c: '\\\\'}
  if (named[byte]) return `'${named[byte]}'`
  if (byte < 0x20 || byte === 0x7f) return `'\\x${byte.toString(16).padStart(2, '0')}'`
  if (byte >= 0x80 && byte < 0xa0) return `'\\u${byte.toString(16).padStart(4, '0')}'`
  if (byte === 0xad) return "'\\u00ad'"
  return `'${String.fromCharCode(byte)}'`
}

class JsonSyntaxError extends Error {}

/** encoding/json's scanner nests at most this deep. */
export const jsonNestingDepthMax = 10_000

/** encoding/json's scanner: the SyntaxError message for a value that is not JSON, or null. */
export function goJsonSyntaxError(bytes: Uint8Array): string | null {
  let index = 0
  const endOfInput = (): never => {
    throw new JsonSyntaxError('unexpected end of JSON input')
  }
  const invalid = (context: string): never => {
    throw new JsonSyntaxError(`invalid character ${quoteChar(bytes[index]!)} ${context}`)
  }
  const peek = (): number => (index < bytes.length ? bytes[index]! : endOfInput())
  const skipSpace = () => {
    while (index < bytes.length && (bytes[index] === 0x20 || bytes[index] === 0x09 || bytes[index] === 0x0a || bytes[index] === 0x0d)) index++
  }
  const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39
  const isHex = (byte: number) => isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
  const string = () => {
    index++
    for (;;) {
      const byte = peek()
      if (byte === 0x22) return void index++
      if (byte === 0x5c) {
        index++
        const escaped = peek()
        if ('"\\/bfnrt'.includes(String.fromCharCode(escaped))) index++
        else if (escaped === 0x75) {
          index++
          for (let digit = 0; digit < 4; digit++) {
            if (!isHex(peek())) invalid('in \\u hexadecimal character escape')
            index++
          }
        } else invalid('in string escape code')
      } else if (byte < 0x20) invalid('in string literal')
      else index++
    }
  }
  const digits = () => {
    while (index < bytes.length && isDigit(bytes[index]!)) index++
  }
  const number = () => {
    if (bytes[index] === 0x2d) {
      index++
      if (!isDigit(peek())) invalid('in numeric literal')
    }
    if (bytes[index] === 0x30) index++
    else digits()
    if (bytes[index] === 0x2e) {
      index++
      if (!isDigit(peek())) invalid('after decimal point in numeric literal')
      digits()
    }
    if (bytes[index] === 0x65 || bytes[index] === 0x45) {
      index++
      if (peek() === 0x2b || peek() === 0x2d) index++
      if (!isDigit(peek())) invalid('in exponent of numeric literal')
      digits()
    }
  }
  const literal = (word: string) => {
    index++
    for (let position = 1; position < word.length; position++) {
      if (peek() !== word.charCodeAt(position)) invalid(`in literal ${word} (expecting ${quoteChar(word.charCodeAt(position))})`)
      index++
    }
  }
  // Iterative, with the open objects and arrays on a stack: garbage may nest deep.
  const open: number[] = []
  let state: 'value' | 'key' | 'after' = 'value'
  const enter = (bracket: number, close: number) => {
    if (open.length >= jsonNestingDepthMax) invalid('exceeded max depth')
    open.push(bracket)
    index++
    skipSpace()
    if (peek() === close) {
      open.pop()
      index++
      state = 'after'
    } else state = bracket === 0x7b ? 'key' : 'value'
  }
  const step = () => {
    skipSpace()
    if (state === 'value') {
      const byte = peek()
      state = 'after'
      if (byte === 0x7b) enter(0x7b, 0x7d)
      else if (byte === 0x5b) enter(0x5b, 0x5d)
      else if (byte === 0x22) string()
      else if (byte === 0x2d || isDigit(byte)) number()
      else if (byte === 0x74) literal('true')
      else if (byte === 0x66) literal('false')
      else if (byte === 0x6e) literal('null')
      else invalid('looking for beginning of value')
    } else if (state === 'key') {
      if (peek() !== 0x22) invalid('looking for beginning of object key string')
      string()
      skipSpace()
      if (peek() !== 0x3a) invalid('after object key')
      index++
      state = 'value'
    } else {
      const inObject = open.at(-1) === 0x7b
      const next = peek()
      if (next === (inObject ? 0x7d : 0x5d)) {
        open.pop()
        index++
      } else if (next === 0x2c) {
        index++
        state = inObject ? 'key' : 'value'
      } else invalid(inObject ? 'after object key:value pair' : 'after array element')
    }
  }
  try {
    const complete = () => open.length === 0 && state === 'after'
    do step()
    while (!complete())
    skipSpace()
    if (index < bytes.length) invalid('after top-level value')
    return null
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error.message
    throw error
  }
}

// Number literals as Go's decoder reads them. JSON.parse turns `1e3` and `1.0` into the integer
// 1000 and 1, and rounds integers past 2^53; Go's decoder reads an integer field with
// strconv.ParseInt on the literal's text, so it refuses `1e3`, `1.0` and anything past the
// field's range, naming the literal as written (`number 1e3`). A body holding such a literal is
// read again here, keeping those literals as NumberLiteral for the schema decoder to judge; a
// body without one (nearly all) costs one regular expression test.
import {setOwn} from './object.js'

/** A number literal JSON.parse would change (a fraction, an exponent, or too many digits), as written. */
export class NumberLiteral {
  constructor(readonly text: string) {}

  /** True when the text is an integer literal (no fraction, no exponent), which Go's ParseInt reads. */
  get isInteger(): boolean {
    return /^-?\d+$/.test(this.text)
  }

  /** The double JSON.parse would have made of it. */
  get value(): number {
    return Number(this.text)
  }
}

/**
 * A number literal outside strings whose text JSON.parse's double does not give back (after a
 * key's colon, a comma or an opening bracket): an exponent (`1e3`), a fraction ending in a zero
 * (`1.0`, `10.50`), 16 digits and more in a row (2^53 has 16), or `-0`. A literal like 0.5 or 12
 * reads the same either way and keeps a body on JSON.parse's path. Strings that merely look so
 * (an escaped JSON text inside an annotation) only send the body the longer way, which reads it exactly.
 */
const literalAtRisk = /(?:"\s*:|[,[])\s*(?:-?\d+(?:\.\d+)?[eE]|-?\d+\.\d*0(?!\d)|-?\d*\.?\d{16}|-0(?![.\d]))/

/** True when reading `text` with JSON.parse could change a number literal in it. */
export function hasLiteralsAtRisk(text: string): boolean {
  return literalAtRisk.test(text)
}

const numberPattern = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/y

/**
 * Parses JSON text that JSON.parse has accepted, as JSON.parse does, except that a number
 * literal whose double differs from its text (a fraction, an exponent, an integer past 2^53) is a
 * NumberLiteral. Malformed text is the caller's to refuse first.
 */
export function parseJsonKeepingLiterals(text: string): unknown {
  let index = 0
  const skipSpace = () => {
    for (;;) {
      const code = text.charCodeAt(index)
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) index++
      else return
    }
  }
  const readString = (): string => {
    const start = index
    index++
    for (;;) {
      const code = text.charCodeAt(index)
      if (code === 0x5c) index += 2
      else if (code === 0x22) break
      else index++
    }
    index++
    return JSON.parse(text.slice(start, index)) as string
  }
  const readValue = (): unknown => {
    skipSpace()
    const code = text.charCodeAt(index)
    if (code === 0x22) return readString()
    if (code === 0x7b) {
      index++
      const object: Record<string, unknown> = {}
      skipSpace()
      if (text.charCodeAt(index) === 0x7d) {
        index++
        return object
      }
      for (;;) {
        skipSpace()
        const key = readString()
        skipSpace()
        index++ // the colon
        const value = readValue()
        setOwn(object, key, value)
        skipSpace()
        if (text.charCodeAt(index++) === 0x7d) return object
      }
    }
    if (code === 0x5b) {
      index++
      const array: unknown[] = []
      skipSpace()
      if (text.charCodeAt(index) === 0x5d) {
        index++
        return array
      }
      for (;;) {
        array.push(readValue())
        skipSpace()
        if (text.charCodeAt(index++) === 0x5d) return array
      }
    }
    if (code === 0x74) return (index += 4), true
    if (code === 0x66) return (index += 5), false
    if (code === 0x6e) return (index += 4), null
    numberPattern.lastIndex = index
    const literal = numberPattern.exec(text)![0]
    index += literal.length
    const value = Number(literal)
    // Kept as written when the double does not give the text back (0.5 and 12 do).
    return String(value) === literal ? value : new NumberLiteral(literal)
  }
  return readValue()
}

/** The value with every NumberLiteral made the double JSON.parse makes of it (for what is not decoded against a Go type). */
export function plainNumbers(value: unknown): unknown {
  if (value instanceof NumberLiteral) return value.value
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = plainNumbers(value[index])
    return value
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) setOwn(record, key, plainNumbers(record[key]))
  }
  return value
}

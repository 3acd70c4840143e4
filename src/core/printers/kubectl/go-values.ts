// Go's view of the values kubectl hands its templates: the object decoded from JSON into
// map[string]interface{} (integers as int64, other numbers as float64), template constants
// (untyped integers become int, constants written with `.`/`e` float64), and fmt's printing of
// them: %v as Go prints maps, slices and floats, and Sprintf with its verbs, flags and its
// `%!verb(type=value)` complaints.

/** A value that is not there (Go's invalid reflect.Value: a missing map key). */
export const missing = Symbol('missing')

/** A number whose Go type is not the one its JSON shape implies (a template constant, a byte). */
export class GoNumber {
  constructor(
    readonly value: number,
    readonly type: 'int' | 'float64' | 'uint8' | 'int32',
  ) {}
}

export type NumberKind = 'int' | 'float'

export function numberOf(value: unknown): {value: number; kind: NumberKind; type: string} | null {
  if (value instanceof GoNumber) return {value: value.value, kind: value.type === 'float64' ? 'float' : 'int', type: value.type}
  if (typeof value === 'number') return Number.isInteger(value) ? {value, kind: 'int', type: 'int64'} : {value, kind: 'float', type: 'float64'}
  return null
}

/** Go's type name, as %T and error messages print it. */
export function goTypeName(value: unknown): string {
  const number = numberOf(value)
  if (number) return number.type
  if (typeof value === 'string') return 'string'
  if (typeof value === 'boolean') return 'bool'
  if (Array.isArray(value)) return '[]interface {}'
  if (value !== null && typeof value === 'object') return 'map[string]interface {}'
  return '<nil>'
}

/**
 * strconv.FormatFloat(f, 'g', precision, 64), which %v (precision −1: the shortest digits) and %g
 * print: an exponent when it is below −4 or at least the precision (6 when shortest).
 */
export function goFloatText(value: number, precision: number | null = null): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const exponential = precision === null ? Math.abs(value).toExponential() : Math.abs(value).toExponential(Math.max(0, precision - 1))
  const [mantissa, exponentText] = exponential.split('e') as [string, string]
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0'
  const exponent = Number(exponentText)
  let limit = precision === null ? 6 : Math.max(1, precision)
  if (precision !== null && limit > digits.length && digits.length >= exponent + 1) limit = digits.length
  const sign = value < 0 ? '-' : ''
  if (exponent < -4 || exponent >= limit) {
    const shown = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    return `${sign}${shown}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  return sign + String(Number(`${digits[0]}.${digits.slice(1) || '0'}e${exponent}`))
}

/** fmt's %v of a value (nested: inside a map or slice, where nil prints `<nil>`). */
export function goValueText(value: unknown, nested = true): string {
  if (value === missing || value === undefined) return nested ? '<nil>' : '<no value>'
  if (value === null) return nested ? '<nil>' : '<no value>'
  const number = numberOf(value)
  if (number) return number.kind === 'float' ? goFloatText(number.value) : String(number.value)
  if (Array.isArray(value)) return `[${value.map((item) => goValueText(item)).join(' ')}]`
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    return `map[${Object.keys(record).sort().map((key) => `${key}:${goValueText(record[key])}`).join(' ')}]`
  }
  return String(value)
}

/** fmt's %#v of a decoded JSON value held as interface {} (kubectl's jsonpath debugging help prints it). */
export function goSyntaxText(value: unknown): string {
  if (value === null || value === undefined || value === missing) return 'interface {}(nil)'
  const number = numberOf(value)
  if (number) return number.kind === 'float' ? goFloatText(number.value) : String(number.value)
  if (typeof value === 'string') return goQuote(value)
  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[]interface {}{${value.map((item) => goSyntaxText(item)).join(', ')}}`
  const record = value as Record<string, unknown>
  return `map[string]interface {}{${Object.keys(record).sort().map((key) => `${goQuote(key)}:${goSyntaxText(record[key])}`).join(', ')}}`
}

/** strconv.Quote. */
export function goQuote(text: string): string {
  let out = '"'
  for (const character of text) {
    const code = character.codePointAt(0)!
    if (character === '"' || character === '\\') out += `\\${character}`
    else if (code === 7) out += '\\a'
    else if (code === 8) out += '\\b'
    else if (code === 12) out += '\\f'
    else if (code === 10) out += '\\n'
    else if (code === 13) out += '\\r'
    else if (code === 9) out += '\\t'
    else if (code === 11) out += '\\v'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += character
  }
  return `${out}"`
}

/** strconv.QuoteRune. */
function goQuoteRune(code: number): string {
  if (code === 39) return "'\\''"
  const quoted = goQuote(String.fromCodePoint(code)).slice(1, -1).replace(/^\\"$/, '"')
  return `'${quoted}'`
}

interface Spec {
  minus: boolean
  plus: boolean
  sharp: boolean
  space: boolean
  zero: boolean
  width: number | null
  precision: number | null
}

function pad(text: string, spec: Spec, zeroAllowed = true): string {
  if (spec.width === null || text.length >= spec.width) return text
  if (spec.minus) return text.padEnd(spec.width)
  if (spec.zero && zeroAllowed) {
    const sign = /^[+-]/.test(text) ? text[0]! : ''
    return sign + text.slice(sign.length).padStart(spec.width - sign.length, '0')
  }
  return text.padStart(spec.width)
}

function signed(text: string, negative: boolean, spec: Spec): string {
  return `${negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : ''}${text}`
}

/** One verb applied to one argument, or null when the verb does not suit the argument's type. */
function formatOne(verb: string, value: unknown, spec: Spec): string | null {
  const number = numberOf(value)
  if (verb === 'v') {
    if (number && number.kind === 'int') return pad(signed(String(Math.abs(number.value)), number.value < 0, spec), spec)
    if (number) return pad(signed(goFloatText(Math.abs(number.value)), number.value < 0, spec), spec)
    return pad(value === null || value === missing || value === undefined ? '<nil>' : goValueText(value, true), spec, false)
  }
  if (verb === 'T') return pad(goTypeName(value), spec, false)
  if (typeof value === 'string') {
    if (verb === 's') return pad(spec.precision === null ? value : [...value].slice(0, spec.precision).join(''), spec, false)
    if (verb === 'q') return pad(goQuote(value), spec, false)
    if (verb === 'x' || verb === 'X') {
      const hex = Buffer.from(value).toString('hex')
      return pad(verb === 'X' ? hex.toUpperCase() : hex, spec, false)
    }
    return null
  }
  if (typeof value === 'boolean') return verb === 't' ? pad(String(value), spec, false) : null
  if (number && number.kind === 'int') {
    const magnitude = Math.abs(number.value)
    const negative = number.value < 0
    switch (verb) {
      case 'd':
        return pad(signed(String(magnitude), negative, spec), spec)
      case 'x':
      case 'X': {
        const hex = `${spec.sharp ? '0x' : ''}${magnitude.toString(16)}`
        return pad(signed(verb === 'X' ? hex.toUpperCase() : hex, negative, spec), spec)
      }
      case 'o':
        return pad(signed(`${spec.sharp ? '0' : ''}${magnitude.toString(8)}`, negative, spec), spec)
      case 'b':
        return pad(signed(magnitude.toString(2), negative, spec), spec)
      case 'c':
        return pad(String.fromCodePoint(magnitude), spec, false)
      case 'q':
        return pad(goQuoteRune(magnitude), spec, false)
      case 'U':
        return pad(`U+${magnitude.toString(16).toUpperCase().padStart(4, '0')}`, spec, false)
    }
    return null
  }
  if (number) {
    const magnitude = Math.abs(number.value)
    const negative = number.value < 0
    switch (verb) {
      case 'f':
      case 'F':
        return pad(signed(magnitude.toFixed(spec.precision ?? 6), negative, spec), spec)
      case 'e':
      case 'E': {
        const [mantissa, exponent] = magnitude.toExponential(spec.precision ?? 6).split('e') as [string, string]
        const text = `${mantissa}e${exponent.startsWith('-') ? '-' : '+'}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`
        return pad(signed(verb === 'E' ? text.toUpperCase() : text, negative, spec), spec)
      }
      case 'g':
      case 'G': {
        const text = goFloatText(magnitude, spec.precision)
        return pad(signed(verb === 'G' ? text.toUpperCase() : text, negative, spec), spec)
      }
    }
    return null
  }
  if (Array.isArray(value) && verb === 's') return pad(`[${value.map((item) => formatOne('s', item, {...spec, width: null}) ?? `%!s(${goTypeName(item)}=${goValueText(item)})`).join(' ')}]`, spec, false)
  return null
}

/** fmt.Sprintf over template values. */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = ''
  let argumentIndex = 0
  let position = 0
  while (position < format.length) {
    const percent = format.indexOf('%', position)
    if (percent < 0) {
      out += format.slice(position)
      break
    }
    out += format.slice(position, percent)
    let cursor = percent + 1
    const spec: Spec = {minus: false, plus: false, sharp: false, space: false, zero: false, width: null, precision: null}
    for (; cursor < format.length; cursor++) {
      const flag = format[cursor]
      if (flag === '-') spec.minus = true
      else if (flag === '+') spec.plus = true
      else if (flag === '#') spec.sharp = true
      else if (flag === ' ') spec.space = true
      else if (flag === '0') spec.zero = !spec.minus
      else break
    }
    const width = /^\d+/.exec(format.slice(cursor))
    if (width) {
      spec.width = Number(width[0])
      cursor += width[0].length
    }
    if (format[cursor] === '.') {
      const precision = /^\d*/.exec(format.slice(cursor + 1))![0]
      spec.precision = Number(precision || 0)
      cursor += 1 + precision.length
    }
    if (cursor >= format.length) {
      out += '%!(NOVERB)'
      break
    }
    const verb = [...format.slice(cursor)][0]!
    position = cursor + verb.length
    if (verb === '%') {
      out += '%'
      continue
    }
    if (argumentIndex >= args.length) {
      out += `%!${verb}(MISSING)`
      continue
    }
    const value = args[argumentIndex++]
    const nilValue = value === null || value === missing || value === undefined
    const formatted = nilValue ? null : formatOne(verb, value, spec)
    if (formatted !== null) out += formatted
    else if (nilValue) out += verb === 'v' || verb === 'T' ? pad('<nil>', spec, false) : `%!${verb}(<nil>)`
    else out += `%!${verb}(${goTypeName(value)}=${formatOne('v', value, spec) ?? goValueText(value)})`
  }
  if (argumentIndex < args.length) {
    out += `%!(EXTRA ${args.slice(argumentIndex).map((value) => (value === null || value === missing ? '<nil>' : `${goTypeName(value)}=${goValueText(value)}`)).join(', ')})`
  }
  return out
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function goSprint(args: readonly unknown[]): string {
  let out = ''
  args.forEach((value, index) => {
    if (index > 0 && typeof value !== 'string' && typeof args[index - 1] !== 'string') out += ' '
    out += value === null || value === missing ? '<nil>' : goValueText(value, true)
  })
  return out
}

/** fmt.Sprintln: always spaces, then a newline. */
export function goSprintln(args: readonly unknown[]): string {
  return `${args.map((value) => (value === null || value === missing ? '<nil>' : goValueText(value, true))).join(' ')}\n`
}

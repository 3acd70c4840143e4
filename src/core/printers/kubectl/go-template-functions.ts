// text/template's built-in functions and kubectl's own two (exists, base64decode) over the
// values kubectl gives its templates, with Go's semantics and error texts: comparisons by basic
// kind, index/slice bounds, len of what has a length, fmt's printing, the escapers.
import {type ArgNode, nodeText} from './go-template-parse.js'
import {goSprint, goSprintf, goSprintln, goTypeName, goValueText, GoNumber, missing, numberOf} from './go-values.js'

/** A function's own failure: `error calling NAME: REASON`. */
export class CallError extends Error {}
export type Builtin = {readonly min: number; readonly variadic: boolean; readonly call: (args: unknown[], argNodes: readonly ArgNode[]) => unknown}

/** Go's isTrue: the zero value of its type is false. */
export function truth(value: unknown): boolean {
  if (value === missing || value === null || value === undefined) return false
  const number = numberOf(value)
  if (number) return number.value !== 0
  if (typeof value === 'string') return value.length > 0
  if (typeof value === 'boolean') return value
  if (Array.isArray(value)) return value.length > 0
  if (isMap(value)) return Object.keys(value).length > 0
  return true
}

/** A decoded JSON object (Go's map[string]interface {}). */
export const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof GoNumber)

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid'
function basicKind(value: unknown): BasicKind {
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'string') return 'string'
  const number = numberOf(value)
  return number ? number.kind : 'invalid'
}
const plain = (value: unknown): unknown => (value instanceof GoNumber ? value.value : value)

function equal(left: unknown, ...rights: unknown[]): boolean {
  if (rights.length === 0) throw new CallError('missing argument for comparison')
  const leftKind = basicKind(left)
  for (const right of rights) {
    const rightKind = basicKind(right)
    const bothThere = left !== missing && right !== missing
    if (leftKind !== rightKind) {
      if (bothThere && left !== null && right !== null) throw new CallError('incompatible types for comparison')
      continue
    }
    if (leftKind === 'invalid') {
      // maps and slices cannot be compared; two nothings are equal
      if ((left !== null && left !== missing) || (right !== null && right !== missing)) throw new CallError(`non-comparable type ${goValueText(left !== null && left !== missing ? left : right)}: ${goTypeName(left !== null && left !== missing ? left : right)}`)
      return true
    }
    if (plain(left) === plain(right)) return true
  }
  return false
}

function lessThan(left: unknown, right: unknown): boolean {
  const [leftKind, rightKind] = [basicKind(left), basicKind(right)]
  if (leftKind === 'invalid' || rightKind === 'invalid') throw new CallError('invalid type for comparison')
  if (leftKind !== rightKind) throw new CallError('incompatible types for comparison')
  if (leftKind === 'bool') throw new CallError('invalid type for comparison')
  return (plain(left) as number | string) < (plain(right) as number | string)
}

/** text/template's indexArg: an integer index within 0..length. */
function indexArgument(index: unknown, length: number): number {
  const number = numberOf(index)
  if (index === missing || index === null) throw new CallError('cannot index slice/array with nil')
  if (!number || number.kind !== 'int') throw new CallError(`cannot index slice/array with type ${goTypeName(index)}`)
  if (number.value < 0 || number.value > length) throw new CallError(`index out of range: ${number.value}`)
  return number.value
}

function indexValue(item: unknown, ...indexes: unknown[]): unknown {
  if (item === missing || item === null) throw new CallError('index of untyped nil')
  let current: unknown = item
  for (const index of indexes) {
    if (current === null || current === missing) throw new CallError('index of nil pointer')
    if (Array.isArray(current) || typeof current === 'string') {
      const position = indexArgument(index, current.length)
      if (position >= current.length) throw new CallError(`reflect: ${typeof current === 'string' ? 'string' : 'slice'} index out of range`)
      current = typeof current === 'string' ? new GoNumber(Buffer.from(current)[position]!, 'uint8') : current[position]
    } else if (isMap(current)) {
      if (index === missing || index === null) current = null
      else if (typeof index !== 'string') throw new CallError(`value has type ${goTypeName(index)}; should be string`)
      else current = Object.hasOwn(current, index) ? current[index] : null
    } else throw new CallError(`can't index item of type ${goTypeName(current)}`)
  }
  return current
}

function sliceValue(item: unknown, ...indexes: unknown[]): unknown {
  if (item === missing || item === null) throw new CallError('slice of untyped nil')
  if (indexes.length > 3) throw new CallError(`too many slice indexes: ${indexes.length}`)
  if (typeof item === 'string' && indexes.length === 3) throw new CallError('cannot 3-index slice a string')
  if (!Array.isArray(item) && typeof item !== 'string') throw new CallError(`can't slice item of type ${goTypeName(item)}`)
  const length = typeof item === 'string' ? Buffer.byteLength(item) : item.length
  const bounds = [0, length, length]
  indexes.forEach((index, position) => (bounds[position] = indexArgument(index, length)))
  if (bounds[0]! > bounds[1]!) throw new CallError(`invalid slice index: ${bounds[0]} > ${bounds[1]}`)
  if (indexes.length === 3 && bounds[1]! > bounds[2]!) throw new CallError(`invalid slice index: ${bounds[1]} > ${bounds[2]}`)
  return typeof item === 'string' ? Buffer.from(item).subarray(bounds[0], bounds[1]).toString() : item.slice(bounds[0], bounds[1])
}

function lengthOf(item: unknown): GoNumber {
  if (item === null) throw new CallError('len of nil pointer')
  if (typeof item === 'string') return new GoNumber(Buffer.byteLength(item), 'int')
  if (Array.isArray(item)) return new GoNumber(item.length, 'int')
  if (isMap(item)) return new GoNumber(Object.keys(item).length, 'int')
  // Go asks the type of nothing, and reflect panics.
  if (item === missing) throw new CallError('reflect: call of reflect.Value.Type on zero Value')
  throw new CallError(`len of type ${goTypeName(item)}`)
}

/** kubectl's exists: whether index with these arguments would find something. */
function exists(item: unknown, ...indexes: unknown[]): boolean {
  let current: unknown = item
  for (const index of indexes) {
    if (current === null || current === missing) return false
    if (Array.isArray(current) || typeof current === 'string') {
      const number = numberOf(index)
      if (!number || number.kind !== 'int' || number.value < 0 || number.value >= current.length) return false
      current = typeof current === 'string' ? current.charCodeAt(number.value) : current[number.value]
    } else if (isMap(current)) {
      if (typeof index !== 'string') return false
      current = Object.hasOwn(current, index) ? current[index] : null
    } else return false
  }
  return current !== null && current !== missing
}

/** base64.StdEncoding.DecodeString, failing at the byte Go's decoder refuses. */
function base64Decode(value: string): string {
  const alphabet = /[A-Za-z0-9+/]/
  const corrupt = (at: number): never => {
    throw new CallError(`base64 decode failed: illegal base64 data at input byte ${at}`)
  }
  for (let quantum = 0; quantum < value.length; quantum += 4) {
    for (let offset = 0; offset < 4; offset++) {
      const at = quantum + offset
      if (at >= value.length) corrupt(quantum)
      const character = value[at]!
      if (alphabet.test(character)) continue
      if (character !== '=' || offset < 2) corrupt(at)
      // Padding: "==" after two characters, "=" after three, and nothing after it.
      let end = at + 1
      if (offset === 2) {
        if (end >= value.length) corrupt(value.length)
        if (value[end] !== '=') corrupt(at)
        end++
      }
      if (end < value.length) corrupt(end)
      return Buffer.from(value, 'base64').toString('utf8')
    }
  }
  return Buffer.from(value, 'base64').toString('utf8')
}

const htmlEscapes: Record<string, string> = {'<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD'}
const jsEscape = (text: string) =>
  text.replace(/[\\'"<>&=]|[\u0000-\u001f]/g, (character) =>
    character === '\\' || character === "'" || character === '"' ? `\\${character}` : `\\u${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  )
const queryEscape = (text: string) => encodeURIComponent(text).replace(/%20/g, '+').replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)

function stringArgument(value: unknown): string {
  if (typeof value !== 'string') throw new CallError(`wrong type for value; expected string; got ${goTypeName(value)}`)
  return value
}

export const builtins: Record<string, Builtin> = {
  and: {min: 1, variadic: true, call: (args) => args.find((arg) => !truth(arg)) ?? args[args.length - 1]},
  or: {min: 1, variadic: true, call: (args) => args.find((arg) => truth(arg)) ?? args[args.length - 1]},
  not: {min: 1, variadic: false, call: ([value]) => !truth(value)},
  len: {min: 1, variadic: false, call: ([value]) => lengthOf(value)},
  index: {min: 1, variadic: true, call: ([item, ...indexes]) => indexValue(item, ...indexes)},
  slice: {min: 1, variadic: true, call: ([item, ...indexes]) => sliceValue(item, ...indexes)},
  print: {min: 0, variadic: true, call: (args) => goSprint(args)},
  println: {min: 0, variadic: true, call: (args) => goSprintln(args)},
  printf: {min: 1, variadic: true, call: ([format, ...args]) => goSprintf(stringArgument(format), args)},
  html: {min: 0, variadic: true, call: (args) => goSprint(args).replace(/[<>&'"\0]/g, (character) => htmlEscapes[character]!)},
  js: {min: 0, variadic: true, call: (args) => jsEscape(goSprint(args))},
  urlquery: {min: 0, variadic: true, call: (args) => queryEscape(goSprint(args))},
  eq: {min: 1, variadic: true, call: ([left, ...rights]) => equal(left, ...rights)},
  ne: {min: 2, variadic: false, call: ([left, right]) => !equal(left, right)},
  lt: {min: 2, variadic: false, call: ([left, right]) => lessThan(left, right)},
  le: {min: 2, variadic: false, call: ([left, right]) => lessThan(left, right) || equal(left, right)},
  gt: {min: 2, variadic: false, call: ([left, right]) => !(lessThan(left, right) || equal(left, right))},
  ge: {min: 2, variadic: false, call: ([left, right]) => !lessThan(left, right)},
  call: {
    min: 1,
    variadic: true,
    call: ([fn], argNodes) => {
      if (fn === missing || fn === null) throw new CallError('call of nil')
      throw new CallError(`non-function ${argNodes[0] ? nodeText(argNodes[0]) : ''} of type ${goTypeName(fn)}`)
    },
  },
  exists: {min: 1, variadic: true, call: ([item, ...indexes]) => exists(item, ...indexes)},
  base64decode: {min: 1, variadic: false, call: ([text]) => base64Decode(stringArgument(text))},
}

/** The names a template may call (others fail to parse: `function "x" not defined`). */
export const goTemplateFunctionNames: ReadonlySet<string> = new Set(Object.keys(builtins))


// Decoding a request body into a kind's schema, as kube-apiserver's JSON decoder does: Go's
// type errors (`json: cannot unmarshal …`), unknown fields collected for strict field
// validation and dropped otherwise, quantities canonicalized.
import {canonicalQuantity, QuantityError, quantityPatternMessage} from './quantity.js'
import {NumberLiteral, plainNumbers} from './json-literals.js'
import {setOwn} from './object.js'
import {type ObjectSchema, propertyOf, type Schema, resolve} from './schema.js'

/** Nesting deeper than this is refused, as Go's decoder limits depth (10,000). */
export const decodeDepthMax = 10_000

export interface DecodeResult {
  readonly value: Record<string, unknown>
  /** Paths of fields the schema does not know, in the order met (`spec.containers[0].foo`). */
  readonly unknownFields: string[]
}

export class DecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DecodeError'
  }
}

function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value instanceof NumberLiteral) return 'number'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return 'number'
  return typeof value
}

/**
 * Where a value sits: the Go struct holding the field, and the step from its parent (a field's
 * key or a list's index; a map's values sit where the map does). The paths are spelled out only
 * for an error or an unknown field: building them for every field was much of a decode's time.
 */
interface Location {
  readonly struct: string
  readonly up: Location | null
  readonly key?: string
  readonly index?: number
}

/** The field's dotted path from the root, without list indexes (Go's error names it so). */
function goPathOf(at: Location): string {
  const keys: string[] = []
  for (let step: Location | null = at; step?.up; step = step.up) if (step.key !== undefined) keys.push(step.key)
  return keys.reverse().join('.')
}

/** The path with list indexes, for unknown-field reports (`spec.containers[0].foo`). */
function pathOf(at: Location): string {
  const steps: Location[] = []
  for (let step: Location | null = at; step?.up; step = step.up) steps.push(step)
  let path = ''
  for (const step of steps.reverse()) path = step.key !== undefined ? (path.length > 0 ? `${path}.${step.key}` : step.key) : `${path}[${step.index}]`
  return path
}

/** An object schema's Go struct name and its fields in the struct's order, worked out once per schema. */
const objectLayouts = new WeakMap<object, {struct: string; fields: ReadonlyArray<readonly [string, Schema]>}>()

function layoutOf(resolved: Extract<Schema, {type: 'object'}>): {struct: string; fields: ReadonlyArray<readonly [string, Schema]>} {
  let layout = objectLayouts.get(resolved)
  if (!layout) objectLayouts.set(resolved, (layout = {struct: resolved.goType.replace(/^.*\./, ''), fields: Object.entries(resolved.properties)}))
  return layout
}

function goTypeOf(schema: Schema): string {
  const resolved = resolve(schema)
  switch (resolved.type) {
    case 'string':
      return resolved.format === 'byte' ? '[]uint8' : resolved.format === 'date-time' ? 'v1.Time' : 'string'
    case 'integer':
      return resolved.format
    case 'number':
      return 'float64'
    case 'boolean':
      return 'bool'
    case 'int-or-string':
      return 'intstr.IntOrString'
    case 'quantity':
      return 'resource.Quantity'
    case 'any':
      return 'runtime.RawExtension'
    case 'object':
      return resolved.goType
    case 'map':
      return `map[string]${goTypeOf(resolved.values)}`
    case 'array':
      return `[]${goTypeOf(resolved.items)}`
  }
}

/** The JSON of a Go type's zero value where it is a scalar (null for slices, maps and pointers). */
function zeroValueOf(schema: Schema): unknown {
  switch (resolve(schema).type) {
    case 'string':
      return ''
    case 'integer':
    case 'number':
      return 0
    case 'boolean':
      return false
    // resource.Quantity unmarshals null as its zero, which it writes as "0".
    case 'quantity':
      return '0'
    default:
      return null
  }
}

const int32Bound = 2n ** 31n
const int64Bound = 2n ** 63n

/**
 * A number for a Go integer field, or null where Go's decoder refuses it: strconv.ParseInt reads
 * the literal as written, so a fraction or an exponent (`1.0`, `1e3`) is refused even where its
 * value is whole, and so is a value past the field's range.
 */
function goInteger(value: number | NumberLiteral, format: string): number | null {
  if (typeof value === 'number') {
    const bound = format === 'int32' ? 2 ** 31 : 2 ** 63
    return Number.isInteger(value) && value >= -bound && value < bound ? value : null
  }
  if (!value.isInteger) return null
  const integer = BigInt(value.text)
  const bound = format === 'int32' ? int32Bound : int64Bound
  return integer >= -bound && integer < bound ? value.value : null
}

/** How Go's error names a number: by its literal (`number 1e3`). */
function numberShown(value: number | NumberLiteral): string {
  return `number ${value instanceof NumberLiteral ? value.text : String(value)}`
}

/** Empty maps and lists, which Go's `omitempty` leaves out of the JSON it writes. */
const omitted: unique symbol = Symbol('omitted')

export interface DecodeOptions {
  /** Checks a `[]byte` field's base64 text (Go decodes it): throws DecodeError with Go's words when it is not. */
  readonly checkBytes?: (text: string) => void
  /** Keeps empty lists and maps (a Go value that is empty, not nil, for a writer that tells them apart). */
  readonly keepEmpty?: boolean
  /** The value may hold NumberLiterals (parseJsonKeepingLiterals read it): untyped values are made plain. Without, they are not walked. */
  readonly numberLiterals?: boolean
}

class Decoder {
  readonly unknownFields: string[] = []

  constructor(private readonly options: DecodeOptions = {}) {}

  fail(value: unknown, schema: Schema, at: Location, shown = jsonTypeName(value)): never {
    const goPath = goPathOf(at)
    const where = goPath.length > 0 ? `Go struct field ${at.struct}.${goPath}` : 'Go value'
    throw new DecodeError(`json: cannot unmarshal ${shown} into ${where} of type ${goTypeOf(schema)}`)
  }

  /**
   * Go's decoder meets an object's fields in the order the input has them and reports the first
   * fault it met: after a fault, the fields are decoded again in that order so that the first one
   * throws (the usual pass goes in the struct's order, which its result needs).
   */
  private firstFaultInInputOrder(resolved: ObjectSchema, input: Record<string, unknown>, struct: string, at: Location, depth: number): void {
    for (const key of Object.keys(input)) {
      const field = propertyOf(resolved, key)
      if (field && input[key] !== null) this.decode(field, input[key], {struct, up: at, key}, depth + 1)
    }
  }

  decode(schema: Schema, value: unknown, at: Location, depth: number): unknown {
    if (depth > decodeDepthMax) throw new DecodeError('json: exceeded max depth')
    if (value === null) return null
    const resolved = resolve(schema)
    switch (resolved.type) {
      case 'any':
        return this.options.numberLiterals ? plainNumbers(value) : value
      case 'string':
        if (typeof value !== 'string') this.fail(value, schema, at)
        if (resolved.format === 'byte') this.options.checkBytes?.(value)
        return value
      case 'boolean':
        if (typeof value !== 'boolean') this.fail(value, schema, at)
        return value
      case 'number':
        if (value instanceof NumberLiteral) return value.value
        if (typeof value !== 'number') this.fail(value, schema, at)
        return value
      case 'integer': {
        if (typeof value !== 'number' && !(value instanceof NumberLiteral)) this.fail(value, schema, at)
        const integer = goInteger(value, resolved.format)
        if (integer === null) this.fail(value, schema, at, numberShown(value))
        return integer
      }
      case 'int-or-string': {
        if (typeof value === 'string') return value
        // IntOrString decodes a non-string with encoding/json into its int32, whose error names no field.
        const shown = typeof value === 'number' || value instanceof NumberLiteral ? numberShown(value) : jsonTypeName(value)
        const integer = typeof value === 'number' || value instanceof NumberLiteral ? goInteger(value, 'int32') : null
        if (integer === null) throw new DecodeError(`json: cannot unmarshal ${shown} into Go value of type int32`)
        return integer
      }
      case 'quantity':
        if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof NumberLiteral)) this.fail(value, schema, at)
        try {
          // resource.Quantity parses a number's literal as written.
          return canonicalQuantity(value instanceof NumberLiteral ? value.text : value)
        } catch (error) {
          if (error instanceof QuantityError) throw new DecodeError(quantityPatternMessage)
          throw error
        }
      case 'array': {
        if (!Array.isArray(value)) this.fail(value, schema, at)
        if (value.length === 0 && !this.options.keepEmpty) return omitted
        return value.map((item, index) => this.decode(resolved.items, item, {struct: at.struct, up: at, index}, depth + 1))
      }
      case 'map': {
        // A NumberLiteral is a JavaScript object, but a number to Go.
        if (typeof value !== 'object' || Array.isArray(value) || value instanceof NumberLiteral) this.fail(value, schema, at)
        const result: Record<string, unknown> = {}
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          // Go's decoder gives a map entry that is null its type's zero value ("" for a string or, once stored, for bytes).
          setOwn(result, key, item === null ? zeroValueOf(resolved.values) : this.decode(resolved.values, item, at, depth + 1))
        }
        return Object.keys(result).length === 0 && !this.options.keepEmpty ? omitted : result
      }
      case 'object': {
        if (typeof value !== 'object' || Array.isArray(value) || value instanceof NumberLiteral) this.fail(value, schema, at)
        const input = value as Record<string, unknown>
        const {struct, fields} = layoutOf(resolved)
        for (const key of Object.keys(input)) {
          if (!propertyOf(resolved, key)) this.unknownFields.push(pathOf({struct, up: at, key}))
        }
        // Fields come out in the Go struct's order, as kube-apiserver encodes what it stores.
        const result: Record<string, unknown> = {}
        // metav1.Time has no omitempty effect: an unset creationTimestamp is written as null.
        const timeIsNull = resolved.goType === 'v1.ObjectMeta'
        try {
          for (const [key, field] of fields) {
            if (timeIsNull && key === 'creationTimestamp' && (input[key] === undefined || input[key] === null)) {
              result[key] = null
              continue
            }
            if (!Object.prototype.hasOwnProperty.call(input, key)) continue
            const item = input[key]
            // Go leaves a null field at its zero value, which the stored JSON then omits.
            if (item === null) continue
            const decoded = this.decode(field, item, {struct, up: at, key}, depth + 1)
            if (decoded !== omitted) result[key] = decoded
          }
        } catch (error) {
          if (error instanceof DecodeError) this.firstFaultInInputOrder(resolved, input, struct, at, depth)
          throw error
        }
        return result
      }
    }
  }
}

/** Decodes a parsed JSON object against the schema of its kind. Throws DecodeError. */
export function decodeObject(schema: Schema, value: unknown, options: DecodeOptions = {}): DecodeResult {
  const decoder = new Decoder(options)
  const root = resolve(schema)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError(`json: cannot unmarshal ${jsonTypeName(value)} into Go value of type ${goTypeOf(root)}`)
  }
  const decoded = decoder.decode(schema, value, {struct: root.type === 'object' ? root.goType : '', up: null}, 0)
  return {value: decoded as Record<string, unknown>, unknownFields: decoder.unknownFields}
}

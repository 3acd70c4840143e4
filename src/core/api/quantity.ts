// resource.Quantity: parsing, the canonical form kube-apiserver stores ("1000m" → "1",
// "1024Mi" → "1Gi"), and arithmetic for requests, limits and quotas. Values are exact: a
// bigint count of nano-units (the smallest unit a Quantity keeps).

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent'

export interface Quantity {
  readonly nanos: bigint
  readonly format: QuantityFormat
}

export const quantityPatternMessage = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

const nanosPerUnit = 1_000_000_000n
const decimalSuffixes: Record<string, number> = {n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18}
const binarySuffixes: Record<string, number> = {Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60}

export class QuantityError extends Error {
  constructor() {
    super(quantityPatternMessage)
    this.name = 'QuantityError'
  }
}

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent)
}

/** Nano-units of a decimal number text times 10^exponent, rounded up as Quantity rounds. */
function decimalNanos(sign: bigint, digits: string, exponent: number): bigint {
  const [whole, fraction = ''] = digits.split('.')
  const mantissa = BigInt(`${whole || '0'}${fraction}` || '0')
  const scale = exponent + 9 - fraction.length
  if (scale >= 0) return sign * mantissa * pow10(scale)
  const divisor = pow10(-scale)
  const quotient = mantissa / divisor
  return sign * (mantissa % divisor === 0n ? quotient : quotient + 1n)
}

export function parseQuantity(text: string): Quantity {
  const match = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)([a-zA-Z]*)([-+]?[0-9]*)$/.exec(text.trim() === text ? text : '')
  if (!match || text.length === 0) throw new QuantityError()
  const sign = match[1] === '-' ? -1n : 1n
  const digits = match[2]!
  const suffix = match[3]!
  const exponentText = match[4]!
  if (suffix === 'e' || suffix === 'E') {
    if (exponentText.length === 0 || !/^[-+]?[0-9]+$/.test(exponentText)) throw new QuantityError()
    return {nanos: decimalNanos(sign, digits, Number(exponentText)), format: 'DecimalExponent'}
  }
  if (exponentText.length > 0) throw new QuantityError()
  if (suffix in binarySuffixes) {
    const factor = 2n ** BigInt(binarySuffixes[suffix]!)
    return {nanos: decimalNanos(sign, digits, 0) * factor, format: 'BinarySI'}
  }
  if (suffix in decimalSuffixes) return {nanos: decimalNanos(sign, digits, decimalSuffixes[suffix]!), format: 'DecimalSI'}
  throw new QuantityError()
}

/** A mantissa and a power-of-1000 exponent, the mantissa as small as exactness allows. */
function decimalParts(nanos: bigint): {sign: string; magnitude: bigint; exponent: number} {
  const sign = nanos < 0n ? '-' : ''
  let magnitude = nanos < 0n ? -nanos : nanos
  let exponent = -9
  while (magnitude % 1000n === 0n && exponent < 18) {
    magnitude /= 1000n
    exponent += 3
  }
  return {sign, magnitude, exponent}
}

function formatDecimal(nanos: bigint): string {
  if (nanos === 0n) return '0'
  const {sign, magnitude, exponent} = decimalParts(nanos)
  const suffix = Object.entries(decimalSuffixes).find(([, value]) => value === exponent)![0]
  return `${sign}${magnitude}${suffix}`
}

/** The text kube-apiserver stores and prints for a quantity. */
export function formatQuantity(quantity: Quantity): string {
  const {nanos, format} = quantity
  if (format === 'BinarySI' && nanos % nanosPerUnit === 0n) {
    const units = nanos / nanosPerUnit
    const sign = units < 0n ? '-' : ''
    let magnitude = units < 0n ? -units : units
    if (magnitude < 1024n) return `${sign}${magnitude}`
    let power = 0
    while (magnitude % 1024n === 0n && power < 60) {
      magnitude /= 1024n
      power += 10
    }
    const suffix = Object.entries(binarySuffixes).find(([, value]) => value === power)?.[0] ?? ''
    return `${sign}${magnitude}${suffix}`
  }
  if (format === 'DecimalExponent') {
    if (nanos === 0n) return '0'
    const {sign, magnitude, exponent} = decimalParts(nanos)
    return exponent === 0 ? `${sign}${magnitude}` : `${sign}${magnitude}e${exponent}`
  }
  return formatDecimal(nanos)
}

/** Canonical text of a JSON quantity value (a string or a number); throws QuantityError. */
/** A resource amount as a number: CPU in millicores, anything else (bytes, pods) in units. */
export function resourceAmount(resource: string, text: string): number {
  const milli = Number(milliValue(parseQuantity(text)))
  return resource === 'cpu' ? milli : milli / 1000
}

export function canonicalQuantity(value: string | number): string {
  return formatQuantity(parseQuantity(typeof value === 'number' ? String(value) : value))
}

/** Milli-units, rounded up (Quantity.MilliValue). */
export function milliValue(quantity: Quantity): bigint {
  const divisor = 1_000_000n
  const quotient = quantity.nanos / divisor
  return quantity.nanos % divisor > 0n ? quotient + 1n : quotient
}

/** Whole units, rounded up (Quantity.Value). */
export function unitValue(quantity: Quantity): bigint {
  const quotient = quantity.nanos / nanosPerUnit
  return quantity.nanos % nanosPerUnit > 0n ? quotient + 1n : quotient
}

export function compareQuantities(left: Quantity, right: Quantity): number {
  return left.nanos < right.nanos ? -1 : left.nanos > right.nanos ? 1 : 0
}

/** Go's Quantity.Add: the sum keeps the left format, or takes the right one when the left is zero. */
export function addQuantities(left: Quantity, right: Quantity): Quantity {
  return {nanos: left.nanos + right.nanos, format: left.nanos === 0n ? right.format : left.format}
}

export function subtractQuantities(left: Quantity, right: Quantity): Quantity {
  return {nanos: left.nanos - right.nanos, format: left.format}
}

export const zeroQuantity: Quantity = {nanos: 0n, format: 'DecimalSI'}

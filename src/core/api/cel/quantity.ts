// Kubernetes' quantity library for CEL (k8s.io/apiserver/pkg/cel/library, "kubernetes.quantity"):
// quantity(), isQuantity() and comparisons and arithmetic on resource quantities. A quantity's
// value is kept exactly, in nano-units, so quantity('1') == quantity('1000m') as in kube.
import {parseQuantity, QuantityError} from '../quantity.js'
import type {CelKit} from './kit.js'

const nanosPerUnit = 1_000_000_000n
const int64Min = -(2n ** 63n)
const int64Max = 2n ** 63n - 1n

export function quantityFunctions({cel, opaque}: CelKit) {
  const {celFunc, celMethod, CelScalar} = cel
  const quantity = opaque('kubernetes.Quantity')
  const Q = quantity.type
  const nanos = (value: unknown) => BigInt(quantity.text(value as never))
  const of = (value: bigint) => quantity.value(value.toString())
  const parsed = (text: string) => {
    try {
      return parseQuantity(text)
    } catch (error) {
      if (error instanceof QuantityError) return null
      throw error
    }
  }
  const compare = (left: bigint, right: bigint) => (left < right ? -1n : left > right ? 1n : 0n)
  const integer = (value: bigint): bigint | null => (value % nanosPerUnit === 0n && value / nanosPerUnit >= int64Min && value / nanosPerUnit <= int64Max ? value / nanosPerUnit : null)
  const sign = (value: unknown) => compare(nanos(value), 0n)
  return [
    celFunc('quantity', [CelScalar.STRING], Q, (text) => {
      const value = parsed(text)
      if (!value) throw new QuantityError()
      return of(value.nanos)
    }),
    celFunc('isQuantity', [CelScalar.STRING], CelScalar.BOOL, (text) => parsed(text) !== null),
    // Declared as a global overload in kube (sign(q)), so q.sign() finds no overload there either.
    celFunc('sign', [Q], CelScalar.INT, (value) => sign(value)),
    celMethod('isGreaterThan', Q, [Q], CelScalar.BOOL, function (other) {
      return nanos(this) > nanos(other)
    }),
    celMethod('isLessThan', Q, [Q], CelScalar.BOOL, function (other) {
      return nanos(this) < nanos(other)
    }),
    celMethod('compareTo', Q, [Q], CelScalar.INT, function (other) {
      return compare(nanos(this), nanos(other))
    }),
    celMethod('asApproximateFloat', Q, [], CelScalar.DOUBLE, function () {
      return Number(nanos(this)) / Number(nanosPerUnit)
    }),
    celMethod('asInteger', Q, [], CelScalar.INT, function () {
      const value = integer(nanos(this))
      if (value === null) throw new Error('cannot convert value to integer')
      return value
    }),
    celMethod('isInteger', Q, [], CelScalar.BOOL, function () {
      return integer(nanos(this)) !== null
    }),
    celMethod('add', Q, [Q], Q, function (other) {
      return of(nanos(this) + nanos(other))
    }),
    celMethod('add', Q, [CelScalar.INT], Q, function (other) {
      return of(nanos(this) + other * nanosPerUnit)
    }),
    celMethod('sub', Q, [Q], Q, function (other) {
      return of(nanos(this) - nanos(other))
    }),
    celMethod('sub', Q, [CelScalar.INT], Q, function (other) {
      return of(nanos(this) - other * nanosPerUnit)
    }),
  ]
}

// Kubernetes' lists and regex libraries for CEL and cel-go's sets extension:
// isSorted, sum, min, max, indexOf, lastIndexOf; find, findAll; sets.contains, sets.equivalent,
// sets.intersects. (kube 1.32 has no base64 or math extension.)
import type {CelValue} from '@bufbuild/cel'
import type {CelKit} from './kit.js'

const regexFind = (text: string, pattern: string): string => new RegExp(pattern).exec(text)?.[0] ?? ''
const regexFindAll = (text: string, pattern: string, limit: bigint): string[] => {
  if (limit === 0n) return []
  const found = [...text.matchAll(new RegExp(pattern, 'g'))].map((match) => match[0])
  return limit < 0n ? found : found.slice(0, Number(limit))
}

function listNumbers(list: Iterable<CelValue>): Array<bigint | number> {
  const values = [...list]
  if (!values.every((value) => typeof value === 'bigint' || typeof value === 'number')) throw new Error('list elements are not numbers')
  return values as Array<bigint | number>
}

export function listFunctions({cel}: CelKit) {
  const {celFunc, celMethod, CelScalar, listType} = cel
  // CEL's own equality (numbers across types, lists, maps, opaque values), which the library does not export.
  const equalsProgram = cel.plan(cel.celEnv(), cel.parse('a == b'))
  const equals = (left: CelValue, right: CelValue): boolean => equalsProgram({a: left, b: right}) === true
  const DYN_LIST = listType(CelScalar.DYN)
  const has = (list: Iterable<CelValue>, value: CelValue) => {
    for (const item of list) if (equals(item, value)) return true
    return false
  }
  const containsAll = (list: Iterable<CelValue>, sub: Iterable<CelValue>) => [...sub].every((value) => has(list, value))
  return [
    celMethod('find', CelScalar.STRING, [CelScalar.STRING], CelScalar.STRING, function (pattern) {
      return regexFind(this, pattern)
    }),
    celMethod('findAll', CelScalar.STRING, [CelScalar.STRING], listType(CelScalar.STRING), function (pattern) {
      return regexFindAll(this, pattern, -1n)
    }),
    celMethod('findAll', CelScalar.STRING, [CelScalar.STRING, CelScalar.INT], listType(CelScalar.STRING), function (pattern, limit) {
      return regexFindAll(this, pattern, limit)
    }),
    celMethod('isSorted', DYN_LIST, [], CelScalar.BOOL, function () {
      const values = [...this] as Array<bigint | number | string>
      return values.every((value, index) => index === 0 || values[index - 1]! <= value)
    }),
    celMethod('sum', DYN_LIST, [], CelScalar.DYN, function () {
      const values = listNumbers(this)
      if (values.length === 0) return 0n
      return values.every((value) => typeof value === 'bigint')
        ? (values as bigint[]).reduce((total, value) => total + value, 0n)
        : values.reduce<number>((total, value) => total + Number(value), 0)
    }),
    celMethod('min', DYN_LIST, [], CelScalar.DYN, function () {
      const values = listNumbers(this)
      if (values.length === 0) throw new Error('min called on empty list')
      return values.reduce((least, value) => (value < least ? value : least))
    }),
    celMethod('max', DYN_LIST, [], CelScalar.DYN, function () {
      const values = listNumbers(this)
      if (values.length === 0) throw new Error('max called on empty list')
      return values.reduce((most, value) => (value > most ? value : most))
    }),
    celMethod('indexOf', DYN_LIST, [CelScalar.DYN], CelScalar.INT, function (value) {
      return BigInt([...this].findIndex((item) => equals(item, value)))
    }),
    celMethod('lastIndexOf', DYN_LIST, [CelScalar.DYN], CelScalar.INT, function (value) {
      return BigInt([...this].findLastIndex((item) => equals(item, value)))
    }),
    celFunc('sets.contains', [DYN_LIST, DYN_LIST], CelScalar.BOOL, (list, sub) => containsAll(list, sub)),
    celFunc('sets.equivalent', [DYN_LIST, DYN_LIST], CelScalar.BOOL, (left, right) => containsAll(left, right) && containsAll(right, left)),
    celFunc('sets.intersects', [DYN_LIST, DYN_LIST], CelScalar.BOOL, (left, right) => [...right].some((value) => has(left, value))),
  ]
}

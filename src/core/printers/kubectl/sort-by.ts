// kubectl get --sort-by: the objects (or table rows) ordered by a JSONPath field, numbers by
// value, strings as quantities when both are one ("500m" before "2"), else byte by byte (so
// 10.100.0.5 comes before 10.96.0.1, as kubectl 1.32 has it), objects missing the field first; with Go's unstable sort, so equal keys end in the real kubectl's order.
import {relaxedTemplate} from './custom-columns.js'
import {compareQuantities, parseQuantity, type Quantity} from '../../api/quantity.js'
import {goSortedIndexes} from '../../util/go-sort.js'
import {firstNodeValues, parseTemplate} from './jsonpath.js'

/** The sort key of each object: the first value the path finds (JSON text for non-strings). */
export function sortIndexes(objects: readonly unknown[], path: string): number[] {
  return sortIndexesByTemplate(objects, relaxedTemplate(path))
}

/**
 * What kubectl sorts the rows of one table by: the relaxed path, or else the text as given (its
 * fallback), which may still parse as a template (`{.a}}` is `{.a}` then `}`). Null when neither
 * parses: kubectl then prints no rows at all, and no error.
 */
export function tableSortTemplate(path: string): string | null {
  let template: string
  try {
    template = relaxedTemplate(path)
  } catch {
    template = path
  }
  try {
    parseTemplate(template)
    return template
  } catch {
    return null
  }
}

export function sortIndexesByTemplate(objects: readonly unknown[], template: string): number[] {
  parseTemplate(template)
  const keys = objects.map((object) => firstNodeValues(template, object))
  // kubectl checks the path finds something in at least one object before it sorts.
  if (objects.length > 0 && keys.every((values) => values.length === 0)) throw new Error(`couldn't find any field with path ${JSON.stringify(template)} in the list of objects`)
  // kubectl's Less: an object the path finds nothing in sorts first, even against another such
  // one (so ties among them move as Go's sort moves them); else the first values compared.
  return goSortedIndexes(objects.length, (left, right) => {
    if (keys[left]!.length === 0) return true
    if (keys[right]!.length === 0) return false
    return isLess(keys[left]![0], keys[right]![0])
  })
}

/** Two values kubectl's isLess cannot order: kubectl stops (klog.Exitf) naming `reason`. */
export class UnsortableValuesError extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'UnsortableValuesError'
  }
}

/** The Go type name of an unstructured JSON value, as fmt's %T writes it. */
function goTypeName(value: unknown): string {
  if (typeof value === 'boolean') return 'bool'
  if (Array.isArray(value)) return '[]interface {}'
  if (typeof value === 'object') return 'map[string]interface {}'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64'
  return 'string'
}

/**
 * kubectl's isLess for the values of unstructured objects: numbers by value, strings as
 * quantities when both are, else byte by byte; a bool, map or list, or two values of different
 * Go types (an int64 and a float64 too), cannot be ordered.
 */
function isLess(left: unknown, right: unknown): boolean {
  if (left === null || left === undefined) return right !== null && right !== undefined
  if (right === null || right === undefined) return false
  const [leftType, rightType] = [goTypeName(left), goTypeName(right)]
  if (leftType === 'bool' || leftType.startsWith('[]') || leftType.startsWith('map')) throw new UnsortableValuesError(`unsortable type: ${leftType}`)
  if (leftType !== rightType) throw new UnsortableValuesError('unsortable interface: interface')
  if (typeof left === 'number' && typeof right === 'number') return left < right
  const [leftText, rightText] = [String(left), String(right)]
  const quantities = quantitiesOf(leftText, rightText)
  return quantities ? compareQuantities(quantities[0], quantities[1]) < 0 : Buffer.compare(Buffer.from(leftText), Buffer.from(rightText)) < 0
}

function quantitiesOf(left: string, right: string): [Quantity, Quantity] | null {
  try {
    return [parseQuantity(left), parseQuantity(right)]
  } catch {
    return null
  }
}

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
  // kubectl's Less: an object the path finds nothing in sorts first, even against another such
  // one (so ties among them move as Go's sort moves them); else the first values compared.
  return goSortedIndexes(objects.length, (left, right) => {
    if (keys[left]!.length === 0) return true
    if (keys[right]!.length === 0) return false
    return isLess(keys[left]![0], keys[right]![0])
  })
}

/** kubectl's isLess for the values of unstructured objects: numbers by value, strings as quantities when both are, else byte by byte. */
function isLess(left: unknown, right: unknown): boolean {
  if (left === null || left === undefined) return right !== null && right !== undefined
  if (right === null || right === undefined) return false
  if (typeof left === 'number' && typeof right === 'number') return left < right
  if (typeof left === 'string' && typeof right === 'string') {
    const quantities = quantitiesOf(left, right)
    return quantities ? compareQuantities(quantities[0], quantities[1]) < 0 : Buffer.compare(Buffer.from(left), Buffer.from(right)) < 0
  }
  // Values kubectl cannot order (it stops with an error): compared as their JSON text.
  const [leftText, rightText] = [JSON.stringify(left), JSON.stringify(right)]
  return leftText < rightText
}

function quantitiesOf(left: string, right: string): [Quantity, Quantity] | null {
  try {
    return [parseQuantity(left), parseQuantity(right)]
  } catch {
    return null
  }
}

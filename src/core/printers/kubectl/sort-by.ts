// kubectl get --sort-by: the objects (or table rows) ordered by a JSONPath field, numbers by
// value, strings byte by byte (so 10.100.0.5 comes before 10.96.0.1, as kubectl has it),
// objects missing the field first.
import {relaxedTemplate} from './custom-columns.js'
import {parseTemplate, runJsonPath} from './jsonpath.js'

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
  const keys = objects.map((object) => {
    const single = template.replace(/^\{(.*)\}$/, '{$1}')
    const text = runJsonPath(single, object)
    return text.length === 0 ? null : text.split(' ')[0]!
  })
  const indexes = objects.map((_, index) => index)
  const compare = (left: string | null, right: string | null): number => {
    if (left === right) return 0
    if (left === null) return -1
    if (right === null) return 1
    const leftNumber = Number(left)
    const rightNumber = Number(right)
    if (left.trim() !== '' && right.trim() !== '' && !Number.isNaN(leftNumber) && !Number.isNaN(rightNumber)) return leftNumber - rightNumber
    return left < right ? -1 : 1
  }
  return indexes.sort((left, right) => compare(keys[left]!, keys[right]!) || left - right)
}

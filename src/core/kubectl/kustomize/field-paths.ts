// Field paths as replacements write them (`spec.template.spec.containers.[name=app].image`,
// `spec.ports.0.port`, `spec.rules.*.host`): split as kustomize splits them (dots inside
// brackets kept, `\.` an escaped dot), looked up in a source, and matched in a target, where a
// missing field may be created.
import {isJsonObject, type JsonObject} from '../../api/object.js'
import {KustomizeError} from './errors.js'

/** A place one value sits: a field of an object or an element of a list. */
export interface FieldSlot {
  readonly container: JsonObject | unknown[]
  readonly key: string | number
  /** Made by the match (create): it had no value, so it takes the written text's own type. */
  readonly created: boolean
}

export function slotValue(slot: FieldSlot): unknown | undefined {
  return Array.isArray(slot.container) ? slot.container[Number(slot.key)] : slot.container[String(slot.key)]
}

export function setSlotValue(slot: FieldSlot, value: unknown): void {
  if (Array.isArray(slot.container)) slot.container[Number(slot.key)] = value
  else slot.container[String(slot.key)] = value
}

/** kustomize's path splitter: `a.b\.c.[x=y.z]` → a, b.c, [x=y.z]; `[a.b]` (no `=`) → a.b. */
export function splitFieldPath(path: string): string[] {
  let pieces = path.split('.')
  if (pieces.length > 1 && pieces[0] === '') pieces = pieces.slice(1)
  const unescaped: string[] = [pieces[0]!]
  for (const piece of pieces.slice(1)) {
    const last = unescaped.length - 1
    if (unescaped[last]!.endsWith('\\')) unescaped[last] = `${unescaped[last]!.slice(0, -1)}.${piece}`
    else unescaped.push(piece)
  }
  const parts: string[] = []
  for (let index = 0; index < unescaped.length; index++) {
    const piece = unescaped[index]!
    if (!piece.startsWith('[') || piece.endsWith(']')) {
      parts.push(piece)
      continue
    }
    const bracketed = [piece]
    while (index < unescaped.length - 1) {
      index++
      bracketed.push(unescaped[index]!)
      if (unescaped[index]!.endsWith(']')) break
    }
    const joined = bracketed.join('.')
    parts.push(joined.includes('=') ? joined : joined.replace(/^\[+|\]+$/g, ''))
  }
  return parts
}

const isIndex = (part: string) => /^\d+$/.test(part)
const isListSelector = (part: string) => part.startsWith('[') && part.endsWith(']')

function listSelectorOf(part: string): {field: string; pattern: string} {
  const inner = part.slice(1, -1)
  const equals = inner.indexOf('=')
  if (equals < 0) throw new KustomizeError('list path element must contain fieldName=fieldValue for element to match')
  return {field: inner.slice(0, equals), pattern: inner.slice(equals + 1)}
}

const scalarText = (value: unknown | undefined) => (value === null || value === undefined || typeof value === 'object' ? undefined : String(value))

/** A source field's value (list selectors match exactly), or undefined when it is not there. */
export function lookupField(object: unknown, parts: readonly string[]): unknown | undefined {
  let current: unknown | undefined = object
  for (const part of parts) {
    if (current === undefined || current === null) return undefined
    if (isListSelector(part)) {
      if (!Array.isArray(current)) return undefined
      const {field, pattern} = listSelectorOf(part)
      current = current.find((item) => (field === '' ? scalarText(item) === pattern : isJsonObject(item) && scalarText(item[field]) === pattern))
    } else if (Array.isArray(current) && isIndex(part)) {
      current = current[Number(part)]
    } else {
      current = isJsonObject(current) ? current[part] : undefined
    }
  }
  return current
}

function wrongKind(value: unknown | undefined): KustomizeError {
  return new KustomizeError(`wrong node kind: expected SequenceNode but got ${isJsonObject(value) ? 'MappingNode' : 'ScalarNode'}`)
}

/** What a missing field is created as: a list before an index or selector, else an object (the last takes the value's shape). */
function emptyFor(next: string | undefined, value: unknown): unknown {
  if (next === undefined) return Array.isArray(value) ? [] : isJsonObject(value) ? {} : null
  return isIndex(next) || isListSelector(next) || next === '*' ? [] : {}
}

/** kustomize's path matcher: every slot the path reaches; `create` (the value to write) makes what is missing. */
export function matchFieldSlots(object: JsonObject, parts: readonly string[], create: unknown | undefined): FieldSlot[] {
  const root: JsonObject = {value: object}
  return matchFrom({container: root, key: 'value', created: false}, parts, create)
}

function matchFrom(slot: FieldSlot, parts: readonly string[], create: unknown | undefined): FieldSlot[] {
  const [part, ...rest] = parts
  if (part === undefined) return [slot]
  const node = slotValue(slot)
  if (isIndex(part)) {
    if (!Array.isArray(node)) throw wrongKind(node)
    const index = Number(part)
    if (node.length === index && create !== undefined) node.push(emptyFor(rest[0], create))
    if (node.length < index + 1) throw new KustomizeError(`index ${index} specified but only ${node.length} elements found`)
    return matchFrom({container: node, key: index, created: node[index] === null}, rest, create)
  }
  if (isListSelector(part)) {
    if (!Array.isArray(node)) throw wrongKind(node)
    const {field, pattern} = listSelectorOf(part)
    const matcher = new RegExp(pattern)
    const matches = (item: unknown) => {
      const text = field === '' ? scalarText(item) : isJsonObject(item) ? scalarText(item[field]) : undefined
      return text !== undefined && matcher.test(text.trim())
    }
    const slots = (): FieldSlot[] => node.flatMap((item, index) => (matches(item) ? (field === '' ? [{container: node, key: index, created: false}] : matchFrom({container: node, key: index, created: false}, rest, create)) : []))
    const found = slots()
    if (found.length > 0 || create === undefined) return found
    node.push(field === '' ? pattern : {[field]: pattern})
    return slots()
  }
  if (part === '*') {
    if (!Array.isArray(node)) throw wrongKind(node)
    return node.flatMap((_item, index) => matchFrom({container: node, key: index, created: false}, rest, create))
  }
  if (!isJsonObject(node)) return []
  if (node[part] === undefined) {
    if (create === undefined) return []
    node[part] = emptyFor(rest[0], create)
    return matchFrom({container: node, key: part, created: true}, rest, create)
  }
  return matchFrom({container: node, key: part, created: false}, rest, create)
}

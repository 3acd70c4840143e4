// The three patch types of PATCH: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and
// strategic merge patch, which merges lists by the schema's patchMergeKey (containers by name,
// ports by containerPort, …) and honours the $patch, $retainKeys, $deleteFromPrimitiveList and
// $setElementOrder directives as k8s.io/apimachinery's strategicpatch does.
import {cloneJson, isJsonObject, jsonEqual, type JsonObject} from './object.js'
import {type ArraySchema, resolve, type Schema, fieldSchema} from './schema.js'

/** A JSON patch may hold at most this many operations. */
export const jsonPatchOperationsMax = 10_000

export class PatchError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PatchError'
  }
}

function pointerTokens(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer: ${JSON.stringify(pointer)}`)
  return pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function parentOf(document: unknown, tokens: string[], pointer: string, operation: string): {parent: unknown; last: string} {
  let current = document
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)]
    else if (isJsonObject(current)) current = current[token]
    else current = undefined
    if (current === undefined) throw new PatchError(`${operation} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`)
  }
  return {parent: current, last: tokens[tokens.length - 1]!}
}

function getAt(document: unknown, pointer: string, operation: string): unknown {
  let current = document
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(current)) current = current[Number(token)]
    else if (isJsonObject(current)) current = current[token]
    else current = undefined
    if (current === undefined) throw new PatchError(`${operation} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`)
  }
  return current
}

function arrayIndex(parent: unknown[], token: string, pointer: string, forAdd: boolean): number {
  if (forAdd && token === '-') return parent.length
  if (!/^\d+$/.test(token)) throw new PatchError(`Unable to access invalid index: ${token}: invalid index referenced`)
  const index = Number(token)
  if (index > parent.length || (!forAdd && index >= parent.length)) throw new PatchError(`Unable to access invalid index: ${index}: invalid index referenced at path ${JSON.stringify(pointer)}`)
  return index
}

function addAt(document: unknown, pointer: string, value: unknown): unknown {
  const tokens = pointerTokens(pointer)
  if (tokens.length === 0) return value
  const {parent, last} = parentOf(document, tokens, pointer, 'add')
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, pointer, true), 0, value)
  else if (isJsonObject(parent)) parent[last] = value
  else throw new PatchError(`add operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`)
  return document
}

function removeAt(document: unknown, pointer: string, operation = 'remove'): unknown {
  const tokens = pointerTokens(pointer)
  const {parent, last} = parentOf(document, tokens, pointer, operation)
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, pointer, false), 1)
  else if (isJsonObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) delete parent[last]
  else throw new PatchError(`${operation} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`)
  return document
}

export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
  if (patch.length > jsonPatchOperationsMax) throw new PatchError(`The allowed maximum operations in a JSON patch is ${jsonPatchOperationsMax}, got ${patch.length}`)
  let result = cloneJson(document)
  for (const operation of patch) {
    if (!isJsonObject(operation)) throw new PatchError('invalid JSON patch operation')
    const path = typeof operation.path === 'string' ? operation.path : ''
    switch (operation.op) {
      case 'add':
        result = addAt(result, path, cloneJson(operation.value))
        break
      case 'remove':
        result = removeAt(result, path)
        break
      case 'replace':
        getAt(result, path, 'replace')
        result = removeAt(result, path, 'replace')
        result = addAt(result, path, cloneJson(operation.value))
        break
      case 'move': {
        const from = String(operation.from ?? '')
        const value = getAt(result, from, 'move')
        result = addAt(removeAt(result, from, 'move'), path, value)
        break
      }
      case 'copy':
        result = addAt(result, path, cloneJson(getAt(result, String(operation.from ?? ''), 'copy')))
        break
      case 'test':
        if (!jsonEqual(getAt(result, path, 'test'), operation.value)) throw new PatchError(`testing value ${path} failed: test failed`)
        break
      default:
        throw new PatchError(`Unexpected kind: ${String(operation.op)}`)
    }
  }
  return result
}

export function applyMergePatch(document: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch)
  const result: JsonObject = isJsonObject(document) ? cloneJson(document) : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = applyMergePatch(result[key], value)
  }
  return result
}

const directivePrefixes = ['$deleteFromPrimitiveList/', '$setElementOrder/', '$retainKeys']


function mergeList(original: unknown[], patch: unknown[], schema: ArraySchema): unknown[] {
  const itemSchema = schema.items
  if (schema.patchStrategy !== 'merge') return cloneJson(patch).filter((item) => !(isJsonObject(item) && item.$patch !== undefined))
  const key = schema.mergeKey
  if (!key) {
    // A merged list of scalars is a set: patch items are added once, ordered as below.
    const patched: Array<{value: unknown; place: number}> = []
    for (const item of patch) if (!patched.some((entry) => jsonEqual(entry.value, item))) patched.push({value: cloneJson(item), place: original.findIndex((existing) => jsonEqual(existing, item))})
    const originalOnly = original.flatMap((value, place) => (patched.some((entry) => entry.place === place) ? [] : [{value, place}]))
    return inMergedOrder(patched, originalOnly)
  }
  if (patch.some((item) => isJsonObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isJsonObject(item) && item.$patch === 'replace')).map((item) => cloneJson(item))
  }
  // The patch's items (merged with the ones they name) in the patch's order, and the items only
  // the original has in its order, each with its place in the original (-1 for a new item).
  const patched: Array<{value: unknown; place: number}> = []
  const named = new Set<number>()
  for (const item of patch) {
    if (!isJsonObject(item)) continue
    const place = original.findIndex((existing) => isJsonObject(existing) && jsonEqual(existing[key], item[key]))
    if (place >= 0) named.add(place)
    if (item.$patch === 'delete') continue
    const earlier = patched.find((entry) => isJsonObject(entry.value) && jsonEqual(entry.value[key], item[key]))
    if (earlier) earlier.value = applyStrategicMergePatch(earlier.value, item, itemSchema)
    else patched.push({value: applyStrategicMergePatch(place >= 0 ? original[place] : {}, item, itemSchema), place})
  }
  const originalOnly = original.flatMap((value, place) => (named.has(place) ? [] : [{value: cloneJson(value), place}]))
  return inMergedOrder(patched, originalOnly)
}

/**
 * strategicpatch's mergeSortedSlice: the patch's items and the original's own, each list in its
 * order; of two items the original both has, its order decides, otherwise the patch's comes first
 * (so a new item goes before the original's own).
 */
function inMergedOrder(patched: ReadonlyArray<{value: unknown; place: number}>, originalOnly: ReadonlyArray<{value: unknown; place: number}>): unknown[] {
  const result: unknown[] = []
  let [left, right] = [0, 0]
  while (left < patched.length || right < originalOnly.length) {
    const fromPatch = patched[left]
    const fromOriginal = originalOnly[right]
    if (fromPatch && (!fromOriginal || fromPatch.place < 0 || fromPatch.place < fromOriginal.place)) {
      result.push(fromPatch.value)
      left++
    } else {
      result.push(fromOriginal!.value)
      right++
    }
  }
  return result
}

/** Applies a strategic merge patch to `document`, guided by the kind's schema. */
export function applyStrategicMergePatch(document: unknown, patch: unknown, schema: Schema | null): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch)
  if (patch.$patch === 'replace') {
    const replaced = cloneJson(patch)
    delete replaced.$patch
    return replaced
  }
  if (patch.$patch === 'delete') return undefined
  const result: JsonObject = isJsonObject(document) ? cloneJson(document) : {}
  const retainKeys = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : null
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length)
      if (Array.isArray(result[field]) && Array.isArray(value)) {
        result[field] = (result[field] as unknown[]).filter((item) => !value.some((removed) => jsonEqual(removed, item)))
      }
      continue
    }
    if (directivePrefixes.some((prefix) => key.startsWith(prefix))) continue
    if (value === null) {
      delete result[key]
      continue
    }
    const child = fieldSchema(schema, key)
    const resolved = child ? resolve(child) : null
    if (Array.isArray(value) && resolved?.type === 'array' && Array.isArray(result[key])) {
      result[key] = mergeList(result[key] as unknown[], value, resolved)
    } else if (Array.isArray(value)) {
      result[key] = mergeList([], value, resolved?.type === 'array' ? resolved : {type: 'array', items: {type: 'any'}})
    } else if (isJsonObject(value) && (resolved === null || resolved.type === 'object' || resolved.type === 'map' || resolved.type === 'any')) {
      const merged = resolved?.type === 'any' ? applyMergePatch(result[key], value) : applyStrategicMergePatch(result[key], value, child)
      if (merged === undefined) delete result[key]
      else result[key] = merged
    } else {
      result[key] = cloneJson(value)
    }
  }
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith('$setElementOrder/') || !Array.isArray(order)) continue
    const field = key.slice('$setElementOrder/'.length)
    const resolved = fieldSchema(schema, field)
    const mergeKey = resolved ? (resolve(resolved) as ArraySchema).mergeKey : undefined
    if (Array.isArray(result[field])) result[field] = inElementOrder(result[field] as unknown[], order, mergeKey)
  }
  if (retainKeys) for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key]
  return result
}

/** A merged list sorted by its `$setElementOrder` directive (items it does not name last), as strategicpatch sorts it. */
function inElementOrder(list: readonly unknown[], order: readonly unknown[], mergeKey: string | undefined): unknown[] {
  const identity = (item: unknown) => (mergeKey && isJsonObject(item) ? item[mergeKey] : item)
  const place = (item: unknown) => {
    const found = order.findIndex((entry) => jsonEqual(identity(entry), identity(item)))
    return found < 0 ? Number.POSITIVE_INFINITY : found
  }
  return list.map((item, index) => ({item, index, place: place(item)})).sort((left, right) => left.place - right.place || left.index - right.index).map((entry) => entry.item)
}

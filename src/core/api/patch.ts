// Two of the three patch types of PATCH (JSON patch has its home in json-patch.ts): JSON merge
// patch (RFC 7386) and strategic merge patch, which merges lists by the schema's patchMergeKey
// (containers by name, ports by containerPort, …) and honours the $patch, $retainKeys,
// $deleteFromPrimitiveList and $setElementOrder directives as k8s.io/apimachinery's strategicpatch
// does.
import {cloneJson, isJsonObject, jsonEqual, type JsonObject, setOwn} from './object.js'
import {type ArraySchema, resolve, type Schema, fieldSchema} from './schema.js'

export function applyMergePatch(document: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch)
  const result: JsonObject = isJsonObject(document) ? cloneJson(document) : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    // Own fields only, so that a `__proto__` key is a field like any other.
    else setOwn(result, key, applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value))
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
    const current = Object.hasOwn(result, key) ? result[key] : undefined
    if (Array.isArray(value) && resolved?.type === 'array' && Array.isArray(current)) {
      setOwn(result, key, mergeList(current, value, resolved))
    } else if (Array.isArray(value)) {
      setOwn(result, key, mergeList([], value, resolved?.type === 'array' ? resolved : {type: 'array', items: {type: 'any'}}))
    } else if (isJsonObject(value) && (resolved === null || resolved.type === 'object' || resolved.type === 'map' || resolved.type === 'any')) {
      const merged = resolved?.type === 'any' ? applyMergePatch(current, value) : applyStrategicMergePatch(current, value, child)
      if (merged === undefined) delete result[key]
      else setOwn(result, key, merged)
    } else {
      setOwn(result, key, cloneJson(value))
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

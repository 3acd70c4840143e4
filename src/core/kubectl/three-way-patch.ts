// The patches of client-side apply, as apimachinery computes them: a three-way patch from the
// last-applied configuration (original), the new configuration (modified) and the live object
// (current). Deletions come from original → modified, changes from current → modified.
// Strategic merge for built-in kinds (lists with a merge key merge by it; `$patch: delete` drops
// an item), JSON merge patch for custom resources (lists replaced whole).
import {isJsonObject, jsonEqual, type JsonObject, setOwn} from '../api/object.js'
import {resolve, type Schema, fieldSchema} from '../api/schema.js'

type Json = unknown


function mergeKeyOf(schema: Schema | null): string | null {
  if (!schema) return null
  const resolved = resolve(schema)
  return resolved.type === 'array' && resolved.patchStrategy === 'merge' && resolved.mergeKey ? resolved.mergeKey : null
}

function itemsSchema(schema: Schema | null): Schema | null {
  if (!schema) return null
  const resolved = resolve(schema)
  return resolved.type === 'array' ? resolved.items : null
}

/**
 * A changed list merged by a key also gets `$setElementOrder/<field>`: the keys of the new list in
 * its order, by which the server sorts the merged list (as apimachinery's diff adds it).
 */
function withElementOrder(patch: JsonObject, key: string, to: Json, schema: Schema | null, strategic: boolean): void {
  const mergeKey = strategic ? mergeKeyOf(schema) : null
  if (!mergeKey || !Array.isArray(to)) return
  patch[`$setElementOrder/${key}`] = to.filter(isJsonObject).map((item) => ({[mergeKey]: item[mergeKey]}))
}

/** Changes that turn `from` into `to` (no deletions of fields absent from `to`). */
function changes(from: Json, to: Json, schema: Schema | null, strategic: boolean): Json | undefined {
  if (jsonEqual(from, to)) return undefined
  if (isJsonObject(from) && isJsonObject(to)) {
    const patch: JsonObject = {}
    for (const [key, value] of Object.entries(to)) {
      // Own fields only (a `__proto__` or `constructor` key is a field like any other).
      const child = changes(Object.hasOwn(from, key) ? from[key] : undefined, value, fieldSchema(schema, key), strategic)
      if (child !== undefined) setOwn(patch, key, child)
      if (child !== undefined) withElementOrder(patch, key, value, fieldSchema(schema, key), strategic)
    }
    return Object.keys(patch).length > 0 ? patch : undefined
  }
  const mergeKey = strategic ? mergeKeyOf(schema) : null
  if (mergeKey && Array.isArray(from) && Array.isArray(to)) {
    const items: JsonObject[] = []
    for (const item of to) {
      if (!isJsonObject(item)) continue
      const old = from.find((candidate) => isJsonObject(candidate) && candidate[mergeKey] === item[mergeKey])
      if (old === undefined) {
        items.push(item)
        continue
      }
      const child = changes(old, item, itemsSchema(schema), strategic)
      if (child !== undefined) items.push({[mergeKey]: item[mergeKey], ...(child as JsonObject)})
    }
    return items.length > 0 ? items : undefined
  }
  return to
}

/** Deletions that `to` makes of what `from` had: null for fields, `$patch: delete` for keyed items. */
function deletions(from: Json, to: Json, schema: Schema | null, strategic: boolean): JsonObject | Json[] | undefined {
  if (isJsonObject(from) && isJsonObject(to)) {
    const patch: JsonObject = {}
    for (const [key, value] of Object.entries(from)) {
      if (!Object.hasOwn(to, key)) {
        setOwn(patch, key, null)
        continue
      }
      const child = deletions(value, to[key], fieldSchema(schema, key), strategic)
      if (child !== undefined) setOwn(patch, key, child)
      if (child !== undefined) withElementOrder(patch, key, to[key], fieldSchema(schema, key), strategic)
    }
    return Object.keys(patch).length > 0 ? patch : undefined
  }
  const mergeKey = strategic ? mergeKeyOf(schema) : null
  if (mergeKey && Array.isArray(from) && Array.isArray(to)) {
    const items: JsonObject[] = []
    for (const item of from) {
      if (!isJsonObject(item)) continue
      const kept = to.find((candidate) => isJsonObject(candidate) && candidate[mergeKey] === item[mergeKey])
      if (kept === undefined) {
        items.push({[mergeKey]: item[mergeKey], $patch: 'delete'})
        continue
      }
      const child = deletions(item, kept, itemsSchema(schema), strategic)
      if (child !== undefined) items.push({[mergeKey]: item[mergeKey], ...(child as JsonObject)})
    }
    return items.length > 0 ? items : undefined
  }
  return undefined
}

function mergePatches(left: Json, right: Json, mergeKey: string | null): Json {
  if (isJsonObject(left) && isJsonObject(right)) {
    const result: JsonObject = {...left}
    for (const [key, value] of Object.entries(right)) result[key] = key in result ? mergePatches(result[key], value, null) : value
    return result
  }
  if (mergeKey && Array.isArray(left) && Array.isArray(right)) {
    const result = [...left]
    for (const item of right) {
      const index = result.findIndex((candidate) => isJsonObject(candidate) && isJsonObject(item) && candidate[mergeKey] === item[mergeKey])
      if (index >= 0) result[index] = mergePatches(result[index], item, null)
      else result.push(item)
    }
    return result
  }
  return right
}

function mergeWithSchema(left: Json, right: Json, schema: Schema | null): Json {
  if (isJsonObject(left) && isJsonObject(right)) {
    const result: JsonObject = {...left}
    for (const [key, value] of Object.entries(right)) {
      result[key] = key in result ? mergeWithSchema(result[key], value, fieldSchema(schema, key)) : value
    }
    return result
  }
  return mergePatches(left, right, mergeKeyOf(schema))
}

/**
 * The patch client-side apply sends; `{}` when nothing changes. `schema` null: a JSON merge
 * patch (custom resources).
 */
export function threeWayPatch(original: Json, modified: Json, current: Json, schema: Schema | null): JsonObject {
  const strategic = schema !== null
  const removed = deletions(original ?? {}, modified, schema, strategic) ?? {}
  const changed = changes(current, modified, schema, strategic) ?? {}
  const patch = mergeWithSchema(removed, changed, schema)
  return isJsonObject(patch) ? patch : {}
}

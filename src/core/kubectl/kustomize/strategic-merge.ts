// Strategic merge as kustomize's kyaml merges a patch into an object: maps field by field (null
// deletes), lists replaced unless the kind's schema merges them (by a key, or as a set of
// scalars); a merged list holds the patch's items first, in the patch's order, then the
// object's items the patch did not name. Kinds without a schema (custom resources) have their
// lists replaced. `$patch: delete|replace` directives as usual.
import {cloneJson, isJsonObject, jsonEqual, type JsonObject} from '../../api/object.js'
import {type ArraySchema, fieldSchema, resolve, type Schema} from '../../api/schema.js'

function withoutDirectives(items: readonly unknown[]): unknown[] {
  return items.filter((item) => !(isJsonObject(item) && item.$patch !== undefined && Object.keys(item).length === 1)).map((item) => cloneJson(item))
}

function mergeLists(original: readonly unknown[], patch: readonly unknown[], schema: Schema | null): unknown[] {
  if (patch.some((item) => isJsonObject(item) && item.$patch === 'replace')) return withoutDirectives(patch)
  const resolved = schema ? resolve(schema) : null
  const itemSchema = resolved?.type === 'array' ? (resolved as ArraySchema).items : null
  if (resolved?.type !== 'array' || resolved.patchStrategy !== 'merge') return withoutDirectives(patch)
  const key = resolved.mergeKey
  if (!key) {
    const union = patch.map((item) => cloneJson(item))
    for (const item of original) if (!union.some((existing) => jsonEqual(existing, item))) union.push(cloneJson(item))
    return union
  }
  const named = new Set<string>()
  const result: unknown[] = []
  for (const item of patch) {
    if (!isJsonObject(item)) continue
    const identity = JSON.stringify(item[key])
    named.add(identity)
    if (item.$patch === 'delete') continue
    const existing = original.find((candidate) => isJsonObject(candidate) && JSON.stringify(candidate[key]) === identity)
    result.push(strategicMerge(existing ?? {}, item, itemSchema))
  }
  for (const item of original) {
    if (!isJsonObject(item) || !named.has(JSON.stringify(item[key]))) result.push(cloneJson(item))
  }
  return result
}

/** The object with the patch merged in; undefined when the patch deletes it. */
export function strategicMerge(original: unknown, patch: unknown, schema: Schema | null): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch)
  if (patch.$patch === 'delete') return undefined
  const replacing = patch.$patch === 'replace'
  const result: JsonObject = isJsonObject(original) && !replacing ? cloneJson(original) : {}
  for (const [field, value] of Object.entries(patch)) {
    if (field === '$patch' || field.startsWith('$setElementOrder/') || field === '$retainKeys') continue
    if (value === null) {
      delete result[field]
      continue
    }
    const child = fieldSchema(schema, field)
    if (Array.isArray(value)) {
      result[field] = mergeLists(Array.isArray(result[field]) ? (result[field] as unknown[]) : [], value, child)
    } else if (isJsonObject(value) && isJsonObject(result[field])) {
      const merged = strategicMerge(result[field], value, child)
      if (merged === undefined) delete result[field]
      else result[field] = merged
    } else {
      const merged = strategicMerge(undefined, value, child)
      if (merged === undefined) delete result[field]
      else result[field] = merged
    }
  }
  return result
}

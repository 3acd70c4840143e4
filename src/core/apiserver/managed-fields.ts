// Field ownership as server-side apply keeps it in metadata.managedFields (FieldsV1): which
// manager set which field, by Apply or by Update. Fields are paths: f:<name> for struct and map
// fields, k:{"name":"web"} for items of lists with a merge key, v:<json> for set items; maps and
// keyed items also own themselves ("."). Conflicts, merges and removals of server-side apply
// work on these paths.
import {isJsonObject, jsonEqual, type JsonObject, type KubeObject} from '../api/object.js'
import {resolve, type Schema, fieldSchema} from '../api/schema.js'

export type FieldSet = {[segment: string]: FieldSet}

/** metav1.ManagedFieldsEntry; what Go omits when empty is optional (the server always writes it). */
export interface ManagedFieldsEntry {
  manager: string
  operation: 'Apply' | 'Update'
  apiVersion?: string
  time?: string
  fieldsType?: 'FieldsV1'
  fieldsV1: FieldSet
  subresource?: string
}

/** FieldsV1 nests no deeper than the objects it describes; the decoder's depth limit bounds it. */
const fieldSetDepthMax = 10_000

function isFieldSet(value: unknown, depth = 0): value is FieldSet {
  return depth <= fieldSetDepthMax && isJsonObject(value) && Object.values(value).every((child) => isFieldSet(child, depth + 1))
}

const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string'

export function isManagedFieldsEntry(value: unknown): value is ManagedFieldsEntry {
  return isJsonObject(value) && typeof value.manager === 'string' && (value.operation === 'Apply' || value.operation === 'Update') &&
    isOptionalString(value.apiVersion) && isOptionalString(value.time) && (value.fieldsType === undefined || value.fieldsType === 'FieldsV1') &&
    isFieldSet(value.fieldsV1) && isOptionalString(value.subresource)
}

/** metadata.managedFields that are not ManagedFieldsEntry items (sent by a client, or written past the API server). */
export class ManagedFieldsShapeError extends Error {
  constructor(index: number) {
    super(`metadata.managedFields[${index}] is not a ManagedFieldsEntry (manager, operation Apply or Update, fieldsV1)`)
    this.name = 'ManagedFieldsShapeError'
  }
}

/** The object's managedFields as entries; ManagedFieldsShapeError names the first that is not one. */
export function decodeManagedFields(object: KubeObject): ManagedFieldsEntry[] {
  const list = object.metadata.managedFields
  if (!Array.isArray(list)) return []
  const entries: ManagedFieldsEntry[] = []
  for (const [index, item] of list.entries()) {
    if (!isManagedFieldsEntry(item)) throw new ManagedFieldsShapeError(index)
    entries.push(item)
  }
  return entries
}

/** Metadata fields the server owns, never a manager. */
const systemMetadata = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName'])


function isMap(schema: Schema | null): boolean {
  return schema === null || resolve(schema).type === 'map' || resolve(schema).type === 'any'
}

function keyOf(item: JsonObject, mergeKey: string): string {
  return `k:${JSON.stringify({[mergeKey]: item[mergeKey]})}`
}

/** The fields a value sets, as a FieldsV1 set. */
export function fieldSetOf(value: unknown, schema: Schema | null, root = true): FieldSet {
  const set: FieldSet = {}
  if (!isJsonObject(value)) return set
  for (const [key, child] of Object.entries(value)) {
    if (root && (key === 'apiVersion' || key === 'kind' || key === 'status')) continue
    // A null is Go's unset field (a template's creationTimestamp): nobody sets it.
    if (child === null) continue
    const childSchema = fieldSchema(schema, key)
    if (root && key === 'metadata') {
      const metadata: FieldSet = {}
      for (const [field, item] of Object.entries(isJsonObject(child) ? child : {})) {
        if (systemMetadata.has(field)) continue
        metadata[`f:${field}`] = isJsonObject(item) && Object.keys(item).length > 0 ? {'.': {}, ...Object.fromEntries(Object.keys(item).map((name) => [`f:${name}`, {}]))} : {}
      }
      if (Object.keys(metadata).length > 0) set['f:metadata'] = metadata
      continue
    }
    set[`f:${key}`] = fieldSetOfValue(child, childSchema)
  }
  return set
}

function fieldSetOfValue(value: unknown, schema: Schema | null): FieldSet {
  const resolved = schema ? resolve(schema) : null
  if (Array.isArray(value)) {
    if (resolved?.type === 'array' && resolved.patchStrategy === 'merge' && resolved.mergeKey) {
      const items: FieldSet = {}
      for (const item of value) if (isJsonObject(item)) items[keyOf(item, resolved.mergeKey)] = {'.': {}, ...fieldSetOf(item, resolved.items, false)}
      return items
    }
    if (resolved?.type === 'array' && resolved.patchStrategy === 'merge') {
      return {'.': {}, ...Object.fromEntries(value.map((item) => [`v:${JSON.stringify(item)}`, {}]))}
    }
    return {}
  }
  if (isJsonObject(value) && Object.keys(value).length > 0 && (resolved === null || resolved.type === 'object' || resolved.type === 'map')) {
    const nested = fieldSetOf(value, schema, false)
    return isMap(schema) && resolved?.type !== 'object' ? {'.': {}, ...nested} : nested
  }
  return {}
}

/** Every leaf path of a set, as kube prints them in conflicts (.spec.template.spec.containers[name="web"].image). */
export function leafPaths(set: FieldSet, prefix: string[] = []): string[][] {
  const paths: string[][] = []
  for (const [segment, child] of Object.entries(set)) {
    if (segment === '.') continue
    const path = [...prefix, segment]
    if (Object.keys(child).filter((key) => key !== '.').length === 0) paths.push(path)
    else paths.push(...leafPaths(child, path))
  }
  return paths
}

/** The fields of a keyed item's segment (`k:{"name":"web"}`, written by keyOf). */
function keyFieldsOf(segment: string): Array<[string, unknown]> {
  const key: unknown = JSON.parse(segment.slice(2))
  return isJsonObject(key) ? Object.entries(key) : []
}

function cloneFieldSet(set: FieldSet): FieldSet {
  const copy: FieldSet = {}
  for (const [segment, child] of Object.entries(set)) copy[segment] = cloneFieldSet(child)
  return copy
}

export function formatPath(path: readonly string[]): string {
  return path
    .map((segment) => {
      if (segment.startsWith('f:')) return `.${segment.slice(2)}`
      if (segment.startsWith('k:')) {
        return `[${keyFieldsOf(segment).map(([name, item]) => `${name}=${JSON.stringify(item)}`).join(',')}]`
      }
      return `[=${segment.slice(2)}]`
    })
    .join('')
}

/** The value at a path of an object (undefined when absent). */
export function valueAt(object: unknown, path: readonly string[]): unknown {
  let current: unknown = object
  for (const segment of path) {
    current = valueUnder(current, segment, parsedSegment(segment))
    if (current === undefined) return undefined
  }
  return current
}

/** What a `k:` segment's key fields or a `v:` segment's value are, parsed once. */
function parsedSegment(segment: string): unknown {
  if (segment.startsWith('k:')) return keyFieldsOf(segment)
  if (segment.startsWith('v:')) return JSON.parse(segment.slice(2))
  return undefined
}

/** One step of valueAt: the value a segment names under `current` (undefined when absent). */
function valueUnder(current: unknown, segment: string, parsed: unknown): unknown {
  if (current === undefined) return undefined
  if (segment.startsWith('f:')) return isJsonObject(current) ? current[segment.slice(2)] : undefined
  if (segment.startsWith('k:')) {
    const key = parsed as Array<[string, unknown]>
    return Array.isArray(current) ? current.find((item) => isJsonObject(item) && key.every(([name, value]) => item[name] === value)) : undefined
  }
  if (segment.startsWith('v:')) return Array.isArray(current) && current.some((item) => jsonEqual(item, parsed)) ? parsed : undefined
  return undefined
}

/**
 * The leaf paths of `set` (leafPaths' order) whose values differ between `object` and `old`:
 * both walked down together, each segment resolved once, instead of from the root per leaf.
 */
function changedLeafPaths(set: FieldSet, object: unknown, old: unknown, prefix: string[] = [], changed: string[][] = []): string[][] {
  for (const [segment, child] of Object.entries(set)) {
    if (segment === '.') continue
    const path = [...prefix, segment]
    const parsed = parsedSegment(segment)
    const value = valueUnder(object, segment, parsed)
    const oldValue = valueUnder(old, segment, parsed)
    if (Object.keys(child).some((key) => key !== '.')) changedLeafPaths(child, value, oldValue, path, changed)
    else if (!jsonEqual(value, oldValue)) changed.push(path)
  }
  return changed
}

export function hasPath(set: FieldSet, path: readonly string[]): boolean {
  let current: FieldSet | undefined = set
  for (const segment of path) {
    current = current?.[segment]
    if (!current) return false
  }
  return true
}

export function removePaths(set: FieldSet, paths: readonly (readonly string[])[]): FieldSet {
  const copy = cloneFieldSet(set)
  for (const path of paths) {
    const parents: FieldSet[] = [copy]
    let current: FieldSet | undefined = copy
    for (const segment of path.slice(0, -1)) {
      current = current?.[segment]
      if (!current) break
      parents.push(current)
    }
    if (!current) continue
    delete current[path[path.length - 1]!]
    // Drop parents left with nothing but their own marker.
    for (let index = parents.length - 1; index > 0; index--) {
      const node = parents[index]!
      if (Object.keys(node).filter((key) => key !== '.').length === 0) delete parents[index - 1]![path[index - 1]!]
    }
  }
  return copy
}

export function mergeSets(left: FieldSet, right: FieldSet): FieldSet {
  const result = cloneFieldSet(left)
  for (const [segment, child] of Object.entries(right)) result[segment] = result[segment] ? mergeSets(result[segment]!, child) : cloneFieldSet(child)
  return result
}

/** Adds `source`'s paths to `target` in place, adopting `source`'s subsets (a fresh pathSet: nothing else holds them). */
function mergeInto(target: FieldSet, source: FieldSet): void {
  for (const [segment, child] of Object.entries(source)) {
    const existing = target[segment]
    if (existing) mergeInto(existing, child)
    else target[segment] = child
  }
}

/** Removes the value at a path from an object (a field, a keyed item, a set item). */
export function removeAt(object: JsonObject, path: readonly string[]): void {
  const parent = valueAt(object, path.slice(0, -1))
  const last = path[path.length - 1]!
  if (last.startsWith('f:') && isJsonObject(parent)) delete parent[last.slice(2)]
  else if ((last.startsWith('k:') || last.startsWith('v:')) && Array.isArray(parent)) {
    const item = valueAt(object, path)
    const index = parent.findIndex((candidate) => candidate === item || jsonEqual(candidate, item))
    if (index >= 0) parent.splice(index, 1)
  }
}

/** The object's entries; none when they cannot be decoded, as kube's field manager starts afresh from undecodable ones. */
export function entriesOf(object: KubeObject): ManagedFieldsEntry[] {
  try {
    return decodeManagedFields(object)
  } catch (error) {
    if (error instanceof ManagedFieldsShapeError) return []
    throw error
  }
}

/**
 * Records an Update by `manager`: the fields that changed between `old` and `object` become its,
 * and no longer anyone else's.
 */
export function recordUpdate(object: KubeObject, old: KubeObject | null, manager: string, apiVersion: string, time: string, schema: Schema | null, subresource = ''): void {
  const entries = entriesOf(old ?? object).map((entry) => ({...entry}))
  // Nothing but status changed (a status write: its strategy keeps the rest as stored): no leaf of
  // the object's field set can differ, so nobody's fields change hands, without walking the set.
  const unchanged = old !== null && sameOutsideStatus(object, old)
  const full = unchanged ? {} : fieldSetOf(object, schema)
  // A create changes every leaf of its set: the other managers' entries (sent with it) lose them all.
  const changed = old === null ? (entries.length > 0 ? leafPaths(full) : []) : unchanged ? [] : changedLeafPaths(full, object, old)
  const own = old === null ? ownedWhole(full) : ownedPaths(full, changed)
  if (Object.keys(own).length === 0) {
    if (old) object.metadata.managedFields = entries.length > 0 ? entries : undefined
    if (object.metadata.managedFields === undefined) delete object.metadata.managedFields
    return
  }
  const result: ManagedFieldsEntry[] = []
  let mine: ManagedFieldsEntry | null = null
  for (const entry of entries) {
    if (entry.manager === manager && entry.operation === 'Update' && (entry.subresource ?? '') === subresource) {
      mine = {...entry, time, apiVersion, fieldsV1: mergeSets(entry.fieldsV1, own)}
      result.push(mine)
      continue
    }
    const remaining = removePaths(entry.fieldsV1, changed)
    if (Object.keys(remaining).length > 0) result.push({...entry, fieldsV1: remaining})
  }
  if (!mine) result.push({manager, operation: 'Update', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: own, ...(subresource ? {subresource} : {})})
  object.metadata.managedFields = result
}

/** Whether the two objects are equal (as JSON values) in every top-level field the field set covers (all but apiVersion, kind, status). */
function sameOutsideStatus(object: KubeObject, old: KubeObject): boolean {
  const covered = (key: string) => key !== 'apiVersion' && key !== 'kind' && key !== 'status'
  const keys = Object.keys(object).filter(covered)
  if (keys.length !== Object.keys(old).filter(covered).length) return false
  return keys.every((key) => Object.prototype.hasOwnProperty.call(old, key) && jsonEqual(object[key], old[key]))
}

/** The union of `full`'s parts along the paths (pathSet's), in the paths' order. */
function ownedPaths(full: FieldSet, paths: readonly (readonly string[])[]): FieldSet {
  // Merged in place: merging each path into a copy of what came before cost a pod's create
  // hundreds of microseconds (a copy of the growing set per field).
  const own: FieldSet = {}
  for (const path of paths) mergeInto(own, pathSet(full, path))
  return own
}

/**
 * ownedPaths(full, leafPaths(full)) made in one walk, for a create (every leaf is its): a part
 * with children keeps its "." marker, a leaf is bare. Building it path by path was a third of
 * the field manager's time on the API server's creates (a pod and its kubelet's events).
 */
function ownedWhole(full: FieldSet): FieldSet {
  const own: FieldSet = {}
  for (const segment of Object.keys(full)) {
    if (segment === '.') continue
    const child = full[segment]!
    const children = ownedWhole(child)
    own[segment] = Object.keys(children).length === 0 ? {} : child['.'] !== undefined ? {'.': {}, ...children} : children
  }
  return own
}

/** The part of `full` along one path (with the parents' "." markers). */
export function pathSet(full: FieldSet, path: readonly string[]): FieldSet {
  const root: FieldSet = {}
  let source: FieldSet | undefined = full
  let target = root
  for (const segment of path) {
    const next: FieldSet | undefined = source?.[segment]
    target[segment] = next && next['.'] !== undefined && segment !== path[path.length - 1] ? {'.': {}} : {}
    target = target[segment]!
    source = next
  }
  return root
}

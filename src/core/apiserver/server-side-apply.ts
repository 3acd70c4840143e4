// Server-side apply (PATCH with application/apply-patch+yaml): the applied configuration is
// merged into the live object; a field another manager owns with a different value is a
// conflict (409, kube's "Apply failed with N conflict(s)"), unless force moves it; fields the
// manager applied before and no longer applies are removed when nobody else owns them.
import {cloneJson, isJsonObject, jsonEqual, type JsonObject, type KubeObject} from '../api/object.js'
import {resolve, type Schema, fieldSchema} from '../api/schema.js'
import {entriesOf, type FieldSet, fieldSetOf, formatPath, hasPath, leafPaths, type ManagedFieldsEntry, removeAt, removePaths, valueAt} from './managed-fields.js'
import {ApiError} from './api-errors.js'
import {goJsonCompact} from '../util/go-json.js'


/** Structured merge: maps field by field, keyed lists item by item, everything else replaced. */
function merge(live: unknown, applied: unknown, schema: Schema | null): unknown {
  if (isJsonObject(live) && isJsonObject(applied)) {
    const result: JsonObject = {...live}
    for (const [key, value] of Object.entries(applied)) result[key] = key in live ? merge(live[key], value, fieldSchema(schema, key)) : cloneJson(value)
    return result
  }
  const resolved = schema ? resolve(schema) : null
  if (Array.isArray(live) && Array.isArray(applied) && resolved?.type === 'array' && resolved.patchStrategy === 'merge') {
    const key = resolved.mergeKey
    if (!key) return [...live, ...applied.filter((item) => !live.some((existing) => jsonEqual(existing, item)))]
    const result = [...live]
    for (const item of applied) {
      if (!isJsonObject(item)) continue
      const index = result.findIndex((existing) => isJsonObject(existing) && existing[key] === item[key])
      if (index >= 0) result[index] = merge(result[index], item, resolved.items)
      else result.push(cloneJson(item))
    }
    return result
  }
  return cloneJson(applied)
}

/** The manager whose applies take over from client-side apply (kubectl apply --server-side's default). */
const lastAppliedMigrationManager = 'kubectl'
const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration'

/** The fields the last-applied annotation sets that still have the value it gave them; none without one. */
function fieldsUnchangedSinceLastApplied(live: KubeObject, schema: Schema | null): string[][] {
  const text = live.metadata.annotations?.[lastAppliedAnnotation]
  if (!text) return []
  let lastApplied: unknown
  try {
    lastApplied = JSON.parse(text)
  } catch {
    return []
  }
  if (!isJsonObject(lastApplied)) return []
  return leafPaths(fieldSetOf(lastApplied, schema)).filter((path) => jsonEqual(valueAt(lastApplied, path), valueAt(live, path)))
}

export interface ApplyResult {
  readonly object: KubeObject
}

/** The live object after `manager` applies `applied` (managedFields included). */
export function serverSideApply(
  live: KubeObject | null,
  applied: KubeObject,
  schema: Schema | null,
  options: {manager: string; force: boolean; apiVersion: string; time: string; /** The configuration as the client sent it. */ sent?: KubeObject},
): KubeObject {
  const appliedSet = fieldSetOf(applied, schema)
  const entries = live ? entriesOf(live).map((entry) => ({...entry})) : []
  let conflicts: Array<{name: string; path: string[]}> = []
  const appliedPaths = leafPaths(appliedSet)
  if (live) {
    for (const entry of entries) {
      if (entry.manager === options.manager && entry.operation === 'Apply') continue
      for (const path of appliedPaths) {
        if (!hasPath(entry.fieldsV1, path)) continue
        if (jsonEqual(valueAt(live, path), valueAt(applied, path))) continue
        conflicts.push({name: `conflict with ${JSON.stringify(entry.manager)}${entry.operation === 'Update' ? ` using ${entry.apiVersion}` : ''}`, path})
      }
    }
  }
  let force = options.force
  if (live && conflicts.length > 0 && !force && options.manager === lastAppliedMigrationManager) {
    // kube's lastAppliedManager: `kubectl apply --server-side` takes over from client-side apply without
    // conflicts on the fields the last-applied annotation set and nobody changed since.
    const allowed = fieldsUnchangedSinceLastApplied(live, schema)
    conflicts = conflicts.filter((conflict) => !allowed.some((path) => jsonEqual(path, conflict.path)))
    force = conflicts.length === 0
  }
  if (conflicts.length > 0 && !force) {
    const byManager = new Map<string, string[]>()
    for (const conflict of conflicts) byManager.set(conflict.name, [...(byManager.get(conflict.name) ?? []), formatPath(conflict.path)])
    const groups = [...byManager].map(([name, paths]) => (paths.length === 1 ? `${name}: ${paths[0]}` : `${name.replace('conflict with', 'conflicts with')}:\n${paths.map((path) => `- ${path}`).join('\n')}`))
    const message = `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${groups.join('\n')}`
    const causes = [...byManager].flatMap(([name, paths]) => paths.map((path) => ({reason: 'FieldManagerConflict', message: name, field: path})))
    throw new ApiError(409, 'Conflict', message, {causes})
  }
  const previous = entries.find((entry) => entry.manager === options.manager && entry.operation === 'Apply')
  let result: KubeObject = live ? (merge(cloneJson(live), applied, schema) as KubeObject) : cloneJson(applied)
  if (previous && live) {
    const dropped = leafPaths(previous.fieldsV1).filter((path) => !hasPath(appliedSet, path))
    for (const path of dropped) {
      const ownedElsewhere = entries.some((entry) => entry !== previous && hasPath(entry.fieldsV1, path))
      if (!ownedElsewhere) removeAt(result, path)
    }
  }
  const taken = force ? appliedPaths : []
  const kept: ManagedFieldsEntry[] = []
  for (const entry of entries) {
    if (entry === previous) continue
    const remaining = taken.length > 0 ? removePaths(entry.fieldsV1, taken) : entry.fieldsV1
    if (Object.keys(remaining).length > 0) kept.push({...entry, fieldsV1: remaining})
  }
  const mine: ManagedFieldsEntry = {manager: options.manager, operation: 'Apply', apiVersion: options.apiVersion, time: options.time, fieldsType: 'FieldsV1', fieldsV1: appliedSet as FieldSet}
  result = {...result, metadata: {...result.metadata, managedFields: [...kept, mine]}}
  // kube's lastAppliedUpdater: kubectl's server-side applies keep an existing last-applied
  // annotation in step (Go's JSON of the applied configuration without it), for client-side apply later.
  if (options.manager === lastAppliedMigrationManager && result.metadata.annotations?.[lastAppliedAnnotation] !== undefined) {
    const sent = options.sent ?? applied
    const appliedAnnotations = {...(sent.metadata?.annotations ?? {})}
    delete appliedAnnotations[lastAppliedAnnotation]
    const withoutAnnotation = {...sent, metadata: {...sent.metadata, ...(sent.metadata?.annotations ? {annotations: appliedAnnotations} : {})}}
    result.metadata.annotations = {...result.metadata.annotations, [lastAppliedAnnotation]: `${goJsonCompact(withoutAnnotation)}\n`}
  }
  return result
}

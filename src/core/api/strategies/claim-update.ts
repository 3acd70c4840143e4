// ValidatePersistentVolumeClaimUpdate (kube-apiserver 1.32): a claim's spec is fixed once made,
// except that its volumeName may be set once, a nil storageClassName may be set, and a bound
// claim's storage request may grow (never shrink); volumeMode never changes.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isJsonObject, jsonEqual, type KubeObject} from '../object.js'
import {compareQuantities, parseQuantity} from '../quantity.js'
import {type Json, spec} from './json-fields.js'

export const claimSpecImmutableMessage = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'

const storageOf = (claimSpec: Json): string | undefined => {
  const resources = isJsonObject(claimSpec.resources) ? claimSpec.resources : {}
  const requests = isJsonObject(resources.requests) ? resources.requests : {}
  return requests.storage === undefined ? undefined : String(requests.storage)
}

/** Go's field name of a PersistentVolumeClaimSpec member. */
const goField = (name: string) => name[0]!.toUpperCase() + name.slice(1)

/** A short diff of the changed spec fields, in the manner of the cmp.Diff kube appends. */
function specDiff(old: Json, updated: Json): string {
  const names = [...new Set([...Object.keys(old), ...Object.keys(updated)])].sort()
  const lines = ['  core.PersistentVolumeClaimSpec{']
  let identical = 0
  for (const name of names) {
    if (jsonEqual(old[name], updated[name])) {
      identical++
      continue
    }
    if (old[name] !== undefined) lines.push(`- \t${goField(name)}: ${JSON.stringify(old[name])},`)
    if (updated[name] !== undefined) lines.push(`+ \t${goField(name)}: ${JSON.stringify(updated[name])},`)
  }
  if (identical > 0) lines.push(`  \t... // ${identical} identical field${identical === 1 ? '' : 's'}`)
  lines.push('  }')
  return lines.join('\n')
}

export function validateClaimUpdate(object: KubeObject, old: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const updated = structuredClone(spec(object))
  const before = structuredClone(spec(old))
  for (const claimSpec of [updated, before]) claimSpec.volumeMode ??= 'Filesystem'
  // The PV controller sets volumeName once.
  if (before.volumeName === undefined || before.volumeName === '') {
    if (updated.volumeName === undefined) delete before.volumeName
    else before.volumeName = updated.volumeName
  }
  // A claim made before its class existed may be given one (the retroactive default class).
  if (before.storageClassName === undefined && updated.storageClassName !== undefined) delete updated.storageClassName
  const bound = isJsonObject(object.status) && object.status.phase === 'Bound'
  const newSize = storageOf(updated)
  const oldSize = storageOf(before)
  if (bound && newSize !== undefined && isJsonObject(updated.resources) && isJsonObject(updated.resources.requests)) {
    if (oldSize === undefined) delete updated.resources.requests.storage
    else updated.resources.requests.storage = oldSize
  }
  if (!jsonEqual(updated, before)) errors.push(fieldError.forbidden(FieldPath.root('spec'), `${claimSpecImmutableMessage}\n${specDiff(before, updated)}`))
  if (newSize !== undefined && oldSize !== undefined && compareQuantities(parseQuantity(newSize), parseQuantity(oldSize)) < 0) {
    errors.push(fieldError.forbidden(FieldPath.root('spec').child('resources', 'requests', 'storage'), 'field can not be less than previous value'))
  }
  const oldMode = spec(old).volumeMode
  if (oldMode !== undefined && spec(object).volumeMode !== oldMode) errors.push(fieldError.invalid(FieldPath.root('volumeMode'), String(spec(object).volumeMode ?? ''), 'field is immutable'))
  return errors
}

// ValidateObjectMeta and friends: name, generateName, namespace, labels, annotations, owner
// references and finalizers, with kube-apiserver's field paths and messages.
import {fieldError, FieldPath, type FieldError} from '../field-errors.js'
import {isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue} from '../names.js'
import type {KubeObject} from '../object.js'

export const annotationsBytesMax = 256 * 1024

export type NameValidation = (name: string, prefix: boolean) => string[]

/** A generateName is checked with its trailing '-' masked, as ValidateNameFunc does. */
function maskTrailingDash(name: string, prefix: boolean): string {
  return prefix && name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name
}

export const nameIsDnsSubdomain: NameValidation = (name, prefix) => isDns1123Subdomain(maskTrailingDash(name, prefix))
export const nameIsDnsLabel: NameValidation = (name, prefix) => isDns1123Label(maskTrailingDash(name, prefix))
export const nameIsDns1035Label: NameValidation = (name, prefix) => {
  const masked = maskTrailingDash(name, prefix)
  const errors: string[] = []
  if (masked.length > 63) errors.push('must be no more than 63 characters')
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(masked)) {
    errors.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    )
  }
  return errors
}

/** path.IsValidPathSegmentName: what RBAC objects may be called. */
export const nameIsPathSegment: NameValidation = (name, prefix) => {
  const errors: string[] = []
  if (!prefix) {
    if (name === '.' || name === '..') errors.push(`may not be '${name}'`)
  }
  for (const illegal of ['/', '%']) if (name.includes(illegal)) errors.push(`may not contain '${illegal}'`)
  return errors
}

export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const message of isQualifiedName(key)) errors.push(fieldError.invalid(path, key, message))
    for (const message of isValidLabelValue(value)) errors.push(fieldError.invalid(path, value, message))
  }
  return errors
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  let totalBytes = 0
  for (const [key, value] of Object.entries(annotations ?? {})) {
    for (const message of isQualifiedName(key.toLowerCase())) errors.push(fieldError.invalid(path, key, message))
    totalBytes += Buffer.byteLength(key) + Buffer.byteLength(value)
  }
  if (totalBytes > annotationsBytesMax) errors.push(fieldError.tooLong(path, annotationsBytesMax))
  return errors
}

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion'])

export function validateObjectMeta(object: KubeObject, namespaced: boolean, nameValidation: NameValidation, path = FieldPath.root('metadata')): FieldError[] {
  const errors: FieldError[] = []
  const meta = object.metadata
  const name = meta.name ?? ''
  const generateName = meta.generateName ?? ''
  if (generateName.length > 0) {
    for (const message of nameValidation(generateName, true)) errors.push(fieldError.invalid(path.child('generateName'), generateName, message))
  }
  if (name.length === 0) {
    if (generateName.length === 0) errors.push(fieldError.required(path.child('name'), 'name or generateName is required'))
  } else {
    for (const message of nameValidation(name, false)) errors.push(fieldError.invalid(path.child('name'), name, message))
  }
  const namespace = meta.namespace ?? ''
  if (namespaced) {
    if (namespace.length === 0) errors.push(fieldError.required(path.child('namespace')))
    else for (const message of isDns1123Label(namespace)) errors.push(fieldError.invalid(path.child('namespace'), namespace, message))
  } else if (namespace.length > 0) {
    errors.push(fieldError.forbidden(path.child('namespace'), 'not allowed on this type'))
  }
  errors.push(...validateLabels(meta.labels, path.child('labels')))
  errors.push(...validateAnnotations(meta.annotations, path.child('annotations')))
  for (const [index, owner] of (meta.ownerReferences ?? []).entries()) {
    const ownerPath = path.child('ownerReferences').index(index)
    if (!owner.apiVersion) errors.push(fieldError.invalid(ownerPath.child('apiVersion'), owner.apiVersion ?? '', 'version must not be empty'))
    if (!owner.kind) errors.push(fieldError.invalid(ownerPath.child('kind'), owner.kind ?? '', 'kind must not be empty'))
    if (!owner.name) errors.push(fieldError.invalid(ownerPath.child('name'), owner.name ?? '', 'name must not be empty'))
    if (!owner.uid) errors.push(fieldError.invalid(ownerPath.child('uid'), owner.uid ?? '', 'uid must not be empty'))
  }
  const controllers = (meta.ownerReferences ?? []).filter((owner) => owner.controller === true)
  if (controllers.length > 1) {
    errors.push(fieldError.invalid(path.child('ownerReferences'), {goString: '[]v1.OwnerReference{...}'}, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.map((owner) => `${owner.kind}/${owner.name}`).join(' and ')}`))
  }
  for (const [index, finalizer] of (meta.finalizers ?? []).entries()) {
    const finalizerPath = path.child('finalizers').index(index)
    for (const message of isQualifiedName(finalizer)) errors.push(fieldError.invalid(finalizerPath, finalizer, message))
    if (!standardFinalizers.has(finalizer) && !finalizer.includes('/')) {
      errors.push(fieldError.invalid(finalizerPath, finalizer, 'name is neither a standard finalizer name nor is it fully qualified'))
    }
  }
  return errors
}

/** ValidateObjectMetaUpdate: the fields a write may not change. */
export function validateObjectMetaUpdate(object: KubeObject, old: KubeObject, path = FieldPath.root('metadata')): FieldError[] {
  const errors: FieldError[] = []
  const immutable = (field: 'name' | 'namespace' | 'uid' | 'creationTimestamp') => {
    const now = object.metadata[field] ?? ''
    const before = old.metadata[field] ?? ''
    if (now !== before) errors.push(fieldError.invalid(path.child(field), now, 'field is immutable'))
  }
  immutable('name')
  immutable('namespace')
  immutable('uid')
  immutable('creationTimestamp')
  return errors
}

// Strategies of the core/v1 kinds (pod.ts has the pod's, service.ts the service's).
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isConfigMapKey, isQualifiedName} from '../names.js'
import {isJsonObject, jsonEqual, type KubeObject} from '../object.js'
import {validateQuotaScopes, validateQuotaScopesUpdate} from '../quota-scopes.js'
import {parseQuantity} from '../quantity.js'
import {defineStrategy} from './base.js'
import {nameIsDnsLabel} from './meta.js'
import {defaultPodSpec} from './pod-defaults.js'
import {accessModes, validateClassName} from './storage.js'
import {validatePodSpec} from './pod-validation.js'
import {validateClaimUpdate} from './claim-update.js'
import type {Strategy} from './strategy.js'
import {type Json, objects, spec, str} from './json-fields.js'
import {goJsonSyntaxError} from '../../util/go-json-scan.js'

const specPath = FieldPath.root('spec')

export const namespaceStrategy: Strategy = defineStrategy({
  hasStatus: true,
  returnDeletedObject: true,
  nameValidation: nameIsDnsLabel,
  defaults: (object) => {
    const name = object.metadata.name
    if (name) object.metadata.labels = {...object.metadata.labels, 'kubernetes.io/metadata.name': name}
  },
  prepareForCreate: (object) => {
    object.spec = {finalizers: ['kubernetes']}
    object.status = {phase: 'Active'}
  },
  onUpdate: (object, old) => {
    object.spec = old.spec
  },
  fields: (object) => ({'status.phase': str(isJsonObject(object.status) ? object.status.phase : '')}),
  // The namespace controller empties a Terminating namespace, then removes the spec finalizer.
  prepareForDelete: (object) => {
    const finalizers = spec(object).finalizers
    if (!Array.isArray(finalizers) || finalizers.length === 0) return false
    object.status = {...(isJsonObject(object.status) ? object.status : {}), phase: 'Terminating'}
    return true
  },
})

const supportedTaintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule']

export const nodeStrategy: Strategy = defineStrategy({
  hasStatus: true,
  validate: (object) => {
    const errors: FieldError[] = []
    const nodeSpec = spec(object)
    const seen = new Set<string>()
    objects(nodeSpec.taints).forEach((taint, index) => {
      const path = specPath.child('taints').index(index)
      const key = str(taint.key)
      for (const message of isQualifiedName(key)) errors.push(fieldError.invalid(path.child('key'), key, message))
      const effect = str(taint.effect)
      if (effect.length === 0) errors.push(fieldError.required(path.child('effect')))
      else if (!supportedTaintEffects.includes(effect)) errors.push(fieldError.notSupported(path.child('effect'), effect, supportedTaintEffects))
      const identity = `${key}:${effect}`
      if (seen.has(identity)) errors.push(fieldError.duplicate(path, {goString: `core.Taint{Key:"${key}", Value:"${str(taint.value)}", Effect:"${effect}", TimeAdded:<nil>}`}))
      seen.add(identity)
    })
    return errors
  },
  fields: (object) => ({'spec.unschedulable': String(spec(object).unschedulable === true)}),
})

export const dataBytesMax = 1024 * 1024

function validateDataKeys(object: KubeObject, fields: readonly string[]): FieldError[] {
  const errors: FieldError[] = []
  const seen = new Set<string>()
  let totalBytes = 0
  for (const field of fields) {
    const data = isJsonObject(object[field]) ? (object[field] as Json) : {}
    for (const [key, value] of Object.entries(data)) {
      const path = FieldPath.root(field).key(key)
      for (const message of isConfigMapKey(key)) errors.push(fieldError.invalid(path, key, message))
      if (seen.has(key)) errors.push(fieldError.invalid(path, key, `duplicate of key present in ${fields[0]}`))
      seen.add(key)
      totalBytes += typeof value === 'string' ? (field === 'data' && object.kind === 'Secret' ? Math.floor((value.length * 3) / 4) : Buffer.byteLength(value)) : 0
    }
  }
  if (totalBytes > dataBytesMax) errors.push(fieldError.tooLong(FieldPath.root(''), dataBytesMax))
  return errors
}

function immutableData(object: KubeObject, old: KubeObject, fields: readonly string[]): FieldError[] {
  if (old.immutable !== true) return []
  const errors: FieldError[] = []
  for (const field of fields) {
    if (!jsonEqual(object[field] ?? {}, old[field] ?? {})) errors.push(fieldError.forbidden(FieldPath.root(field), 'field is immutable when `immutable` is set'))
  }
  if (object.immutable !== true) errors.push(fieldError.forbidden(FieldPath.root('immutable'), 'field is immutable when `immutable` is set'))
  return errors
}

export const configMapStrategy: Strategy = defineStrategy({
  validate: (object) => validateDataKeys(object, ['data', 'binaryData']),
  validateUpdate: (object, old) => [...validateDataKeys(object, ['data', 'binaryData']), ...immutableData(object, old, ['data', 'binaryData'])],
})

/** encoding/json's Unmarshal into map[string]interface{}: its error for the bytes, or null. */
function dockerConfigProblem(bytes: Buffer): string | null {
  const syntax = goJsonSyntaxError(bytes)
  if (syntax !== null) return syntax
  const value: unknown = JSON.parse(bytes.toString('utf8'))
  if (value === null || isJsonObject(value)) return null
  const shown = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value
  return `json: cannot unmarshal ${shown} into Go value of type map[string]interface {}`
}

/** kube-apiserver's ValidateSecret: the keys each built-in type needs, and docker configs that are JSON objects. */
function validateSecret(object: KubeObject): FieldError[] {
  const errors = validateDataKeys(object, ['data'])
  const type = str(object.type)
  const data = isJsonObject(object.data) ? object.data : {}
  const dataPath = FieldPath.root('data')
  // A key that is there counts, whatever its value (kube checks the map's keys).
  const has = (key: string) => Object.prototype.hasOwnProperty.call(data, key)
  const bytesOf = (key: string) => Buffer.from(str(data[key]), 'base64')
  switch (type) {
    case 'kubernetes.io/service-account-token':
      if (!object.metadata.annotations?.['kubernetes.io/service-account.name']) errors.push(fieldError.required(FieldPath.root('metadata').child('annotations').key('kubernetes.io/service-account.name')))
      break
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson'
      if (!has(key)) {
        errors.push(fieldError.required(dataPath.key(key)))
        break
      }
      const problem = dockerConfigProblem(bytesOf(key))
      if (problem !== null) errors.push(fieldError.invalid(dataPath.key(key), '<secret contents redacted>', problem))
      break
    }
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but one must be there.
      if (!has('username') && !has('password')) errors.push(fieldError.required(dataPath.key('username')), fieldError.required(dataPath.key('password')))
      break
    case 'kubernetes.io/ssh-auth':
      if (!has('ssh-privatekey') || bytesOf('ssh-privatekey').length === 0) errors.push(fieldError.required(dataPath.key('ssh-privatekey')))
      break
    case 'kubernetes.io/tls':
      for (const key of ['tls.crt', 'tls.key']) if (!has(key)) errors.push(fieldError.required(dataPath.key(key)))
      break
  }
  return errors
}

export const secretStrategy: Strategy = defineStrategy({
  defaults: (object) => {
    if (object.type === undefined || object.type === '') object.type = 'Opaque'
    // stringData is write-only: merged into data (base64), then dropped, as the Go conversion does.
    if (isJsonObject(object.stringData)) {
      const data = isJsonObject(object.data) ? object.data : {}
      for (const [key, value] of Object.entries(object.stringData)) data[key] = Buffer.from(String(value)).toString('base64')
      object.data = data
      delete object.stringData
    }
  },
  validate: validateSecret,
  validateUpdate: (object, old) => {
    const errors = [...validateSecret(object), ...immutableData(object, old, ['data'])]
    if (object.type !== old.type) errors.push(fieldError.invalid(FieldPath.root('type'), str(object.type), 'field is immutable'))
    return errors
  },
  fields: (object) => ({type: str(object.type)}),
})

export const serviceAccountStrategy: Strategy = defineStrategy({})

function defaultEndpointPorts(object: KubeObject): void {
  for (const subset of objects(object.subsets)) for (const port of objects(subset.ports)) if (port.protocol === undefined) port.protocol = 'TCP'
}

export const endpointsStrategy: Strategy = defineStrategy({allowCreateOnUpdate: true, defaults: defaultEndpointPorts})

export const eventStrategy: Strategy = defineStrategy({
  allowCreateOnUpdate: true,
  validate: (object) => {
    const errors: FieldError[] = []
    const involved = isJsonObject(object.involvedObject) ? object.involvedObject : {}
    const namespace = str(involved.namespace)
    if (namespace.length > 0 && namespace !== object.metadata.namespace) {
      errors.push(fieldError.invalid(FieldPath.root('involvedObject', ).child('namespace'), namespace, 'does not match event.namespace'))
    }
    return errors
  },
  fields: (object) => {
    const involved = isJsonObject(object.involvedObject) ? object.involvedObject : {}
    const source = isJsonObject(object.source) ? object.source : {}
    return {
      'involvedObject.kind': str(involved.kind),
      'involvedObject.namespace': str(involved.namespace),
      'involvedObject.name': str(involved.name),
      'involvedObject.uid': str(involved.uid),
      'involvedObject.apiVersion': str(involved.apiVersion),
      'involvedObject.resourceVersion': str(involved.resourceVersion),
      'involvedObject.fieldPath': str(involved.fieldPath),
      reason: str(object.reason),
      reportingComponent: str(object.reportingComponent),
      source: str(source.component),
      type: str(object.type),
    }
  },
})

function validateResourceList(list: unknown, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  for (const [name, value] of Object.entries(isJsonObject(list) ? list : {})) {
    if (parseQuantity(String(value)).nanos < 0n) errors.push(fieldError.invalid(path.key(name), String(value), 'must be greater than or equal to 0'))
    for (const message of isQualifiedName(name)) errors.push(fieldError.invalid(path.key(name), name, message))
  }
  return errors
}

export const resourceQuotaStrategy: Strategy = defineStrategy({
  hasStatus: true,
  prepareForCreate: (object) => {
    object.status = {}
  },
  validate: (object) => [...validateResourceList(spec(object).hard, specPath.child('hard')), ...validateQuotaScopes(spec(object), specPath)],
  validateUpdate: (object, old) => {
    return [...validateResourceList(spec(object).hard, specPath.child('hard')), ...validateQuotaScopes(spec(object), specPath), ...validateQuotaScopesUpdate(spec(object), spec(old), specPath)]
  },
})

export const limitRangeStrategy: Strategy = defineStrategy({
  defaults: (object) => {
    for (const item of objects(spec(object).limits)) {
      if (item.type !== 'Container') continue
      const max = isJsonObject(item.max) ? item.max : {}
      const min = isJsonObject(item.min) ? item.min : {}
      const defaults = isJsonObject(item.default) ? item.default : {}
      for (const [name, value] of Object.entries(max)) if (defaults[name] === undefined) defaults[name] = value
      if (Object.keys(defaults).length > 0) item.default = defaults
      const defaultRequests = isJsonObject(item.defaultRequest) ? item.defaultRequest : {}
      for (const [name, value] of Object.entries(defaults)) if (defaultRequests[name] === undefined) defaultRequests[name] = value
      for (const [name, value] of Object.entries(min)) if (defaultRequests[name] === undefined) defaultRequests[name] = value
      if (Object.keys(defaultRequests).length > 0) item.defaultRequest = defaultRequests
    }
  },
  validate: (object) => {
    const errors: FieldError[] = []
    objects(spec(object).limits).forEach((item, index) => {
      const path = specPath.child('limits').index(index)
      const type = str(item.type)
      if (!['Container', 'Pod', 'PersistentVolumeClaim'].includes(type)) errors.push(fieldError.notSupported(path.child('type'), type, ['Container', 'PersistentVolumeClaim', 'Pod']))
      for (const field of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) errors.push(...validateResourceList(item[field], path.child(field)))
    })
    return errors
  },
})

function validateClaim(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const modes = spec(object).accessModes
  if (!Array.isArray(modes) || modes.length === 0) errors.push(fieldError.required(specPath.child('accessModes'), 'at least 1 access mode is required'))
  for (const mode of Array.isArray(modes) ? modes.map(String) : []) if (!accessModes.includes(mode)) errors.push(fieldError.notSupported(specPath.child('accessModes'), mode, accessModes))
  const resources = isJsonObject(spec(object).resources) ? (spec(object).resources as Json) : {}
  const requests = isJsonObject(resources.requests) ? resources.requests : {}
  if (requests.storage === undefined) errors.push(fieldError.required(specPath.child('resources').key('storage')))
  errors.push(...validateClassName(spec(object).storageClassName, specPath.child('storageClassName')))
  return errors
}

export const persistentVolumeClaimStrategy: Strategy = defineStrategy({
  hasStatus: true,
  defaults: (object) => {
    if (spec(object).volumeMode === undefined) spec(object).volumeMode = 'Filesystem'
  },
  prepareForCreate: (object) => {
    object.status = {phase: 'Pending'}
  },
  validate: validateClaim,
  validateUpdate: (object, old) => [...validateClaim(object), ...validateClaimUpdate(object, old)],
})

export const podTemplateStrategy: Strategy = defineStrategy({
  defaults: (object) => {
    const template = isJsonObject(object.template) ? object.template : (object.template = {})
    defaultPodSpec(isJsonObject((template as Json).spec) ? ((template as Json).spec as Json) : (((template as Json).spec = {}) as Json))
  },
  validate: (object) => validatePodSpec(isJsonObject((object.template as Json | undefined)?.spec) ? ((object.template as Json).spec as Json) : {}, FieldPath.root('template').child('spec')),
})


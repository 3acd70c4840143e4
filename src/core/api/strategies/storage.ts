// The strategies of the storage kinds as kube-apiserver 1.32 has them: PersistentVolume
// (defaults, a new volume Pending, ValidatePersistentVolume's field errors, an immutable source)
// and StorageClass (defaults, ValidateStorageClass, immutable provisioner, parameters, policy).
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isDns1123Subdomain, isQualifiedName} from '../names.js'
import {isJsonObject, jsonEqual, type KubeObject} from '../object.js'
import {parseQuantity} from '../quantity.js'
import {defineStrategy} from './base.js'
import {type Json, objects, setDefault, spec, str} from './json-fields.js'
import type {Strategy} from './strategy.js'

const specPath = FieldPath.root('spec')
export const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod']
const volumeModes = ['Block', 'Filesystem']
const volumeReclaimPolicies = ['Delete', 'Recycle', 'Retain']
const classReclaimPolicies = ['Delete', 'Retain']
const bindingModes = ['Immediate', 'WaitForFirstConsumer']
const hostPathTypes = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket']
/** The volume sources a PersistentVolume may name, exactly one of them. */
const volumeSources = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi', 'cinder', 'fc',
  'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'scaleIO', 'local', 'storageos', 'csi',
]
const selectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']

/** ValidateClassName (a DNS subdomain), for storageClassName fields. */
export function validateClassName(name: unknown, path: FieldPath): FieldError[] {
  const text = str(name)
  if (text.length === 0) return []
  return isDns1123Subdomain(text).map((message) => fieldError.invalid(path, text, message))
}

/** validateNodeSelector of a volume's required node affinity. */
function validateNodeSelector(selector: Json, path: FieldPath): FieldError[] {
  const termsPath = path.child('nodeSelectorTerms')
  const terms = objects(selector.nodeSelectorTerms)
  if (terms.length === 0) return [fieldError.required(termsPath, 'must have at least one node selector term')]
  const errors: FieldError[] = []
  terms.forEach((term, termIndex) => {
    objects(term.matchExpressions).forEach((requirement, index) => {
      const requirementPath = termsPath.index(termIndex).child('matchExpressions').index(index)
      const values = Array.isArray(requirement.values) ? requirement.values : []
      const operator = str(requirement.operator)
      if (!selectorOperators.includes(operator)) errors.push(fieldError.invalid(requirementPath.child('operator'), operator, 'not a valid selector operator'))
      else if ((operator === 'In' || operator === 'NotIn') && values.length === 0) errors.push(fieldError.required(requirementPath.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"))
      else if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) errors.push(fieldError.forbidden(requirementPath.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
      else if ((operator === 'Gt' || operator === 'Lt') && values.length !== 1) errors.push(fieldError.required(requirementPath.child('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"))
      for (const message of isQualifiedName(str(requirement.key))) errors.push(fieldError.invalid(requirementPath.child('key'), str(requirement.key), message))
    })
  })
  return errors
}

function validateVolumeSource(volumeSpec: Json, source: string): FieldError[] {
  const value = volumeSpec[source]
  const path = specPath.child(source)
  if (!isJsonObject(value)) return []
  if (source === 'hostPath') {
    const errors: FieldError[] = []
    if (str(value.path).length === 0) errors.push(fieldError.required(path.child('path')))
    else if (str(value.path).split('/').includes('..')) errors.push(fieldError.invalid(path.child('path'), str(value.path), "must not contain '..'"))
    if (value.type !== undefined && !hostPathTypes.includes(str(value.type))) errors.push(fieldError.notSupported(path.child('type'), str(value.type), hostPathTypes))
    return errors
  }
  if (source === 'local') {
    if (str(value.path).length === 0) return [fieldError.required(path.child('path'))]
    if (str(value.path).split('/').includes('..')) return [fieldError.invalid(path.child('path'), str(value.path), "must not contain '..'")]
  }
  if (source === 'nfs') {
    const errors: FieldError[] = []
    if (str(value.server).length === 0) errors.push(fieldError.required(path.child('server')))
    if (str(value.path).length === 0) errors.push(fieldError.required(path.child('path')))
    else if (!str(value.path).startsWith('/')) errors.push(fieldError.invalid(path.child('path'), str(value.path), 'must be an absolute path'))
    return errors
  }
  return []
}

/** ValidatePersistentVolumeSpec for a PersistentVolume object (not an inline volume). */
function validatePersistentVolumeSpec(volumeSpec: Json): FieldError[] {
  const errors: FieldError[] = []
  const modes = Array.isArray(volumeSpec.accessModes) ? volumeSpec.accessModes.map(String) : []
  if (modes.length === 0) errors.push(fieldError.required(specPath.child('accessModes')))
  for (const mode of modes) if (!accessModes.includes(mode)) errors.push(fieldError.notSupported(specPath.child('accessModes'), mode, accessModes))
  const capacity = isJsonObject(volumeSpec.capacity) ? volumeSpec.capacity : {}
  const capacityPath = specPath.child('capacity')
  if (Object.keys(capacity).length === 0) errors.push(fieldError.required(capacityPath))
  if (capacity.storage === undefined || Object.keys(capacity).length > 1) {
    const shown = Object.keys(capacity).length === 0 ? 'core.ResourceList(nil)' : `core.ResourceList{${Object.keys(capacity).sort().map((name) => JSON.stringify(name)).join(', ')}}`
    errors.push(fieldError.notSupported(capacityPath, {goString: shown}, ['storage']))
  }
  for (const [name, value] of Object.entries(capacity)) {
    if (parseQuantity(String(value)).nanos <= 0n) errors.push(fieldError.invalid(capacityPath.key(name), String(value), 'must be greater than zero'))
  }
  const policy = str(volumeSpec.persistentVolumeReclaimPolicy)
  if (policy.length > 0 && !volumeReclaimPolicies.includes(policy)) errors.push(fieldError.notSupported(specPath.child('persistentVolumeReclaimPolicy'), policy, volumeReclaimPolicies))
  errors.push(...validateClassName(volumeSpec.storageClassName, specPath.child('storageClassName')))
  if (volumeSpec.volumeMode !== undefined && !volumeModes.includes(str(volumeSpec.volumeMode))) errors.push(fieldError.notSupported(specPath.child('volumeMode'), str(volumeSpec.volumeMode), volumeModes))
  let affinity = false
  if (isJsonObject(volumeSpec.nodeAffinity)) {
    const required = volumeSpec.nodeAffinity.required
    if (!isJsonObject(required)) errors.push(fieldError.required(specPath.child('nodeAffinity', 'required'), 'must specify required node constraints'))
    else {
      affinity = true
      errors.push(...validateNodeSelector(required, specPath.child('nodeAffinity', 'required')))
    }
  }
  let sources = 0
  for (const source of volumeSources) {
    if (!isJsonObject(volumeSpec[source])) continue
    if (sources > 0) {
      errors.push(fieldError.forbidden(specPath.child(source), 'may not specify more than 1 volume type'))
      continue
    }
    sources++
    errors.push(...validateVolumeSource(volumeSpec, source))
    if (source === 'local' && !affinity) errors.push(fieldError.required(specPath.child('nodeAffinity'), 'Local volume requires node affinity'))
  }
  if (sources === 0) errors.push(fieldError.required(specPath, 'must specify a volume type'))
  if (isJsonObject(volumeSpec.hostPath) && /^\/+$/.test(str(volumeSpec.hostPath.path)) && policy === 'Recycle') {
    errors.push(fieldError.forbidden(specPath.child('persistentVolumeReclaimPolicy'), "may not be 'recycle' for a hostPath mount of '/'"))
  }
  return errors
}

function sourceOf(volumeSpec: Json): Json {
  return Object.fromEntries(volumeSources.filter((source) => volumeSpec[source] !== undefined).map((source) => [source, volumeSpec[source]]))
}

export const persistentVolumeStrategy: Strategy = defineStrategy({
  hasStatus: true,
  defaults: (object) => {
    setDefault(spec(object), 'persistentVolumeReclaimPolicy', 'Retain')
    setDefault(spec(object), 'volumeMode', 'Filesystem')
  },
  // A new volume is Pending since its phase's last transition (kube 1.31's PersistentVolumeLastPhaseTransitionTime).
  prepareForCreate: (object) => {
    object.status = {phase: 'Pending', lastPhaseTransitionTime: object.metadata.creationTimestamp}
  },
  validate: (object) => validatePersistentVolumeSpec(spec(object)),
  validateUpdate: (object, old) => {
    const errors = validatePersistentVolumeSpec(spec(object))
    if (!jsonEqual(sourceOf(spec(object)), sourceOf(spec(old)))) {
      errors.push(fieldError.forbidden(specPath.child('persistentvolumesource'), 'spec.persistentvolumesource is immutable after creation'))
    }
    if (spec(object).volumeMode !== spec(old).volumeMode) errors.push(fieldError.invalid(FieldPath.root('volumeMode'), str(spec(object).volumeMode), 'field is immutable'))
    if (isJsonObject(spec(old).nodeAffinity) && !jsonEqual(spec(object).nodeAffinity, spec(old).nodeAffinity)) {
      errors.push(fieldError.invalid(FieldPath.root('nodeAffinity'), {goString: 'core.VolumeNodeAffinity{...}'}, 'field is immutable'))
    }
    return errors
  },
})

function validateStorageClass(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const provisioner = str(object.provisioner)
  if (provisioner.length === 0) errors.push(fieldError.required(FieldPath.root('provisioner'), provisioner))
  else for (const message of isQualifiedName(provisioner.toLowerCase())) errors.push(fieldError.invalid(FieldPath.root('provisioner'), provisioner, message))
  const parameters = isJsonObject(object.parameters) ? object.parameters : {}
  if (Object.keys(parameters).length > 512) errors.push(fieldError.tooLong(FieldPath.root('parameters'), 512))
  for (const name of Object.keys(parameters)) if (name.length === 0) errors.push(fieldError.invalid(FieldPath.root('parameters'), {goString: 'map[string]string{...}'}, 'key must not be empty'))
  const policy = str(object.reclaimPolicy)
  if (policy.length > 0 && !classReclaimPolicies.includes(policy)) errors.push(fieldError.notSupported(FieldPath.root('reclaimPolicy'), policy, classReclaimPolicies))
  if (object.volumeBindingMode === undefined) errors.push(fieldError.required(FieldPath.root('volumeBindingMode')))
  else if (!bindingModes.includes(str(object.volumeBindingMode))) errors.push(fieldError.notSupported(FieldPath.root('volumeBindingMode'), str(object.volumeBindingMode), bindingModes))
  return errors
}

export const storageClassStrategy: Strategy = defineStrategy({
  defaults: (object) => {
    setDefault(object, 'reclaimPolicy', 'Delete')
    setDefault(object, 'volumeBindingMode', 'Immediate')
  },
  validate: validateStorageClass,
  validateUpdate: (object, old) => {
    const errors = validateStorageClass(object)
    if (!jsonEqual(object.parameters ?? {}, old.parameters ?? {})) errors.push(fieldError.forbidden(FieldPath.root('parameters'), 'updates to parameters are forbidden.'))
    if (object.provisioner !== old.provisioner) errors.push(fieldError.forbidden(FieldPath.root('provisioner'), 'updates to provisioner are forbidden.'))
    if (object.reclaimPolicy !== old.reclaimPolicy) errors.push(fieldError.forbidden(FieldPath.root('reclaimPolicy'), 'updates to reclaimPolicy are forbidden.'))
    if (object.volumeBindingMode !== old.volumeBindingMode) errors.push(fieldError.invalid(FieldPath.root('volumeBindingMode'), str(object.volumeBindingMode), 'field is immutable'))
    return errors
  },
})

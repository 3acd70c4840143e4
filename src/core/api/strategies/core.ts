// Strategies of the core/v1 kinds.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isConfigMapKey, isQualifiedName, isValidPortName, isValidPortNumber} from '../names.js'
import {isJsonObject, jsonEqual, type KubeObject} from '../object.js'
import {validateQuotaScopes, validateQuotaScopesUpdate} from '../quota-scopes.js'
import {parseQuantity} from '../quantity.js'
import {defineStrategy, onlyFieldsChanged} from './base.js'
import {nameIsDns1035Label, nameIsDnsLabel, validateLabels} from './meta.js'
import {defaultPodSpec, podQosClass} from './pod-defaults.js'
import {accessModes, validateClassName} from './storage.js'
import {validatePodSpec} from './pod-validation.js'
import {validateClaimUpdate} from './claim-update.js'
import type {Strategy} from './strategy.js'
import {type Json, objects, spec, str} from './json-fields.js'

const specPath = FieldPath.root('spec')

/** The fields a pod update may change; everything else is immutable once created. */
function podUpdateErrors(object: KubeObject, old: KubeObject): FieldError[] {
  const mutable = ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds', 'schedulingGates']
  const withoutImages = (side: Json) => {
    for (const container of [...objects(side.containers), ...objects(side.initContainers)]) delete container.image
  }
  if (onlyFieldsChanged(spec(object), spec(old), mutable, withoutImages)) return []
  return [
    fieldError.forbidden(
      specPath,
      'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    ),
  ]
}

/**
 * pods/ephemeralcontainers (kube's ValidatePodEphemeralContainersUpdate): only
 * spec.ephemeralContainers may change, by additions; names are unique among all the containers.
 */
export function validateEphemeralContainersUpdate(object: KubeObject, old: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const path = specPath.child('ephemeralContainers')
  const wanted = objects(spec(object).ephemeralContainers)
  const before = objects(spec(old).ephemeralContainers)
  before.forEach((container, index) => {
    const now = wanted.find((candidate) => candidate.name === container.name)
    if (!now) errors.push(fieldError.forbidden(path, `existing ephemeral containers ${JSON.stringify(container.name)} may not be removed\n`))
    else if (!jsonEqual(now, container)) errors.push(fieldError.forbidden(path.index(index), `existing ephemeral containers ${JSON.stringify(container.name)} may not be changed\n`))
  })
  const taken = new Set([...objects(spec(object).containers), ...objects(spec(object).initContainers)].map((container) => str(container.name)))
  wanted.forEach((container, index) => {
    const name = str(container.name)
    if (taken.has(name)) errors.push(fieldError.duplicate(path.index(index).child('name'), name))
    taken.add(name)
    if (str(container.image).length === 0) errors.push(fieldError.required(path.index(index).child('image'), ''))
  })
  const {ephemeralContainers: _new, ...rest} = spec(object)
  const {ephemeralContainers: _old, ...restBefore} = spec(old)
  if (!jsonEqual(rest, restBefore)) errors.push(fieldError.forbidden(specPath, 'pod updates may not change fields other than `spec.ephemeralContainers`'))
  return errors
}

export const podStrategy: Strategy = defineStrategy({
  hasStatus: true,
  returnDeletedObject: true,
  defaults: (object) => defaultPodSpec(spec(object)),
  prepareForCreate: (object) => {
    const podSpec = spec(object)
    // The v1 conversion mirrors serviceAccountName into the deprecated serviceAccount field.
    if (str(podSpec.serviceAccountName).length > 0) podSpec.serviceAccount = podSpec.serviceAccountName
    object.status = {phase: 'Pending', qosClass: podQosClass(podSpec)}
  },
  validate: (object) => validatePodSpec(spec(object), specPath),
  validateUpdate: (object, old) => [...validatePodSpec(spec(object), specPath), ...podUpdateErrors(object, old)],
  fields: (object) => {
    const podSpec = spec(object)
    const status = isJsonObject(object.status) ? object.status : {}
    return {
      'spec.nodeName': str(podSpec.nodeName),
      'spec.restartPolicy': str(podSpec.restartPolicy),
      'spec.schedulerName': str(podSpec.schedulerName),
      'spec.serviceAccountName': str(podSpec.serviceAccountName),
      'spec.hostNetwork': String(podSpec.hostNetwork === true),
      'status.phase': str(status.phase),
      'status.podIP': str(status.podIP),
      'status.nominatedNodeName': str(status.nominatedNodeName),
    }
  },
  // A pod on a node is given its grace period for the kubelet to stop it; an unscheduled pod goes at once.
  defaultGracePeriodSeconds: (object) => {
    const podSpec = spec(object)
    if (str(podSpec.nodeName).length === 0) return 0
    return typeof podSpec.terminationGracePeriodSeconds === 'number' ? podSpec.terminationGracePeriodSeconds : 30
  },
})

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

const supportedServiceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']
export const nodePortRange = {first: 30000, last: 32767}

function validateService(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const serviceSpec = spec(object)
  const type = str(serviceSpec.type)
  if (!supportedServiceTypes.includes(type)) errors.push(fieldError.notSupported(specPath.child('type'), type, supportedServiceTypes))
  const ports = objects(serviceSpec.ports)
  const headless = serviceSpec.clusterIP === 'None'
  if (ports.length === 0 && type !== 'ExternalName' && !headless) errors.push(fieldError.required(specPath.child('ports')))
  if (type === 'ExternalName' && str(serviceSpec.externalName).length === 0) errors.push(fieldError.required(specPath.child('externalName')))
  const names = new Set<string>()
  const portsSeen = new Set<string>()
  ports.forEach((port, index) => {
    const path = specPath.child('ports').index(index)
    const name = str(port.name)
    if (ports.length > 1 && name.length === 0) errors.push(fieldError.required(path.child('name')))
    if (name.length > 0) {
      for (const message of nameIsDnsLabel(name, false)) errors.push(fieldError.invalid(path.child('name'), name, message))
      if (names.has(name)) errors.push(fieldError.duplicate(path.child('name'), name))
      names.add(name)
    }
    const number = typeof port.port === 'number' ? port.port : 0
    for (const message of isValidPortNumber(number)) errors.push(fieldError.invalid(path.child('port'), number, message))
    const protocol = str(port.protocol)
    if (!['SCTP', 'TCP', 'UDP'].includes(protocol)) errors.push(fieldError.notSupported(path.child('protocol'), protocol, ['SCTP', 'TCP', 'UDP']))
    const identity = `${number}/${protocol}`
    if (portsSeen.has(identity)) errors.push(fieldError.duplicate(path, {goString: `core.ServicePort{Name:"${name}", Protocol:"${protocol}", Port:${number}}`}))
    portsSeen.add(identity)
    const target = port.targetPort
    if (typeof target === 'number') {
      for (const message of isValidPortNumber(target)) errors.push(fieldError.invalid(path.child('targetPort'), target, message))
    } else if (typeof target === 'string') {
      for (const message of isValidPortName(target)) errors.push(fieldError.invalid(path.child('targetPort'), target, message))
    }
    if (typeof port.nodePort === 'number' && port.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') {
        errors.push(fieldError.forbidden(path.child('nodePort'), 'may not be used when `type` is \'ClusterIP\''))
      } else if (port.nodePort < nodePortRange.first || port.nodePort > nodePortRange.last) {
        errors.push(fieldError.invalid(path.child('nodePort'), port.nodePort, `provided port is not in the valid range. The range of valid ports is ${nodePortRange.first}-${nodePortRange.last}`))
      }
    }
  })
  errors.push(...validateLabels(isJsonObject(serviceSpec.selector) ? (serviceSpec.selector as Record<string, string>) : undefined, specPath.child('selector')))
  const sessionAffinity = str(serviceSpec.sessionAffinity)
  if (!['ClientIP', 'None'].includes(sessionAffinity)) errors.push(fieldError.notSupported(specPath.child('sessionAffinity'), sessionAffinity, ['ClientIP', 'None']))
  return errors
}

export const serviceStrategy: Strategy = defineStrategy({
  hasStatus: true,
  returnDeletedObject: true,
  nameValidation: nameIsDns1035Label,
  defaults: (object) => {
    const serviceSpec = spec(object)
    if (serviceSpec.type === undefined) serviceSpec.type = 'ClusterIP'
    if (serviceSpec.sessionAffinity === undefined) serviceSpec.sessionAffinity = 'None'
    for (const port of objects(serviceSpec.ports)) {
      if (port.protocol === undefined) port.protocol = 'TCP'
      if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port
    }
    if ((serviceSpec.type === 'NodePort' || serviceSpec.type === 'LoadBalancer') && serviceSpec.externalTrafficPolicy === undefined) {
      serviceSpec.externalTrafficPolicy = 'Cluster'
    }
    if (serviceSpec.type !== 'ExternalName' && serviceSpec.internalTrafficPolicy === undefined) serviceSpec.internalTrafficPolicy = 'Cluster'
    if (serviceSpec.type === 'LoadBalancer' && serviceSpec.allocateLoadBalancerNodePorts === undefined) serviceSpec.allocateLoadBalancerNodePorts = true
  },
  prepareForCreate: (object) => {
    object.status = {loadBalancer: {}}
  },
  validate: validateService,
  validateUpdate: (object, old) => {
    const errors = validateService(object)
    const before = str(spec(old).clusterIP)
    const now = str(spec(object).clusterIP)
    if (before.length > 0 && now !== before && spec(object).type !== 'ExternalName') {
      errors.push(fieldError.invalid(specPath.child('clusterIPs').index(0), {goString: `[]string{${now.length > 0 ? JSON.stringify(now) : ''}}`}, 'may not change once set'))
    }
    return errors
  },
  fields: (object) => ({'spec.clusterIP': str(spec(object).clusterIP), 'spec.type': str(spec(object).type)}),
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

const secretRequiredKeys: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/basic-auth': [],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
}

function validateSecret(object: KubeObject): FieldError[] {
  const errors = validateDataKeys(object, ['data'])
  const type = str(object.type)
  const data = isJsonObject(object.data) ? object.data : {}
  for (const key of secretRequiredKeys[type] ?? []) if (data[key] === undefined) errors.push(fieldError.required(FieldPath.root('data').key(key)))
  if (type === 'kubernetes.io/service-account-token' && !object.metadata.annotations?.['kubernetes.io/service-account.name']) {
    errors.push(fieldError.required(FieldPath.root('metadata', ).child('annotations').key('kubernetes.io/service-account.name')))
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


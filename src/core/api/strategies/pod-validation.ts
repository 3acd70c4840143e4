// ValidatePodSpec and the container rules it applies (k8s.io/kubernetes/pkg/apis/core/validation),
// for the fields kubemu models; messages and field paths are kube-apiserver's.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isConfigMapKey, isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidPortName, isValidPortNumber} from '../names.js'
import {isJsonObject} from '../object.js'
import {compareQuantities, parseQuantity} from '../quantity.js'
import {validateLabels} from './meta.js'
import {type Json, objects, str} from './json-fields.js'


const volumeSources = [
  'emptyDir', 'hostPath', 'configMap', 'secret', 'persistentVolumeClaim', 'downwardAPI', 'projected', 'nfs', 'csi', 'ephemeral', 'image',
  'gitRepo', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'azureDisk', 'vsphereVolume',
  'quobyte', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos', 'awsElasticBlockStore', 'gcePersistentDisk',
]

/** A list item's name: required, a DNS-1123 label, unique among its siblings. */
function validateUniqueLabelName(name: string, path: FieldPath, seen: Set<string>): FieldError[] {
  if (name.length === 0) return [fieldError.required(path)]
  const errors = isDns1123Label(name).map((message) => fieldError.invalid(path, name, message))
  if (seen.has(name)) errors.push(fieldError.duplicate(path, name))
  seen.add(name)
  return errors
}

function validateVolumes(volumes: Json[], path: FieldPath): {errors: FieldError[]; names: Set<string>} {
  const errors: FieldError[] = []
  const names = new Set<string>()
  volumes.forEach((volume, index) => {
    const volumePath = path.index(index)
    errors.push(...validateUniqueLabelName(str(volume.name), volumePath.child('name'), names))
    const sources = volumeSources.filter((source) => volume[source] !== undefined)
    if (sources.length === 0) errors.push(fieldError.required(volumePath, 'must specify a volume type'))
    else if (sources.length > 1) errors.push(fieldError.forbidden(volumePath.child(sources[1]!), `may not specify more than 1 volume type`))
    if (isJsonObject(volume.configMap) && str(volume.configMap.name).length === 0) errors.push(fieldError.required(volumePath.child('configMap', 'name')))
    if (isJsonObject(volume.secret) && str(volume.secret.secretName).length === 0) errors.push(fieldError.required(volumePath.child('secret', 'secretName')))
    if (isJsonObject(volume.persistentVolumeClaim) && str(volume.persistentVolumeClaim.claimName).length === 0) {
      errors.push(fieldError.required(volumePath.child('persistentVolumeClaim', 'claimName')))
    }
    if (isJsonObject(volume.hostPath) && str(volume.hostPath.path).length === 0) errors.push(fieldError.required(volumePath.child('hostPath', 'path')))
  })
  return {errors, names}
}

const supportedProtocols = ['SCTP', 'TCP', 'UDP']
const supportedPullPolicies = ['Always', 'IfNotPresent', 'Never']
const supportedMessagePolicies = ['FallbackToLogsOnError', 'File']
const standardResourceNames = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage', 'pods'])

export function validateResourceRequirements(resources: unknown, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  if (!isJsonObject(resources)) return errors
  const limits = isJsonObject(resources.limits) ? resources.limits : {}
  const requests = isJsonObject(resources.requests) ? resources.requests : {}
  for (const [kind, list] of [['limits', limits], ['requests', requests]] as const) {
    for (const [name, value] of Object.entries(list)) {
      const resourcePath = path.child(kind).key(name)
      if (!standardResourceNames.has(name) && !name.includes('/') && !name.startsWith('hugepages-')) {
        errors.push(fieldError.invalid(resourcePath, name, 'must be a standard resource type or fully qualified'))
        continue
      }
      const quantity = parseQuantity(String(value))
      if (quantity.nanos < 0n) errors.push(fieldError.invalid(resourcePath, String(value), 'must be greater than or equal to 0'))
    }
  }
  for (const [name, value] of Object.entries(requests)) {
    const limit = limits[name]
    if (limit === undefined) continue
    if (compareQuantities(parseQuantity(String(value)), parseQuantity(String(limit))) > 0) {
      errors.push(fieldError.invalid(path.child('requests').key(name), String(value), `must be less than or equal to ${name} limit of ${String(limit)}`))
    }
  }
  return errors
}

function validateContainer(container: Json, path: FieldPath, volumeNames: Set<string>, names: Set<string>): FieldError[] {
  const errors: FieldError[] = []
  errors.push(...validateUniqueLabelName(str(container.name), path.child('name'), names))
  if (str(container.image).trim().length === 0) errors.push(fieldError.required(path.child('image')))
  else if (str(container.image) !== str(container.image).trim()) {
    errors.push(fieldError.invalid(path.child('image'), str(container.image), 'must not have leading or trailing whitespace'))
  }
  const portNames = new Set<string>()
  objects(container.ports).forEach((port, index) => {
    const portPath = path.child('ports').index(index)
    const portName = str(port.name)
    if (portName.length > 0) {
      for (const message of isValidPortName(portName)) errors.push(fieldError.invalid(portPath.child('name'), portName, message))
      if (portNames.has(portName)) errors.push(fieldError.duplicate(portPath.child('name'), portName))
      portNames.add(portName)
    }
    const containerPort = typeof port.containerPort === 'number' ? port.containerPort : 0
    if (containerPort === 0) errors.push(fieldError.required(portPath.child('containerPort')))
    else for (const message of isValidPortNumber(containerPort)) errors.push(fieldError.invalid(portPath.child('containerPort'), containerPort, message))
    if (typeof port.hostPort === 'number' && port.hostPort !== 0) {
      for (const message of isValidPortNumber(port.hostPort)) errors.push(fieldError.invalid(portPath.child('hostPort'), port.hostPort, message))
    }
    const protocol = str(port.protocol)
    if (protocol.length === 0) errors.push(fieldError.required(portPath.child('protocol')))
    else if (!supportedProtocols.includes(protocol)) errors.push(fieldError.notSupported(portPath.child('protocol'), protocol, supportedProtocols))
  })
  objects(container.env).forEach((variable, index) => {
    const variablePath = path.child('env').index(index)
    const variableName = str(variable.name)
    if (variableName.length === 0) errors.push(fieldError.required(variablePath.child('name')))
    else if (!/^[\x20-\x3c\x3e-\x7e]+$/.test(variableName)) {
      errors.push(fieldError.invalid(variablePath.child('name'), variableName, "a valid environment variable name must consist only of printable ASCII characters other than '='"))
    }
    if (variable.value !== undefined && variable.valueFrom !== undefined) {
      errors.push(fieldError.invalid(variablePath.child('valueFrom'), '', 'may not be specified when `value` is not empty'))
    }
    if (isJsonObject(variable.valueFrom)) {
      for (const source of ['configMapKeyRef', 'secretKeyRef'] as const) {
        const reference = variable.valueFrom[source]
        if (!isJsonObject(reference)) continue
        const key = str(reference.key)
        if (key.length === 0) errors.push(fieldError.required(variablePath.child('valueFrom', source, 'key')))
        else for (const message of isConfigMapKey(key)) errors.push(fieldError.invalid(variablePath.child('valueFrom', source, 'key'), key, message))
      }
    }
  })
  objects(container.volumeMounts).forEach((mount, index) => {
    const mountPath = path.child('volumeMounts').index(index)
    const mountName = str(mount.name)
    if (mountName.length === 0) errors.push(fieldError.required(mountPath.child('name')))
    else if (!volumeNames.has(mountName)) errors.push(fieldError.notFound(mountPath.child('name'), mountName))
    if (str(mount.mountPath).length === 0) errors.push(fieldError.required(mountPath.child('mountPath')))
  })
  const pullPolicy = str(container.imagePullPolicy)
  if (pullPolicy.length === 0) errors.push(fieldError.required(path.child('imagePullPolicy')))
  else if (!supportedPullPolicies.includes(pullPolicy)) errors.push(fieldError.notSupported(path.child('imagePullPolicy'), pullPolicy, supportedPullPolicies))
  const messagePolicy = str(container.terminationMessagePolicy)
  if (messagePolicy.length === 0) errors.push(fieldError.required(path.child('terminationMessagePolicy')))
  else if (!supportedMessagePolicies.includes(messagePolicy)) {
    errors.push(fieldError.notSupported(path.child('terminationMessagePolicy'), messagePolicy, supportedMessagePolicies))
  }
  errors.push(...validateResourceRequirements(container.resources, path.child('resources')))
  return errors
}

const supportedRestartPolicies = ['Always', 'Never', 'OnFailure']
const supportedDnsPolicies = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']
const supportedTaintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule']

export function validateTolerations(tolerations: Json[], path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  tolerations.forEach((toleration, index) => {
    const tolerationPath = path.index(index)
    const key = str(toleration.key)
    if (key.length > 0) for (const message of isQualifiedName(key)) errors.push(fieldError.invalid(tolerationPath.child('key'), key, message))
    const operator = str(toleration.operator)
    if (key.length === 0 && operator !== 'Exists') {
      errors.push(fieldError.invalid(tolerationPath.child('operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'))
    }
    if (operator === 'Exists' && str(toleration.value).length > 0) {
      errors.push(fieldError.invalid(tolerationPath.child('operator'), str(toleration.value), 'value must be empty when `operator` is \'Exists\''))
    }
    if (operator !== '' && operator !== 'Equal' && operator !== 'Exists') errors.push(fieldError.notSupported(tolerationPath.child('operator'), operator, ['Equal', 'Exists']))
    const effect = str(toleration.effect)
    if (effect.length > 0 && !supportedTaintEffects.includes(effect)) errors.push(fieldError.notSupported(tolerationPath.child('effect'), effect, supportedTaintEffects))
    if (toleration.tolerationSeconds !== undefined && effect !== 'NoExecute') {
      errors.push(fieldError.invalid(tolerationPath.child('effect'), effect, 'effect must be \'NoExecute\' when `tolerationSeconds` is set'))
    }
  })
  return errors
}

export function validatePodSpec(spec: Json, path: FieldPath, allowedRestartPolicies = supportedRestartPolicies): FieldError[] {
  const errors: FieldError[] = []
  const volumes = validateVolumes(objects(spec.volumes), path.child('volumes'))
  errors.push(...volumes.errors)
  const containers = objects(spec.containers)
  const containerNames = new Set<string>()
  if (containers.length === 0) errors.push(fieldError.required(path.child('containers')))
  containers.forEach((container, index) => errors.push(...validateContainer(container, path.child('containers').index(index), volumes.names, containerNames)))
  objects(spec.initContainers).forEach((container, index) =>
    errors.push(...validateContainer(container, path.child('initContainers').index(index), volumes.names, containerNames)),
  )
  const restartPolicy = str(spec.restartPolicy)
  if (restartPolicy.length === 0) errors.push(fieldError.required(path.child('restartPolicy')))
  else if (!allowedRestartPolicies.includes(restartPolicy)) errors.push(fieldError.notSupported(path.child('restartPolicy'), restartPolicy, allowedRestartPolicies))
  const dnsPolicy = str(spec.dnsPolicy)
  if (dnsPolicy.length === 0) errors.push(fieldError.required(path.child('dnsPolicy')))
  else if (!supportedDnsPolicies.includes(dnsPolicy)) errors.push(fieldError.notSupported(path.child('dnsPolicy'), dnsPolicy, supportedDnsPolicies))
  errors.push(...validateLabels(isJsonObject(spec.nodeSelector) ? (spec.nodeSelector as Record<string, string>) : undefined, path.child('nodeSelector')))
  const serviceAccountName = str(spec.serviceAccountName)
  if (serviceAccountName.length > 0) {
    for (const message of isDns1123Subdomain(serviceAccountName)) errors.push(fieldError.invalid(path.child('serviceAccountName'), serviceAccountName, message))
  }
  const nodeName = str(spec.nodeName)
  if (nodeName.length > 0) for (const message of isDns1123Subdomain(nodeName)) errors.push(fieldError.invalid(path.child('nodeName'), nodeName, message))
  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) {
    errors.push(fieldError.invalid(path.child('terminationGracePeriodSeconds'), spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'))
  }
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds <= 0) {
    errors.push(fieldError.invalid(path.child('activeDeadlineSeconds'), spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'))
  }
  errors.push(...validateTolerations(objects(spec.tolerations), path.child('tolerations')))
  const hostname = str(spec.hostname)
  if (hostname.length > 0) for (const message of isDns1123Label(hostname)) errors.push(fieldError.invalid(path.child('hostname'), hostname, message))
  const priorityClassName = str(spec.priorityClassName)
  if (priorityClassName.length > 0) {
    for (const message of isDns1123Subdomain(priorityClassName)) errors.push(fieldError.invalid(path.child('priorityClassName'), priorityClassName, message))
  }
  return errors
}

/** Pod template labels and spec, as workloads embed them. */
export function validatePodTemplate(template: unknown, path: FieldPath, allowedRestartPolicies?: string[]): FieldError[] {
  if (!isJsonObject(template)) return [fieldError.required(path)]
  const errors: FieldError[] = []
  const metadata = isJsonObject(template.metadata) ? template.metadata : {}
  errors.push(...validateLabels(metadata.labels as Record<string, string> | undefined, path.child('metadata', 'labels')))
  errors.push(...validatePodSpec(isJsonObject(template.spec) ? template.spec : {}, path.child('spec'), allowedRestartPolicies))
  return errors
}

export const podPath = FieldPath.root('spec')

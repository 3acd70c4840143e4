// kubectl describe for the storage kinds, in kubectl 1.32's layout: PersistentVolumeClaims
// (with the pods using them), PersistentVolumes (node affinity and volume source) and
// StorageClasses.
import type {KubeObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {isDefaultStorageClass, podClaimNames} from '../../api/volume-binding.js'
import {humanDuration} from '../../util/go-duration.js'
import {accessModesText} from '../../api/field-text.js'
import {type DescribeContext, eventsFor} from './context.js'
import {describeEvents} from './pods.js'
import {DescribeWriter, list, printAnnotations, printLabels, record, text} from './writer.js'

const betaClassAnnotation = 'volume.beta.kubernetes.io/storage-class'

/** Go's %v of a string slice: `[a b]`. */
const goList = (value: unknown) => `[${(Array.isArray(value) ? value.map(String) : []).join(' ')}]`

const storageOf = (resources: unknown) => {
  const storage = record(resources).storage
  return storage === undefined ? '0' : canonicalQuantity(String(storage))
}

/** labels.FormatLabels: sorted key=value pairs, or <none>. */
function formatMap(value: unknown): string {
  const entries = Object.entries(record(value)).sort(([left], [right]) => (left < right ? -1 : 1))
  return entries.length === 0 ? '<none>' : entries.map(([key, item]) => `${key}=${text(item)}`).join(',')
}

function writeStatus(writer: DescribeWriter, object: KubeObject, context: DescribeContext): void {
  if (object.metadata.deletionTimestamp) {
    writer.write(0, `Status:\tTerminating (lasts ${humanDuration(context.nowMilliseconds - Date.parse(object.metadata.deletionTimestamp))})\n`)
    if (object.metadata.deletionGracePeriodSeconds !== undefined) writer.write(0, `Termination Grace Period:\t${object.metadata.deletionGracePeriodSeconds}s\n`)
  } else {
    writer.write(0, `Status:\t${text(record(object.status).phase)}\n`)
  }
}

export async function describePersistentVolumeClaim(claim: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(claim.spec)
  const status = record(claim.status)
  writer.write(0, `Name:\t${claim.metadata.name ?? ''}\n`)
  writer.write(0, `Namespace:\t${claim.metadata.namespace ?? ''}\n`)
  writer.write(0, `StorageClass:\t${claim.metadata.annotations?.[betaClassAnnotation] ?? text(spec.storageClassName)}\n`)
  writeStatus(writer, claim, context)
  writer.write(0, `Volume:\t${text(spec.volumeName)}\n`)
  printLabels(writer, 'Labels', claim.metadata.labels)
  printAnnotations(writer, 'Annotations', claim.metadata.annotations)
  writer.write(0, `Finalizers:\t${goList(claim.metadata.finalizers)}\n`)
  const bound = text(spec.volumeName) !== ''
  writer.write(0, `Capacity:\t${bound ? storageOf(status.capacity) : ''}\n`)
  writer.write(0, `Access Modes:\t${bound ? accessModesText(status.accessModes) : ''}\n`)
  if (spec.volumeMode !== undefined) writer.write(0, `VolumeMode:\t${text(spec.volumeMode)}\n`)
  const pods = (await context.list('', 'pods', claim.metadata.namespace ?? ''))
    .filter((pod) => podClaimNames(pod as {spec?: {volumes?: Array<{persistentVolumeClaim?: {claimName?: string}}>}}).includes(String(claim.metadata.name)))
    .map((pod) => String(pod.metadata.name))
    .sort()
  writer.write(0, `Used By:\t${pods.length === 0 ? '<none>' : pods.join('\n\t')}\n`)
  const conditions = list(status.conditions)
  if (conditions.length > 0) {
    writer.write(0, 'Conditions:\n  Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n  ----\t------\t-----------------\t------------------\t------\t-------\n')
    for (const condition of conditions) {
      writer.write(1, `${text(condition.type)} \t${text(condition.status)} \t${text(condition.lastProbeTime)} \t${text(condition.lastTransitionTime)} \t${text(condition.reason)} \t${text(condition.message)} \n`)
    }
  }
  describeEvents(writer, await eventsFor(context, claim), context.nowMilliseconds)
  return writer.toString()
}

function writeNodeAffinity(writer: DescribeWriter, affinity: unknown): void {
  const required = record(affinity).required
  writer.write(0, 'Node Affinity:\t')
  if (required === undefined) {
    writer.write(0, '<none>\n')
    return
  }
  writer.write(0, '\n')
  const terms = list(record(required).nodeSelectorTerms)
  writer.write(1, 'Required Terms:\t')
  if (terms.length === 0) {
    writer.write(0, '<none>\n')
    return
  }
  writer.write(0, '\n')
  terms.forEach((term, index) => writeTerm(writer, 2, index, list(term.matchExpressions), (expression) => text(expression.operator).toLowerCase()))
}

/** One `Term N:` of a node or topology selector: a requirement per line, `key op [values]`. */
function writeTerm(writer: DescribeWriter, level: number, index: number, requirements: Record<string, unknown>[], operator: (requirement: Record<string, unknown>) => string): void {
  writer.write(level, `Term ${index}:\t`)
  if (requirements.length === 0) writer.write(0, '<none>\n')
  requirements.forEach((requirement, position) => {
    if (position > 0) writer.write(level, '\t')
    const values = Array.isArray(requirement.values) ? requirement.values.map(String) : []
    writer.write(0, `${text(requirement.key)} ${operator(requirement)}${values.length > 0 ? ` [${values.join(', ')}]` : ''}\n`)
  })
}

function writeSource(writer: DescribeWriter, spec: Record<string, unknown>): void {
  writer.write(0, 'Source:\n')
  if (spec.hostPath !== undefined) {
    const source = record(spec.hostPath)
    writer.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${text(source.path)}\n    HostPathType:\t${source.type === undefined ? '<none>' : text(source.type)}\n`)
  } else if (spec.local !== undefined) {
    writer.write(2, `Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t${text(record(spec.local).path)}\n`)
  } else if (spec.nfs !== undefined) {
    const source = record(spec.nfs)
    writer.write(2, `Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t${text(source.server)}\n    Path:\t${text(source.path)}\n    ReadOnly:\t${source.readOnly === true}\n`)
  }
}

export async function describePersistentVolume(volume: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(volume.spec)
  writer.write(0, `Name:\t${volume.metadata.name ?? ''}\n`)
  printLabels(writer, 'Labels', volume.metadata.labels)
  printAnnotations(writer, 'Annotations', volume.metadata.annotations)
  writer.write(0, `Finalizers:\t${goList(volume.metadata.finalizers)}\n`)
  writer.write(0, `StorageClass:\t${volume.metadata.annotations?.[betaClassAnnotation] ?? text(spec.storageClassName)}\n`)
  writeStatus(writer, volume, context)
  const claimRef = spec.claimRef === undefined ? null : record(spec.claimRef)
  writer.write(0, `Claim:\t${claimRef ? `${text(claimRef.namespace)}/${text(claimRef.name)}` : ''}\n`)
  writer.write(0, `Reclaim Policy:\t${text(spec.persistentVolumeReclaimPolicy)}\n`)
  writer.write(0, `Access Modes:\t${accessModesText(spec.accessModes)}\n`)
  if (spec.volumeMode !== undefined) writer.write(0, `VolumeMode:\t${text(spec.volumeMode)}\n`)
  writer.write(0, `Capacity:\t${storageOf(spec.capacity)}\n`)
  writeNodeAffinity(writer, spec.nodeAffinity)
  writer.write(0, `Message:\t${text(record(volume.status).message)}\n`)
  writeSource(writer, spec)
  describeEvents(writer, await eventsFor(context, volume), context.nowMilliseconds)
  return writer.toString()
}

export async function describeStorageClass(storageClass: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  writer.write(0, `Name:\t${storageClass.metadata.name ?? ''}\n`)
  writer.write(0, `IsDefaultClass:\t${isDefaultStorageClass(storageClass) ? 'Yes' : 'No'}\n`)
  writer.write(0, `Annotations:\t${formatMap(storageClass.metadata.annotations)}\n`)
  writer.write(0, `Provisioner:\t${text(storageClass.provisioner)}\n`)
  writer.write(0, `Parameters:\t${formatMap(storageClass.parameters)}\n`)
  const expansion = storageClass.allowVolumeExpansion
  writer.write(0, `AllowVolumeExpansion:\t${expansion === undefined ? '<unset>' : expansion === true ? 'True' : 'False'}\n`)
  const mountOptions = Array.isArray(storageClass.mountOptions) ? storageClass.mountOptions.map(String) : []
  if (mountOptions.length === 0) writer.write(0, 'MountOptions:\t<none>\n')
  else {
    writer.write(0, 'MountOptions:\n')
    for (const option of mountOptions) writer.write(1, `${option}\n`)
  }
  if (storageClass.reclaimPolicy !== undefined) writer.write(0, `ReclaimPolicy:\t${text(storageClass.reclaimPolicy)}\n`)
  if (storageClass.volumeBindingMode !== undefined) writer.write(0, `VolumeBindingMode:\t${text(storageClass.volumeBindingMode)}\n`)
  if (Array.isArray(storageClass.allowedTopologies)) {
    const terms = list(storageClass.allowedTopologies)
    writer.write(0, `AllowedTopologies:\t${terms.length === 0 ? '<none>' : ''}\n`)
    terms.forEach((term, index) => writeTerm(writer, 1, index, list(term.matchLabelExpressions), () => 'in'))
  }
  describeEvents(writer, await eventsFor(context, storageClass), context.nowMilliseconds)
  return writer.toString()
}

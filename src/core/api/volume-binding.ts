// What the PV controller and the scheduler's VolumeBinding plugin both decide about claims and
// volumes (kube's pkg/volume/util and storage helpers): a claim's class and binding mode, whether
// a volume satisfies a claim (class, access modes, volume mode, selector, capacity), the
// smallest such volume, and whether a volume's node affinity admits a node.
import {areObjectsOrAbsent, isJsonObject, type KubeObject} from './object.js'
import {compareQuantities, parseQuantity, type Quantity, QuantityError} from './quantity.js'
import {labelSelectorFromObject, type LabelSelectorObject, matchesLabels, SelectorError} from './selectors.js'

/** The claim is bound: the PV controller finished binding it to spec.volumeName. */
export const bindCompletedAnnotation = 'pv.kubernetes.io/bind-completed'
/** The PV controller (not the user) set the claim's volumeName or the volume's claimRef. */
export const boundByControllerAnnotation = 'pv.kubernetes.io/bound-by-controller'
/** The node the scheduler picked for a WaitForFirstConsumer claim's first pod. */
export const selectedNodeAnnotation = 'volume.kubernetes.io/selected-node'
/** Who provisions the claim's volume (both the beta and the GA key are written). */
export const storageProvisionerAnnotation = 'volume.kubernetes.io/storage-provisioner'
export const betaStorageProvisionerAnnotation = 'volume.beta.kubernetes.io/storage-provisioner'
/** Finalizers that keep a claim a scheduled pod uses, and a bound volume, from going. */
export const pvcProtectionFinalizer = 'kubernetes.io/pvc-protection'
export const pvProtectionFinalizer = 'kubernetes.io/pv-protection'
/** The provisioner that made a volume. */
export const provisionedByAnnotation = 'pv.kubernetes.io/provisioned-by'

export interface NodeSelectorRequirementObject {
  key: string
  operator: string
  values?: string[]
}

export type PersistentVolumeClaim = KubeObject & {
  spec?: {
    accessModes?: string[]
    selector?: LabelSelectorObject
    resources?: {requests?: Record<string, string>}
    volumeName?: string
    storageClassName?: string
    volumeMode?: string
  }
  status?: {phase?: string; accessModes?: string[]; capacity?: Record<string, string>}
}

export type PersistentVolume = KubeObject & {
  spec?: {
    capacity?: Record<string, string>
    accessModes?: string[]
    claimRef?: {kind?: string; apiVersion?: string; namespace?: string; name?: string; uid?: string; resourceVersion?: string}
    persistentVolumeReclaimPolicy?: string
    storageClassName?: string
    volumeMode?: string
    nodeAffinity?: {required?: {nodeSelectorTerms?: Array<{matchExpressions?: NodeSelectorRequirementObject[]; matchFields?: NodeSelectorRequirementObject[]}>}}
  }
  status?: {phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string}
}

export type StorageClass = KubeObject & {provisioner?: string; reclaimPolicy?: string; volumeBindingMode?: string; allowVolumeExpansion?: boolean; parameters?: Record<string, string>}

export const isPersistentVolumeClaim = (object: KubeObject): object is PersistentVolumeClaim => areObjectsOrAbsent(object, 'spec', 'status')
export const isPersistentVolume = (object: KubeObject): object is PersistentVolume => areObjectsOrAbsent(object, 'spec', 'status')
export const isStorageClass = (object: KubeObject): object is StorageClass => areObjectsOrAbsent(object, 'parameters') && (object.provisioner === undefined || typeof object.provisioner === 'string')

/** storageutil.IsDefaultAnnotation: the class is a default one (GA or beta annotation). */
export function isDefaultStorageClass(object: KubeObject): boolean {
  const annotations = object.metadata.annotations ?? {}
  return annotations['storageclass.kubernetes.io/is-default-class'] === 'true' || annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
}

/** The claim's class name ("" for none), the beta annotation first as kube reads it. */
export function claimClassName(claim: PersistentVolumeClaim): string {
  return claim.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? claim.spec?.storageClassName ?? ''
}

export function volumeClassName(volume: PersistentVolume): string {
  return volume.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? volume.spec?.storageClassName ?? ''
}

/** Whether binding the claim waits for its first pod to be scheduled (a WaitForFirstConsumer class). */
export function delaysBinding(claim: PersistentVolumeClaim, classes: (name: string) => StorageClass | undefined): boolean {
  const name = claimClassName(claim)
  return name !== '' && classes(name)?.volumeBindingMode === 'WaitForFirstConsumer'
}

function quantityOf(text: string | undefined): Quantity | null {
  try {
    return text === undefined ? null : parseQuantity(String(text))
  } catch (error) {
    if (error instanceof QuantityError) return null
    throw error
  }
}

export function claimRequest(claim: PersistentVolumeClaim): Quantity | null {
  return quantityOf(claim.spec?.resources?.requests?.storage)
}

export function volumeCapacity(volume: PersistentVolume): Quantity | null {
  return quantityOf(volume.spec?.capacity?.storage)
}

/** The volume is reserved for this claim (claimRef names it, with its uid when one is given). */
export function volumePreboundTo(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef
  return ref !== undefined && ref.name === claim.metadata.name && (ref.namespace ?? '') === claim.metadata.namespace && (!ref.uid || ref.uid === claim.metadata.uid)
}

/** Everything but capacity and availability: class, access modes, volume mode and the claim's selector. */
export function volumeMatchesClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  if (volumeClassName(volume) !== claimClassName(claim)) return false
  if ((volume.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return false
  const offered = new Set(volume.spec?.accessModes ?? [])
  if (!(claim.spec?.accessModes ?? []).every((mode) => offered.has(mode))) return false
  if (claim.spec?.selector && isJsonObject(claim.spec.selector)) {
    try {
      if (!matchesLabels(labelSelectorFromObject(claim.spec.selector), volume.metadata.labels)) return false
    } catch (error) {
      if (error instanceof SelectorError) return false
      throw error
    }
  }
  return true
}

function matchesExpression(requirement: NodeSelectorRequirementObject, values: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, requirement.key)
  const value = values[requirement.key]
  const wanted = requirement.values ?? []
  switch (requirement.operator) {
    case 'In':
      return has && wanted.includes(value!)
    case 'NotIn':
      return !has || !wanted.includes(value!)
    case 'Exists':
      return has
    case 'DoesNotExist':
      return !has
    case 'Gt':
    case 'Lt':
      if (!has || !/^-?\d+$/.test(value!)) return false
      return requirement.operator === 'Gt' ? Number(value) > Number(wanted[0]) : Number(value) < Number(wanted[0])
    default:
      return false
  }
}

/** The volume's required node affinity admits the node (no affinity admits every node). */
export function volumeAllowsNode(volume: PersistentVolume, nodeName: string, nodeLabels: Readonly<Record<string, string>>): boolean {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms
  if (!terms) return true
  return terms.some((term) => {
    const expressions = term.matchExpressions ?? []
    const fields = term.matchFields ?? []
    if (expressions.length === 0 && fields.length === 0) return false
    return expressions.every((requirement) => matchesExpression(requirement, nodeLabels)) && fields.every((requirement) => matchesExpression(requirement, {'metadata.name': nodeName}))
  })
}

/**
 * The smallest volume that satisfies the claim (findBestMatchForClaim): a volume pre-bound to it
 * wins outright; others must be unclaimed, not being deleted, and admit the node when one is given.
 */
export function bestVolumeFor(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], node?: {name: string; labels: Readonly<Record<string, string>>}): PersistentVolume | null {
  const request = claimRequest(claim)
  if (!request) return null
  let best: PersistentVolume | null = null
  let bestCapacity: Quantity | null = null
  for (const volume of volumes) {
    if (volume.metadata.deletionTimestamp) continue
    const capacity = volumeCapacity(volume)
    if (!capacity || compareQuantities(capacity, request) < 0 || !volumeMatchesClaim(volume, claim)) continue
    if (node && !volumeAllowsNode(volume, node.name, node.labels)) continue
    if (volume.spec?.claimRef) {
      if (volumePreboundTo(volume, claim)) return volume
      continue
    }
    if (volume.status?.phase !== 'Available' && volume.status?.phase !== 'Pending' && volume.status?.phase !== undefined) continue
    if (!bestCapacity || compareQuantities(capacity, bestCapacity) < 0) {
      best = volume
      bestCapacity = capacity
    }
  }
  return best
}

/** The claims a pod mounts, by name, in the order of its volumes. */
export function podClaimNames(pod: {spec?: {volumes?: ReadonlyArray<{persistentVolumeClaim?: {claimName?: string}}>}}): string[] {
  return [...new Set((pod.spec?.volumes ?? []).map((volume) => volume.persistentVolumeClaim?.claimName ?? '').filter((name) => name !== ''))]
}

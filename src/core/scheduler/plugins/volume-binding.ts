// VolumeBinding (kube-scheduler 1.32): a pod's claims must exist; an unbound claim of an
// Immediate class keeps the pod from every node until the PV controller binds it; a bound
// claim's volume must admit the node (its node affinity); an unbound WaitForFirstConsumer claim
// fits a node where a matching volume can be reached or its class can provision one. Once a
// node is chosen, PreBind names it on those claims (volume.kubernetes.io/selected-node) and the
// pod is bound only when their volumes are.
import {
  bestVolumeFor, bindCompletedAnnotation, claimClassName, delaysBinding, type PersistentVolume, type PersistentVolumeClaim, podClaimNames,
  type StorageClass, volumeAllowsNode,
} from '../../api/volume-binding.js'
import {type FilterPlugin, success, unresolvable, type VolumeLister} from '../framework.js'
import type {Pod} from '../../api/kinds.js'

/** The provisioner of classes whose volumes are made by hand only. */
const noProvisioner = 'kubernetes.io/no-provisioner'
const stateKey = 'VolumeBinding'

export const reasons = {
  unboundImmediate: 'pod has unbound immediate PersistentVolumeClaims',
  bindConflict: "node(s) didn't find available persistent volumes to bind",
  nodeConflict: "node(s) didn't match PersistentVolume's node affinity",
  volumeMissing: 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
} as const

interface PodClaims {
  readonly bound: PersistentVolumeClaim[]
  readonly delayed: PersistentVolumeClaim[]
}

/** A claim the PV controller has finished binding. */
const fullyBound = (claim: PersistentVolumeClaim) => Boolean(claim.spec?.volumeName) && claim.metadata.annotations?.[bindCompletedAnnotation] !== undefined

/** The pod's claims sorted as GetPodVolumeClaims sorts them, or the reason the pod fits nowhere. */
export function podVolumeClaims(pod: Pod, lister: VolumeLister): PodClaims | {rejection: string} {
  const bound: PersistentVolumeClaim[] = []
  const delayed: PersistentVolumeClaim[] = []
  const namespace = String(pod.metadata.namespace)
  for (const name of podClaimNames(pod)) {
    const claim = lister.claim(namespace, name)
    if (!claim) return {rejection: `persistentvolumeclaim "${name}" not found`}
    if (claim.metadata.deletionTimestamp) return {rejection: `persistentvolumeclaim "${name}" is being deleted`}
    if (fullyBound(claim)) bound.push(claim)
    else if (!claim.spec?.volumeName && delaysBinding(claim, (className) => lister.storageClass(className))) delayed.push(claim)
    else return {rejection: reasons.unboundImmediate}
  }
  return {bound, delayed}
}

export const volumeBinding: FilterPlugin = {
  name: 'VolumeBinding',
  preFilter(pod, snapshot, state) {
    if (!snapshot.volumes || podClaimNames(pod).length === 0) return success
    const claims = podVolumeClaims(pod, snapshot.volumes)
    if ('rejection' in claims) return unresolvable(claims.rejection)
    state.set(stateKey, claims)
    return success
  },
  filter(_pod, node, state, snapshot) {
    const claims = state.get(stateKey) as PodClaims | undefined
    const lister = snapshot.volumes
    if (!claims || !lister) return success
    const failures = new Set<string>()
    for (const claim of claims.bound) {
      const volume = lister.volume(String(claim.spec?.volumeName))
      if (!volume) return unresolvable(reasons.volumeMissing)
      if (!volumeAllowsNode(volume, node.name, node.labels)) failures.add(reasons.nodeConflict)
    }
    for (const claim of claims.delayed) {
      if (bestVolumeFor(claim, lister.volumes(), {name: node.name, labels: node.labels})) continue
      const storageClass = lister.storageClass(claimClassName(claim))
      if (!storageClass || storageClass.provisioner === noProvisioner) failures.add(reasons.bindConflict)
    }
    return failures.size === 0 ? success : unresolvable(...[...failures].sort())
  },
}

/** PreBind's work: the pod's unbound WaitForFirstConsumer claims (each must name the chosen node). */
export function claimsToSelectNode(pod: Pod, lister: VolumeLister): PersistentVolumeClaim[] {
  const claims = podVolumeClaims(pod, lister)
  return 'rejection' in claims ? [] : claims.delayed
}

// Volume expansion as kind's cluster shows it, simulated: a bound claim whose storage request grew
// past its volume's size (admission let it through only for a class with allowVolumeExpansion)
// has its volume grown by the provisioner (the external resizer's part), then waits with
// FileSystemResizePending until a running pod mounts it, when the node grows the file system and
// the claim's capacity follows (the kubelet's part).
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {compareQuantities, parseQuantity} from '../api/quantity.js'
import {type PersistentVolume, type PersistentVolumeClaim, podClaimNames} from '../api/volume-binding.js'
import type {ApiClient} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import {resources} from '../client/resources.js'
import type {Pod} from '../api/kinds.js'

export const fileSystemResizePending = 'FileSystemResizePending'
const fileSystemResizeMessage = 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.'

type ClaimStatus = Record<string, unknown> & {capacity?: Record<string, string>; conditions?: Array<Record<string, unknown>>}

const larger = (left: string | undefined, right: string | undefined) =>
  left !== undefined && right !== undefined && compareQuantities(parseQuantity(left), parseQuantity(right)) > 0

/** One step of a claim's expansion; the caller syncs the claim again on its next change. */
export async function expandClaim(client: ApiClient, recorder: EventRecorder, claim: PersistentVolumeClaim, volume: PersistentVolume, pods: readonly Pod[], now: number): Promise<void> {
  if (claim.status?.phase !== 'Bound') return
  const requested = claim.spec?.resources?.requests?.storage
  const status = (claim.status ?? {}) as ClaimStatus
  const claimObject = {...claim, kind: 'PersistentVolumeClaim', apiVersion: 'v1'} as KubeObject
  const writeStatus = (next: ClaimStatus) => client.update(resources.persistentVolumeClaims, {...claimObject, status: next} as KubeObject, 'status')
  if (larger(requested, volume.spec?.capacity?.storage)) {
    await recorder.record(claimObject, 'Normal', 'Resizing', `External resizer is resizing volume ${volume.metadata.name}`)
    await client.update(resources.persistentVolumes, {...volume, kind: 'PersistentVolume', apiVersion: 'v1', spec: {...volume.spec, capacity: {...volume.spec?.capacity, storage: requested}}})
    const conditions = (status.conditions ?? []).filter((condition) => condition.type !== fileSystemResizePending)
    conditions.push({type: fileSystemResizePending, status: 'True', lastProbeTime: null, lastTransitionTime: formatTimestamp(now), message: fileSystemResizeMessage})
    await writeStatus({...status, allocatedResources: {storage: requested}, conditions})
    await recorder.record(claimObject, 'Normal', 'FileSystemResizeRequired', 'Require file system resize of volume on node')
    return
  }
  const pending = (status.conditions ?? []).some((condition) => condition.type === fileSystemResizePending)
  if (!pending) return
  const mounted = pods.find((pod) => pod.metadata.namespace === claim.metadata.namespace && pod.status?.phase === 'Running' && podClaimNames(pod).includes(String(claim.metadata.name)))
  if (!mounted) return
  const conditions = (status.conditions ?? []).filter((condition) => condition.type !== fileSystemResizePending)
  const next: ClaimStatus = {...status, capacity: {...status.capacity, storage: String(volume.spec?.capacity?.storage)}}
  if (conditions.length > 0) next.conditions = conditions
  else delete next.conditions
  delete next.allocatedResources
  await writeStatus(next)
  await recorder.record(claimObject, 'Normal', 'FileSystemResizeSuccessful', `MountVolume.NodeExpandVolume succeeded for volume "${volume.metadata.name}" ${String(mounted.spec?.nodeName ?? '')}`)
}

// The PersistentVolume controller (kube-controller-manager 1.32's persistentvolume-binder):
// binds each claim to the smallest volume that satisfies it (or to the volume it names), asks
// the class's provisioner for a new volume when none does (for a WaitForFirstConsumer class only
// once the scheduler has picked the first pod's node), keeps the phases of claims
// (Pending, Bound, Lost) and volumes (Available, Bound, Released, Failed), and reclaims a volume
// whose claim is gone as its policy says: Retain keeps it Released, Delete deletes it (an
// external provisioner's volume is deleted by that provisioner).
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {
  bestVolumeFor, betaStorageProvisionerAnnotation, bindCompletedAnnotation, boundByControllerAnnotation, claimClassName, delaysBinding,
  type PersistentVolume, type PersistentVolumeClaim, podClaimNames, provisionedByAnnotation, selectedNodeAnnotation, type StorageClass, storageProvisionerAnnotation,
  volumePreboundTo,
} from '../api/volume-binding.js'
import {type ApiClient, objectKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {Node, Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'

const claimPrefix = 'claim:'
const volumePrefix = 'volume:'

/** The claim's volume's name, or '' while it has none. */
const volumeNameOf = (claim: PersistentVolumeClaim) => claim.spec?.volumeName ?? ''

/** The pods of the namespace that mount the claim. */
function podsUsingClaim(pods: readonly Pod[], claim: KubeObject): Pod[] {
  return pods.filter((pod) => pod.metadata.namespace === claim.metadata.namespace && podClaimNames(pod).includes(String(claim.metadata.name)))
}

export class PersistentVolumeController extends Controller {
  private readonly claims: Informer<PersistentVolumeClaim>
  private readonly volumes: Informer<PersistentVolume>
  private readonly classes: Informer<StorageClass>
  private readonly pods: Informer<Pod>
  private readonly nodes: Informer<Node>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    private readonly recorder: EventRecorder,
    clock: Clock,
  ) {
    super('persistentvolume-binder-controller', clock)
    this.claims = informers.informer<PersistentVolumeClaim>(resources.persistentVolumeClaims)
    this.volumes = informers.informer<PersistentVolume>(resources.persistentVolumes)
    this.classes = informers.informer<StorageClass>(resources.storageClasses)
    this.pods = informers.informer<Pod>(resources.pods)
    this.nodes = informers.informer<Node>(resources.nodes)
    this.claims.onEvent((event) => {
      this.queue.add(claimPrefix + objectKey(event.object))
      const volume = volumeNameOf(event.object) || volumeNameOf(event.previous ?? event.object)
      if (volume) this.queue.add(volumePrefix + volume)
      // A deleted claim releases the volume that named it.
      if (event.type === 'DELETED') for (const candidate of this.volumes.list()) if (volumePreboundTo(candidate, event.object)) this.queue.add(volumePrefix + candidate.metadata.name)
    })
    this.volumes.onEvent((event) => {
      this.queue.add(volumePrefix + event.object.metadata.name)
      // A new or freed volume may satisfy a waiting claim.
      for (const claim of this.claims.list()) if (!volumeNameOf(claim)) this.queue.add(claimPrefix + objectKey(claim))
    })
    this.classes.onEvent((event) => {
      for (const claim of this.claims.list()) if (claimClassName(claim) === event.object.metadata.name && !volumeNameOf(claim)) this.queue.add(claimPrefix + objectKey(claim))
    })
    // A claim's first pod turns WaitForFirstConsumer into "waiting for pod … to be scheduled".
    this.pods.onEvent((event) => {
      if (event.type !== 'ADDED') return
      for (const name of podClaimNames(event.object)) this.queue.add(`${claimPrefix}${event.object.metadata.namespace}/${name}`)
    })
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    if (key.startsWith(claimPrefix)) {
      const claim = this.claims.get(key.slice(claimPrefix.length))
      if (claim && !claim.metadata.deletionTimestamp) await this.syncClaim(claim, now)
    } else if (key.startsWith(volumePrefix)) {
      // A volume being deleted is still synced: its phase tells pv-protection when it may go.
      const volume = this.volumes.get(key.slice(volumePrefix.length))
      if (volume) await this.syncVolume(volume, now)
    }
  }

  private async claimEvent(claim: PersistentVolumeClaim, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await this.recorder.record({...claim, kind: 'PersistentVolumeClaim', apiVersion: 'v1'}, type, reason, message)
  }

  private async setClaimPhase(claim: PersistentVolumeClaim, phase: string, volume: PersistentVolume | null): Promise<PersistentVolumeClaim> {
    const status: Record<string, unknown> = {...(claim.status ?? {}), phase}
    if (volume) {
      status.accessModes = volume.spec?.accessModes ?? []
      // Only a claim becoming bound takes the volume's size: after a resize the two differ on
      // purpose until the node has grown the file system.
      if (claim.status?.phase !== phase || claim.status?.capacity === undefined) status.capacity = volume.spec?.capacity ?? {}
    } else if (phase === 'Pending') {
      delete status.accessModes
      delete status.capacity
    }
    if (JSON.stringify(status) === JSON.stringify(claim.status ?? {})) return claim
    return this.client.update<PersistentVolumeClaim>(resources.persistentVolumeClaims, {...claim, kind: 'PersistentVolumeClaim', apiVersion: 'v1', status} as KubeObject, 'status')
  }

  private async setVolumePhase(volume: PersistentVolume, phase: string, now: number, message?: string): Promise<PersistentVolume> {
    if (volume.status?.phase === phase && volume.status.message === message) return volume
    const status: Record<string, unknown> = {phase, lastPhaseTransitionTime: volume.status?.phase === phase ? volume.status.lastPhaseTransitionTime : formatTimestamp(now)}
    if (message) status.message = message
    return this.client.update<PersistentVolume>(resources.persistentVolumes, {...volume, kind: 'PersistentVolume', apiVersion: 'v1', status} as KubeObject, 'status')
  }

  /** bind(): the volume's claimRef, then its phase, then the claim's volumeName and annotations, then the claim's phase. */
  private async bind(claim: PersistentVolumeClaim, volume: PersistentVolume, now: number): Promise<void> {
    let bound = volume
    if (!volumePreboundTo(volume, claim) || !volume.spec?.claimRef?.uid) {
      const claimRef = {kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion}
      const annotations = volume.spec?.claimRef ? volume.metadata.annotations : {...volume.metadata.annotations, [boundByControllerAnnotation]: 'yes'}
      bound = await this.client.update<PersistentVolume>(resources.persistentVolumes, {...volume, kind: 'PersistentVolume', apiVersion: 'v1', metadata: {...volume.metadata, annotations}, spec: {...volume.spec, claimRef}} as KubeObject)
    }
    await this.setVolumePhase(bound, 'Bound', now)
    let updated = claim
    if (volumeNameOf(claim) !== volume.metadata.name || claim.metadata.annotations?.[bindCompletedAnnotation] !== 'yes') {
      const annotations: Record<string, string> = {...claim.metadata.annotations, [bindCompletedAnnotation]: 'yes'}
      if (volumeNameOf(claim) !== volume.metadata.name) annotations[boundByControllerAnnotation] = 'yes'
      updated = await this.client.update<PersistentVolumeClaim>(resources.persistentVolumeClaims, {...claim, kind: 'PersistentVolumeClaim', apiVersion: 'v1', metadata: {...claim.metadata, annotations}, spec: {...claim.spec, volumeName: volume.metadata.name}} as KubeObject)
    }
    await this.setClaimPhase(updated, 'Bound', bound)
  }

  private async syncClaim(claim: PersistentVolumeClaim, now: number): Promise<void> {
    const volumeName = volumeNameOf(claim)
    if (volumeName) {
      const volume = this.volumes.get(volumeName)
      if (!volume) {
        if (claim.metadata.annotations?.[bindCompletedAnnotation] !== 'yes') {
          await this.setClaimPhase(claim, 'Pending', null)
        } else if (claim.status?.phase !== 'Lost') {
          await this.setClaimPhase(claim, 'Lost', null)
          await this.claimEvent(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!')
        }
        return
      }
      if (!volume.spec?.claimRef || volumePreboundTo(volume, claim)) return this.bind(claim, volume, now)
      // The volume the claim names is bound to another claim: it waits.
      if (claim.metadata.annotations?.[bindCompletedAnnotation] !== 'yes') await this.setClaimPhase(claim, 'Pending', null)
      return
    }
    const classes = (name: string) => this.classes.get(name)
    const delayed = delaysBinding(claim, classes)
    const selectedNode = claim.metadata.annotations?.[selectedNodeAnnotation]
    const node = selectedNode ? this.nodes.get(selectedNode) : undefined
    // A delayed claim binds only once its node is known, and only to a volume that node can reach.
    const volume = !delayed ? bestVolumeFor(claim, this.volumes.list()) : node ? bestVolumeFor(claim, this.volumes.list(), {name: selectedNode!, labels: node.metadata.labels ?? {}}) : null
    if (volume) return this.bind(claim, volume, now)
    const className = claimClassName(claim)
    if (delayed && !selectedNode) {
      const waiting = podsUsingClaim(this.pods.list(), claim).filter((pod) => !pod.spec.nodeName).map((pod) => String(pod.metadata.name)).sort()
      if (waiting.length === 0) await this.claimEvent(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding')
      else await this.claimEvent(claim, 'Normal', 'WaitForPodScheduled', `waiting for ${waiting.length > 1 ? 'pods' : 'pod'} ${waiting.join(',')} to be scheduled`)
    } else if (className !== '') {
      await this.provision(claim, className)
    } else {
      await this.claimEvent(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set')
    }
    await this.setClaimPhase(this.claims.get(objectKey(claim)) ?? claim, 'Pending', null)
  }

  /** provisionClaim for an external provisioner: name it on the claim and wait for its volume. */
  private async provision(claim: PersistentVolumeClaim, className: string): Promise<void> {
    const storageClass = this.classes.get(className)
    if (!storageClass) {
      await this.claimEvent(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`)
      return
    }
    const provisioner = storageClass.provisioner ?? ''
    const annotations = claim.metadata.annotations ?? {}
    if (annotations[storageProvisionerAnnotation] !== provisioner || annotations[betaStorageProvisionerAnnotation] !== provisioner) {
      await this.client.patch(resources.persistentVolumeClaims, String(claim.metadata.namespace), String(claim.metadata.name), {
        metadata: {annotations: {[storageProvisionerAnnotation]: provisioner, [betaStorageProvisionerAnnotation]: provisioner}},
      })
    }
    await this.claimEvent(claim, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`)
  }

  private async syncVolume(volume: PersistentVolume, now: number): Promise<void> {
    const ref = volume.spec?.claimRef
    if (!ref) {
      await this.setVolumePhase(volume, 'Available', now)
      return
    }
    const claim = this.claims.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`)
    const sameClaim = claim !== undefined && (!ref.uid || ref.uid === claim.metadata.uid)
    if (!ref.uid && !sameClaim) {
      // Pre-bound by a user to a claim that does not exist yet: it waits for that claim.
      await this.setVolumePhase(volume, 'Available', now)
      return
    }
    if (sameClaim) {
      if (volumeNameOf(claim) === volume.metadata.name) await this.setVolumePhase(volume, 'Bound', now)
      else if (!volumeNameOf(claim)) this.queue.add(claimPrefix + objectKey(claim))
      else if (volume.metadata.annotations?.[boundByControllerAnnotation] === 'yes') await this.unbind(volume, now)
      return
    }
    // The claim is gone: the volume is Released, then reclaimed as its policy says.
    if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') volume = await this.setVolumePhase(volume, 'Released', now)
    if (volume.status?.phase === 'Failed' || volume.spec?.persistentVolumeReclaimPolicy !== 'Delete') return
    const provisionedBy = volume.metadata.annotations?.[provisionedByAnnotation]
    // An external provisioner deletes the volumes it made; kube-controller-manager has no deleter for the rest.
    if (provisionedBy) return
    const message = `error getting deleter volume plugin for volume "${volume.metadata.name}": no deletable volume plugin matched`
    await this.setVolumePhase(volume, 'Failed', now, message)
    await this.recorder.record({...volume, kind: 'PersistentVolume', apiVersion: 'v1'}, 'Warning', 'VolumeFailedDelete', message)
  }

  /** A volume the controller bound to a claim that has since bound elsewhere: made Available again. */
  private async unbind(volume: PersistentVolume, now: number): Promise<void> {
    const {[boundByControllerAnnotation]: _dropped, ...annotations} = volume.metadata.annotations ?? {}
    const spec = {...volume.spec}
    delete spec.claimRef
    const updated = await this.client.update<PersistentVolume>(resources.persistentVolumes, {...volume, kind: 'PersistentVolume', apiVersion: 'v1', metadata: {...volume.metadata, annotations}, spec} as KubeObject)
    await this.setVolumePhase(updated, 'Available', now)
  }
}

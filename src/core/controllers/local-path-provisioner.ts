// Rancher's local-path provisioner as kind runs it, simulated: for a claim the PV controller
// handed to `rancher.io/local-path` and the scheduler placed (volume.kubernetes.io/selected-node),
// it makes a hostPath volume in a folder of that node, tied to the node by node affinity and
// pre-bound to the claim; a volume of its own that was released under the Delete policy it
// deletes (the folder with it); a bound claim of its own that asks for more it expands
// (volume-expansion.ts).
import {
  betaStorageProvisionerAnnotation, claimClassName, type PersistentVolume, type PersistentVolumeClaim, podClaimNames, provisionedByAnnotation, selectedNodeAnnotation,
  type StorageClass, storageProvisionerAnnotation,
} from '../api/volume-binding.js'
import {localPathProvisionerName, localPathVolumesFolder} from '../apiserver/addons/local-path-storage.js'
import {type ApiClient, isAlreadyExists, objectKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'
import {expandClaim} from './volume-expansion.js'
import type {Pod} from '../api/kinds.js'

/** The node annotation the provisioner writes on its volumes. */
export const localPathSelectedNodeAnnotation = 'local.path.provisioner/selected-node'
/** The events' source, as the provisioner names itself (its provisioner name and its identity). */
export const localPathProvisionerComponent = `${localPathProvisionerName}_local-path-provisioner`
const supportedAccessModes = ['ReadWriteOnce', 'ReadWriteOncePod']

const claimPrefix = 'claim:'
const volumePrefix = 'volume:'

export class LocalPathProvisioner extends Controller {
  private readonly claims: Informer<PersistentVolumeClaim>
  private readonly volumes: Informer<PersistentVolume>
  private readonly classes: Informer<StorageClass>
  private readonly pods: Informer<Pod>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    private readonly recorder: EventRecorder,
    clock: Clock,
  ) {
    super('local-path-provisioner', clock)
    this.claims = informers.informer<PersistentVolumeClaim>(resources.persistentVolumeClaims)
    this.volumes = informers.informer<PersistentVolume>(resources.persistentVolumes)
    this.classes = informers.informer<StorageClass>(resources.storageClasses)
    this.pods = informers.informer<Pod>(resources.pods)
    this.claims.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(claimPrefix + objectKey(event.object))
    })
    this.volumes.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(volumePrefix + objectKey(event.object))
    })
    // A pod that starts with a claim lets a pending file system resize finish.
    this.pods.onEvent((event) => {
      if (event.type === 'DELETED' || event.object.status?.phase !== 'Running') return
      for (const name of podClaimNames(event.object)) this.queue.add(`${claimPrefix}${event.object.metadata.namespace}/${name}`)
    })
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    if (key.startsWith(claimPrefix)) {
      const claim = this.claims.get(key.slice(claimPrefix.length))
      if (claim) await this.provision(claim)
      const volume = claim?.spec?.volumeName ? this.volumes.get(claim.spec.volumeName) : undefined
      if (claim && volume?.metadata.annotations?.[provisionedByAnnotation] === localPathProvisionerName && !claim.metadata.deletionTimestamp) {
        await expandClaim(this.client, this.recorder, claim, volume, this.pods.list(), now)
      }
    } else {
      const volume = this.volumes.get(key.slice(volumePrefix.length))
      if (volume) await this.reclaim(volume)
    }
  }

  private async provision(claim: PersistentVolumeClaim): Promise<void> {
    const annotations = claim.metadata.annotations ?? {}
    const provisioner = annotations[storageProvisionerAnnotation] ?? annotations[betaStorageProvisionerAnnotation]
    const node = annotations[selectedNodeAnnotation]
    if (provisioner !== localPathProvisionerName || !node || claim.spec?.volumeName || claim.metadata.deletionTimestamp) return
    const storageClass = this.classes.get(claimClassName(claim))
    if (!storageClass || storageClass.provisioner !== localPathProvisionerName) return
    const name = `pvc-${claim.metadata.uid}`
    if (this.volumes.get(name)) return
    const claimObject = {...claim, kind: 'PersistentVolumeClaim', apiVersion: 'v1'}
    const namespacedName = `${claim.metadata.namespace}/${claim.metadata.name}`
    await this.recorder.record(claimObject, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${namespacedName}"`)
    const unsupported = (claim.spec?.accessModes ?? []).some((mode) => !supportedAccessModes.includes(mode))
    if (unsupported) {
      await this.recorder.record(claimObject, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${storageClass.metadata.name}": NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes`)
      return
    }
    const volume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {name, annotations: {[localPathSelectedNodeAnnotation]: node, [provisionedByAnnotation]: localPathProvisionerName}},
      spec: {
        accessModes: claim.spec?.accessModes ?? [],
        capacity: {storage: claim.spec?.resources?.requests?.storage ?? ''},
        claimRef: {kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion},
        hostPath: {path: `${localPathVolumesFolder}/${name}_${claim.metadata.namespace}_${claim.metadata.name}`, type: 'DirectoryOrCreate'},
        nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: 'kubernetes.io/hostname', operator: 'In', values: [node]}]}]}},
        persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
        storageClassName: storageClass.metadata.name,
        volumeMode: 'Filesystem',
      },
    }
    try {
      await this.client.create(resources.persistentVolumes, volume)
    } catch (error) {
      if (isAlreadyExists(error)) return
      throw error
    }
    await this.recorder.record(claimObject, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`)
  }

  /** A released volume of its own under the Delete policy: its folder removed, the volume deleted. */
  private async reclaim(volume: PersistentVolume): Promise<void> {
    if (volume.metadata.annotations?.[provisionedByAnnotation] !== localPathProvisionerName || volume.metadata.deletionTimestamp) return
    if (volume.status?.phase !== 'Released' || volume.spec?.persistentVolumeReclaimPolicy !== 'Delete') return
    await this.client.delete(resources.persistentVolumes, '', String(volume.metadata.name), {preconditions: {uid: String(volume.metadata.uid)}})
  }
}

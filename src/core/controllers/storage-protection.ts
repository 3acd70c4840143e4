// The pvc-protection and pv-protection controllers of kube-controller-manager 1.32: a claim
// being deleted keeps its finalizer while a scheduled pod mounts it; a volume being deleted
// keeps its finalizer while it is Bound. Once safe, the finalizer goes and so does the object.
import type {KubeObject} from '../api/object.js'
import {type PersistentVolume, type PersistentVolumeClaim, podClaimNames, pvcProtectionFinalizer, pvProtectionFinalizer} from '../api/volume-binding.js'
import {type ApiClient, objectKey, type ResourceRef} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'

const claimPrefix = 'claim:'
const volumePrefix = 'volume:'

export class StorageProtectionController extends Controller {
  private readonly claims: Informer<PersistentVolumeClaim>
  private readonly volumes: Informer<PersistentVolume>
  private readonly pods: Informer<Pod>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
  ) {
    super('storage-protection-controller', clock)
    this.claims = informers.informer<PersistentVolumeClaim>(resources.persistentVolumeClaims)
    this.volumes = informers.informer<PersistentVolume>(resources.persistentVolumes)
    this.pods = informers.informer<Pod>(resources.pods)
    this.claims.onEvent((event) => {
      if (event.type !== 'DELETED' && event.object.metadata.deletionTimestamp) this.queue.add(claimPrefix + objectKey(event.object))
    })
    this.volumes.onEvent((event) => {
      if (event.type !== 'DELETED' && event.object.metadata.deletionTimestamp) this.queue.add(volumePrefix + objectKey(event.object))
    })
    // A pod that goes (or was never scheduled) may free the claims it named.
    this.pods.onEvent((event) => {
      if (event.type !== 'DELETED') return
      for (const name of podClaimNames(event.object)) this.queue.add(`${claimPrefix}${event.object.metadata.namespace}/${name}`)
    })
  }

  protected async reconcile(key: string): Promise<void> {
    if (key.startsWith(claimPrefix)) {
      const claim = this.claims.get(key.slice(claimPrefix.length))
      if (!claim?.metadata.deletionTimestamp || !(claim.metadata.finalizers ?? []).includes(pvcProtectionFinalizer)) return
      const inUse = this.pods.list().some((pod) => pod.spec.nodeName && pod.metadata.namespace === claim.metadata.namespace && podClaimNames(pod).includes(String(claim.metadata.name)))
      if (!inUse) await this.removeFinalizer(resources.persistentVolumeClaims, claim, pvcProtectionFinalizer)
    } else {
      const volume = this.volumes.get(key.slice(volumePrefix.length))
      if (!volume?.metadata.deletionTimestamp || !(volume.metadata.finalizers ?? []).includes(pvProtectionFinalizer)) return
      if (volume.status?.phase !== 'Bound') await this.removeFinalizer(resources.persistentVolumes, volume, pvProtectionFinalizer)
    }
  }

  private async removeFinalizer(resource: ResourceRef, object: KubeObject, finalizer: string): Promise<void> {
    const finalizers = (object.metadata.finalizers ?? []).filter((entry) => entry !== finalizer)
    await this.client.patch(resource, object.metadata.namespace ?? '', String(object.metadata.name), {metadata: {finalizers: finalizers.length > 0 ? finalizers : null, uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion}})
  }
}

// The garbage collector (kube-controller-manager 1.32): an object whose owners are all gone is
// deleted (background cascading); an owner deleted with propagationPolicy Foreground keeps its
// foregroundDeletion finalizer until its blocking dependents are gone; one deleted with Orphan
// has the references to it removed from its dependents, then loses its orphan finalizer.
import type {KubeObject, OwnerReference} from '../api/object.js'
import {type ApiClient, isNotFound, type ResourceRef} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {anyKind, resources} from '../client/resources.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'

/** The resources the collector follows, by `apiVersion/kind` of an owner reference. */
const followed: Record<string, ResourceRef> = {
  'v1/Pod': resources.pods,
  'v1/ConfigMap': resources.configMaps,
  'v1/Secret': resources.secrets,
  'v1/Service': resources.services,
  'v1/Endpoints': resources.endpoints,
  'v1/ServiceAccount': resources.serviceAccounts,
  'v1/PersistentVolumeClaim': resources.persistentVolumeClaims,
  'v1/Node': resources.nodes,
  'v1/ReplicationController': resources.replicationControllers,
  'apps/v1/Deployment': resources.deployments,
  'apps/v1/ReplicaSet': resources.replicaSets,
  'apps/v1/StatefulSet': resources.statefulSets,
  'apps/v1/DaemonSet': resources.daemonSets,
  'apps/v1/ControllerRevision': resources.controllerRevisions,
  'batch/v1/Job': resources.jobs,
  'batch/v1/CronJob': resources.cronJobs,
  'discovery.k8s.io/v1/EndpointSlice': resources.endpointSlices,
  'policy/v1/PodDisruptionBudget': resources.podDisruptionBudgets,
}


export class GarbageCollector extends Controller {
  private readonly informers = new Map<string, Informer<KubeObject>>()
  /** Live objects by uid, and which of them refer to each owner uid. */
  private readonly byUid = new Map<string, {kind: string; object: KubeObject}>()
  private readonly dependents = new Map<string, Set<string>>()

  constructor(
    private readonly client: ApiClient,
    factory: InformerFactory,
    clock: Clock,
  ) {
    super('garbage-collector', clock)
    for (const [kind, resource] of Object.entries(followed)) {
      const informer = factory.informer(anyKind(resource))
      this.informers.set(kind, informer)
      informer.onEvent((event) => {
        const uid = String(event.object.metadata.uid)
        for (const owner of event.previous?.metadata.ownerReferences ?? []) this.dependents.get(owner.uid)?.delete(uid)
        if (event.type === 'DELETED') {
          this.byUid.delete(uid)
          // Its dependents may now be orphans; its owner (foreground) may now be free.
          for (const dependent of this.dependents.get(uid) ?? []) this.queue.add(dependent)
          for (const owner of event.object.metadata.ownerReferences ?? []) this.queue.add(owner.uid)
          return
        }
        this.byUid.set(uid, {kind, object: event.object})
        for (const owner of event.object.metadata.ownerReferences ?? []) {
          let set = this.dependents.get(owner.uid)
          if (!set) this.dependents.set(owner.uid, (set = new Set()))
          set.add(uid)
        }
        if ((event.object.metadata.ownerReferences ?? []).length > 0 || event.object.metadata.deletionTimestamp) this.queue.add(uid)
      })
    }
  }

  private resourceOf(kind: string): ResourceRef {
    return followed[kind]!
  }

  /** Whether the owner a reference names is gone: not in the caches, and a live GET agrees. */
  private async ownerGone(reference: OwnerReference, namespace: string): Promise<boolean> {
    const found = this.byUid.get(reference.uid)
    if (found) return false
    const resource = followed[`${reference.apiVersion}/${reference.kind}`]
    if (!resource) return false
    try {
      const live = await this.client.get(resource, resource.namespaced ? namespace : '', reference.name)
      return live.metadata.uid !== reference.uid
    } catch (error) {
      if (isNotFound(error)) return true
      throw error
    }
  }

  protected async reconcile(uid: string): Promise<void> {
    const entry = this.byUid.get(uid)
    if (!entry) return
    const {kind, object} = entry
    const namespace = object.metadata.namespace ?? ''
    const resource = this.resourceOf(kind)
    const finalizers = object.metadata.finalizers ?? []
    if (object.metadata.deletionTimestamp && finalizers.includes('orphan')) {
      for (const dependentUid of [...(this.dependents.get(uid) ?? [])]) {
        const dependent = this.byUid.get(dependentUid)
        if (!dependent) continue
        const references = (dependent.object.metadata.ownerReferences ?? []).filter((reference) => reference.uid !== uid)
        await this.client.patch(this.resourceOf(dependent.kind), dependent.object.metadata.namespace ?? '', String(dependent.object.metadata.name), {metadata: {ownerReferences: references.length > 0 ? references : null, uid: dependent.object.metadata.uid}})
      }
      await this.removeFinalizer(resource, object, 'orphan')
      return
    }
    if (object.metadata.deletionTimestamp && finalizers.includes('foregroundDeletion')) {
      const remaining = [...(this.dependents.get(uid) ?? [])].map((dependentUid) => this.byUid.get(dependentUid)).filter((dependent) => dependent !== undefined)
      for (const dependent of remaining) {
        if (dependent.object.metadata.deletionTimestamp) continue
        await this.client.delete(this.resourceOf(dependent.kind), dependent.object.metadata.namespace ?? '', String(dependent.object.metadata.name), {propagationPolicy: 'Foreground', preconditions: {uid: String(dependent.object.metadata.uid)}})
      }
      const blocking = remaining.filter((dependent) => (dependent.object.metadata.ownerReferences ?? []).some((reference) => reference.uid === uid && reference.blockOwnerDeletion))
      if (blocking.length === 0) await this.removeFinalizer(resource, object, 'foregroundDeletion')
      return
    }
    const owners = object.metadata.ownerReferences ?? []
    if (owners.length === 0 || object.metadata.deletionTimestamp) return
    const gone: OwnerReference[] = []
    for (const owner of owners) if (await this.ownerGone(owner, namespace)) gone.push(owner)
    if (gone.length === owners.length) {
      // An owner deleted in the foreground waits for this dependent: delete it in the foreground too.
      await this.client.delete(resource, namespace, String(object.metadata.name), {propagationPolicy: 'Background', preconditions: {uid}})
    } else if (gone.length > 0) {
      const kept = owners.filter((owner) => !gone.includes(owner))
      await this.client.patch(resource, namespace, String(object.metadata.name), {metadata: {ownerReferences: kept, uid}})
    }
  }

  private async removeFinalizer(resource: ResourceRef, object: KubeObject, finalizer: string): Promise<void> {
    const finalizers = (object.metadata.finalizers ?? []).filter((entry) => entry !== finalizer)
    await this.client.patch(resource, object.metadata.namespace ?? '', String(object.metadata.name), {metadata: {finalizers: finalizers.length > 0 ? finalizers : null, uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion}})
  }
}

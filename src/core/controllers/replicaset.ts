// The ReplicaSet controller (kube-controller-manager 1.32): owns the pods its selector matches,
// adopts matching orphans, creates pods from the template or deletes the least valuable ones
// until `replicas` are active, and reports replicas, fullyLabeled, ready and available counts.
// The replication manager is the same logic for ReplicationControllers (core/v1, a label map
// for a selector), as kube-controller-manager runs it.
import {formatTimestamp, sameJson} from '../api/object.js'
import {labelMapSelects, type LabelSelectorObject} from '../api/selectors.js'
import {type ApiClient, ApiClientError, objectKey, splitKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import {type KindRef, kindRef, resources} from '../client/resources.js'
import {noController, objectsByControllerUid} from '../client/pod-indexes.js'
import type {Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {PodOwnerController} from './controller.js'
import {deletionOrder, isActivePod, isPodAvailable, isPodReady, isWorkload, ownerReference, podFromTemplate, selectorMatches, type Workload} from './pod-control.js'

/** One reconcile creates or deletes at most this many pods (kube's burstReplicas). */
export const burstReplicas = 500
const replicaFailureCondition = 'ReplicaFailure'

/** The kind a replication controller runs for: where its objects live and how its selector reads. */
export interface ReplicatedKind {
  readonly resource: KindRef<Workload>
  readonly kind: string
  readonly apiVersion: string
  /** The controller's name in kube-controller-manager (its work queue's). */
  readonly controllerName: string
  /** Whether the object's spec.selector selects these labels (an empty selector selects nothing here). */
  readonly selects: (selector: unknown, labels: Record<string, string> | undefined) => boolean
}

export const replicaSetKind: ReplicatedKind = {
  resource: kindRef(resources.replicaSets, 'ReplicaSet', isWorkload),
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  controllerName: 'replicaset-controller',
  selects: (selector, labels) => selectorMatches(selector as LabelSelectorObject | undefined, labels),
}

export const replicationControllerKind: ReplicatedKind = {
  resource: kindRef(resources.replicationControllers, 'ReplicationController', isWorkload),
  kind: 'ReplicationController',
  apiVersion: 'v1',
  controllerName: 'replicationmanager',
  selects: (selector, labels) => typeof selector === 'object' && selector !== null && Object.keys(selector).length > 0 && labelMapSelects(selector, labels),
}

export class ReplicaSetController extends PodOwnerController<Workload> {
  /** kube-controller-manager's default --concurrent-replicaset-syncs (and --concurrent-rc-syncs). */
  protected override readonly workers = 5

  constructor(client: ApiClient, informers: InformerFactory, recorder: EventRecorder, clock: Clock, private readonly replicated: ReplicatedKind = replicaSetKind) {
    super(replicated.controllerName, client, informers, recorder, clock, replicated.resource, replicated.kind)
  }

  /** An orphan pod may be adopted by the sets whose selector it matches. */
  protected override onOrphanPod(pod: Pod): void {
    for (const set of this.setsSelecting(pod)) this.queue.add(objectKey(set))
  }

  private setsSelecting(pod: Pod): Workload[] {
    return this.owners.list().filter((set) => set.metadata.namespace === pod.metadata.namespace && this.replicated.selects(set.spec.selector, pod.metadata.labels))
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    const set = this.owners.get(key)
    if (!set || set.metadata.deletionTimestamp) return
    const {namespace} = splitKey(key)
    const owned: Pod[] = []
    owned.push(...this.ownedPods(set))
    for (const pod of this.pods.byIndex(objectsByControllerUid.name, noController)) {
      if (pod.metadata.namespace !== namespace) continue
      if (!pod.metadata.deletionTimestamp && this.replicated.selects(set.spec.selector, pod.metadata.labels)) {
        const adopted = await this.client.patch<Pod>(resources.pods, namespace, String(pod.metadata.name), {
          metadata: {ownerReferences: [...(pod.metadata.ownerReferences ?? []), ownerReference(set, this.replicated.apiVersion, this.replicated.kind)], uid: pod.metadata.uid},
        })
        owned.push(adopted)
      }
    }
    const active = owned.filter(isActivePod)
    const wanted = set.spec.replicas ?? 1
    let failure: ApiClientError | null = null
    try {
      await this.manageReplicas(set, active, wanted, namespace)
    } catch (error) {
      if (!(error instanceof ApiClientError)) throw error
      failure = error
    }
    // kube's syncReplicaSet: the status is written whether or not the pods could be made or removed.
    await this.updateStatus(set, owned, now, failure && {reason: active.length < wanted ? 'FailedCreate' : 'FailedDelete', message: failure.message})
    if (failure) throw failure
  }

  /** Creates or deletes pods (at most burstReplicas) until `wanted` are active. */
  private async manageReplicas(set: Workload, active: readonly Pod[], wanted: number, namespace: string): Promise<void> {
    const key = objectKey(set)
    const setObject = {...set, kind: this.replicated.kind, apiVersion: this.replicated.apiVersion}
    if (active.length < wanted) {
      const missing = Math.min(wanted - active.length, burstReplicas)
      for (let index = 0; index < missing; index++) {
        let created: Pod
        try {
          created = await this.client.create<Pod>(resources.pods, podFromTemplate(set, this.replicated.apiVersion, this.replicated.kind, `${set.metadata.name}-`))
        } catch (error) {
          if (error instanceof ApiClientError) await this.recorder.record(setObject, 'Warning', 'FailedCreate', `Error creating: ${error.message}`)
          throw error
        }
        await this.recorder.record(setObject, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`)
      }
      if (wanted - active.length > burstReplicas) this.queue.add(key)
    } else if (active.length > wanted) {
      const victims = [...active].sort(deletionOrder).slice(0, Math.min(active.length - wanted, burstReplicas))
      for (const pod of victims) {
        await this.client.delete(resources.pods, namespace, String(pod.metadata.name), {preconditions: {uid: String(pod.metadata.uid)}})
        await this.recorder.record(setObject, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`)
      }
    }
  }

  private async updateStatus(set: Workload, owned: Pod[], now: number, failure: {reason: string; message: string} | null): Promise<void> {
    const active = owned.filter(isActivePod)
    const templateLabels = set.spec.template?.metadata?.labels ?? {}
    const minReadySeconds = set.spec.minReadySeconds ?? 0
    const status: Record<string, unknown> = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((pod) => Object.entries(templateLabels).every(([label, value]) => pod.metadata.labels?.[label] === value)).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter((pod) => isPodAvailable(pod, minReadySeconds, now)).length,
      observedGeneration: set.metadata.generation ?? 1,
    }
    // The ReplicaFailure condition: set on a failure (kept as it was while failures go on), removed once a sync succeeds.
    const conditions = Array.isArray(set.status?.conditions) ? (set.status.conditions as Array<Record<string, unknown>>) : []
    const others = conditions.filter((condition) => condition.type !== replicaFailureCondition)
    const existing = conditions.find((condition) => condition.type === replicaFailureCondition)
    if (failure) status.conditions = existing ? conditions : [...others, {type: replicaFailureCondition, status: 'True', lastTransitionTime: formatTimestamp(now), reason: failure.reason, message: failure.message}]
    else status.conditions = others
    const current = (set.status ?? {}) as Record<string, unknown>
    const next: Record<string, unknown> = {...current, ...status}
    // As the Go type's omitempty drops them: only `replicas` is written when zero.
    for (const field of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) if (next[field] === 0) delete next[field]
    if ((next.conditions as unknown[]).length === 0) delete next.conditions
    const differs = Object.entries(status).some(([field, value]) => !sameJson(current[field] ?? (field === 'conditions' ? [] : 0), value)) || current.replicas === undefined
    if (differs) await this.client.update(this.replicated.resource, {...set, kind: this.replicated.kind, apiVersion: this.replicated.apiVersion, status: next}, 'status')
    // Pods that become available later (minReadySeconds) need another look then.
    const pending = active.filter((pod) => isPodReady(pod) && !isPodAvailable(pod, minReadySeconds, now))
    if (pending.length > 0) this.queue.addAfter(objectKey(set), minReadySeconds * 1000)
  }
}

// The StatefulSet controller (kube-controller-manager 1.32): pods with stable names
// `<set>-<ordinal>` and hostnames under the governing Service, created in order and each only
// once the one before is Running and Ready (OrderedReady; Parallel creates them together),
// removed from the highest ordinal down; PersistentVolumeClaims from volumeClaimTemplates; rolling
// updates from the highest ordinal down, one pod at a time; ControllerRevisions per template;
// the claims' owners as persistentVolumeClaimRetentionPolicy asks (statefulset-claims.ts).
import {areObjectsOrAbsent, isJsonObject, type KubeObject, sameJson} from '../api/object.js'
import {type ApiClient, ApiClientError, isAlreadyExists, isNotFound, splitKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import {kindRef, resources} from '../client/resources.js'
import type {Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {PodOwnerController} from './controller.js'
import {podTemplateHash} from './deployment-util.js'
import {ControllerHistory} from './controller-history.js'
import {isPodAvailable, isPodReady, isWorkload, podFromTemplate, type Workload} from './pod-control.js'
import {type ClaimTemplate, claimName, newClaim, type RetentionPolicy, updateClaimOwners} from './statefulset-claims.js'
import type {Informer} from '../client/informer.js'

const revisionLabel = 'controller-revision-hash'
/** The label kube's controller history puts on a StatefulSet's ControllerRevisions. */
const revisionHashLabel = 'controller.kubernetes.io/hash'
const podNameLabel = 'statefulset.kubernetes.io/pod-name'
const podIndexLabel = 'apps.kubernetes.io/pod-index'

type StatefulSet = Workload & {
  spec: Workload['spec'] & {
    serviceName?: string; podManagementPolicy?: 'OrderedReady' | 'Parallel'; updateStrategy?: {type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: {partition?: number}}
    volumeClaimTemplates?: ClaimTemplate[]; persistentVolumeClaimRetentionPolicy?: RetentionPolicy
  }
}

const isStatefulSet = (object: KubeObject): object is StatefulSet =>
  isJsonObject(object.spec) && (object.spec.volumeClaimTemplates === undefined || Array.isArray(object.spec.volumeClaimTemplates)) && areObjectsOrAbsent(object.spec, 'updateStrategy', 'persistentVolumeClaimRetentionPolicy') && isWorkload(object)

export class StatefulSetController extends PodOwnerController<StatefulSet> {
  /** kube-controller-manager's default --concurrent-statefulset-syncs. */
  protected override readonly workers = 5

  private readonly history: ControllerHistory
  private readonly claims: Informer<KubeObject>

  constructor(client: ApiClient, informers: InformerFactory, recorder: EventRecorder, clock: Clock) {
    super('statefulset-controller', client, informers, recorder, clock, kindRef(resources.statefulSets, 'StatefulSet', isStatefulSet), 'StatefulSet')
    this.history = new ControllerHistory(client, informers.informer<KubeObject>(resources.controllerRevisions), 'StatefulSet')
    this.claims = informers.informer<KubeObject>(resources.persistentVolumeClaims)
  }


  private async createPod(set: StatefulSet, ordinal: number, revision: string): Promise<void> {
    const name = `${set.metadata.name}-${ordinal}`
    for (const claim of set.spec.volumeClaimTemplates ?? []) {
      try {
        await this.client.create(resources.persistentVolumeClaims, newClaim(set, claim, name))
      } catch (error) {
        if (!isAlreadyExists(error)) throw error
      }
    }
    const pod = podFromTemplate(set, 'apps/v1', 'StatefulSet', '')
    delete pod.metadata.generateName
    pod.metadata.name = name
    pod.metadata.labels = {...pod.metadata.labels, [revisionLabel]: revision, [podNameLabel]: name, [podIndexLabel]: String(ordinal)}
    const spec = pod.spec
    spec.hostname = name
    if (set.spec.serviceName) spec.subdomain = set.spec.serviceName
    const volumes = spec.volumes ?? []
    for (const claim of set.spec.volumeClaimTemplates ?? []) {
      // Go's zero value: a template without a name gives a volume named "", which validation refuses.
      const volumeName = claim.metadata?.name ?? ''
      if (!volumes.some((volume) => volume.name === volumeName)) volumes.push({name: volumeName, persistentVolumeClaim: {claimName: claimName(claim, name)}})
    }
    if (volumes.length > 0) spec.volumes = volumes
    const setObject = {...set, kind: 'StatefulSet', apiVersion: 'apps/v1'}
    try {
      await this.client.create(resources.pods, pod)
      await this.recorder.record(setObject, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`)
    } catch (error) {
      if (isAlreadyExists(error)) return
      if (error instanceof ApiClientError) await this.recorder.record(setObject, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${error.message}`)
      throw error
    }
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    const set = this.owners.get(key)
    if (!set || set.metadata.deletionTimestamp) return
    const {namespace} = splitKey(key)
    const setObject = {...set, kind: 'StatefulSet', apiVersion: 'apps/v1'}
    const revision = await this.history.current(set, {...(set.spec.template?.metadata?.labels ?? {}), [revisionHashLabel]: podTemplateHash(set.spec.template)})
    const replicas = set.spec.replicas ?? 1
    const ordered = (set.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady'
    const prefix = `${set.metadata.name}-`
    const owned = this.ownedPods(set)
    const byOrdinal = new Map<number, Pod>()
    for (const pod of owned) {
      const ordinal = Number(String(pod.metadata.name).slice(prefix.length))
      if (String(pod.metadata.name).startsWith(prefix) && Number.isInteger(ordinal)) byOrdinal.set(ordinal, pod)
    }
    const healthy = (pod: Pod | undefined) => pod !== undefined && !pod.metadata.deletionTimestamp && pod.status?.phase === 'Running' && isPodReady(pod)
    let blocked = false
    // Scale up (and replace failed pods) in ordinal order.
    for (let ordinal = 0; ordinal < replicas && !blocked; ordinal++) {
      const pod = byOrdinal.get(ordinal)
      if (pod?.status?.phase === 'Failed' && !pod.metadata.deletionTimestamp) {
        await this.client.delete(resources.pods, namespace, String(pod.metadata.name), {preconditions: {uid: String(pod.metadata.uid)}})
        blocked = ordered
        continue
      }
      if (!pod) {
        try {
          await this.createPod(set, ordinal, revision)
        } catch (error) {
          if (!(error instanceof ApiClientError)) throw error
          // As kube's UpdateStatefulSet: the status is written even when a pod could not be made.
          await this.updateStatus(set, [...byOrdinal.values()], revision, now)
          throw error
        }
        blocked = ordered
        continue
      }
      if (ordered && !healthy(pod)) blocked = true
    }
    for (const [ordinal, pod] of byOrdinal) if (ordinal < replicas && !pod.metadata.deletionTimestamp) await updateClaimOwners(this.client, this.claims, set, pod, false)
    // Scale down from the highest ordinal, one at a time when ordered.
    const extra = [...byOrdinal.keys()].filter((ordinal) => ordinal >= replicas).sort((left, right) => right - left)
    if (!blocked) {
      for (const ordinal of extra) {
        const pod = byOrdinal.get(ordinal)!
        if (!pod.metadata.deletionTimestamp) {
          await updateClaimOwners(this.client, this.claims, set, pod, true)
          await this.client.delete(resources.pods, namespace, String(pod.metadata.name), {preconditions: {uid: String(pod.metadata.uid)}})
          await this.recorder.record(setObject, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`)
        }
        if (ordered) {
          blocked = true
          break
        }
      }
    }
    // Rolling update: the highest ordinal on an old revision goes first, once all others are healthy.
    const strategy = set.spec.updateStrategy?.type ?? 'RollingUpdate'
    const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0
    if (!blocked && strategy === 'RollingUpdate' && extra.length === 0) {
      const all = [...byOrdinal.entries()].filter(([ordinal]) => ordinal < replicas)
      if (all.every(([, pod]) => healthy(pod))) {
        const stale = all.filter(([ordinal, pod]) => ordinal >= partition && pod.metadata.labels?.[revisionLabel] !== revision).sort(([left], [right]) => right - left)[0]
        if (stale) await this.client.delete(resources.pods, namespace, String(stale[1].metadata.name), {preconditions: {uid: String(stale[1].metadata.uid)}})
      }
    }
    const currentRevision = await this.updateStatus(set, [...byOrdinal.values()], revision, now)
    const inUse = new Set([revision, currentRevision, ...owned.map((pod) => pod.metadata.labels?.[revisionLabel] ?? '')])
    await this.history.truncate(set, inUse)
  }

  /** Writes the status when it changed; returns its currentRevision. */
  private async updateStatus(set: StatefulSet, pods: Pod[], revision: string, now: number): Promise<string> {
    const live = pods.filter((pod) => !pod.metadata.deletionTimestamp)
    const updated = live.filter((pod) => pod.metadata.labels?.[revisionLabel] === revision)
    const current = set.status ?? {}
    const status: Record<string, unknown> = {
      ...current,
      observedGeneration: set.metadata.generation ?? 1,
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      currentReplicas: updated.length === live.length ? live.length : live.length - updated.length,
      updatedReplicas: updated.length,
      availableReplicas: live.filter((pod) => isPodAvailable(pod, set.spec.minReadySeconds ?? 0, now)).length,
      currentRevision: updated.length === live.length ? revision : String(current.currentRevision ?? revision),
      updateRevision: revision,
      collisionCount: Number(current.collisionCount ?? 0),
    }
    for (const field of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (status[field] === 0) delete status[field]
    if (sameJson(status, current)) return String(status.currentRevision)
    try {
      await this.client.update(resources.statefulSets, {...set, kind: 'StatefulSet', apiVersion: 'apps/v1', status}, 'status')
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
    return String(status.currentRevision)
  }
}

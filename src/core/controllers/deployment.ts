// The Deployment controller (kube-controller-manager 1.32): a ReplicaSet per pod template (named
// by its pod-template-hash, numbered by revision), rolling updates within maxSurge and
// maxUnavailable or Recreate, pause, revision history limited to revisionHistoryLimit, status
// counts and the Available and Progressing conditions (with progressDeadlineSeconds).
import {areObjectsOrAbsent, canonicalJson, cloneJson, formatTimestamp, type KubeObject, sameJson} from '../api/object.js'
import {type ApiClient, objectKey, splitKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {kindRef, resources} from '../client/resources.js'
import {objectsByControllerUid} from '../client/pod-indexes.js'
import type {Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'
import {type DeploymentSpec, podTemplateHash, replicasOf, statusNumber, surgeAndUnavailable} from './deployment-util.js'
import {controllerOf, isActivePod, isWorkload, ownerReference, type Workload} from './pod-control.js'

export const revisionAnnotation = 'deployment.kubernetes.io/revision'
const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas'
const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas'
const hashLabel = 'pod-template-hash'
/** Deployment annotations kube does not copy to its ReplicaSets. */
const notCopiedAnnotations = new Set(['kubectl.kubernetes.io/last-applied-configuration', revisionAnnotation, 'deployment.kubernetes.io/revision-history', desiredReplicasAnnotation, maxReplicasAnnotation, 'deprecated.deployment.rollback.to'])

/** The Deployment's own annotations (kubernetes.io/change-cause…), which its new ReplicaSet carries. */
function copiedAnnotations(deployment: KubeObject): Record<string, string> {
  return Object.fromEntries(Object.entries(deployment.metadata.annotations ?? {}).filter(([key]) => !notCopiedAnnotations.has(key)))
}

type Deployment = Workload & {spec: Workload['spec'] & DeploymentSpec}
const isDeployment = (object: KubeObject): object is Deployment => isWorkload(object) && areObjectsOrAbsent(object.spec, 'strategy')
type Condition = {type: string; status: string; lastUpdateTime: string; lastTransitionTime: string; reason: string; message: string}

function templateWithoutHash(set: Workload): unknown {
  const template = cloneJson(set.spec.template ?? {})
  if (template.metadata?.labels) {
    delete template.metadata.labels[hashLabel]
  }
  return template
}

/**
 * kube's getReplicaFailures: a ReplicaFailure of the new ReplicaSet (else of an old one) becomes
 * the Deployment's, with the times of the ReplicaSet's condition.
 */
function replicaFailureOf(newSet: Workload | null, sets: readonly Workload[]): Condition[] {
  for (const set of [...(newSet ? [newSet] : []), ...sets.filter((entry) => entry.metadata.uid !== newSet?.metadata.uid)]) {
    const conditions = Array.isArray(set.status?.conditions) ? (set.status.conditions as Array<Record<string, string>>) : []
    const failure = conditions.find((condition) => condition.type === 'ReplicaFailure' && condition.status === 'True')
    if (failure) return [{type: 'ReplicaFailure', status: 'True', lastUpdateTime: failure.lastTransitionTime ?? '', lastTransitionTime: failure.lastTransitionTime ?? '', reason: failure.reason ?? '', message: failure.message ?? ''}]
  }
  return []
}

export class DeploymentController extends Controller {
  /** kube-controller-manager's default --concurrent-deployment-syncs. */
  protected override readonly workers = 5

  private readonly deployments: Informer<Deployment>
  private readonly sets: Informer<Workload>
  private readonly pods: Informer<Pod>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    private readonly recorder: EventRecorder,
    clock: Clock,
  ) {
    super('deployment-controller', clock)
    this.deployments = informers.informer(kindRef(resources.deployments, 'Deployment', isDeployment))
    this.sets = informers.informer(kindRef(resources.replicaSets, 'ReplicaSet', isWorkload))
    this.pods = informers.informer<Pod>(resources.pods)
    this.pods.addIndex(objectsByControllerUid)
    this.deployments.onEvent((event) => this.queue.add(objectKey(event.object)))
    this.sets.onEvent((event) => {
      const owner = controllerOf(event.object)
      if (owner?.kind === 'Deployment') this.queue.add(`${event.object.metadata.namespace}/${owner.name}`)
    })
    this.pods.onEvent((event) => {
      if (event.type !== 'DELETED') return
      const setOwner = controllerOf(event.object)
      const set = setOwner?.kind === 'ReplicaSet' ? this.sets.get(`${event.object.metadata.namespace}/${setOwner.name}`) : undefined
      const owner = set ? controllerOf(set) : undefined
      if (owner?.kind === 'Deployment') this.queue.add(`${event.object.metadata.namespace}/${owner.name}`)
    })
  }

  private async scale(deployment: Deployment, set: Workload, replicas: number, annotations: Record<string, string>): Promise<Workload> {
    const before = replicasOf(set)
    const updated = await this.client.update<Workload>(resources.replicaSets, {
      ...set,
      kind: 'ReplicaSet',
      apiVersion: 'apps/v1',
      metadata: {...set.metadata, annotations: {...set.metadata.annotations, ...annotations}},
      spec: {...set.spec, replicas},
    })
    if (before !== replicas) {
      const direction = replicas > before ? 'up' : 'down'
      await this.recorder.record({...deployment, kind: 'Deployment', apiVersion: 'apps/v1'}, 'Normal', 'ScalingReplicaSet', `Scaled ${direction} replica set ${set.metadata.name} from ${before} to ${replicas}`)
    }
    return updated
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    const deployment = this.deployments.get(key)
    if (!deployment || deployment.metadata.deletionTimestamp) return
    const {namespace} = splitKey(key)
    const owned = this.sets.list().filter((set) => set.metadata.namespace === namespace && controllerOf(set)?.uid === deployment.metadata.uid)
    const template = deployment.spec.template ?? {}
    const wantedTemplate = canonicalJson(template)
    let newSet = owned.find((set) => canonicalJson(templateWithoutHash(set)) === wantedTemplate)
    const oldSets = owned.filter((set) => set !== newSet).sort((left, right) => String(left.metadata.creationTimestamp).localeCompare(String(right.metadata.creationTimestamp)))
    const desired = deployment.spec.replicas ?? 1
    const {maxSurge, maxUnavailable} = surgeAndUnavailable(deployment.spec)
    const revisionOf = (set: Workload) => Number(set.metadata.annotations?.[revisionAnnotation] ?? 0)
    const maxOldRevision = Math.max(0, ...oldSets.map(revisionOf))
    const annotations = (revision: number) => ({...copiedAnnotations(deployment), [revisionAnnotation]: String(revision), [desiredReplicasAnnotation]: String(desired), [maxReplicasAnnotation]: String(desired + maxSurge)})
    const deploymentObject = {...deployment, kind: 'Deployment', apiVersion: 'apps/v1'}
    let createdNewSet = false
    const recreate = deployment.spec.strategy?.type === 'Recreate'

    if (deployment.spec.paused) {
      // Paused: only a scale is carried out, on the current ReplicaSet.
      if (newSet && replicasOf(newSet) !== desired && oldSets.every((set) => replicasOf(set) === 0)) newSet = await this.scale(deployment, newSet, desired, annotations(revisionOf(newSet)))
    } else if (recreate) {
      for (const set of oldSets) if (replicasOf(set) > 0) await this.scale(deployment, set, 0, {})
      const oldPodsRunning = oldSets.some((set) => this.pods.byIndex(objectsByControllerUid.name, String(set.metadata.uid)).some((pod) => pod.metadata.namespace === namespace && isActivePod(pod)))
      if (!newSet) {
        newSet = await this.createSet(deployment, oldPodsRunning ? 0 : desired, annotations(maxOldRevision + 1))
        createdNewSet = true
      } else if (!oldPodsRunning && replicasOf(newSet) !== desired) newSet = await this.scale(deployment, newSet, desired, annotations(Math.max(revisionOf(newSet), maxOldRevision + 1)))
    } else {
      const total = () => owned.reduce((sum, set) => sum + replicasOf(set), 0) + (createdNewSet ? replicasOf(newSet!) : 0)
      const newReplicas = (set: Workload | undefined) => {
        const current = set ? replicasOf(set) : 0
        if (current > desired) return desired
        const scaleUp = desired + maxSurge - total()
        return current + Math.max(0, Math.min(scaleUp, desired - current))
      }
      if (!newSet) {
        newSet = await this.createSet(deployment, newReplicas(undefined), annotations(maxOldRevision + 1))
        createdNewSet = true
        owned.push(newSet)
      } else {
        const wanted = newReplicas(newSet)
        const revision = revisionOf(newSet) > maxOldRevision ? revisionOf(newSet) : maxOldRevision + 1
        const missingAnnotations = Object.entries(copiedAnnotations(deployment)).some(([key, value]) => newSet!.metadata.annotations?.[key] !== value)
        if (wanted !== replicasOf(newSet) || revision !== revisionOf(newSet) || missingAnnotations) {
          const scaled = await this.scale(deployment, newSet, wanted, annotations(revision))
          owned[owned.indexOf(newSet)] = scaled
          newSet = scaled
        }
      }
      await this.scaleDownOld(deployment, newSet, oldSets, owned, desired, maxUnavailable)
    }
    if (createdNewSet) await this.recorder.record(deploymentObject, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newSet!.metadata.name} from 0 to ${replicasOf(newSet!)}`)
    await this.cleanup(deployment, oldSets)
    await this.updateStatus(deployment, newSet ?? null, owned, desired, maxUnavailable, createdNewSet, now)
  }

  private async scaleDownOld(deployment: Deployment, newSet: Workload, oldSets: Workload[], owned: Workload[], desired: number, maxUnavailable: number): Promise<void> {
    const oldReplicas = oldSets.reduce((sum, set) => sum + replicasOf(set), 0)
    if (oldReplicas === 0) return
    const allPods = owned.reduce((sum, set) => sum + replicasOf(set), 0)
    const minAvailable = desired - maxUnavailable
    const newUnavailable = replicasOf(newSet) - statusNumber(newSet, 'availableReplicas')
    let maxScaledDown = allPods - minAvailable - Math.max(0, newUnavailable)
    if (maxScaledDown <= 0) return
    // First the old replicas that are not available anyway, then available ones down to minAvailable.
    for (const set of oldSets) {
      if (maxScaledDown <= 0) break
      const unhealthy = replicasOf(set) - statusNumber(set, 'availableReplicas')
      const cut = Math.min(maxScaledDown, Math.max(0, unhealthy))
      if (cut > 0) {
        const scaled = await this.scale(deployment, set, replicasOf(set) - cut, {})
        oldSets[oldSets.indexOf(set)] = scaled
        maxScaledDown -= cut
      }
    }
    const available = [newSet, ...oldSets].reduce((sum, set) => sum + Math.min(replicasOf(set), statusNumber(set, 'availableReplicas')), 0)
    let remaining = Math.min(available - minAvailable, maxScaledDown)
    for (const set of oldSets) {
      if (remaining <= 0) break
      const cut = Math.min(replicasOf(set), remaining)
      if (cut > 0) {
        await this.scale(deployment, set, replicasOf(set) - cut, {})
        remaining -= cut
      }
    }
  }

  private async createSet(deployment: Deployment, replicas: number, annotations: Record<string, string>): Promise<Workload> {
    const template = cloneJson(deployment.spec.template ?? {})
    const hash = podTemplateHash(template, Number((deployment.status ?? {}).collisionCount ?? 0))
    template.metadata = {...template.metadata, labels: {...(template.metadata?.labels ?? {}), [hashLabel]: hash}}
    const selector = cloneJson(deployment.spec.selector ?? {})
    selector.matchLabels = {...(selector.matchLabels ?? {}), [hashLabel]: hash}
    return this.client.create<Workload>(resources.replicaSets, {
      kind: 'ReplicaSet',
      apiVersion: 'apps/v1',
      metadata: {
        name: `${deployment.metadata.name}-${hash}`,
        namespace: deployment.metadata.namespace,
        labels: {...(template.metadata.labels ?? {})},
        annotations,
        ownerReferences: [ownerReference(deployment, 'apps/v1', 'Deployment')],
      },
      spec: {replicas, minReadySeconds: deployment.spec.minReadySeconds ?? 0, selector, template},
    })
  }

  /** Keeps revisionHistoryLimit old ReplicaSets that are scaled to zero and empty; deletes older ones. */
  private async cleanup(deployment: Deployment, oldSets: Workload[]): Promise<void> {
    const limit = deployment.spec.revisionHistoryLimit ?? 10
    const idle = oldSets.filter((set) => replicasOf(set) === 0 && statusNumber(set, 'replicas') === 0 && !set.metadata.deletionTimestamp)
    const revision = (set: Workload) => Number(set.metadata.annotations?.[revisionAnnotation] ?? 0)
    idle.sort((left, right) => revision(left) - revision(right))
    for (const set of idle.slice(0, Math.max(0, idle.length - limit))) {
      await this.client.delete(resources.replicaSets, String(set.metadata.namespace), String(set.metadata.name), {preconditions: {uid: String(set.metadata.uid)}})
    }
  }

  private async updateStatus(deployment: Deployment, newSet: Workload | null, owned: Workload[], desired: number, maxUnavailable: number, createdNewSet: boolean, now: number): Promise<void> {
    const sets = this.sets.list().filter((set) => controllerOf(set)?.uid === deployment.metadata.uid)
    const sum = (field: string) => sets.reduce((total, set) => total + statusNumber(set, field), 0)
    const updated = newSet ? statusNumber(this.sets.get(objectKey(newSet)) ?? newSet, 'replicas') : 0
    const available = sum('availableReplicas')
    const replicas = sum('replicas')
    const at = formatTimestamp(now)
    const previous = ((deployment.status ?? {}).conditions as Condition[] | undefined) ?? []
    const condition = (type: string, status: string, reason: string, message: string): Condition => {
      const before = previous.find((entry) => entry.type === type)
      const transitioned = !before || before.status !== status
      const same = before && before.status === status && before.reason === reason && before.message === message
      return {type, status, lastUpdateTime: same ? before.lastUpdateTime : at, lastTransitionTime: transitioned ? at : before.lastTransitionTime, reason, message}
    }
    const availableCondition =
      available >= desired - maxUnavailable ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.') : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.')
    const setName = newSet?.metadata.name ?? ''
    const oldActive = owned.filter((set) => set !== newSet && controllerOf(set)?.uid === deployment.metadata.uid).reduce((total, set) => total + statusNumber(this.sets.get(objectKey(set)) ?? set, 'replicas'), 0)
    const complete = updated === desired && replicas === desired && available === desired && oldActive === 0
    const progressingBefore = previous.find((entry) => entry.type === 'Progressing')
    let progressing: Condition
    if (deployment.spec.paused) progressing = condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused')
    else if (complete) progressing = condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${setName}" has successfully progressed.`)
    else if (createdNewSet) progressing = condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${setName}"`)
    else {
      const deadline = deployment.spec.progressDeadlineSeconds ?? 600
      const lastProgress = Date.parse(progressingBefore?.lastUpdateTime ?? '') || now
      if (progressingBefore?.reason === 'ProgressDeadlineExceeded' || (progressingBefore && now - lastProgress > deadline * 1000)) {
        progressing = condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${setName}" has timed out progressing.`)
      } else {
        progressing = condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${setName}" is progressing.`)
        if (progressingBefore?.reason === 'ReplicaSetUpdated' && progressingBefore.message === progressing.message) progressing = {...progressing, lastUpdateTime: progressingBefore.lastUpdateTime}
        this.queue.addAfter(objectKey(deployment), deadline * 1000)
      }
    }
    const status: Record<string, unknown> = {
      ...(deployment.status ?? {}),
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas,
      updatedReplicas: updated,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, desired - available),
      conditions: [availableCondition, progressing, ...replicaFailureOf(newSet ? this.sets.get(objectKey(newSet)) ?? newSet : null, sets)],
    }
    for (const field of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (status[field] === 0) delete status[field]
    if (sameJson(status, deployment.status ?? {})) return
    const annotations = newSet?.metadata.annotations?.[revisionAnnotation] ? {[revisionAnnotation]: newSet.metadata.annotations[revisionAnnotation]!} : {}
    let current = deployment
    if (annotations[revisionAnnotation] && deployment.metadata.annotations?.[revisionAnnotation] !== annotations[revisionAnnotation]) {
      current = await this.client.patch<Deployment>(resources.deployments, String(deployment.metadata.namespace), String(deployment.metadata.name), {metadata: {annotations}})
    }
    await this.client.update(resources.deployments, {...current, kind: 'Deployment', apiVersion: 'apps/v1', status}, 'status')
  }
}

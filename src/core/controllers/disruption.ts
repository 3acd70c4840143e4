// The disruption controller (kube-controller-manager 1.32): each PodDisruptionBudget's status from
// the pods its selector matches: how many are healthy (Ready, not being deleted, not just evicted),
// how many must stay so, the disruptions that leaves, and the DisruptionAllowed condition. Evictions
// charge a budget and note the pod in disruptedPods; a pod stays there until it is gone or, if it is
// still there two minutes later, until that deadline passes. The eviction subresource reads this status.
import {budgetMatches, expectedPods, podsOfBudget} from '../api/disruption.js'
import {areObjectsOrAbsent, formatTimestamp, isJsonObject, type KubeObject, sameJson} from '../api/object.js'
import {type ApiClient, objectKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {objectsByNamespace} from '../client/pod-indexes.js'
import {kindRef, resources} from '../client/resources.js'
import type {Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'
import {controllerOf, isPodReady, isWorkload, type Workload} from './pod-control.js'

/** kube's DeletionTimeout: an evicted pod not deleted within this is counted again. */
export const evictedPodDeletionTimeoutMilliseconds = 2 * 60 * 1000

type Budget = KubeObject & {spec?: Record<string, unknown>; status?: Record<string, unknown>}

interface Condition {
  type: string
  status: string
  observedGeneration?: number
  lastTransitionTime?: string
  reason: string
  message: string
}

class ExpectedScaleError extends Error {}

export class DisruptionController extends Controller {
  private readonly budgets: Informer<Budget>
  private readonly pods: Informer<Pod>
  private readonly replicaSets: Informer<Workload>
  private readonly deployments: Informer<Workload>
  private readonly statefulSets: Informer<Workload>
  private readonly replicationControllers: Informer<Workload>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    private readonly recorder: EventRecorder,
    clock: Clock,
  ) {
    super('disruption-controller', clock)
    this.budgets = informers.informer(kindRef(resources.podDisruptionBudgets, 'PodDisruptionBudget', (object): object is Budget => areObjectsOrAbsent(object, 'spec', 'status')))
    this.pods = informers.informer<Pod>(resources.pods)
    this.pods.addIndex(objectsByNamespace)
    this.replicaSets = informers.informer(kindRef(resources.replicaSets, 'ReplicaSet', isWorkload))
    this.deployments = informers.informer(kindRef(resources.deployments, 'Deployment', isWorkload))
    this.statefulSets = informers.informer(kindRef(resources.statefulSets, 'StatefulSet', isWorkload))
    this.replicationControllers = informers.informer(kindRef(resources.replicationControllers, 'ReplicationController', isWorkload))
    this.budgets.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(objectKey(event.object))
    })
    // A pod's change concerns the budgets of its namespace that match it now or matched it before.
    this.pods.onEvent((event) => {
      for (const budget of this.budgets.list()) {
        if (budgetMatches(budget, event.object) || (event.previous && budgetMatches(budget, event.previous))) this.queue.add(objectKey(budget))
      }
    })
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    const budget = this.budgets.get(key)
    if (!budget || budget.metadata.deletionTimestamp) return
    const pods = podsOfBudget(budget, this.pods.byIndex(objectsByNamespace.name, String(budget.metadata.namespace)))
    if (pods.length === 0) await this.recorder.record(budget, 'Normal', 'NoPods', 'No matching pods found')
    let expected
    try {
      expected = expectedPods(budget, pods.length, () => this.expectedScale(pods))
    } catch (error) {
      if (!(error instanceof ExpectedScaleError)) throw error
      await this.recorder.record(budget, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${error.message}`)
      await this.writeStatus(budget, now, {...(budget.status ?? {}), disruptionsAllowed: 0}, 'SyncFailed', error.message)
      return
    }
    const {disruptedPods, recheckAt} = await this.disruptedPods(budget, pods, now)
    const currentHealthy = pods.filter((pod) => !(pod.metadata.name! in disruptedPods) && isPodReady(pod)).length
    const allowed = currentHealthy - expected.desiredHealthy
    const status = {
      ...(budget.status ?? {}),
      disruptionsAllowed: expected.expectedCount <= 0 || allowed <= 0 ? 0 : allowed,
      currentHealthy,
      desiredHealthy: expected.desiredHealthy,
      expectedPods: expected.expectedCount,
      disruptedPods,
    }
    if (Object.keys(disruptedPods).length === 0) delete (status as {disruptedPods?: unknown}).disruptedPods
    const sufficient = status.disruptionsAllowed > 0
    await this.writeStatus(budget, now, status, sufficient ? 'SufficientPods' : 'InsufficientPods', '')
    if (recheckAt !== null) this.queue.addAfter(key, Math.max(0, recheckAt - now))
  }

  /** The evicted pods still expected to go; a pod still there past its deadline counts again (kube warns NotDeleted). */
  private async disruptedPods(budget: Budget, pods: readonly Pod[], now: number): Promise<{disruptedPods: Record<string, string>; recheckAt: number | null}> {
    const noted = isJsonObject(budget.status?.disruptedPods) ? budget.status.disruptedPods : {}
    const disruptedPods: Record<string, string> = {}
    let recheckAt: number | null = null
    for (const pod of pods) {
      const name = pod.metadata.name!
      const evictedAt = typeof noted[name] === 'string' ? Date.parse(noted[name]) : NaN
      if (Number.isNaN(evictedAt)) continue
      const deadline = evictedAt + evictedPodDeletionTimeoutMilliseconds
      if (deadline < now) {
        await this.recorder.record(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${budget.metadata.namespace}/${budget.metadata.name} to be deleted but it wasn't`)
        continue
      }
      disruptedPods[name] = noted[name] as string
      recheckAt = recheckAt === null ? deadline : Math.min(recheckAt, deadline)
    }
    return {disruptedPods, recheckAt}
  }

  /** The replicas the pods' controllers want, each controller once (a Deployment's, for pods of its ReplicaSets). */
  private expectedScale(pods: readonly Pod[]): number {
    const scales = new Map<string, number>()
    for (const pod of pods) {
      const reference = controllerOf(pod)
      if (!reference) continue // kube ignores unmanaged pods here (and says so in an event)
      const namespace = pod.metadata.namespace
      const same = (object: Workload | undefined, uid: string | undefined) => (object && object.metadata.uid === uid ? object : undefined)
      let owner: Workload | undefined
      if (reference.kind === 'ReplicaSet') {
        const replicaSet = same(this.replicaSets.get(`${namespace}/${reference.name}`), reference.uid)
        const deploymentReference = replicaSet && controllerOf(replicaSet)
        owner = deploymentReference?.kind === 'Deployment' ? same(this.deployments.get(`${namespace}/${deploymentReference.name}`), deploymentReference.uid) : replicaSet
      } else if (reference.kind === 'StatefulSet') owner = same(this.statefulSets.get(`${namespace}/${reference.name}`), reference.uid)
      else if (reference.kind === 'ReplicationController') owner = same(this.replicationControllers.get(`${namespace}/${reference.name}`), reference.uid)
      if (!owner) throw new ExpectedScaleError(`found no controllers for pod "${pod.metadata.name}"`)
      scales.set(String(owner.metadata.uid), owner.spec.replicas ?? 1)
    }
    let total = 0
    for (const scale of scales.values()) total += scale
    return total
  }

  private async writeStatus(budget: Budget, now: number, status: Record<string, unknown>, reason: string, message: string): Promise<void> {
    const generation = budget.metadata.generation ?? 1
    const conditionStatus = reason === 'SufficientPods' ? 'True' : 'False'
    const previous = (Array.isArray(budget.status?.conditions) ? budget.status.conditions as Condition[] : [])
    const existing = previous.find((condition) => condition.type === 'DisruptionAllowed')
    const condition: Condition = {
      type: 'DisruptionAllowed', status: conditionStatus, observedGeneration: generation,
      // meta.SetStatusCondition: the transition time moves only when the status does.
      lastTransitionTime: existing && existing.status === conditionStatus && existing.lastTransitionTime ? existing.lastTransitionTime : formatTimestamp(now),
      reason, message,
    }
    const next = {...status, observedGeneration: generation, conditions: [...previous.filter((entry) => entry.type !== 'DisruptionAllowed'), condition]}
    if (sameJson(next, budget.status ?? {})) return
    await this.client.update(resources.podDisruptionBudgets, {...budget, kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', status: next}, 'status')
  }
}

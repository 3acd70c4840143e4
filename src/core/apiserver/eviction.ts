// The pods/eviction subresource (policy/v1 Eviction): a pod may be deleted only if the one
// PodDisruptionBudget covering it allows a disruption, as the disruption controller last counted;
// the budget is charged (disruptedPods, disruptionsAllowed) before the pod goes. Pods that are not
// running, or already going, skip the check; so do unready ones when the budget is healthy or its
// unhealthyPodEvictionPolicy is AlwaysAllow. Refusals are kube's 429 TooManyRequests with a
// DisruptionBudget cause.
import {isPodReady, podsOfBudget} from '../api/disruption.js'
import {formatTimestamp, isJsonObject, type KubeObject} from '../api/object.js'
import type {Scheme} from '../api/scheme.js'
import type {UserInfo} from '../api/wire.js'
import type {DeleteOptions, Registry} from './registry.js'
import type {ResourceHandlers} from './handlers.js'
import {listPrefix} from './keys.js'
import {objectFromStored} from './stored-objects.js'
import {apiErrors} from './api-errors.js'

const violationMessage = "Cannot evict pod as it would violate the pod's disruption budget."
/** kube's MaxDisruptedPodSize: evictions the disruption controller has not confirmed yet, at most. */
export const disruptedPodsMax = 2000
/** The Retry-After kube suggests while the disruption controller has not seen a budget's change. */
const unobservedRetryAfterSeconds = 10

export class Eviction {
  constructor(
    private readonly scheme: Scheme,
    private readonly registry: Registry,
    private readonly handlers: ResourceHandlers,
    private readonly nowMilliseconds: () => number,
  ) {}

  async evict(namespace: string, name: string, eviction: KubeObject, user: UserInfo, dryRun: boolean): Promise<void> {
    const pods = this.scheme.resource('', 'v1', 'pods')!
    const budgets = this.scheme.resource('policy', 'v1', 'poddisruptionbudgets')!
    const pod = await this.registry.get(pods, namespace, name)
    const options = this.deleteOptions(eviction, dryRun)
    const phase = isJsonObject(pod.status) ? pod.status.phase : undefined
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) {
      await this.handlers.deleteOne(pods, namespace, name, options, user)
      return
    }
    const covering = (await this.list(budgets, namespace)).filter((budget) => podsOfBudget(budget, [pod]).length > 0)
    if (covering.length > 1) throw apiErrors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.')
    // A dry run asked for in the Eviction's deleteOptions (as kubectl drain asks) charges nothing either.
    if (covering.length === 1) await this.charge(covering[0]!, namespace, pod, options.dryRun === true)
    await this.handlers.deleteOne(pods, namespace, name, options, user)
  }

  private async list(definition: Parameters<Registry['get']>[0], namespace: string): Promise<KubeObject[]> {
    return (await this.registry.store.list(listPrefix(definition, namespace))).objects.map((stored) => objectFromStored(stored))
  }

  /** Takes one disruption from the budget (as kube's checkAndDecrement), or refuses; nothing for an unready pod the budget can spare. */
  private async charge(found: KubeObject, namespace: string, pod: KubeObject, dryRun: boolean): Promise<void> {
    const budgets = this.scheme.resource('policy', 'v1', 'poddisruptionbudgets')!
    const name = found.metadata.name ?? ''
    const podName = pod.metadata.name ?? ''
    const now = formatTimestamp(this.nowMilliseconds())
    await this.registry.guaranteedUpdate(budgets, namespace, name, (current) => {
      if (!current) throw apiErrors.notFound(budgets, name)
      const spec = isJsonObject(current.spec) ? current.spec : {}
      const status = isJsonObject(current.status) ? current.status : {}
      const observedGeneration = typeof status.observedGeneration === 'number' ? status.observedGeneration : 0
      const currentHealthy = Number(status.currentHealthy ?? 0)
      const desiredHealthy = Number(status.desiredHealthy ?? 0)
      if (!isPodReady(pod)) {
        const policy = spec.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget'
        if (policy === 'AlwaysAllow' || (currentHealthy >= desiredHealthy && desiredHealthy > 0)) return null
      }
      if (observedGeneration < (current.metadata.generation ?? 1)) {
        throw apiErrors.tooManyRequests(violationMessage, unobservedRetryAfterSeconds, [{reason: 'DisruptionBudget', message: `The disruption budget ${name} is still being processed by the server.`}])
      }
      const allowed = Number(status.disruptionsAllowed ?? 0)
      const disruptedPods = isJsonObject(status.disruptedPods) ? status.disruptedPods : {}
      if (allowed < 0) throw apiErrors.forbidden(budgets, name, 'pdb disruptions allowed is negative')
      if (Object.keys(disruptedPods).length > disruptedPodsMax) throw apiErrors.forbidden(budgets, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller')
      if (allowed === 0) {
        throw apiErrors.tooManyRequests(violationMessage, 0, [{reason: 'DisruptionBudget', message: `The disruption budget ${name} needs ${desiredHealthy} healthy pods and has ${currentHealthy} currently`}])
      }
      if (dryRun) return null
      const conditions = Array.isArray(status.conditions) ? status.conditions : []
      current.status = {
        ...status,
        disruptionsAllowed: allowed - 1,
        disruptedPods: {...disruptedPods, [podName]: now},
        // The last disruption taken: DisruptionAllowed turns False, as kube's UpdateDisruptionAllowedCondition.
        ...(allowed - 1 === 0 ? {conditions: [...conditions.filter((condition) => !isJsonObject(condition) || condition.type !== 'DisruptionAllowed'), {
          type: 'DisruptionAllowed', status: 'False', observedGeneration: observedGeneration, lastTransitionTime: now, reason: 'InsufficientPods', message: '',
        }]} : {}),
      }
      return current
    })
  }

  private deleteOptions(eviction: KubeObject, dryRun: boolean): DeleteOptions {
    const options = isJsonObject(eviction.deleteOptions) ? eviction.deleteOptions : {}
    return {
      dryRun: dryRun || (Array.isArray(options.dryRun) && options.dryRun.includes('All')),
      gracePeriodSeconds: typeof options.gracePeriodSeconds === 'number' ? options.gracePeriodSeconds : undefined,
      preconditions: isJsonObject(options.preconditions) ? (options.preconditions as DeleteOptions['preconditions']) : undefined,
    }
  }
}

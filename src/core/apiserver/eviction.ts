// The pods/eviction subresource (policy/v1 Eviction): a pod may be deleted only if the one
// PodDisruptionBudget covering it allows a disruption; the budget is charged (disruptedPods,
// disruptionsAllowed) before the pod goes. Pods that are not running, or already going, skip the
// check. Refusals are kube's 429 TooManyRequests with a DisruptionBudget cause.
import {disruptionStatus, podsOfBudget} from '../api/disruption.js'
import {formatTimestamp, isJsonObject, type KubeObject} from '../api/object.js'
import type {Scheme} from '../api/scheme.js'
import type {UserInfo} from './authentication/user.js'
import type {DeleteOptions, Registry} from './registry.js'
import type {ResourceHandlers} from './handlers.js'
import {listPrefix} from './keys.js'
import {objectFromStored} from './registry.js'
import {apiErrors} from './status.js'

const violationMessage = "Cannot evict pod as it would violate the pod's disruption budget."

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
    if (covering.length === 1) await this.charge(covering[0]!, namespace, name, dryRun)
    await this.handlers.deleteOne(pods, namespace, name, options, user)
  }

  private async list(definition: Parameters<Registry['get']>[0], namespace: string): Promise<KubeObject[]> {
    return (await this.registry.store.list(listPrefix(definition, namespace))).objects.map((stored) => objectFromStored(stored))
  }

  /** Takes one disruption from the budget, or refuses with 429. */
  private async charge(budget: KubeObject, namespace: string, podName: string, dryRun: boolean): Promise<void> {
    const budgets = this.scheme.resource('policy', 'v1', 'poddisruptionbudgets')!
    const pods = this.scheme.resource('', 'v1', 'pods')!
    const name = budget.metadata.name ?? ''
    const status = isJsonObject(budget.status) ? budget.status : {}
    // A budget the disruption controller has not observed yet is computed here as it would.
    const observed = typeof status.observedGeneration === 'number' && status.observedGeneration >= (budget.metadata.generation ?? 1)
    const computed = observed
      ? {disruptionsAllowed: Number(status.disruptionsAllowed ?? 0), desiredHealthy: Number(status.desiredHealthy ?? 0), currentHealthy: Number(status.currentHealthy ?? 0), expectedPods: Number(status.expectedPods ?? 0)}
      : disruptionStatus(budget, await this.list(pods, namespace))
    if (computed.disruptionsAllowed <= 0) {
      throw apiErrors.tooManyRequests(violationMessage, 0, [
        {reason: 'DisruptionBudget', message: `The disruption budget ${name} needs ${computed.desiredHealthy} healthy pods and has ${computed.currentHealthy} currently`},
      ])
    }
    if (dryRun) return
    const now = formatTimestamp(this.nowMilliseconds())
    await this.registry.guaranteedUpdate(budgets, namespace, name, (current) => {
      if (!current) throw apiErrors.notFound(budgets, name)
      const currentStatus = isJsonObject(current.status) ? current.status : {}
      const allowed = observed ? Number(currentStatus.disruptionsAllowed ?? 0) : computed.disruptionsAllowed
      if (allowed <= 0) throw apiErrors.tooManyRequests(violationMessage, 0, [{reason: 'DisruptionBudget', message: `The disruption budget ${name} is still being processed by the server.`}])
      current.status = {
        ...currentStatus,
        observedGeneration: current.metadata.generation ?? 1,
        disruptedPods: {...(isJsonObject(currentStatus.disruptedPods) ? currentStatus.disruptedPods : {}), [podName]: now},
        disruptionsAllowed: allowed - 1,
        currentHealthy: computed.currentHealthy,
        desiredHealthy: computed.desiredHealthy,
        expectedPods: computed.expectedPods,
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

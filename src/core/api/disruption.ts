// A PodDisruptionBudget's status as the disruption controller computes it: the pods its selector
// matches, how many are healthy (Ready), how many must stay healthy (minAvailable, or expected
// minus maxUnavailable; percentages of the expected count, rounded up), and the disruptions
// allowed. Shared by the eviction subresource and the disruption controller.
import {isJsonObject, type KubeObject} from './object.js'
import {labelSelectorFromObject, type LabelSelectorObject, matchesLabels} from './selectors.js'

export interface DisruptionStatus {
  readonly expectedPods: number
  readonly currentHealthy: number
  readonly desiredHealthy: number
  readonly disruptionsAllowed: number
}

export function isPodReady(pod: KubeObject): boolean {
  const status = isJsonObject(pod.status) ? pod.status : {}
  const conditions = Array.isArray(status.conditions) ? status.conditions : []
  return conditions.some((condition) => isJsonObject(condition) && condition.type === 'Ready' && condition.status === 'True')
}

/** The pods (not being deleted) a budget's selector matches; an empty selector matches none in policy/v1 only when absent. */
export function podsOfBudget(budget: KubeObject, pods: readonly KubeObject[]): KubeObject[] {
  const spec = isJsonObject(budget.spec) ? budget.spec : {}
  if (!isJsonObject(spec.selector)) return []
  const selector = labelSelectorFromObject(spec.selector as LabelSelectorObject)
  return pods.filter((pod) => pod.metadata.deletionTimestamp === undefined && matchesLabels(selector, pod.metadata.labels))
}

function scaled(value: unknown, expected: number): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && /^\d+%$/.test(value)) return Math.ceil((Number(value.slice(0, -1)) * expected) / 100)
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return 0
}

export function disruptionStatus(budget: KubeObject, pods: readonly KubeObject[]): DisruptionStatus {
  const spec = isJsonObject(budget.spec) ? budget.spec : {}
  const matched = podsOfBudget(budget, pods)
  const expectedPods = matched.length
  const currentHealthy = matched.filter(isPodReady).length
  let desiredHealthy: number
  if (spec.maxUnavailable !== undefined) desiredHealthy = Math.max(0, expectedPods - scaled(spec.maxUnavailable, expectedPods))
  else desiredHealthy = scaled(spec.minAvailable ?? 1, expectedPods)
  return {expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy)}
}

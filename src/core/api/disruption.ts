// What a PodDisruptionBudget asks, as kube-controller-manager's disruption controller reads it: the
// pods its selector matches, and from minAvailable or maxUnavailable (percentages of the pods'
// controllers' scale, rounded up) how many must stay healthy. Shared by that controller and the
// eviction subresource.
import {isJsonObject, type KubeObject} from './object.js'
import {labelSelectorFromObject, type LabelSelectorObject, matchesLabels} from './selectors.js'

/** A pod's Ready condition is True (what a budget counts as healthy). */
export function isPodReady(pod: KubeObject): boolean {
  const conditions = isJsonObject(pod.status) && Array.isArray(pod.status.conditions) ? pod.status.conditions : []
  return conditions.some((condition) => isJsonObject(condition) && condition.type === 'Ready' && condition.status === 'True')
}

/** Whether a budget's selector matches the pod: none without a selector, all of the namespace with an empty one (policy/v1). */
export function budgetMatches(budget: KubeObject, pod: KubeObject): boolean {
  const spec = isJsonObject(budget.spec) ? budget.spec : {}
  if (!isJsonObject(spec.selector) || pod.metadata.namespace !== budget.metadata.namespace) return false
  return matchesLabels(labelSelectorFromObject(spec.selector as LabelSelectorObject), pod.metadata.labels)
}

/** The pods a budget covers: those it matches that are not being deleted. */
export function podsOfBudget<T extends KubeObject>(budget: KubeObject, pods: readonly T[]): T[] {
  return pods.filter((pod) => pod.metadata.deletionTimestamp === undefined && budgetMatches(budget, pod))
}

/** intstr.GetScaledValueFromIntOrPercent with rounding up: "50%" of 3 is 2. Null for a value that is neither. */
export function scaledValue(value: unknown, total: number): number | null {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && /^\d+%$/.test(value)) return Math.ceil((Number(value.slice(0, -1)) * total) / 100)
  return null
}

export interface ExpectedPods {
  readonly expectedCount: number
  readonly desiredHealthy: number
}

/**
 * kube's getExpectedPodCount: an integer minAvailable counts the matched pods; a percentage, or
 * maxUnavailable, counts the replicas their controllers want (expectedScale, asked only then).
 */
export function expectedPods(budget: KubeObject, matchedPods: number, expectedScale: () => number): ExpectedPods {
  const spec = isJsonObject(budget.spec) ? budget.spec : {}
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const expectedCount = expectedScale()
    const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount) ?? 0
    return {expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable)}
  }
  if (typeof spec.minAvailable === 'number') return {expectedCount: matchedPods, desiredHealthy: spec.minAvailable}
  if (typeof spec.minAvailable === 'string') {
    const expectedCount = expectedScale()
    return {expectedCount, desiredHealthy: scaledValue(spec.minAvailable, expectedCount) ?? 0}
  }
  return {expectedCount: matchedPods, desiredHealthy: 0}
}

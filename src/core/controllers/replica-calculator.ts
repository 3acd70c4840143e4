// kube-controller-manager 1.32's replica calculation for resource metrics (podautoscaler's
// replica_calculator.go): pods grouped into ready, unready, missing and ignored; the utilization
// of the ready ones against their requests; a tolerance of 10 %; missing pods counted at 100 % of
// their request on a scale-down and 0 % on a scale-up, unready pods at 0 % on a scale-up; and no
// change when those assumptions would reverse the direction.
import {resourceAmount} from '../api/quantity.js'
import type {Pod} from '../api/kinds.js'

/** --horizontal-pod-autoscaler-tolerance. */
export const tolerance = 0.1
/** --horizontal-pod-autoscaler-cpu-initialization-period. */
export const cpuInitializationPeriodMilliseconds = 5 * 60 * 1000
/** --horizontal-pod-autoscaler-initial-readiness-delay. */
export const initialReadinessDelayMilliseconds = 30 * 1000

/** A pod's use of one resource, in milli-units, as the metrics API reported it. */
export interface PodMetric {
  readonly milliValue: number
  readonly timestampMilliseconds: number
  readonly windowMilliseconds: number
}

export class ReplicaCalculationError extends Error {}

export interface ResourceReplicas {
  readonly replicas: number
  readonly utilization: number
  readonly rawAverageMilli: number
}

type HpaPod = Pod & {status?: Pod['status'] & {startTime?: string; conditions?: Array<{type: string; status: string; lastTransitionTime?: string}>}}
type Container = {name: string; resources?: {requests?: Record<string, string>}}

function groupPods(pods: readonly HpaPod[], metrics: Map<string, PodMetric>, resource: string, now: number) {
  let readyCount = 0
  const unready = new Set<string>()
  const missing = new Set<string>()
  const ignored = new Set<string>()
  for (const pod of pods) {
    const name = String(pod.metadata.name)
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      ignored.add(name)
      continue
    }
    if (pod.status?.phase === 'Pending') {
      unready.add(name)
      continue
    }
    const metric = metrics.get(name)
    if (!metric) {
      missing.add(name)
      continue
    }
    if (resource === 'cpu') {
      const condition = (pod.status?.conditions ?? []).find((entry) => entry.type === 'Ready')
      const started = Date.parse(pod.status?.startTime ?? '')
      let isUnready: boolean
      if (!condition || Number.isNaN(started)) isUnready = true
      else {
        const transition = Date.parse(condition.lastTransitionTime ?? '') || 0
        // Within the CPU initialization period a sample counts once a whole metric window follows the last transition.
        if (started + cpuInitializationPeriodMilliseconds > now) isUnready = condition.status === 'False' || metric.timestampMilliseconds < transition + metric.windowMilliseconds
        else isUnready = condition.status === 'False' && started + initialReadinessDelayMilliseconds > transition
      }
      if (isUnready) {
        unready.add(name)
        continue
      }
    }
    readyCount++
  }
  return {readyCount, unready, missing, ignored}
}

/** Each pod's request of the resource (its containers', or the one container's), in milli-units. */
function podRequests(pods: readonly HpaPod[], resource: string, container: string): Map<string, number> {
  const requests = new Map<string, number>()
  for (const pod of pods) {
    let sum = 0
    for (const entry of pod.spec.containers as Container[]) {
      if (container && entry.name !== container) continue
      const request = entry.resources?.requests?.[resource]
      if (request === undefined) throw new ReplicaCalculationError(`missing request for ${resource} in container ${entry.name} of Pod ${pod.metadata.name}`)
      sum += resource === 'cpu' ? resourceAmount('cpu', request) : resourceAmount(resource, request) * 1000
    }
    requests.set(String(pod.metadata.name), sum)
  }
  return requests
}

/** metricsclient.GetResourceUtilizationRatio. */
function utilizationRatio(metrics: Map<string, PodMetric>, requests: Map<string, number>, targetUtilization: number) {
  let metricsTotal = 0
  let requestsTotal = 0
  let entries = 0
  for (const [name, metric] of metrics) {
    const request = requests.get(name)
    if (request === undefined) continue
    metricsTotal += metric.milliValue
    requestsTotal += request
    entries++
  }
  if (requestsTotal === 0) throw new ReplicaCalculationError('no metrics returned matched known pods')
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal)
  return {ratio: utilization / targetUtilization, utilization, rawAverageMilli: Math.trunc(metricsTotal / entries)}
}

/** GetResourceReplicas: the replicas that bring the pods' average utilization to the target. */
export function resourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  container: string,
  pods: readonly HpaPod[],
  reported: ReadonlyMap<string, PodMetric>,
  now: number,
): ResourceReplicas {
  if (pods.length === 0) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count')
  const metrics = new Map(reported)
  const {readyCount, unready, missing, ignored} = groupPods(pods, metrics, resource, now)
  for (const name of [...ignored, ...unready]) metrics.delete(name)
  if (metrics.size === 0) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)')
  const requests = podRequests(pods, resource, container)
  const {ratio, utilization, rawAverageMilli} = utilizationRatio(metrics, requests, targetUtilization)
  const answer = (replicas: number) => ({replicas, utilization, rawAverageMilli})
  const scaleUpWithUnready = unready.size > 0 && ratio > 1
  if (!scaleUpWithUnready && missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return answer(currentReplicas)
    return answer(Math.ceil(ratio * readyCount))
  }
  const assumed = (name: string, milliValue: number) => metrics.set(name, {milliValue, timestampMilliseconds: now, windowMilliseconds: 0})
  for (const name of missing) {
    if (ratio < 1) assumed(name, requests.get(name) ?? 0)
    else if (ratio > 1) assumed(name, 0)
  }
  if (scaleUpWithUnready) for (const name of unready) assumed(name, 0)
  const next = utilizationRatio(metrics, requests, targetUtilization).ratio
  if (Math.abs(1 - next) <= tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return answer(currentReplicas)
  const replicas = Math.ceil(next * metrics.size)
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return answer(currentReplicas)
  return answer(replicas)
}

/** GetRawResourceReplicas: the replicas that bring the pods' average use to a target value. */
export function rawResourceReplicas(currentReplicas: number, targetMilli: number, resource: string, pods: readonly HpaPod[], reported: ReadonlyMap<string, PodMetric>, now: number): {replicas: number; rawAverageMilli: number} {
  if (pods.length === 0) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count')
  const metrics = new Map(reported)
  const {unready, missing, ignored} = groupPods(pods, metrics, resource, now)
  for (const name of [...ignored, ...unready]) metrics.delete(name)
  if (metrics.size === 0) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)')
  const total = [...metrics.values()].reduce((sum, metric) => sum + metric.milliValue, 0)
  const rawAverageMilli = Math.trunc(total / metrics.size)
  const ratio = total / (targetMilli * metrics.size)
  const scaleUpWithUnready = unready.size > 0 && ratio > 1
  if (!scaleUpWithUnready && missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return {replicas: currentReplicas, rawAverageMilli}
    return {replicas: Math.ceil(total / targetMilli), rawAverageMilli}
  }
  let adjusted = total
  let count = metrics.size
  for (const _ of missing) {
    if (ratio < 1) adjusted += targetMilli
    count++
  }
  if (scaleUpWithUnready) count += unready.size
  const next = adjusted / (targetMilli * count)
  if (Math.abs(1 - next) <= tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return {replicas: currentReplicas, rawAverageMilli}
  const replicas = Math.ceil(next * count)
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return {replicas: currentReplicas, rawAverageMilli}
  return {replicas, rawAverageMilli}
}

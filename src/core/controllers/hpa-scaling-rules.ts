// How kube-controller-manager 1.32's HPA controller bounds a recommendation: the downscale
// stabilization window (the highest recommendation of the last 5 minutes) and the scale-up limit
// (twice the replicas, at least 4) without a behavior; with one, each direction's
// stabilization window and its Pods/Percent policies per period under selectPolicy.
//
// The controller's memory of recent recommendations and scale events is kept beside the cluster
// (autoscaler-memory.ts), so a cluster suspended between commands (or a controller manager that
// takes over) goes on from it. Recommendations are kept as the moments the recommendation changed,
// so the memory is written when it changes, not at every sync: a window counts a recommendation
// up to the sync that replaced it.
import {isJsonObject} from '../api/object.js'

/** Where kubemu before 2026-12 kept the history, on the HPA itself: read once, then removed. */
export const historyAnnotation = 'autoscaling.kubemu.io/recommendations'
/** --horizontal-pod-autoscaler-downscale-stabilization. */
export const downscaleStabilizationWindowMilliseconds = 5 * 60 * 1000
/** The history keeps at most this many entries of each kind (a window of an hour at one change per sync). */
export const historyEntriesMax = 240
const scaleUpLimitFactor = 2
const scaleUpLimitMinimum = 4

export interface ScalingPolicy {
  type: string
  value: number
  periodSeconds: number
}
export interface ScalingRules {
  stabilizationWindowSeconds?: number
  selectPolicy?: string
  policies?: ScalingPolicy[]
}
export interface Behavior {
  scaleUp?: ScalingRules
  scaleDown?: ScalingRules
}

export interface ScalingHistory {
  /** Each recommendation from the moment it was first made until the next one. */
  recommendations: Array<[replicas: number, since: number]>
  scaleUp: Array<[change: number, at: number]>
  scaleDown: Array<[change: number, at: number]>
}

export interface Verdict {
  readonly status: 'True' | 'False'
  readonly reason: string
  readonly message: string
}

export function readHistory(text: string | null | undefined): ScalingHistory {
  const history: ScalingHistory = {recommendations: [], scaleUp: [], scaleDown: []}
  if (text === undefined || text === null) return history
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return history
  }
  if (!isJsonObject(parsed)) return history
  for (const field of ['recommendations', 'scaleUp', 'scaleDown'] as const) {
    const entries = Array.isArray(parsed[field]) ? parsed[field] : []
    for (const entry of entries.slice(-historyEntriesMax)) {
      if (Array.isArray(entry) && typeof entry[0] === 'number' && typeof entry[1] === 'string' && !Number.isNaN(Date.parse(entry[1]))) history[field].push([entry[0], Date.parse(entry[1])])
    }
  }
  return history
}

export function writeHistory(history: ScalingHistory): string {
  const out: Record<string, Array<[number, string]>> = {}
  for (const field of ['recommendations', 'scaleUp', 'scaleDown'] as const) {
    if (history[field].length > 0) out[field] = history[field].slice(-historyEntriesMax).map(([value, at]) => [value, new Date(at).toISOString()])
  }
  return JSON.stringify(out)
}

/** recordInitialRecommendation: the current size counts as a recommendation when first seen. */
export function recordInitial(history: ScalingHistory, currentReplicas: number, now: number): void {
  if (history.recommendations.length === 0) history.recommendations.push([currentReplicas, now])
}

/** The recommendations made after `cutoff`, the new one included; older ones are dropped when `prune` passes them. */
function recentRecommendations(history: ScalingHistory, recommendation: number, now: number, cutoff: number, pruneBefore: number): number[] {
  const entries = history.recommendations
  const last = entries[entries.length - 1]
  if (!last || last[0] !== recommendation) entries.push([recommendation, now])
  const recent: number[] = []
  entries.forEach(([replicas], index) => {
    // A replaced recommendation was last made at a sync before the one that replaced it.
    const replacedAt = index + 1 < entries.length ? entries[index + 1]![1] : null
    if (replacedAt === null || replacedAt > cutoff) recent.push(replicas)
  })
  while (entries.length > 1 && entries[1]![1] < pruneBefore) entries.shift()
  return recent
}

/** convertDesiredReplicasWithRules: within min and max, and no faster than the scale-up limit. */
function withinRules(current: number, desired: number, min: number, max: number): {replicas: number; reason: string; message: string} {
  const scaleUpLimit = Math.max(scaleUpLimitFactor * current, scaleUpLimitMinimum)
  const [maximum, reason, message] = max > scaleUpLimit
    ? [scaleUpLimit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
    : [max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count']
  if (desired < min) return {replicas: min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count'}
  if (desired > maximum) return {replicas: maximum, reason, message}
  return {replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range'}
}

export interface Normalized {
  readonly replicas: number
  readonly ableToScale: Verdict
  readonly scalingLimited: Verdict
}

/** normalizeDesiredReplicas: no behavior given. */
export function normalize(history: ScalingHistory, now: number, current: number, desired: number, min: number, max: number): Normalized {
  const cutoff = now - downscaleStabilizationWindowMilliseconds
  const stabilized = Math.max(desired, ...recentRecommendations(history, desired, now, cutoff, cutoff))
  const ableToScale: Verdict = stabilized !== desired
    ? {status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation'}
    : {status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size'}
  const limited = withinRules(current, stabilized, min, max)
  return {replicas: limited.replicas, ableToScale, scalingLimited: {status: limited.replicas === stabilized ? 'False' : 'True', reason: limited.reason, message: limited.message}}
}

const windowOf = (rules: ScalingRules | undefined, fallback: number) => (rules?.stabilizationWindowSeconds ?? fallback) * 1000

function changeSince(events: Array<[number, number]>, periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds * 1000
  return events.filter(([, at]) => at > cutoff).reduce((sum, [change]) => sum + change, 0)
}

/** calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors: each period starts from the size before its changes. */
function policyLimit(rules: ScalingRules, current: number, history: ScalingHistory, now: number, up: boolean): number {
  if (rules.selectPolicy === 'Disabled') return current
  const pickLarger = (rules.selectPolicy === 'Min') !== up
  let result = pickLarger ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER
  for (const policy of rules.policies ?? []) {
    const periodStart = current - changeSince(history.scaleUp, policy.periodSeconds, now) + changeSince(history.scaleDown, policy.periodSeconds, now)
    const proposed = policy.type === 'Pods'
      ? (up ? periodStart + policy.value : periodStart - policy.value)
      : (up ? Math.ceil(periodStart * (1 + policy.value / 100)) : Math.trunc(periodStart * (1 - policy.value / 100)))
    result = pickLarger ? Math.max(result, proposed) : Math.min(result, proposed)
  }
  return result
}

/** normalizeDesiredReplicasWithBehaviors. */
export function normalizeWithBehavior(history: ScalingHistory, behavior: Behavior, now: number, current: number, desired: number, min: number, max: number): Normalized {
  const upWindow = windowOf(behavior.scaleUp, 0)
  const downWindow = windowOf(behavior.scaleDown, downscaleStabilizationWindowMilliseconds / 1000)
  const up = desired >= current
  const recent = recentRecommendations(history, desired, now, now - (up ? upWindow : downWindow), now - Math.max(upWindow, downWindow))
  const stabilized = up ? Math.min(desired, ...recent) : Math.max(desired, ...recent)
  const ableToScale: Verdict = stabilized !== desired
    ? up
      ? {status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation'}
      : {status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation'}
    : {status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size'}
  let replicas = stabilized
  let reason = 'DesiredWithinRange'
  let message = 'the desired count is within the acceptable range'
  if (stabilized > current) {
    const limit = Math.max(current, policyLimit(behavior.scaleUp ?? {}, current, history, now, true))
    const [maximum, limitReason, limitMessage] = max > limit
      ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
      : [max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count']
    if (stabilized > maximum) [replicas, reason, message] = [maximum, limitReason, limitMessage]
  } else if (stabilized < current) {
    const limit = Math.min(current, policyLimit(behavior.scaleDown ?? {}, current, history, now, false))
    const [minimum, limitReason, limitMessage] = min < limit
      ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
      : [min, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count']
    if (stabilized < minimum) [replicas, reason, message] = [minimum, limitReason, limitMessage]
  }
  return {replicas, ableToScale, scalingLimited: {status: replicas === stabilized ? 'False' : 'True', reason, message}}
}

/** storeScaleEvent: kept for the longest policy period of the direction, only under a behavior. */
export function recordScale(history: ScalingHistory, behavior: Behavior | undefined, previous: number, next: number, now: number): void {
  if (!behavior) return
  const up = next > previous
  const rules = (up ? behavior.scaleUp : behavior.scaleDown) ?? {}
  const longest = Math.max(0, ...(rules.policies ?? []).map((policy) => policy.periodSeconds)) * 1000
  const events = up ? history.scaleUp : history.scaleDown
  const kept = events.filter(([, at]) => at >= now - longest)
  kept.push([Math.abs(next - previous), now])
  if (up) history.scaleUp = kept
  else history.scaleDown = kept
}

// The arithmetic of kube's deployment utilities: the pod-template-hash, maxSurge and
// maxUnavailable from int-or-percent values, and the replica counts of a rolling update.
import {canonicalJson} from '../api/object.js'
import {fnv32a} from '../util/fnv.js'
import type {Workload} from './pod-control.js'

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789'


/** The pod-template-hash label value: a hash of the template (and collision count), in kube's safe alphabet. */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const digits = String(fnv32a(canonicalJson(template) + (collisionCount > 0 ? String(collisionCount) : '')))
  return [...digits].map((digit) => safeAlphabet[digit.charCodeAt(0) % safeAlphabet.length]).join('')
}

/** An int-or-string value (5, "25%") against a total; percentages round up or down as asked. */
export function intOrPercent(value: number | string | undefined, fallback: string, total: number, roundUp: boolean): number {
  const given = value ?? fallback
  if (typeof given === 'number') return given
  const match = /^(\d+)%$/.exec(given)
  if (!match) return Number(given) || 0
  const exact = (Number(match[1]) * total) / 100
  return roundUp ? Math.ceil(exact) : Math.floor(exact)
}

export interface DeploymentSpec {
  replicas?: number
  paused?: boolean
  minReadySeconds?: number
  revisionHistoryLimit?: number
  progressDeadlineSeconds?: number
  strategy?: {type?: 'RollingUpdate' | 'Recreate'; rollingUpdate?: {maxSurge?: number | string; maxUnavailable?: number | string}}
}

/** maxSurge and maxUnavailable resolved (both zero becomes maxUnavailable 1, as kube does). */
export function surgeAndUnavailable(spec: DeploymentSpec): {maxSurge: number; maxUnavailable: number} {
  if (spec.strategy?.type === 'Recreate') return {maxSurge: 0, maxUnavailable: 0}
  const desired = spec.replicas ?? 1
  const maxSurge = intOrPercent(spec.strategy?.rollingUpdate?.maxSurge, '25%', desired, true)
  let maxUnavailable = intOrPercent(spec.strategy?.rollingUpdate?.maxUnavailable, '25%', desired, false)
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1
  return {maxSurge, maxUnavailable: Math.min(maxUnavailable, desired)}
}

export const replicasOf = (set: Workload) => set.spec.replicas ?? 0
export const statusNumber = (set: Workload, field: string) => Number((set.status ?? {})[field] ?? 0)

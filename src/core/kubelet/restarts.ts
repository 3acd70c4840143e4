// The kubelet's restart rules: CrashLoopBackOff timing (10 s, doubling, at most 5 minutes), when
// a waiting container runs again, and how the statuses of some of a pod's containers change when
// they alone end and restart while the others run on.
import {formatTimestamp} from '../api/object.js'
import type {Pod} from '../api/kinds.js'
import {doublingBackoffMilliseconds} from '../util/backoff.js'
import {restartedContainerStatus} from './pod-status.js'

/** CrashLoopBackOff: 10 s, doubling, at most 5 minutes (the kubelet's). */
export const restartBackoffInitialMilliseconds = 10_000
export const restartBackoffMaxMilliseconds = 300_000

/** How a pod's run ended: all its containers, or `only` some of them while the others run on. */
export interface RunEnd {
  readonly exitCode: number
  readonly finishedAt: number
  readonly only?: readonly ContainerEnded[]
}

export interface ContainerEnded {
  readonly name: string
  readonly exitCode: number
  readonly finishedAt: number
}

/** The back-off of a container that exited again after `restartCount` restarts (≥ 1): 10 s, doubling, at most 5 minutes. */
export function restartBackoffMilliseconds(restartCount: number): number {
  return doublingBackoffMilliseconds(restartBackoffInitialMilliseconds, restartBackoffMaxMilliseconds, restartCount)
}

/** Go's time.Duration text for a whole number of seconds, as the kubelet's back-off message shows it: 10s, 2m40s, 5m0s. */
export function backoffText(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000)
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`
}

/**
 * When a container in CrashLoopBackOff runs again: its last exit plus the back-off its restart
 * count gives (the kubelet keeps this in memory; the pod's status holds all it needs, so a later
 * command or another `up` picks it up). Of several statuses, the latest.
 */
export function restartDue(statuses: ReadonlyArray<Record<string, any>>): number {
  let due = 0
  for (const status of statuses) {
    if (status.state?.waiting?.reason !== 'CrashLoopBackOff') continue
    const finishedAt = Date.parse(String(status.lastState?.terminated?.finishedAt ?? '')) || 0
    due = Math.max(due, finishedAt + restartBackoffMilliseconds(Number(status.restartCount ?? 0)))
  }
  return due
}

/**
 * The new statuses of containers that ended while the pod's others run on: a first end runs again
 * at once (restartCount 1), a later one waits in CrashLoopBackOff. Gives the changed statuses,
 * the containers started again now, those backing off and the shortest back-off.
 */
export function containersEnded(pod: Pod, statuses: ReadonlyArray<Record<string, any>>, ended: readonly ContainerEnded[], now: number): {change: Map<string, Record<string, unknown>>; startedNow: Pod['spec']['containers']; backingOff: string[]; backoffMinMilliseconds: number | null} {
  const change = new Map<string, Record<string, unknown>>()
  const startedNow: Pod['spec']['containers'] = []
  const backingOff: string[] = []
  let backoffMin = Number.POSITIVE_INFINITY
  for (const end of ended) {
    const container = pod.spec.containers.find((entry) => entry.name === end.name)
    const status = statuses.find((entry) => entry.name === end.name)
    if (!container || !status) continue
    const restarts = Number(status.restartCount ?? 0)
    const startedAt = status.state?.running?.startedAt ?? formatTimestamp(end.finishedAt)
    const lastState = {terminated: {exitCode: end.exitCode, reason: end.exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: formatTimestamp(end.finishedAt), containerID: status.containerID}}
    if (restarts === 0) {
      change.set(end.name, restartedContainerStatus(pod, container, 1, lastState, now))
      startedNow.push(container)
      continue
    }
    const backoff = restartBackoffMilliseconds(restarts)
    backoffMin = Math.min(backoffMin, backoff)
    backingOff.push(end.name)
    const message = `back-off ${backoffText(backoff)} restarting failed container=${end.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`
    change.set(end.name, {...status, state: {waiting: {reason: 'CrashLoopBackOff', message}}, lastState, ready: false, started: false})
  }
  return {change, startedNow, backingOff, backoffMinMilliseconds: Number.isFinite(backoffMin) ? backoffMin : null}
}

/** Of the containers waiting in CrashLoopBackOff, those whose back-off is over run again (their statuses), and when the next one is due. */
export function waitingRestarts(pod: Pod, statuses: ReadonlyArray<Record<string, any>>, now: number): {change: Map<string, Record<string, unknown>>; nextDueAtMilliseconds: number | null} {
  const waiting = statuses.filter((status) => status.state?.waiting?.reason === 'CrashLoopBackOff')
  const later = waiting.map((status) => restartDue([status])).filter((due) => due > now)
  const change = new Map<string, Record<string, unknown>>()
  for (const status of waiting) {
    const container = pod.spec.containers.find((entry) => entry.name === status.name)
    if (container && restartDue([status]) <= now) change.set(container.name, restartedContainerStatus(pod, container, Number(status.restartCount ?? 0) + 1, status.lastState, now))
  }
  return {change, nextDueAtMilliseconds: later.length > 0 ? Math.min(...later) : null}
}

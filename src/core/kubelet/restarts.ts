// The kubelet's restarts: CrashLoopBackOff timing (10 s, doubling, at most 5 minutes), when a
// waiting container runs again, how the statuses of some of a pod's containers change when they
// alone end and restart while the others run on, and what the kubelet does when a pod's run ends
// (completes under its restartPolicy, restarts at once, or waits in CrashLoopBackOff).
import {formatTimestamp} from '../api/object.js'
import type {Pod} from '../api/kinds.js'
import {doublingBackoffMilliseconds} from '../util/backoff.js'
import {containersOverStatus, restartedContainerStatus, runningSidecars, runningStatus, terminalSidecarStatuses, terminatedStatus, withContainersChanged} from './pod-status.js'
import {containerSubject, awaitingPulls, type PodWork, startContainers, writeStatus} from './pod-work.js'

/** CrashLoopBackOff: 10 s, doubling, at most 5 minutes (the kubelet's). */
export const restartBackoffInitialMilliseconds = 10_000
export const restartBackoffMaxMilliseconds = 300_000

/** How a pod's run ended: all its containers, or `only` some of them while the others run on (or, `terminal`, the last of them). */
export interface RunEnd {
  readonly exitCode: number
  readonly finishedAt: number
  readonly only?: readonly ContainerEnded[]
  /** Every container has ended for good: the pod is Succeeded or Failed. */
  readonly terminal?: boolean
}

/** Whether a container that exited with `exitCode` runs again under the pod's restartPolicy. */
export function restartsAfter(pod: Pod, exitCode: number): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always'
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0)
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

/** The waiting message of a container in CrashLoopBackOff, as the kubelet writes it. */
export function crashLoopMessage(pod: Pod, container: string, backoffMilliseconds: number): string {
  return `back-off ${backoffText(backoffMilliseconds)} restarting failed container=${container} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`
}

/** The kubelet's BackOff event for a container that will run again after its back-off. */
export function backOffEventMessage(pod: Pod, container: string): string {
  return `Back-off restarting failed container ${container} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`
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
    const terminated = {exitCode: end.exitCode, reason: end.exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: formatTimestamp(end.finishedAt), containerID: status.containerID}
    // Under Never (or OnFailure after a success) the container stays as it ended, at once in its status.
    if (!restartsAfter(pod, end.exitCode)) {
      change.set(end.name, {...status, state: {terminated}, ready: false, started: false})
      continue
    }
    const lastState = {terminated}
    if (restarts === 0) {
      change.set(end.name, restartedContainerStatus(pod, container, 1, lastState, now))
      startedNow.push(container)
      continue
    }
    const backoff = restartBackoffMilliseconds(restarts)
    backoffMin = Math.min(backoffMin, backoff)
    backingOff.push(end.name)
    change.set(end.name, {...status, state: {waiting: {reason: 'CrashLoopBackOff', message: crashLoopMessage(pod, end.name, backoff)}}, lastState, ready: false, started: false})
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

/**
 * A pod whose containers are waiting in CrashLoopBackOff: each runs again once its own back-off is
 * over (all of them at once when the whole pod was backing off); or, from ContainerCreating, the
 * first start of all. False when some wait while the others run on and none is due yet: the
 * running ones are looked at as usual.
 */
export async function restartWaiting(work: PodWork, pod: Pod, key: string, statuses: ReadonlyArray<Record<string, any>>, creating: boolean, now: number): Promise<boolean> {
  const waitingBackoff = statuses.some((status) => status.state?.waiting?.reason === 'CrashLoopBackOff')
  // Some containers wait in CrashLoopBackOff while the others run on: each runs again once its own back-off is over.
  if (!creating && statuses.filter((status) => status.state?.waiting?.reason === 'CrashLoopBackOff').length < pod.spec.containers.length) {
    const {change, nextDueAtMilliseconds} = waitingRestarts(pod, statuses, now)
    if (nextDueAtMilliseconds !== null) work.wallClock.addAfter(key, nextDueAtMilliseconds - now)
    if (change.size === 0) return false
    await startContainers(work, pod, key, now, withContainersChanged(pod, change, now), pod.spec.containers.filter((container) => change.has(container.name)))
    return true
  }
  if (waitingBackoff) {
    const due = restartDue(statuses)
    if (due > now) {
      work.wallClock.addAfter(key, due - now)
      return true
    }
  }
  // A first start waits for the images its node lacks.
  if (creating && (await awaitingPulls(work, pod, key, now))) return true
  // Out of CrashLoopBackOff the container runs again: one more restart.
  const restartCounts = new Map(statuses.map((status) => [String(status.name), Number(status.restartCount ?? 0) + (waitingBackoff ? 1 : 0)]))
  const lastStates = new Map(statuses.map((status) => [String(status.name), status.lastState ?? {}]))
  await startContainers(work, pod, key, now, runningStatus(pod, restartCounts, lastStates, now))
  return true
}

/** A running pod's run ended (`ended`): it completes, or its containers restart as its restartPolicy says. */
export async function runEnded(work: PodWork, pod: Pod, key: string, statuses: ReadonlyArray<Record<string, any>>, ended: RunEnd, now: number): Promise<void> {
  const {exitCode, finishedAt} = ended
  const policy = pod.spec.restartPolicy ?? 'Always'
  // The last container ended for good: the pod is over, each container as it ended (once its sidecars are stopped).
  if (ended.terminal) return podOver(work, pod, key, terminatedStatus(pod, exitCode, exitCode === 0 ? 'Succeeded' : 'Failed', finishedAt, ended.only), now)
  if (ended.only) return restartContainers(work, pod, key, statuses, ended.only, now)
  if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) return podOver(work, pod, key, terminatedStatus(pod, exitCode, exitCode === 0 ? 'Succeeded' : 'Failed', finishedAt), now)
  // The kubelet's back-off: the first exit restarts at once (nothing is in back-off yet); each
  // later one waits in CrashLoopBackOff, 10 s after the second exit, doubling, the restart count
  // unchanged until the container runs again.
  const restarts = Math.max(...statuses.map((status) => Number(status.restartCount ?? 0)))
  const finished = terminatedStatus(pod, exitCode, 'Failed', finishedAt).containerStatuses as Array<Record<string, unknown>>
  if (restarts === 0) {
    const lastStates = new Map(finished.map((entry) => [String(entry.name), entry.state]))
    await startContainers(work, pod, key, now, runningStatus(pod, new Map(finished.map((entry) => [String(entry.name), 1])), lastStates, now))
    return
  }
  const backoff = restartBackoffMilliseconds(restarts)
  // A container waiting to restart is not ready, so neither is the pod (it leaves its Services' endpoints).
  const at = formatTimestamp(now)
  const unready = `containers with unready status: [${finished.map((entry) => String(entry.name)).join(' ')}]`
  const conditions = ((pod.status as {conditions?: Array<Record<string, unknown>>} | undefined)?.conditions ?? [])
  const waitingConditions = conditions.map((condition) =>
    (condition.type === 'Ready' || condition.type === 'ContainersReady') ? {type: condition.type, status: 'False', lastProbeTime: null, lastTransitionTime: condition.status === 'False' ? condition.lastTransitionTime : at, reason: 'ContainersNotReady', message: unready} : condition,
  )
  const status = {
    ...(pod.status as Record<string, unknown>),
    conditions: waitingConditions,
    containerStatuses: finished.map((entry) => ({...entry, state: {waiting: {reason: 'CrashLoopBackOff', message: crashLoopMessage(pod, String(entry.name), backoff)}}, lastState: entry.state, restartCount: restarts, ready: false, started: false})),
  }
  await writeStatus(work, pod, status)
  await work.recorderFor(String(pod.spec.nodeName)).record(containerSubject(pod, pod.spec.containers[0]?.name ?? ''), 'Warning', 'BackOff', backOffEventMessage(pod, pod.spec.containers[0]?.name ?? ''))
  work.wallClock.addAfter(key, backoff)
}

/**
 * The pod's containers have ended for good (`final`, its terminal status): it is over, unless
 * sidecars run. Then the kubelet stops them first, the last one first (Killing, at the containers'
 * end; the stop itself is sidecars.ts's), and the pod stays Running and not ready meanwhile.
 */
async function podOver(work: PodWork, pod: Pod, key: string, final: Record<string, unknown>, now: number): Promise<void> {
  const sidecars = runningSidecars(pod)
  if (sidecars.length === 0) {
    const initStatuses = (pod.status as {initContainerStatuses?: Array<Record<string, unknown>>} | undefined)?.initContainerStatuses
    await writeStatus(work, pod, initStatuses ? {...final, initContainerStatuses: terminalSidecarStatuses(pod, initStatuses)} : final)
    return
  }
  await writeStatus(work, pod, containersOverStatus(pod, final, now))
  // Told as the kubelet's sync sees the containers' end (now), the last sidecar first.
  const recorder = work.recorderFor(String(pod.spec.nodeName))
  for (const sidecar of sidecars.reverse()) await recorder.record(containerSubject(pod, sidecar.name), 'Normal', 'Killing', `Stopping container ${sidecar.name}`)
  work.simulated.add(key)
}

/**
 * Some of a pod's containers ended while the others run on: those alone restart, at once the
 * first time, later after their own CrashLoopBackOff (their BackOff events name them).
 */
async function restartContainers(work: PodWork, pod: Pod, key: string, statuses: ReadonlyArray<Record<string, any>>, ended: readonly ContainerEnded[], now: number): Promise<void> {
  const recorder = work.recorderFor(String(pod.spec.nodeName))
  const {change, startedNow, backingOff, backoffMinMilliseconds} = containersEnded(pod, statuses, ended, now)
  if (startedNow.length > 0) await startContainers(work, pod, key, now, withContainersChanged(pod, change, now), startedNow)
  else await writeStatus(work, pod, withContainersChanged(pod, change, now))
  for (const name of backingOff) await recorder.record(containerSubject(pod, name), 'Warning', 'BackOff', backOffEventMessage(pod, name))
  if (backoffMinMilliseconds !== null) work.wallClock.addAfter(key, backoffMinMilliseconds)
  // The containers that run on are looked at again at their own next change.
  work.simulated.add(key)
}

// A pod's init containers, as the kubelet runs them before the pod's containers: one after the
// other, each after its own image pull, each to a successful exit; a sidecar (restartPolicy
// Always) once it started, and it runs on beside the others. A failed one starts again (at once
// the first time, then after its CrashLoopBackOff), or under the pod's restartPolicy Never fails
// the pod. Meanwhile the pod is Pending and not Initialized, its containers wait in
// PodInitializing, and `kubectl get` shows Init:N/M. Everything the kubelet needs to go on is in
// the pod's status, so a later command (or another `up`) takes up where the last one stopped.
import {formatTimestamp} from '../api/object.js'
import type {Container, Pod} from '../api/kinds.js'
import {servicesOfStartSecond} from './container-setup.js'
import {containerId, fullImageName, imageIdOf, initContainerDone, initializedCondition, initializingStatus, isSidecar, unreadyContainers, withReadiness} from './pod-status.js'
import {containerSubject, awaitingPulls, containersStarted, type PodWork, pullPlanKey, readerFor, writeStatus, writeStatusOfStart} from './pod-work.js'
import {backOffEventMessage, crashLoopMessage, restartBackoffInitialMilliseconds, restartBackoffMilliseconds, restartDue} from './restarts.js'
import {runsDefaultShell} from './termination.js'

type ContainerStatus = Record<string, any>

/** The pod's status with init container `name`'s status replaced, its sandbox ready and Initialized as they all are now. */
function withInitStatus(pod: Pod, name: string, entry: ContainerStatus, now: number, phase?: 'Failed'): Record<string, unknown> {
  const at = formatTimestamp(now)
  const status = (pod.status ?? {}) as Record<string, any>
  const before: ContainerStatus[] = status.initContainerStatuses ?? (pod.spec.initContainers ?? []).map(initializingStatus)
  const statuses = before.map((existing) => (existing.name === name ? entry : existing))
  const initialized = initializedCondition(pod, statuses, at)
  const conditions = ((status.conditions as Array<Record<string, unknown>> | undefined) ?? []).map((condition) => {
    // A pod an init container failed is over: its sandbox is gone, and its readiness says why.
    if (phase === 'Failed' && condition.type === 'PodReadyToStartContainers') return {type: condition.type, status: 'False', lastProbeTime: null, lastTransitionTime: at}
    if (phase === 'Failed' && (condition.type === 'Ready' || condition.type === 'ContainersReady')) return {type: condition.type, status: 'False', lastProbeTime: null, lastTransitionTime: condition.lastTransitionTime, reason: 'PodFailed'}
    if (condition.type === 'PodReadyToStartContainers') return condition.status === 'True' ? condition : {...condition, status: 'True', lastTransitionTime: at}
    if (condition.type !== 'Initialized') return condition
    // The transition time moves only when the condition's status does.
    return condition.status === initialized.status ? {...initialized, lastTransitionTime: condition.lastTransitionTime} : initialized
  })
  // A sidecar's readiness counts while the pod initializes too.
  const ready = phase ? conditions : withReadiness(conditions, unreadyContainers(pod, status.containerStatuses ?? [], statuses), now)
  return {...status, ...(phase ? {phase} : {}), conditions: ready, initContainerStatuses: statuses}
}

/** The pod has init containers and is not Initialized yet (not failed either). */
export function isInitializing(pod: Pod): boolean {
  if ((pod.spec.initContainers ?? []).length === 0 || pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return false
  return !((pod.status?.conditions ?? []) as Array<{type?: string; status?: string}>).some((condition) => condition.type === 'Initialized' && condition.status === 'True')
}

/**
 * The pod's init containers now: false when it has none or all are done (its containers start);
 * true while one is pulled, runs, backs off, or failed the pod (the pod is looked at again when
 * something is due). `volumesReady`: its claims are bound (the volume manager mounts them before
 * any container starts).
 */
export async function initializing(work: PodWork, pod: Pod, key: string, now: number, volumesReady: boolean): Promise<boolean> {
  if (!isInitializing(pod)) return false
  const inits = pod.spec.initContainers ?? []
  const status = (pod.status ?? {}) as Record<string, any>
  const statuses: ContainerStatus[] = status.initContainerStatuses ?? inits.map(initializingStatus)
  const container = inits.find((entry) => !initContainerDone(pod, entry, statuses))
  if (!container) {
    // The last one ended after Initialized was written False: the pod's containers start next.
    await writeStatus(work, pod, withInitStatus(pod, inits.at(-1)!.name, statuses.find((entry) => entry.name === inits.at(-1)!.name)!, now))
    work.simulated.add(key)
    return true
  }
  const current = statuses.find((entry) => entry.name === container.name) ?? initializingStatus(container)
  // A sidecar not started yet (its startup probe): its look (sidecars.ts) writes it started.
  if (current.state?.running) return isSidecar(container) ? true : watchRun(work, pod, key, container, current, now)
  if (current.state?.terminated) return true // failed under Never: the pod is Failed
  const restartCount = Number(current.restartCount ?? 0)
  if (current.state?.waiting?.reason === 'CrashLoopBackOff') {
    const due = restartDue([current])
    if (due > now) {
      work.wallClock.addAfter(key, due - now)
      return true
    }
    return start(work, pod, key, container, restartCount + 1, current.lastState ?? {}, now)
  }
  if (!volumesReady) return true
  if (await awaitingPulls(work, pod, key, now, [container], pullPlanKey(pod, container.name))) return true
  return start(work, pod, key, container, restartCount, current.lastState ?? {}, now)
}

/** Starts the init container (its image first), then looks at its run; a sidecar being started lets the next one start. */
async function start(work: PodWork, pod: Pod, key: string, container: Container, restartCount: number, lastState: unknown, now: number): Promise<boolean> {
  const failed = (await containersStarted(work, pod, [container], now, pullPlanKey(pod, container.name))).get(container.name)
  if (failed) {
    // ErrImageNeverPull: the pod worker tries again after its back-off.
    const waiting = {...initializingStatus(container), state: {waiting: {reason: failed.reason, message: failed.message}}, restartCount, lastState}
    await writeStatus(work, pod, withInitStatus(pod, container.name, waiting, now))
    work.wallClock.addAfter(key, restartBackoffInitialMilliseconds)
    return true
  }
  const probed = Boolean(container.readinessProbe ?? container.startupProbe)
  const running = {
    name: container.name,
    state: {running: {startedAt: formatTimestamp(now)}},
    lastState,
    // Of a one-off init container, ready means it completed; a sidecar is ready as its probes say.
    ready: isSidecar(container) && !probed,
    restartCount,
    image: fullImageName(container.image),
    imageID: imageIdOf(container.image),
    containerID: containerId(pod, container.name, restartCount),
    started: !container.startupProbe,
  }
  const written = await writeStatusOfStart(work, pod, withInitStatus(pod, container.name, running, now))
  work.runtime.recordServicesOfStartSecond(written, container.name, {startedAtMilliseconds: now, restartCount}, servicesOfStartSecond(written, work.services.list(), now))
  work.simulated.add(key)
  return true
}

/** A one-off init container that runs: completed, failed (restarted or failing the pod), or looked at again at its next change. */
async function watchRun(work: PodWork, pod: Pod, key: string, container: Container, current: ContainerStatus, now: number): Promise<boolean> {
  const startedAt = Date.parse(String(current.state.running.startedAt)) || now
  const restartCount = Number(current.restartCount ?? 0)
  let end: {exitCode: number; atMilliseconds: number} | null = null
  if (runsDefaultShell(container) && !container.stdin) end = {exitCode: 0, atMilliseconds: startedAt}
  else {
    const outcome = await work.runtime.outcome(pod, container.name, {startedAtMilliseconds: startedAt, restartCount}, now, readerFor(work, String(pod.spec.nodeName)))
    end = outcome.end
    if (!end && outcome.nextChangeAtMilliseconds !== null) work.wallClock.addAfter(key, Math.max(1, outcome.nextChangeAtMilliseconds - now))
  }
  // A program that serves (a server's image, as nginx) runs on: the pod stays initializing, as it would.
  if (!end) return true
  const terminated = {exitCode: end.exitCode, reason: end.exitCode === 0 ? 'Completed' : 'Error', startedAt: current.state.running.startedAt, finishedAt: formatTimestamp(end.atMilliseconds), containerID: current.containerID}
  if (end.exitCode === 0) {
    await writeStatus(work, pod, withInitStatus(pod, container.name, {...current, state: {terminated}, ready: true, started: false}, end.atMilliseconds))
    work.simulated.add(key)
    return true
  }
  if ((pod.spec.restartPolicy ?? 'Always') === 'Never') {
    await writeStatus(work, pod, withInitStatus(pod, container.name, {...current, state: {terminated}, ready: false, started: false}, end.atMilliseconds, 'Failed'))
    return true
  }
  // The kubelet restarts a failed init container at once the first time, then after its back-off.
  if (restartCount === 0) return start(work, pod, key, container, 1, {terminated}, now)
  const backoff = restartBackoffMilliseconds(restartCount)
  await writeStatus(work, pod, withInitStatus(pod, container.name, {...current, state: {waiting: {reason: 'CrashLoopBackOff', message: crashLoopMessage(pod, container.name, backoff)}}, lastState: {terminated}, ready: false, started: false}, now))
  await work.recorderFor(String(pod.spec.nodeName)).record(containerSubject(pod, container.name), 'Warning', 'BackOff', backOffEventMessage(pod, container.name))
  work.wallClock.addAfter(key, backoff)
  return true
}

// A pod's sidecars (init containers with restartPolicy Always) as the kubelet runs them once
// started: beside the other init containers and then the pod's containers, each is restarted
// whenever it exits, whatever the pod's restartPolicy (at once the first time, then after its
// CrashLoopBackOff); its probes run (a startup probe holds the next init container back, a
// failed liveness probe restarts it, its readiness counts in the pod's Ready); and once the pod's
// containers have all ended for good, the kubelet stops the sidecars, the last one first, each
// after the one after it ended, within the pod's grace period. The pod is Running meanwhile and
// Succeeded or Failed, as its containers ended, once the sidecars are gone. Everything needed to
// go on is in the pod's status, so a later command (or another `up`) takes up where this one stopped.
import {formatTimestamp} from '../api/object.js'
import type {Container, Pod} from '../api/kinds.js'
import {runningRun} from '../apiserver/pod-logs.js'
import {initializedCondition, isSidecar, restartedContainerStatus, runningSidecars, terminalSidecarStatuses, unreadyContainers, withReadiness} from './pod-status.js'
import {servicesOfStartSecond} from './container-setup.js'
import {containersStarted, containerSubject, type PodWork, pullPlanKey, readerFor, writeStatus, writeStatusOfStart} from './pod-work.js'
import {backOffEventMessage, crashLoopMessage, restartBackoffMilliseconds, restartDue, restartsAfter} from './restarts.js'
import {recordProbeFailures} from './running.js'
import {defaultGracePeriodSeconds, killedExitCode, runsDefaultShell} from './termination.js'

type ContainerStatus = Record<string, any>

function initStatusesOf(pod: Pod): ContainerStatus[] {
  return ((pod.status as {initContainerStatuses?: ContainerStatus[]} | undefined)?.initContainerStatuses ?? [])
}

function containerStatusesOf(pod: Pod): ContainerStatus[] {
  return ((pod.status as {containerStatuses?: ContainerStatus[]} | undefined)?.containerStatuses ?? [])
}

/** Some regular container has run: the pod is initialized for good (the kubelet's status generator keeps Initialized True from then on). */
function regularContainerStarted(pod: Pod): boolean {
  return containerStatusesOf(pod).some((status) => status.state?.running || status.state?.terminated || status.lastState?.terminated)
}

/**
 * The pod's status with these sidecars' statuses changed: Initialized as they make it while the
 * pod initializes, Ready and ContainersReady from every container's readiness once it runs.
 */
function withSidecarsChanged(pod: Pod, change: ReadonlyMap<string, ContainerStatus>, now: number): Record<string, unknown> {
  const status = (pod.status ?? {}) as Record<string, any>
  const statuses = initStatusesOf(pod).map((entry) => change.get(String(entry.name)) ?? entry)
  let conditions: Array<Record<string, unknown>> = status.conditions ?? []
  if (!regularContainerStarted(pod)) {
    const initialized = initializedCondition(pod, statuses, formatTimestamp(now))
    conditions = conditions.map((condition) => (condition.type !== 'Initialized' || condition.status === initialized.status ? condition : initialized))
  }
  // Readiness counts sidecars at every phase (the pod's containers wait while it initializes).
  conditions = withReadiness(conditions, unreadyContainers(pod, containerStatusesOf(pod), statuses), now)
  return {...status, conditions, initContainerStatuses: statuses}
}

/** The pod's containers have all ended and none runs again under its restartPolicy: the pod's run is over but for its sidecars. */
function containersOver(pod: Pod): boolean {
  const statuses = containerStatusesOf(pod)
  return pod.spec.containers.length > 0 && pod.spec.containers.every((container) => {
    const terminated = statuses.find((entry) => entry.name === container.name)?.state?.terminated
    return terminated !== undefined && !restartsAfter(pod, Number(terminated.exitCode ?? 0))
  })
}

/**
 * The pod's sidecars now: those that ended restart (or wait in their back-off), those due after
 * their back-off start again once the pod is initialized (before, the init containers' order does
 * it), and changed readiness or startup is written. True when something was written (the pod is
 * looked at again); false when the rest of the pod's look goes on. A pod whose containers are over
 * stops its sidecars instead.
 */
export async function sidecarsLook(work: PodWork, pod: Pod, key: string, now: number): Promise<boolean> {
  const sidecars = (pod.spec.initContainers ?? []).filter(isSidecar)
  if (sidecars.length === 0) return false
  if (pod.status?.phase === 'Running' && containersOver(pod)) return stopSidecars(work, pod, key, now)
  const statuses = initStatusesOf(pod)
  const node = String(pod.spec.nodeName)
  const recorder = work.recorderFor(node)
  const reader = readerFor(work, node)
  const change = new Map<string, ContainerStatus>()
  const restarted: Container[] = []
  const backingOff: string[] = []
  let next = Number.POSITIVE_INFINITY
  for (const sidecar of sidecars) {
    const status = statuses.find((entry) => entry.name === sidecar.name)
    // Out of its back-off, a sidecar that ran before starts again, whether the pod has initialized or not
    // (the init container after it does not wait for that: it counts as started once it ran).
    if (status?.state?.waiting?.reason === 'CrashLoopBackOff') {
      const due = restartDue([status])
      if (due <= now) {
        change.set(sidecar.name, restartedContainerStatus(pod, sidecar, Number(status.restartCount ?? 0) + 1, status.lastState, now))
        restarted.push(sidecar)
      } else next = Math.min(next, due)
      continue
    }
    if (!status?.state?.running) continue
    const run = {startedAtMilliseconds: Date.parse(String(status.state.running.startedAt)) || now, restartCount: Number(status.restartCount ?? 0)}
    // busybox or alpine with no command: the shell reads no input and exits at once.
    const outcome = runsDefaultShell(sidecar) && !sidecar.stdin
      ? {end: {exitCode: 0, atMilliseconds: run.startedAtMilliseconds, killedBy: null}, ready: false, started: false, probeFailures: [], nextChangeAtMilliseconds: null}
      : await work.runtime.outcome(pod, sidecar.name, run, now, reader)
    await recordProbeFailures(work, pod, [{name: sidecar.name, outcome, run}])
    if (outcome.nextChangeAtMilliseconds !== null) next = Math.min(next, outcome.nextChangeAtMilliseconds)
    const end = outcome.end
    if (!end) {
      if (status.ready !== outcome.ready || status.started !== outcome.started) change.set(sidecar.name, {...status, ready: outcome.ready, started: outcome.started})
      continue
    }
    if (end.killedBy) {
      // The failures that led to the kill have their Unhealthy events already (recordProbeFailures).
      const subject = containerSubject(pod, sidecar.name)
      // The kubelet's words for an init container's kill (no ", will be restarted").
      await recorder.record(subject, 'Normal', 'Killing', `Init container ${sidecar.name} failed ${end.killedBy} probe`, end.atMilliseconds)
    }
    // A sidecar runs again whatever the pod's restartPolicy: at once the first time, then after its back-off.
    const terminated = {exitCode: end.exitCode, reason: end.exitCode === 0 ? 'Completed' : 'Error', startedAt: status.state.running.startedAt, finishedAt: formatTimestamp(end.atMilliseconds), containerID: status.containerID}
    if (run.restartCount === 0) {
      change.set(sidecar.name, restartedContainerStatus(pod, sidecar, 1, {terminated}, now))
      restarted.push(sidecar)
      continue
    }
    const backoff = restartBackoffMilliseconds(run.restartCount)
    next = Math.min(next, end.atMilliseconds + backoff)
    change.set(sidecar.name, {...status, state: {waiting: {reason: 'CrashLoopBackOff', message: crashLoopMessage(pod, sidecar.name, backoff)}}, lastState: {terminated}, ready: false, started: false})
    backingOff.push(sidecar.name)
  }
  if (Number.isFinite(next)) work.wallClock.addAfter(key, Math.max(1, next - now))
  if (change.size === 0) return false
  // The kubelet tells a start as it happens (its image, Created, Started); its status manager writes
  // after, onto the latest pod if another write came between (the start is not told twice).
  const startedNow: Container[] = []
  for (const sidecar of restarted) {
    const failed = (await containersStarted(work, pod, [sidecar], now, pullPlanKey(pod, sidecar.name))).get(sidecar.name)
    if (failed) change.set(sidecar.name, {...change.get(sidecar.name), state: {waiting: {reason: failed.reason, message: failed.message}}, ready: false, started: false})
    else startedNow.push(sidecar)
  }
  if (restarted.length === 0) await writeStatus(work, pod, withSidecarsChanged(pod, change, now))
  else {
    const written = await writeStatusOfStart(work, pod, withSidecarsChanged(pod, change, now))
    const services = servicesOfStartSecond(written, work.services.list(), now)
    for (const sidecar of startedNow) work.runtime.recordServicesOfStartSecond(written, sidecar.name, {startedAtMilliseconds: now, restartCount: Number(change.get(sidecar.name)?.restartCount ?? 0)}, services)
  }
  for (const name of backingOff) await recorder.record(containerSubject(pod, name), 'Warning', 'BackOff', backOffEventMessage(pod, name))
  work.simulated.add(key)
  return true
}

/**
 * The pod's containers are over and its sidecars run: the kubelet stops them, the last first, each
 * once the one after it ended (its SIGTERM, and SIGKILL when the rest of the grace period is over),
 * then the pod is Succeeded or Failed as its containers ended, the sidecars terminated as they
 * ended (137 for one killed). Their Killing events were told as the containers' run ended.
 */
async function stopSidecars(work: PodWork, pod: Pod, key: string, now: number): Promise<boolean> {
  const sidecars = runningSidecars(pod).reverse()
  const containerStatuses = containerStatusesOf(pod)
  const signalAt = Math.max(...containerStatuses.map((status) => Date.parse(String(status.state?.terminated?.finishedAt ?? '')) || 0))
  const graceEndsAt = signalAt + Number(pod.spec.terminationGracePeriodSeconds ?? defaultGracePeriodSeconds) * 1000
  /** The kubelet gives each sidecar what is left of the grace period, but at least this (kube's minimumGracePeriodInSeconds). */
  const sidecarGraceMinMilliseconds = 2_000
  const reader = readerFor(work, String(pod.spec.nodeName))
  const ends = new Map<string, {atMilliseconds: number; exitCode: number}>()
  let termAt = signalAt
  for (const sidecar of sidecars) {
    const run = runningRun(pod, sidecar.name)
    const killAt = Math.max(graceEndsAt, termAt + sidecarGraceMinMilliseconds)
    const afterTerm = run ? await work.runtime.endAfterTerm(pod, sidecar.name, run, termAt, killAt, reader) : {atMilliseconds: termAt, exitCode: 0}
    const ended = afterTerm && afterTerm.atMilliseconds <= killAt ? afterTerm : {atMilliseconds: killAt, exitCode: killedExitCode}
    // Collapsed (one-shot, a manual clock), the grace period takes no time on the clock.
    const end = work.collapsing ? {...ended, atMilliseconds: Math.min(ended.atMilliseconds, now)} : ended
    if (run) work.runtime.runEnded(pod, sidecar.name, run, end.atMilliseconds)
    ends.set(sidecar.name, end)
    termAt = end.atMilliseconds
  }
  if (termAt > now && !work.collapsing) {
    work.simulated.addAfter(key, termAt - now)
    return true
  }
  const at = formatTimestamp(now)
  const initStatuses = terminalSidecarStatuses(pod, initStatusesOf(pod).map((status) => {
    const end = ends.get(String(status.name))
    if (!end) return status
    const terminated = {exitCode: end.exitCode, reason: end.exitCode === 0 ? 'Completed' : 'Error', startedAt: status.state.running.startedAt, finishedAt: formatTimestamp(end.atMilliseconds), containerID: status.containerID}
    return {...status, state: {terminated}, ready: false, started: false}
  }))
  // The pod's phase is its containers' (sidecars' exits do not count), as the kubelet's getPhase gives it.
  const failed = containerStatuses.some((status) => Number(status.state?.terminated?.exitCode ?? 0) !== 0)
  const phase = failed ? 'Failed' : 'Succeeded'
  const reason = failed ? 'PodFailed' : 'PodCompleted'
  const status = (pod.status ?? {}) as Record<string, any>
  const conditions = ((status.conditions ?? []) as Array<Record<string, unknown>>).map((condition) => {
    if (condition.type === 'PodReadyToStartContainers') return {type: condition.type, status: 'False', lastProbeTime: null, lastTransitionTime: at}
    if (condition.type === 'Ready' || condition.type === 'ContainersReady') return {type: condition.type, status: 'False', lastProbeTime: null, lastTransitionTime: condition.status === 'False' ? condition.lastTransitionTime : at, reason}
    if (condition.type === 'Initialized' && !failed) return {...condition, reason}
    return condition
  })
  await writeStatus(work, pod, {...status, phase, conditions, initContainerStatuses: initStatuses})
  return true
}

// A running pod's containers as the kubelet watches them: each container's outcome from the
// simulated runtime (its command's exit, a probe's kill, its readiness), the Unhealthy and Killing
// events, readiness written as it changes, and how the pod's run ended when it did.
import type {Pod} from '../api/kinds.js'
import {objectKey} from '../client/client.js'
import {type ContainerOutcome, type ContainerRunStart, exitCodeAnnotation, followsCommand} from './containers.js'
import {probeKinds, probeLabels} from './probes.js'
import {containerSubject, type PodWork, readerFor, runSecondsOf, writeStatus} from './pod-work.js'
import {type ContainerEnded, restartsAfter, type RunEnd} from './restarts.js'
import {withContainersChanged} from './pod-status.js'

/** Probe failures of one kind one look at a container writes events for (the latest, after a long stretch of cluster time). */
export const probeFailureEventsPerLookMax = 30

/**
 * A running pod's containers now: null while they run on (readiness written, the next change
 * scheduled on the cluster clock), or which of them ended and how. Containers that follow
 * their command end with it (or a failed liveness/startup probe kills them); others end as the
 * kubemu.io annotations say. Containers not running (ended for good, or waiting in
 * CrashLoopBackOff) are not looked at: the others' changes are handled as they come.
 */
export async function runningOutcome(work: PodWork, pod: Pod, statuses: ReadonlyArray<Record<string, any>>, now: number): Promise<RunEnd | null> {
  const key = objectKey(pod)
  const startedAt = Math.max(...statuses.map((status) => Date.parse(status.state?.running?.startedAt ?? '') || 0))
  const shellRun = pod.spec.containers.some((container) => followsCommand(pod, container))
  const probed = pod.spec.containers.some((container) => Boolean(container.livenessProbe ?? container.readinessProbe ?? container.startupProbe))
  if (!shellRun && !probed) {
    const runSeconds = runSecondsOf(pod)
    if (!Number.isFinite(runSeconds)) return null
    const due = startedAt + runSeconds * 1000
    if (due > now && !work.collapsing) {
      work.simulated.addAfter(key, due - now)
      return null
    }
    return {exitCode: Number(pod.metadata.annotations?.[exitCodeAnnotation] ?? 0) || 0, finishedAt: now}
  }
  const reader = readerFor(work, String(pod.spec.nodeName))
  const outcomes: Array<{name: string; outcome: ContainerOutcome; follows: boolean; run: ContainerRunStart}> = []
  for (const container of pod.spec.containers) {
    const status = statuses.find((entry) => entry.name === container.name)
    if (status && !status.state?.running) continue
    const run = {startedAtMilliseconds: Date.parse(status?.state?.running?.startedAt ?? '') || startedAt, restartCount: Number(status?.restartCount ?? 0)}
    outcomes.push({name: container.name, outcome: await work.runtime.outcome(pod, container.name, run, now, reader), follows: followsCommand(pod, container), run})
  }
  const recorder = work.recorderFor(String(pod.spec.nodeName))
  // A probe kill ends the pod's run at once; an exit ends it once every container following a command has ended.
  await recordProbeFailures(work, pod, outcomes)
  const killed = outcomes.filter((entry) => entry.outcome.end?.killedBy).sort((a, b) => a.outcome.end!.atMilliseconds - b.outcome.end!.atMilliseconds)[0]
  if (killed) {
    // The failures that led to the kill have their Unhealthy events already (recordProbeFailures).
    const end = killed.outcome.end!
    const subject = containerSubject(pod, killed.name)
    await recorder.record(subject, 'Normal', 'Killing', `Container ${killed.name} failed ${end.killedBy} probe, will be restarted`, end.atMilliseconds)
    return runEndOf(pod, statuses, [{name: killed.name, exitCode: end.exitCode, finishedAt: end.atMilliseconds}])
  }
  const exited = outcomes.filter((entry) => entry.follows && entry.outcome.end).map((entry) => ({name: entry.name, exitCode: entry.outcome.end!.exitCode, finishedAt: entry.outcome.end!.atMilliseconds}))
  if (exited.length > 0) return runEndOf(pod, statuses, exited)
  // Still running: readiness as the probes say (sidecars' included), and a look again at the next change.
  const changed = statuses.some((status) => {
    const outcome = outcomes.find((entry) => entry.name === status.name)?.outcome
    return outcome && (status.ready !== outcome.ready || status.started !== outcome.started)
  })
  if (changed) {
    const change = new Map<string, Record<string, unknown>>()
    for (const status of statuses) {
      const outcome = outcomes.find((entry) => entry.name === status.name)?.outcome
      if (outcome) change.set(String(status.name), {...status, ready: outcome.ready, started: outcome.started})
    }
    await writeStatus(work, pod, withContainersChanged(pod, change, now))
  }
  const next = Math.min(...outcomes.map((entry) => entry.outcome.nextChangeAtMilliseconds ?? Number.POSITIVE_INFINITY))
  if (Number.isFinite(next)) work.wallClock.addAfter(key, Math.max(1, next - now))
  // Annotated run time still applies to a probed container that does not follow a command.
  const runSeconds = runSecondsOf(pod)
  if (!shellRun && Number.isFinite(runSeconds)) {
    const due = startedAt + runSeconds * 1000
    if (due > now && !work.collapsing) work.simulated.addAfter(key, due - now)
    else return {exitCode: Number(pod.metadata.annotations?.[exitCodeAnnotation] ?? 0) || 0, finishedAt: now}
  }
  return null
}

/**
 * What the kubelet makes of containers that ended now (`endedNow`), under the pod's restartPolicy:
 * the pod's run is over once every container has ended for good (`terminal`); every container
 * ended now and each restarts: the pod restarts as a whole (its back-off); otherwise those alone
 * restart or stay terminated (`only`) while the others run on.
 */
function runEndOf(pod: Pod, statuses: ReadonlyArray<Record<string, any>>, endedNow: readonly ContainerEnded[]): RunEnd {
  const final = [
    ...statuses.filter((status) => status.state?.terminated).map((status) => ({name: String(status.name), exitCode: Number(status.state.terminated.exitCode ?? 0)})),
    ...endedNow.filter((end) => !restartsAfter(pod, end.exitCode)),
  ]
  const failed = final.find((end) => end.exitCode !== 0) ?? endedNow.find((end) => end.exitCode !== 0)
  const exitCode = failed?.exitCode ?? 0
  if (final.length === pod.spec.containers.length) return {exitCode, finishedAt: Math.max(...endedNow.map((end) => end.finishedAt)), only: endedNow, terminal: true}
  if (endedNow.length === pod.spec.containers.length && final.length === 0) return {exitCode, finishedAt: Math.max(...endedNow.map((end) => end.finishedAt))}
  return {exitCode: endedNow[0]!.exitCode, finishedAt: Math.min(...endedNow.map((end) => end.finishedAt)), only: endedNow}
}

/**
 * An Unhealthy event for every failed probe since the last look, at the cluster time it ran (the
 * recorder counts repeats: `describe` tells "x5 over 40s" as a real node's does): a readiness
 * probe's whether the container was ever ready or not, a liveness or startup probe's whether or
 * not it reached its failureThreshold. After a long stretch of cluster time only the latest
 * failures of each probe are written.
 */
export async function recordProbeFailures(work: PodWork, pod: Pod, outcomes: ReadonlyArray<{name: string; outcome: ContainerOutcome; run: ContainerRunStart}>): Promise<void> {
  const recorder = work.recorderFor(String(pod.spec.nodeName))
  for (const {name, outcome, run} of outcomes) {
    for (const kind of probeKinds) {
      const recordedUntil = work.runtime.probeEventsRecordedUntil(pod, name, run, kind) ?? Number.NEGATIVE_INFINITY
      const failures = outcome.probeFailures.filter((failure) => failure.kind === kind && failure.atMilliseconds > recordedUntil).slice(-probeFailureEventsPerLookMax)
      if (failures.length === 0) continue
      for (const failure of failures) await recorder.record(containerSubject(pod, name), 'Warning', 'Unhealthy', `${probeLabels[kind]} probe failed: ${failure.output}`, failure.atMilliseconds)
      work.runtime.setProbeEventsRecordedUntil(pod, name, run, kind, failures.at(-1)!.atMilliseconds)
    }
  }
}

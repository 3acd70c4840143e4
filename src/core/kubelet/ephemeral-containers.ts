// Ephemeral containers (kubectl debug) after their start: each runs its command once, beside the
// pod's own containers, and ends with it (`echo hi`: Completed, exit 0; a shell: when it exits).
// The kubelet never restarts one and its end does not touch the pod's phase or readiness; the
// status it writes is what `kubectl debug` waits on and what ends an attach to it.
import type {Pod} from '../api/kinds.js'
import {formatTimestamp} from '../api/object.js'
import {type PodWork, readerFor, writeStatus} from './pod-work.js'

type EphemeralStatus = {name: string; containerID?: string; state?: {running?: {startedAt?: string}; terminated?: Record<string, unknown>}} & Record<string, unknown>

/**
 * Writes the end of the pod's running ephemeral containers whose command is over; true when it
 * wrote (the status change brings the pod back). Looks again when the runtime says one changes next.
 */
export async function ephemeralContainersEnded(work: PodWork, pod: Pod, key: string, now: number): Promise<boolean> {
  const statuses = ((pod.status as {ephemeralContainerStatuses?: EphemeralStatus[]} | undefined)?.ephemeralContainerStatuses ?? [])
  const running = statuses.filter((status) => status.state?.running !== undefined)
  if (running.length === 0) return false
  const reader = readerFor(work, String(pod.spec.nodeName))
  const ended = new Map<string, EphemeralStatus>()
  let nextChange = Number.POSITIVE_INFINITY
  for (const status of running) {
    const startedAt = status.state?.running?.startedAt ?? formatTimestamp(now)
    const outcome = await work.runtime.outcome(pod, status.name, {startedAtMilliseconds: Date.parse(startedAt) || now, restartCount: 0}, now, reader)
    if (!outcome.end) {
      nextChange = Math.min(nextChange, outcome.nextChangeAtMilliseconds ?? Number.POSITIVE_INFINITY)
      continue
    }
    const {exitCode, atMilliseconds} = outcome.end
    const terminated = {exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: formatTimestamp(atMilliseconds), containerID: status.containerID}
    ended.set(status.name, {...status, state: {terminated}, ready: false})
  }
  if (Number.isFinite(nextChange)) work.wallClock.addAfter(key, Math.max(1, nextChange - now))
  if (ended.size === 0) return false
  await writeStatus(work, pod, {...(pod.status as Record<string, unknown>), ephemeralContainerStatuses: statuses.map((status) => ended.get(status.name) ?? status)})
  return true
}

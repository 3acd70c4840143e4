// A pod whose container's image cannot be had under imagePullPolicy Never, as the kubelet keeps at
// it: its pod worker syncs the pod again after a failed sync's back-off (backOffPeriod 10 s,
// jittered by up to half again), and each sync asks the image manager again, which tells the same
// two events again (ErrImageNeverPull, then Failed). client-go's recorder aggregates them into a
// count and lastTimestamp, and its spam filter (a token bucket per source and object: a burst of
// 25, then one more every 5 minutes) drops what comes past it. The counts here are a pure function
// of the pod's start and the cluster time, so a command that starts after a pause writes what a
// kubelet that had kept running would have, and a pod event that wakes the kubelet early changes
// nothing. A retry that finds the image on the node (another pod pulled it) starts the container.
import type {Pod} from '../api/kinds.js'
import {fnv32a} from '../util/fnv.js'
import {restartedContainerStatus, withContainersChanged} from './pod-status.js'
import {containerSubject, type PodWork, startContainers, writeStatus} from './pod-work.js'

/** The pod worker's back-off after a failed sync (kubelet's backOffPeriod). */
export const syncRetryBaseMilliseconds = 10_000
/** …jittered by up to this fraction of it (workerBackOffPeriodJitterFactor). */
export const syncRetryJitterFactor = 0.5
/** client-go's spam filter: events one source may tell about one object at once (defaultSpamBurst)… */
export const eventSpamBurst = 25
/** …and how often it gets one more (defaultSpamQPS, 1/300 per second). */
export const eventSpamRefillMilliseconds = 300_000
/** Retries worked out one by one (about three days of them); later ones only let the spam filter's refills through, counted at once. */
export const syncRetriesSimulatedMax = 20_000

/** One event's aggregate: how many times it was told and when last. */
export interface EventTally {
  count: number
  lastAtMilliseconds: number
}

/** The k-th retry's back-off (k ≥ 1): 10 s plus a jitter fixed by the pod and k. */
function retryGapMilliseconds(uid: string, retry: number): number {
  const unit = fnv32a(`${uid}/sync-retry/${retry}`) / 0x1_0000_0000
  return Math.floor(syncRetryBaseMilliseconds * (1 + syncRetryJitterFactor * unit))
}

/**
 * The tallies of the syncs' events (for each failing container in order: ErrImageNeverPull, then
 * Failed) from the first sync at `firstMilliseconds` up to `nowMilliseconds`, through the spam
 * filter, and when the next retry comes.
 */
export function neverPullTallies(uid: string, failingContainers: number, firstMilliseconds: number, nowMilliseconds: number): {tallies: EventTally[]; retries: number; nextRetryAtMilliseconds: number} {
  const eventsPerSync = failingContainers * 2
  const tallies: EventTally[] = Array.from({length: eventsPerSync}, () => ({count: 0, lastAtMilliseconds: firstMilliseconds}))
  let tokens = eventSpamBurst
  let tokensAt = firstMilliseconds
  let syncAt = firstMilliseconds
  let retry = 0
  const tell = (at: number) => {
    tokens = Math.min(eventSpamBurst, tokens + (at - tokensAt) / eventSpamRefillMilliseconds)
    tokensAt = at
    for (const tally of tallies) {
      if (tokens < 1) break
      tokens -= 1
      tally.count++
      tally.lastAtMilliseconds = at
    }
  }
  for (;;) {
    // Once the bucket is spent, only a sync's first events pass (as many as it has whole tokens).
    tell(syncAt)
    retry++
    const next = syncAt + retryGapMilliseconds(uid, retry)
    if (next > nowMilliseconds) return {tallies, retries: retry - 1, nextRetryAtMilliseconds: next}
    if (retry >= syncRetriesSimulatedMax) {
      // Far past the burst: each refill lets the first event of the next sync through.
      const refills = Math.floor((nowMilliseconds - next) / eventSpamRefillMilliseconds)
      if (refills > 0 && tallies[0]) {
        tallies[0].count += refills
        tallies[0].lastAtMilliseconds = next + refills * eventSpamRefillMilliseconds
      }
      const later = Math.floor((nowMilliseconds - next) / syncRetryBaseMilliseconds) + 1
      return {tallies, retries: retry + later - 1, nextRetryAtMilliseconds: next + later * syncRetryBaseMilliseconds}
    }
    syncAt = next
  }
}

/**
 * A pod waiting with containers in ErrImageNeverPull, looked at again: each retry due by now has
 * told its events (their counts raised to what the retries come to), the next retry is queued; a
 * retry that finds every failing container's image on the node now starts them.
 */
export async function retryNeverPulled(work: PodWork, pod: Pod, key: string, statuses: ReadonlyArray<Record<string, any>>, now: number): Promise<void> {
  const node = String(pod.spec.nodeName)
  const waiting = new Map(statuses.filter((status) => status.state?.waiting?.reason === 'ErrImageNeverPull').map((status) => [String(status.name), String(status.state.waiting.message ?? '')]))
  const failing = pod.spec.containers.filter((container) => waiting.has(container.name))
  if (failing.length === 0) return
  const first = Date.parse(String((pod.status as {startTime?: string} | undefined)?.startTime ?? '')) || now
  const {tallies, retries, nextRetryAtMilliseconds} = neverPullTallies(String(pod.metadata.uid), failing.length, first, now)
  // A retry that finds the images on the node now starts the containers.
  if (retries > 0 && failing.every((container) => work.runtime.images.has(node, container.image ?? ''))) {
    const change = new Map(failing.map((container) => [container.name, restartedContainerStatus(pod, container, 0, {}, now)]))
    await startContainers(work, pod, key, now, withContainersChanged(pod, change, now), failing)
    return
  }
  const recorder = work.recorderFor(node)
  for (const [index, container] of failing.entries()) {
    const neverPull = tallies[index * 2]!
    const failed = tallies[index * 2 + 1]!
    const subject = containerSubject(pod, container.name)
    await recorder.raiseCount(subject, 'Warning', 'ErrImageNeverPull', waiting.get(container.name)!, neverPull.count, neverPull.lastAtMilliseconds)
    await recorder.raiseCount(subject, 'Warning', 'Failed', 'Error: ErrImageNeverPull', failed.count, failed.lastAtMilliseconds)
  }
  work.wallClock.addAfter(key, nextRetryAtMilliseconds - now)
}

// What a kubelet's pod workers share (kubelet.ts's Kubelets gives it): the node's client and
// event recorder, the simulated runtime, the two work queues, and the small acts every step of a
// pod's life uses: writing its status, reading the objects its containers mount, starting
// containers (their image, Created and Started events) and scheduling the end of their run time.
import type {KubeObject} from '../api/object.js'
import type {Pod} from '../api/kinds.js'
import {type ApiClient, isNotFound} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {WorkQueue} from '../client/work-queue.js'
import {type PodObjectReader, servicesOfStartSecond} from './container-setup.js'
import {runSecondsAnnotation, type SimulatedContainers} from './containers.js'
import {ensureImage, type ImageCheck, imagePullPolicyOf, simulatedPull, startPulls} from './images.js'

/** A Job's pod without a run-seconds annotation finishes after this long (other pods run until stopped). */
export const jobPodRunSecondsDefault = 1

export interface PodWork {
  /** Each node's kubelet acts as that node's user (system:node:<name>). */
  readonly clientFor: (node: string) => ApiClient
  readonly recorderFor: (node: string) => EventRecorder
  /** What runs in the containers: their commands, execs and probes. */
  readonly runtime: SimulatedContainers
  /** Simulated work: collapses to zero in one-shot mode. */
  readonly simulated: WorkQueue
  /** Wall-clock work: restart back-off, probes' next verdicts. */
  readonly wallClock: WorkQueue
  /** Containers' service links, as the kubelet's own Service informer knows them. */
  readonly services: Informer<KubeObject>
  /** Set while the loop collapses delays (one-shot mode), so run times end at once. */
  readonly collapsing: boolean
  /** Each pod's first start's pulls while they go on, by pod UID (the kubelet's image puller, in memory). */
  readonly pullsStarted: Map<string, PullPlan>
}

/** One container's moments in its pod's first start: its pull's (if it pulls) and when it is created and started. */
interface ContainerPull {
  readonly pull: {readonly pullingAt: number; readonly pulledAt: number} | null
  readonly readyAt: number
}

/** The pulls of a pod's first start, one container after the other, planned as they begin. */
export interface PullPlan {
  readonly endsAt: number
  readonly containers: ReadonlyMap<string, ContainerPull>
}

/** Pods whose pulls one kubelet process remembers (a pod deleted while pulling is forgotten once this many are kept). */
export const pullsStartedMax = 100_000

/**
 * A pod's first start on a running clock: the kubelet pulls the images its node lacks, one
 * container after the other, before the pod's containers run (the pod stays ContainerCreating,
 * and describe shows `Pulling` meanwhile). True while the pulls go on (the pod is looked at again
 * when they end); false once there is nothing (more) to wait for. Collapsed (one-shot mode,
 * `up --manual-clock`), a pull takes no time on the clock.
 */
export async function awaitingPulls(work: PodWork, pod: Pod, key: string, now: number): Promise<boolean> {
  if (work.collapsing) return false
  const uid = String(pod.metadata.uid)
  let plan = work.pullsStarted.get(uid)
  if (plan === undefined) {
    const node = String(pod.spec.nodeName)
    const planned = planPulls(work, pod, now)
    if (planned === null) return false
    if (work.pullsStarted.size >= pullsStartedMax) work.pullsStarted.delete(work.pullsStarted.keys().next().value!)
    work.pullsStarted.set(uid, (plan = planned))
    const first = pod.spec.containers.find((container) => planned.containers.get(container.name)?.pull)!
    await work.recorderFor(node).record(podObjectOf(pod), 'Normal', 'Pulling', `Pulling image "${first.image ?? ''}"`, now)
  }
  if (now >= plan.endsAt) return false
  work.simulated.addAfter(key, plan.endsAt - now)
  return true
}

/** The pulls a pod's first start makes from `now`, or null when its node has every image it needs. An image pulled once serves the pod's later containers (unless they pull Always). */
function planPulls(work: PodWork, pod: Pod, now: number): PullPlan | null {
  const node = String(pod.spec.nodeName)
  const pulledHere = new Set<string>()
  const containers = new Map<string, ContainerPull>()
  let cursor = now
  for (const container of pod.spec.containers) {
    const image = container.image ?? ''
    const pulls = startPulls(work.runtime.images, node, container) && (imagePullPolicyOf(container) === 'Always' || !pulledHere.has(image))
    if (pulls) {
      const pullingAt = cursor
      cursor += simulatedPull(image).milliseconds
      pulledHere.add(image)
      containers.set(container.name, {pull: {pullingAt, pulledAt: cursor}, readyAt: cursor})
    } else containers.set(container.name, {pull: null, readyAt: cursor})
  }
  return pulledHere.size === 0 ? null : {endsAt: cursor, containers}
}

/** Forgets a pod's pulls (its node stopped, or it is being deleted): a kubelet that takes it up again pulls again. */
export function forgetPulls(work: PodWork, pod: Pod): void {
  work.pullsStarted.delete(String(pod.metadata.uid))
}

/** The pod as an API object (kind and apiVersion set), for events and writes. */
export function podObjectOf(pod: Pod): Pod {
  return {...pod, kind: 'Pod', apiVersion: 'v1'}
}

export async function writeStatus(work: PodWork, pod: Pod, status: Record<string, unknown>): Promise<Pod> {
  return work.clientFor(String(pod.spec.nodeName)).update<Pod>(resources.pods, {...podObjectOf(pod), status: normalizedStatus(status)}, 'status')
}

/**
 * The status as the kubelet's status manager sends it: container and ephemeral container statuses
 * sorted by name (Go's byte order), init containers' in spec order. `kubectl get`'s STATUS reads
 * them in this order, and so does a jsonpath over them.
 */
export function normalizedStatus(status: Record<string, unknown>): Record<string, unknown> {
  const sorted = (entries: unknown) => Array.isArray(entries) ? [...(entries as Array<{name?: string}>)].sort((left, right) => byteOrder(String(left.name ?? ''), String(right.name ?? ''))) : entries
  const result = {...status}
  if (Array.isArray(status.containerStatuses)) result.containerStatuses = sorted(status.containerStatuses)
  if (Array.isArray(status.ephemeralContainerStatuses)) result.ephemeralContainerStatuses = sorted(status.ephemeralContainerStatuses)
  return result
}

function byteOrder(left: string, right: string): number {
  const a = Buffer.from(left)
  const b = Buffer.from(right)
  return Buffer.compare(a, b)
}

/** How long the pod's containers run before they exit, in seconds; NaN for ever. */
export function runSecondsOf(pod: Pod): number {
  const annotated = pod.metadata.annotations?.[runSecondsAnnotation]
  if (annotated !== undefined) return Number(annotated)
  return (pod.metadata.ownerReferences ?? []).some((owner) => owner.controller && owner.kind === 'Job') ? jobPodRunSecondsDefault : Number.NaN
}

/**
 * Containers that start (again, after an exit or a kill), `pod` as its status says they run: the
 * kubelet checks the image at every start (a pull lists it in the node's status), creates and
 * starts each, and their simulated run ends after the pod's run time, if it has one. A container
 * whose image cannot be had waits instead (ErrImageNeverPull), and the pod with it is Pending.
 */
export async function startContainers(work: PodWork, pod: Pod, key: string, at: number, containers: Pod['spec']['containers'] = pod.spec.containers): Promise<void> {
  const node = String(pod.spec.nodeName)
  const recorder = work.recorderFor(node)
  const podObject = podObjectOf(pod)
  const failed = new Map<string, Extract<ImageCheck, {ok: false}>>()
  // The events carry the start's cluster time (the status's startedAt), however long their writes
  // take; after pulls the kubelet waited for, each container's own, one after the other.
  const plan = work.pullsStarted.get(String(pod.metadata.uid))
  work.pullsStarted.delete(String(pod.metadata.uid))
  // The first pull's Pulling was told as it began.
  const firstPulled = pod.spec.containers.find((entry) => plan?.containers.get(entry.name)?.pull)?.name
  for (const container of containers) {
    const planned = plan?.containers.get(container.name)
    const pull = planned?.pull ? {pullingAt: container.name === firstPulled ? null : planned.pull.pullingAt, pulledAt: planned.pull.pulledAt} : undefined
    const readyAt = planned?.readyAt ?? at
    const image = await ensureImage(work.runtime.images, node, recorder, podObject, container, readyAt, pull)
    if (!image.ok) {
      failed.set(container.name, image)
      continue
    }
    await recorder.record(podObject, 'Normal', 'Created', `Created container ${container.name}`, readyAt)
    await recorder.record(podObject, 'Normal', 'Started', `Started container ${container.name}`, readyAt)
  }
  if (failed.size > 0) {
    await writeStatus(work, pod, imageFailedStatus(pod, failed))
    return
  }
  // Which Services of the start's second existed: their timestamps cannot tell later.
  const startSecondServices = servicesOfStartSecond(pod, work.services.list(), at)
  for (const container of containers) {
    const status = ((pod.status as {containerStatuses?: Array<{name?: string; restartCount?: number; state?: {running?: {startedAt?: string}}}>} | undefined)?.containerStatuses ?? []).find((entry) => entry.name === container.name)
    const startedAt = Date.parse(status?.state?.running?.startedAt ?? '') || at
    work.runtime.recordServicesOfStartSecond(pod, container.name, {startedAtMilliseconds: startedAt, restartCount: Number(status?.restartCount ?? 0)}, startSecondServices)
  }
  const runSeconds = runSecondsOf(pod)
  if (Number.isFinite(runSeconds)) work.simulated.addAfter(key, Math.max(0, runSeconds * 1000) || 1)
}

/** The pod's status with the containers whose image failed waiting (reason and message as the kubelet's), the pod Pending and not ready. */
function imageFailedStatus(pod: Pod, failed: ReadonlyMap<string, {reason: string; message: string}>): Record<string, unknown> {
  const status = (pod.status ?? {}) as Record<string, unknown>
  const statuses = ((status.containerStatuses as Array<Record<string, unknown>> | undefined) ?? []).map((entry) => {
    const failure = failed.get(String(entry.name))
    if (!failure) return entry
    const {containerID: _none, ...rest} = entry
    return {...rest, state: {waiting: {reason: failure.reason, message: failure.message}}, ready: false, started: false}
  })
  const unready = statuses.filter((entry) => entry.ready !== true).map((entry) => String(entry.name))
  const conditions = ((status.conditions as Array<Record<string, unknown>> | undefined) ?? []).map((entry) =>
    (entry.type === 'Ready' || entry.type === 'ContainersReady') && entry.status === 'True' ? {...entry, status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]`} : entry,
  )
  return {...status, phase: 'Pending', conditions, containerStatuses: statuses}
}

/** The reader a node's kubelet resolves env and volumes with (ConfigMaps, Secrets through the API). */
export function readerFor(work: PodWork, node: string): PodObjectReader {
  const client = work.clientFor(node)
  return {
    get: async (resource, namespace, name) => {
      try {
        return await client.get(resource === 'secrets' ? resources.secrets : resources.configMaps, namespace, name)
      } catch (error) {
        if (isNotFound(error)) return null
        throw error
      }
    },
    services: async (namespace) => work.services.list().filter((service) => service.metadata.namespace === namespace),
  }
}

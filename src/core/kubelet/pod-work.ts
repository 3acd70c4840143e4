// What a kubelet's pod workers share (kubelet.ts's Kubelets gives it): the node's client and
// event recorder, the simulated runtime, the two work queues, and the small acts every step of a
// pod's life uses: writing its status, reading the objects its containers mount, starting
// containers (their image, Created and Started events) and scheduling the end of their run time.
import type {KubeObject} from '../api/object.js'
import type {Pod} from '../api/kinds.js'
import {type ApiClient, isConflict, isNotFound} from '../client/client.js'
import type {EventRecorder, EventSubject} from '../client/events.js'
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
  /** The first container that pulls: its Pulling is told as the plan begins. */
  readonly first: Pod['spec']['containers'][number]
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
export async function awaitingPulls(work: PodWork, pod: Pod, key: string, now: number, containers: Pod['spec']['containers'] = pod.spec.containers, planKey = pullPlanKey(pod)): Promise<boolean> {
  if (work.collapsing) return false
  let plan = work.pullsStarted.get(planKey)
  if (plan === undefined) {
    const node = String(pod.spec.nodeName)
    const planned = planPulls(work, node, containers, now)
    if (planned === null) return false
    if (work.pullsStarted.size >= pullsStartedMax) work.pullsStarted.delete(work.pullsStarted.keys().next().value!)
    work.pullsStarted.set(planKey, (plan = planned))
    await work.recorderFor(node).record(containerSubject(pod, planned.first.name), 'Normal', 'Pulling', `Pulling image "${planned.first.image ?? ''}"`, now)
  }
  if (now >= plan.endsAt) return false
  work.simulated.addAfter(key, plan.endsAt - now)
  return true
}

/** The key of a pod's pull plan: its UID for its containers' first start, with the container's name for an init container's (each starts after the one before it ended). */
export function pullPlanKey(pod: Pod, initContainer?: string): string {
  return initContainer === undefined ? String(pod.metadata.uid) : `${String(pod.metadata.uid)}/${initContainer}`
}

/** The pulls of `containers` starting together from `now`, or null when the node has every image they need. An image pulled once serves the later containers (unless they pull Always). */
function planPulls(work: PodWork, node: string, containers: Pod['spec']['containers'], now: number): PullPlan | null {
  const pulledHere = new Set<string>()
  const planned = new Map<string, ContainerPull>()
  let first: Pod['spec']['containers'][number] | null = null
  let cursor = now
  for (const container of containers) {
    const image = container.image ?? ''
    const pulls = startPulls(work.runtime.images, node, container) && (imagePullPolicyOf(container) === 'Always' || !pulledHere.has(image))
    if (pulls) {
      const pullingAt = cursor
      cursor += simulatedPull(image).milliseconds
      pulledHere.add(image)
      first ??= container
      planned.set(container.name, {pull: {pullingAt, pulledAt: cursor}, readyAt: cursor})
    } else planned.set(container.name, {pull: null, readyAt: cursor})
  }
  return first === null ? null : {endsAt: cursor, first, containers: planned}
}

/** Forgets a pod's pulls (its node stopped, or it is being deleted): a kubelet that takes it up again pulls again. */
export function forgetPulls(work: PodWork, pod: Pod): void {
  work.pullsStarted.delete(pullPlanKey(pod))
  for (const container of pod.spec.initContainers ?? []) work.pullsStarted.delete(pullPlanKey(pod, container.name))
}

/** The pod as an API object (kind and apiVersion set), for events and writes. */
export function podObjectOf(pod: Pod): Pod {
  return {...pod, kind: 'Pod', apiVersion: 'v1'}
}

/**
 * A container of the pod as the kubelet's events name it (its container reference): the pod, and
 * the container's place in the spec, `spec.containers{NAME}`, `spec.initContainers{NAME}` or
 * `spec.ephemeralContainers{NAME}` (`kubectl get events -o wide` shows it as SUBOBJECT).
 */
export function containerSubject(pod: Pod, containerName: string): EventSubject {
  const object = podObjectOf(pod)
  if ((pod.spec.initContainers ?? []).some((container) => container.name === containerName) && !pod.spec.containers.some((container) => container.name === containerName)) return {object, fieldPath: `spec.initContainers{${containerName}}`}
  if ((pod.spec.ephemeralContainers ?? []).some((container) => container.name === containerName) && !pod.spec.containers.some((container) => container.name === containerName)) return {object, fieldPath: `spec.ephemeralContainers{${containerName}}`}
  return {object, fieldPath: `spec.containers{${containerName}}`}
}

/** Attempts to write a start's status onto the latest pod when another write came between (its events are told already). */
export const startStatusWriteAttemptsMax = 3

/**
 * The status of containers whose start was told (its events recorded): written even when another
 * writer changed the pod meanwhile (a label, a condition), onto the latest pod, as the kubelet's
 * status manager does; the pod worker must not start them, and tell it, twice.
 */
export async function writeStatusOfStart(work: PodWork, pod: Pod, status: Record<string, unknown>): Promise<Pod> {
  let latest = pod
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeStatus(work, latest, status)
    } catch (error) {
      if (!isConflict(error) || attempt >= startStatusWriteAttemptsMax) throw error
      latest = await work.clientFor(String(pod.spec.nodeName)).get<Pod>(resources.pods, String(pod.metadata.namespace), String(pod.metadata.name))
      // Another pod of the same name (deleted and made again) is not this one's to write.
      if (latest.metadata.uid !== pod.metadata.uid) throw error
    }
  }
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
 * The events of containers that start now, each after its image (its planned pull under
 * `planKey`, which ends here): Pulling/Pulled, Created and Started at the start's cluster time
 * (the status's startedAt), however long their writes take; after pulls the kubelet waited for,
 * each container's own, one after the other. Gives the containers whose image cannot be had.
 */
export async function containersStarted(work: PodWork, pod: Pod, containers: Pod['spec']['containers'], at: number, planKey: string): Promise<Map<string, Extract<ImageCheck, {ok: false}>>> {
  const node = String(pod.spec.nodeName)
  const recorder = work.recorderFor(node)
  const failed = new Map<string, Extract<ImageCheck, {ok: false}>>()
  const plan = work.pullsStarted.get(planKey)
  work.pullsStarted.delete(planKey)
  for (const container of containers) {
    const planned = plan?.containers.get(container.name)
    // The first pull's Pulling was told as it began.
    const pull = planned?.pull ? {pullingAt: container.name === plan!.first.name ? null : planned.pull.pullingAt, pulledAt: planned.pull.pulledAt} : undefined
    const readyAt = planned?.readyAt ?? at
    const subject = containerSubject(pod, container.name)
    const image = await ensureImage(work.runtime.images, node, recorder, subject, container, readyAt, pull)
    if (!image.ok) {
      failed.set(container.name, image)
      continue
    }
    await recorder.record(subject, 'Normal', 'Created', `Created container ${container.name}`, readyAt)
    await recorder.record(subject, 'Normal', 'Started', `Started container ${container.name}`, readyAt)
  }
  return failed
}

/**
 * Containers that start (again, after an exit or a kill), `status` saying they run: the
 * kubelet checks the image at every start (a pull lists it in the node's status), creates and
 * starts each, and their simulated run ends after the pod's run time, if it has one. A container
 * whose image cannot be had waits instead (ErrImageNeverPull), and the pod with it is Pending.
 */
export async function startContainers(work: PodWork, pod: Pod, key: string, at: number, status: Record<string, unknown>, containers: Pod['spec']['containers'] = pod.spec.containers): Promise<void> {
  // The kubelet tells each start as it happens; its status manager writes the pod's status after.
  const failed = await containersStarted(work, pod, containers, at, pullPlanKey(pod))
  const written = await writeStatusOfStart(work, pod, failed.size > 0 ? imageFailedStatus({...pod, status} as Pod, failed) : status)
  if (failed.size > 0) return
  // Which Services of the start's second existed: their timestamps cannot tell later.
  const startSecondServices = servicesOfStartSecond(written, work.services.list(), at)
  for (const container of containers) {
    const started = ((written.status as {containerStatuses?: Array<{name?: string; restartCount?: number; state?: {running?: {startedAt?: string}}}>} | undefined)?.containerStatuses ?? []).find((entry) => entry.name === container.name)
    const startedAt = Date.parse(started?.state?.running?.startedAt ?? '') || at
    work.runtime.recordServicesOfStartSecond(written, container.name, {startedAtMilliseconds: startedAt, restartCount: Number(started?.restartCount ?? 0)}, startSecondServices)
  }
  const runSeconds = runSecondsOf(written)
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

// The pod statuses a kubelet writes as a pod goes Pending → ContainerCreating → Running →
// Succeeded/Failed (or restarts), built from the pod and the time.
import {formatTimestamp} from '../api/object.js'
import type {Container, Node, Pod} from '../api/kinds.js'
import {fnv32a} from '../util/fnv.js'

export type Condition = {type: string; status: string; lastProbeTime: null; lastTransitionTime: string; reason?: string}

function condition(type: string, status: boolean, at: string, reason?: string): Condition {
  return {type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: at, ...(reason ? {reason} : {})}
}

/** `nginx:1.27` → `docker.io/library/nginx:1.27`, as containerd reports images. */
export function fullImageName(image: string | undefined): string {
  const name = image ?? ''
  const lastSlash = name.lastIndexOf('/')
  const tagged = name.includes('@') || name.slice(lastSlash + 1).includes(':') ? name : `${name}:latest`
  if (!tagged.includes('/')) return `docker.io/library/${tagged}`
  const first = tagged.split('/')[0]!
  return first.includes('.') || first.includes(':') || first === 'localhost' ? tagged : `docker.io/${tagged}`
}

/** 64 hex digits fixed by the seed: what a runtime's digests and IDs look like. */
function digest(seed: string): string {
  let hash = ''
  for (let round = 0; hash.length < 64; round++) hash += fnv32a(seed, 0x811c9dc5 ^ round).toString(16).padStart(8, '0')
  return hash.slice(0, 64)
}

export function imageIdOf(image: string | undefined): string {
  const name = fullImageName(image).replace(/:[^:/@]*$/, '')
  return `${name}@sha256:${digest(`${name}/image/0`)}`
}

export function containerId(pod: Pod, container: string, restartCount: number): string {
  return `containerd://${digest(`${pod.metadata.uid}/${container}/${restartCount}`)}`
}

/** A pod's hostIP: its node's InternalIP. */
export function hostIpOf(node: Node): string {
  const addresses = (node.status as {addresses?: Array<{type: string; address: string}>} | undefined)?.addresses ?? []
  return addresses.find((address) => address.type === 'InternalIP')?.address ?? '127.0.0.1'
}

/** An init container that runs beside the pod's containers (a sidecar): its own restartPolicy Always. */
export function isSidecar(container: Container): boolean {
  return container.restartPolicy === 'Always'
}

/** The status of a container that has not started, as the kubelet reports it while the pod initializes. */
export function initializingStatus(container: Container): Record<string, any> {
  return {name: container.name, state: {waiting: {reason: 'PodInitializing'}}, lastState: {}, ready: false, restartCount: 0, image: container.image ?? '', imageID: '', started: false}
}

/**
 * Whether the pod's init container is done for the ones after it: a one-off one exited 0; a sidecar
 * runs and has started, or an init container after it has run already (it started once, and its
 * later back-off holds nothing back, as kube's computeInitContainerActions goes on).
 */
export function initContainerDone(pod: Pod, container: Container, statuses: ReadonlyArray<Record<string, any>>): boolean {
  const status = statuses.find((entry) => entry.name === container.name)
  if (!status) return false
  if (!isSidecar(container)) return status.state?.terminated?.exitCode === 0
  if (status.state?.running !== undefined && status.started === true) return true
  const inits = pod.spec.initContainers ?? []
  const later = inits.slice(inits.findIndex((entry) => entry.name === container.name) + 1)
  return later.some((entry) => {
    const found = statuses.find((candidate) => candidate.name === entry.name)
    return found?.state?.running !== undefined || found?.state?.terminated !== undefined || found?.lastState?.terminated !== undefined
  })
}

/** The Initialized condition for these statuses: False naming the init containers not done yet, as the kubelet's status generator writes it. */
export function initializedCondition(pod: Pod, statuses: readonly Record<string, any>[], at: string): Record<string, unknown> {
  const incomplete = (pod.spec.initContainers ?? []).filter((container) => !initContainerDone(pod, container, statuses)).map((container) => container.name)
  if (incomplete.length === 0) return {type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: at}
  return {type: 'Initialized', status: 'False', lastProbeTime: null, lastTransitionTime: at, reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.join(' ')}]`}
}

/** The status of a pod its kubelet has taken up: Pending, its containers being created; without a pod IP while its sandbox's network is not set up (`podIP` null). */
export function creatingStatus(pod: Pod, hostIP: string, podIP: string | null, nowMilliseconds: number): Record<string, unknown> {
  const at = formatTimestamp(nowMilliseconds)
  const scheduled = pod.status?.conditions?.find((entry) => entry.type === 'PodScheduled')?.lastTransitionTime ?? at
  // With init containers, every container waits for them (PodInitializing), and the pod is not Initialized.
  const inits = pod.spec.initContainers ?? []
  const initStatuses = inits.map(initializingStatus)
  const unready = `containers with unready status: [${unreadyContainers(pod, [], initStatuses).join(' ')}]`
  return {
    phase: 'Pending',
    conditions: [
      condition('PodReadyToStartContainers', false, at),
      inits.length > 0 ? initializedCondition(pod, initStatuses, at) : condition('Initialized', true, at),
      {...condition('Ready', false, at, 'ContainersNotReady'), message: unready},
      {...condition('ContainersReady', false, at, 'ContainersNotReady'), message: unready},
      {...condition('PodScheduled', true, scheduled)},
    ],
    hostIP,
    hostIPs: [{ip: hostIP}],
    ...(podIP === null ? {} : {podIP, podIPs: [{ip: podIP}]}),
    startTime: at,
    ...(inits.length > 0 ? {initContainerStatuses: initStatuses} : {}),
    containerStatuses: pod.spec.containers.map((container) => ({
      name: container.name,
      state: {waiting: {reason: inits.length > 0 ? 'PodInitializing' : 'ContainerCreating'}},
      lastState: {},
      ready: false,
      restartCount: 0,
      image: container.image ?? '',
      imageID: '',
      started: false,
    })),
    qosClass: qosClassOf(pod),
  }
}

export function runningStatus(pod: Pod, restartCounts: ReadonlyMap<string, number>, lastStates: ReadonlyMap<string, unknown>, nowMilliseconds: number): Record<string, unknown> {
  const at = formatTimestamp(nowMilliseconds)
  const status = (pod.status ?? {}) as Record<string, unknown>
  const previous = (status.conditions as Condition[] | undefined) ?? []
  const keep = (type: string, value: boolean) => {
    const found = previous.find((entry) => entry.type === type)
    return found && found.status === (value ? 'True' : 'False') ? found : condition(type, value, at)
  }
  // A container with a readiness or startup probe is not ready until its probes say so.
  const probed = (container: Container) => ({ready: !container.readinessProbe && !container.startupProbe, started: !container.startupProbe})
  const containerStatuses = pod.spec.containers.map((container) => ({
      name: container.name,
      state: {running: {startedAt: at}},
      lastState: lastStates.get(container.name) ?? {},
      ready: probed(container).ready,
      restartCount: restartCounts.get(container.name) ?? 0,
      image: fullImageName(container.image),
      imageID: imageIdOf(container.image),
      containerID: containerId(pod, container.name, restartCounts.get(container.name) ?? 0),
      started: probed(container).started,
    }))
  // Sidecars count too: one whose probes have not passed yet keeps the pod unready.
  const unready = unreadyContainers(pod, containerStatuses, (status.initContainerStatuses as Array<Record<string, unknown>> | undefined) ?? [])
  const ready = unready.length === 0
  const conditions = [keep('PodReadyToStartContainers', true), keep('Initialized', true), keep('Ready', ready), keep('ContainersReady', ready), keep('PodScheduled', true)]
  return {...status, phase: 'Running', conditions: withReadiness(conditions, unready, nowMilliseconds), containerStatuses}
}

/**
 * The pod's status once its run is over: every container terminated with `exitCode` at
 * `nowMilliseconds`, except those in `ends` (each with its own exit) and those that had ended
 * for good before (as they ended).
 */
export function terminatedStatus(pod: Pod, exitCode: number, phase: 'Succeeded' | 'Failed', nowMilliseconds: number, ends: ReadonlyArray<{name: string; exitCode: number; finishedAt: number}> = []): Record<string, unknown> {
  const at = formatTimestamp(nowMilliseconds)
  const status = (pod.status ?? {}) as Record<string, unknown>
  const running = (status.containerStatuses as Array<Record<string, unknown>> | undefined) ?? []
  // The kubelet's status generator gives a terminal pod's readiness the phase's reason; Initialized keeps PodCompleted alone.
  const reason = phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed'
  return {
    ...status,
    phase,
    conditions: [condition('PodReadyToStartContainers', false, at), condition('Initialized', true, at, phase === 'Succeeded' ? reason : undefined), condition('Ready', false, at, reason), condition('ContainersReady', false, at, reason), condition('PodScheduled', true, at)],
    containerStatuses: pod.spec.containers.map((container) => {
      const before = running.find((entry) => entry.name === container.name) ?? {}
      const end = ends.find((entry) => entry.name === container.name)
      if (!end && (before.state as {terminated?: unknown} | undefined)?.terminated) return {...before, ready: false, started: false}
      const startedAt = ((before.state as {running?: {startedAt?: string}} | undefined)?.running?.startedAt) ?? at
      const code = end?.exitCode ?? exitCode
      return {
        ...before,
        name: container.name,
        state: {terminated: {exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt, finishedAt: end ? formatTimestamp(end.finishedAt) : at, containerID: before.containerID ?? containerId(pod, container.name, 0)}},
        ready: false,
        started: false,
      }
    }),
  }
}

/** Guaranteed, Burstable or BestEffort, from the containers' requests and limits. */
export function qosClassOf(pod: Pod): string {
  const containers = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]
  let any = false
  let guaranteed = true
  for (const container of containers) {
    const requests = container.resources?.requests ?? {}
    const limits = container.resources?.limits ?? {}
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true
    for (const name of ['cpu', 'memory']) {
      const limit = limits[name]
      const request = requests[name] ?? limit
      if (!limit || request !== limit) guaranteed = false
    }
  }
  if (!any) return 'BestEffort'
  return guaranteed ? 'Guaranteed' : 'Burstable'
}

/** The pod's status with its ephemeral containers (kubectl debug's) started, as the kubelet reports them: running, never ready. */
export function withEphemeralContainersStarted(pod: Pod, names: readonly string[], nowMilliseconds: number): Record<string, unknown> {
  const status = (pod.status ?? {}) as Record<string, unknown>
  const existing = (status.ephemeralContainerStatuses as unknown[] | undefined) ?? []
  const specs = (pod.spec.ephemeralContainers ?? []).filter((container) => names.includes(container.name))
  return {
    ...status,
    ephemeralContainerStatuses: [...existing, ...specs.map((container) => ({
      name: container.name,
      state: {running: {startedAt: formatTimestamp(nowMilliseconds)}},
      lastState: {},
      ready: false,
      restartCount: 0,
      image: fullImageName(container.image),
      imageID: imageIdOf(container.image),
      containerID: containerId(pod, container.name, 0),
    }))],
  }
}

/**
 * The containers a running pod's readiness waits for and that are not ready, as the kubelet's
 * status generator names them: its sidecars first (init containers with restartPolicy Always, which
 * count once the pod runs), then its containers.
 */
export function unreadyContainers(pod: Pod, containerStatuses: ReadonlyArray<Record<string, unknown>>, initContainerStatuses: ReadonlyArray<Record<string, unknown>>): string[] {
  const unready: string[] = []
  for (const container of pod.spec.initContainers ?? []) {
    if (isSidecar(container) && initContainerStatuses.find((entry) => entry.name === container.name)?.ready !== true) unready.push(container.name)
  }
  for (const container of pod.spec.containers) {
    if (containerStatuses.find((entry) => entry.name === container.name)?.ready !== true) unready.push(container.name)
  }
  return unready
}

/** The conditions with Ready and ContainersReady as `unready` makes them (the transition time moves only when one flips). */
export function withReadiness(conditions: ReadonlyArray<Record<string, unknown>>, unready: readonly string[], nowMilliseconds: number): Array<Record<string, unknown>> {
  const ready = unready.length === 0
  return conditions.map((entry) => {
    if (entry.type !== 'Ready' && entry.type !== 'ContainersReady') return entry
    if ((entry.status === 'True') === ready && (ready || entry.message === `containers with unready status: [${unready.join(' ')}]`)) return entry
    const lastTransitionTime = (entry.status === 'True') === ready ? entry.lastTransitionTime : formatTimestamp(nowMilliseconds)
    return {type: entry.type, status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime, ...(ready ? {} : {reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]`})}
  })
}

/**
 * The pod's status with only the named containers changed (the others run on as they were): each
 * set as `change` gives it, the Ready conditions from every container's readiness (sidecars' too).
 */
export function withContainersChanged(pod: Pod, change: ReadonlyMap<string, Record<string, unknown>>, nowMilliseconds: number): Record<string, unknown> {
  const status = (pod.status ?? {}) as Record<string, unknown>
  const statuses = ((status.containerStatuses as Array<Record<string, unknown>> | undefined) ?? []).map((entry) => change.get(String(entry.name)) ?? entry)
  const unready = unreadyContainers(pod, statuses, (status.initContainerStatuses as Array<Record<string, unknown>> | undefined) ?? [])
  const conditions = withReadiness((status.conditions as Array<Record<string, unknown>> | undefined) ?? [], unready, nowMilliseconds)
  return {...status, phase: 'Running', conditions, containerStatuses: statuses}
}

/** A container's status as it runs again after `restartCount` restarts, its last run in `lastState`. */
export function restartedContainerStatus(pod: Pod, container: Container, restartCount: number, lastState: unknown, nowMilliseconds: number): Record<string, unknown> {
  const probes = container
  return {
    name: container.name,
    state: {running: {startedAt: formatTimestamp(nowMilliseconds)}},
    lastState: lastState ?? {},
    ready: !probes.readinessProbe && !probes.startupProbe,
    restartCount,
    image: fullImageName(container.image),
    imageID: imageIdOf(container.image),
    containerID: containerId(pod, container.name, restartCount),
    started: !probes.startupProbe,
  }
}

/**
 * The sidecars' statuses of a pod that is over, as the kubelet's TerminatePod leaves them: one not
 * terminated (backing off after an exit) is `ContainerStatusUnknown`, 137, as a container the
 * runtime could not find when the pod ended.
 */
export function terminalSidecarStatuses(pod: Pod, statuses: ReadonlyArray<Record<string, any>>): Array<Record<string, any>> {
  return statuses.map((status) => {
    const container = (pod.spec.initContainers ?? []).find((entry) => entry.name === status.name)
    if (!container || !isSidecar(container) || status.state?.terminated || !status.lastState?.terminated) return status
    return {...status, state: {terminated: {exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: null, finishedAt: null}}, ready: false, started: false}
  })
}

/** The pod's sidecars that run now (init containers with restartPolicy Always whose status is running). */
export function runningSidecars(pod: Pod): Container[] {
  const statuses = ((pod.status as {initContainerStatuses?: Array<Record<string, any>>} | undefined)?.initContainerStatuses ?? [])
  return (pod.spec.initContainers ?? []).filter((container) => isSidecar(container) && statuses.find((entry) => entry.name === container.name)?.state?.running)
}

/**
 * The pod's status as its containers' run is over (`final` holds their ended statuses) while its
 * sidecars still run, being stopped: Running and not ready, as the kubelet's getPhase makes it.
 */
export function containersOverStatus(pod: Pod, final: Record<string, unknown>, nowMilliseconds: number): Record<string, unknown> {
  const status = (pod.status ?? {}) as Record<string, any>
  const containerStatuses = (final.containerStatuses as Array<Record<string, unknown>> | undefined) ?? []
  const unready = unreadyContainers(pod, containerStatuses, status.initContainerStatuses ?? [])
  return {...status, phase: 'Running', conditions: withReadiness(status.conditions ?? [], unready, nowMilliseconds), containerStatuses}
}

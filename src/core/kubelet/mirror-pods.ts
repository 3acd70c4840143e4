// The static pods of the masters' kubelets: each master node's kubelet runs its control-plane
// components from /etc/kubernetes/manifests and keeps a mirror pod in the API for each, as a real
// kubelet does. It creates a missing mirror pod, replaces one that was deleted (a deleted mirror
// pod does not stop the static pod) or that no longer matches the manifest, and writes its
// status from the component's health: Running and Ready while the component runs; while it is
// stopped, its container crash-loops (exited, restarted on the kubelet's back-off, not ready).
import {isMirrorPod, mirrorPodAnnotation} from '../api/mirror-pods.js'
import {formatTimestamp} from '../api/object.js'
import {type ApiClient, isAlreadyExists, isConflict, isNotFound} from '../client/client.js'
import type {ControlLoop, InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import {defaultMasters, type MasterLayout} from '../api/masters.js'
import type {Node, Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {isStopped} from './heartbeat.js'
import {restartBackoffMilliseconds} from './kubelet.js'
import {containerId, fullImageName, hostIpOf, imageIdOf} from './pod-status.js'
import {configSeenAnnotation, type EtcdServing, mirrorPodOf, plainEtcd, seenTimestamp, type StaticPod, type StaticPodHealth, type StaticPodState, staticPodNamespace, staticPodsOf} from './static-pods.js'

/** Back-off restarts of a stopped component counted in one status write (a day at the 5-minute cap). */
export const crashLoopRestartsPerWriteMax = 1_000

/** Replaced mirror pods remembered at once (a few per master; more is a broken invariant). */
export const replacedMirrorPodsMax = 1_000

type ContainerStatus = Record<string, any>
type Action =
  | {readonly kind: 'create'; readonly node: Node; readonly staticPod: StaticPod}
  /** sameStaticPod: only the mirror pod was deleted (a changed manifest is a new static pod). */
  | {readonly kind: 'replace'; readonly pod: Pod; readonly sameStaticPod: boolean}
  | {readonly kind: 'status'; readonly pod: Pod; readonly status: Record<string, unknown>}

function condition(type: string, ready: boolean, previous: ReadonlyArray<Record<string, any>>, at: string, container: string): Record<string, unknown> {
  const status = ready ? 'True' : 'False'
  const before = previous.find((entry) => entry.type === type)
  const notReady = type === 'Ready' || type === 'ContainersReady' ? {reason: 'ContainersNotReady', message: `containers with unready status: [${container}]`} : {}
  return {type, status, lastProbeTime: null, lastTransitionTime: before?.status === status ? before.lastTransitionTime : at, ...(ready ? {} : notReady)}
}

/** Go's time.Duration text for whole seconds: 10s, 1m20s, 5m0s. */
function durationText(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000)
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`
}

/**
 * The mirror pod's status for the component's state, or null when it already shows it. The
 * container is the static pod's: its IDs and the back-off message name the static pod's UID.
 */
export function mirrorPodStatus(pod: Pod, staticPod: StaticPod, hostIP: string, state: StaticPodState, now: number): Record<string, unknown> | null {
  const previous = (pod.status ?? {}) as Record<string, any>
  const current = (previous.containerStatuses as ContainerStatus[] | undefined)?.[0]
  const crashLooping = current?.state?.waiting?.reason === 'CrashLoopBackOff'
  const at = formatTimestamp(now)
  const seen = Date.parse(pod.metadata.annotations?.[configSeenAnnotation] ?? '')
  const startTime = String(previous.startTime ?? formatTimestamp(Number.isFinite(seen) ? Math.min(seen, now) : now))
  const container = pod.spec.containers[0]!
  const ids = {metadata: {uid: staticPod.hash}} as Pod
  let restartCount = Number(current?.restartCount ?? 0)
  let lastState: ContainerStatus = current?.lastState ?? {}
  let containerState: ContainerStatus
  const ready = state === 'running'
  if (ready) {
    const shownReady = (previous.conditions as Array<Record<string, any>> | undefined)?.some((entry) => entry.type === 'Ready' && entry.status === 'True')
    if (current?.state?.running && current.ready === true && shownReady) return null
    // A new container starts (the first, or one after the component was stopped).
    containerState = {running: {startedAt: current ? at : startTime}}
  } else {
    if (crashLooping) {
      // Each back-off restart of a component that is still down exits at once.
      let finished = Date.parse(String(lastState.terminated?.finishedAt ?? '')) || now
      let restarts = 0
      while (finished + restartBackoffMilliseconds(restartCount) <= now && restarts < crashLoopRestartsPerWriteMax) {
        finished += restartBackoffMilliseconds(restartCount)
        restartCount++
        restarts++
      }
      if (restarts === 0) return null
      const when = formatTimestamp(finished)
      lastState = {terminated: {exitCode: 1, reason: 'Error', startedAt: when, finishedAt: when, containerID: containerId(ids, container.name, restartCount - 1)}}
    } else {
      // The running container exits (or the component is down from the start).
      const startedAt = current?.state?.running?.startedAt ?? startTime
      lastState = {terminated: {exitCode: 1, reason: 'Error', startedAt, finishedAt: at, containerID: current?.containerID ?? containerId(ids, container.name, restartCount)}}
      restartCount++
    }
    const message = `back-off ${durationText(restartBackoffMilliseconds(restartCount))} restarting failed container=${container.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${staticPod.hash})`
    containerState = {waiting: {reason: 'CrashLoopBackOff', message}}
  }
  const conditions = (previous.conditions as Array<Record<string, any>> | undefined) ?? []
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', true, conditions, at, container.name),
      condition('Initialized', true, conditions, at, container.name),
      condition('Ready', ready, conditions, at, container.name),
      condition('ContainersReady', ready, conditions, at, container.name),
      condition('PodScheduled', true, conditions, at, container.name),
    ],
    hostIP,
    hostIPs: [{ip: hostIP}],
    podIP: hostIP,
    podIPs: [{ip: hostIP}],
    startTime,
    containerStatuses: [{
      name: container.name,
      state: containerState,
      lastState,
      ready,
      restartCount,
      image: fullImageName(container.image),
      imageID: imageIdOf(container.image),
      ...(ready ? {containerID: containerId(ids, container.name, restartCount)} : {}),
      started: ready,
    }],
    qosClass: 'Burstable',
  }
}

/** When a crash-looping container restarts next, or null when it does not wait. */
function restartDueOf(pod: Pod): number | null {
  const current = ((pod.status as {containerStatuses?: ContainerStatus[]} | undefined)?.containerStatuses ?? [])[0]
  if (current?.state?.waiting?.reason !== 'CrashLoopBackOff') return null
  const finished = Date.parse(String(current.lastState?.terminated?.finishedAt ?? ''))
  return Number.isFinite(finished) ? finished + restartBackoffMilliseconds(Number(current.restartCount ?? 0)) : null
}

export class MirrorPods implements ControlLoop {
  readonly name = 'kubelet-static-pods'
  private readonly pods: Informer<Pod>
  private readonly nodes: Informer<Node>
  /**
   * What a replaced mirror pod showed, by name, until its successor is written: the static pod
   * did not change (when the kubelet first read it, its container's restarts).
   */
  private readonly replaced = new Map<string, {seen: string; status: unknown}>()
  /** Each master's static pods by node and address (the manifests name the address). */
  private readonly manifests = new Map<string, StaticPod[]>()

  constructor(
    /** Each node's kubelet acts as that node's user (system:node:<name>). */
    private readonly clientFor: (node: string) => ApiClient,
    informers: InformerFactory,
    private readonly health: StaticPodHealth,
    private readonly clock: Clock,
    /** How the masters' etcd serves (the manifests' URLs, certificate flags and mounts). */
    private readonly etcdServing: EtcdServing = plainEtcd,
    private readonly masters: readonly MasterLayout[] = defaultMasters,
  ) {
    this.pods = informers.informer<Pod>(resources.pods)
    this.nodes = informers.informer<Node>(resources.nodes)
  }

  /** The masters whose node exists and whose kubelet runs, with their static pods. */
  private runningMasters(): Array<{node: Node; address: string; staticPods: StaticPod[]}> {
    return this.masters.flatMap((master) => {
      const node = this.nodes.get(master.node)
      // A stopped node's kubelet does nothing; a cluster made before the HA masters lacks their nodes.
      if (!node || isStopped(node)) return []
      const address = hostIpOf(node)
      const key = `${master.node}/${address}`
      let staticPods = this.manifests.get(key)
      if (!staticPods) {
        if (this.manifests.size >= this.masters.length) this.manifests.clear()
        this.manifests.set(key, (staticPods = staticPodsOf(master, address, undefined, this.etcdServing)))
      }
      return [{node, address, staticPods}]
    })
  }

  private actions(now: number): Action[] {
    const actions: Action[] = []
    for (const {node, address, staticPods} of this.runningMasters()) {
      for (const staticPod of staticPods) {
        const mirror = this.pods.get(`${staticPodNamespace}/${staticPod.name}`)
        if (!mirror) {
          actions.push({kind: 'create', node, staticPod})
          continue
        }
        // A pod of that name that is not this node's mirror pod blocks it, as it blocks a kubelet.
        if (!isMirrorPod(mirror) || mirror.spec.nodeName !== node.metadata.name) continue
        const outdated = mirror.metadata.annotations?.[mirrorPodAnnotation] !== staticPod.hash
        if (mirror.metadata.deletionTimestamp || outdated) {
          actions.push({kind: 'replace', pod: mirror, sameStaticPod: !outdated})
          continue
        }
        // A new mirror pod of a replaced one gets the static pod's status as it was.
        const previous = (mirror.status as {startTime?: string} | undefined)?.startTime ? null : (this.replaced.get(staticPod.name)?.status as Pod['status'] | undefined)
        const shown = previous ? {...mirror, status: previous} : mirror
        const status = mirrorPodStatus(shown, staticPod, address, this.health(String(node.metadata.name), staticPod.component), now) ?? (previous as Record<string, unknown> | undefined)
        if (status) actions.push({kind: 'status', pod: mirror, status})
      }
    }
    return actions
  }

  hasWork(): boolean {
    return this.actions(this.clock.nowMilliseconds()).length > 0
  }

  nextDue(): number | null {
    let due: number | null = null
    for (const {node, staticPods} of this.runningMasters()) {
      for (const staticPod of staticPods) {
        const mirror = this.pods.get(`${staticPodNamespace}/${staticPod.name}`)
        if (!mirror || this.health(String(node.metadata.name), staticPod.component) !== 'stopped') continue
        const restart = restartDueOf(mirror)
        if (restart !== null && (due === null || restart < due)) due = restart
      }
    }
    return due
  }

  async process(): Promise<number> {
    const now = this.clock.nowMilliseconds()
    let written = 0
    for (const action of this.actions(now)) {
      try {
        await this.apply(action, now)
        written++
      } catch (error) {
        // Another writer got there first (the pod changed or went): the next round looks again.
        if (!isConflict(error) && !isNotFound(error) && !isAlreadyExists(error)) throw error
      }
    }
    return written
  }

  private async apply(action: Action, now: number): Promise<void> {
    if (action.kind === 'create') {
      const seen = this.replaced.get(action.staticPod.name)?.seen ?? seenTimestamp(now)
      await this.clientFor(String(action.node.metadata.name)).create(resources.pods, mirrorPodOf(action.staticPod, action.node, seen))
      return
    }
    const pod = action.pod
    const client = this.clientFor(String(pod.spec.nodeName))
    if (action.kind === 'replace') {
      // The kubelet deletes an outdated mirror pod at once and creates it again.
      if (this.replaced.size >= replacedMirrorPodsMax) this.replaced.clear()
      if (action.sameStaticPod) this.replaced.set(String(pod.metadata.name), {seen: pod.metadata.annotations?.[configSeenAnnotation] ?? seenTimestamp(now), status: pod.status})
      await client.delete(resources.pods, staticPodNamespace, String(pod.metadata.name), {gracePeriodSeconds: 0, preconditions: {uid: String(pod.metadata.uid)}})
      return
    }
    await client.update(resources.pods, {...pod, kind: 'Pod', apiVersion: 'v1', status: action.status}, 'status')
    this.replaced.delete(String(pod.metadata.name))
  }
}

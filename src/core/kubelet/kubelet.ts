// The simulated kubelets of every node, as one loop: each node's pods go Pending →
// ContainerCreating → Running (pod IP from the node's pod CIDR, container statuses, conditions,
// Events), finish after their simulated run time with their simulated exit code (annotations
// kubemu.io/run-seconds and kubemu.io/exit-code) under the pod's restartPolicy, and are removed
// after their grace period once deleted. Start-up, run time and grace periods are simulated
// delays (zero in one-shot mode); restart back-off is on the wall clock, as CrashLoopBackOff is.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {type ApiClient, ApiClientError, isConflict, isNotFound, objectKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {ControlLoop, InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import {podsByNodeName} from '../client/pod-indexes.js'
import {WorkQueue} from '../client/work-queue.js'
import type {Node, Pod} from '../api/kinds.js'
import {isTerminalPod} from '../api/quota.js'
import {doublingBackoffMilliseconds} from '../util/backoff.js'
import type {Clock} from '../util/clock.js'
import {forEachConcurrently} from '../util/concurrency.js'
import {isStopped, nodeLeaseRenewMilliseconds, renewLease, reportNodeStatus} from './heartbeat.js'
import {isMirrorPod} from '../api/mirror-pods.js'
import {type PersistentVolumeClaim, podClaimNames} from '../api/volume-binding.js'
import {creatingStatus, fullImageName, hostIpOf, runningStatus, terminatedStatus, withContainersChanged, withEphemeralContainersStarted} from './pod-status.js'
import {type ContainerOutcome, type ContainerRunStart, exitCodeAnnotation, followsCommand, probeLabels, runSecondsAnnotation, SimulatedContainers} from './containers.js'
import type {PodObjectReader} from './container-setup.js'
import {recordImageEvents} from './images.js'
import {backoffText, type ContainerEnded, containersEnded, restartBackoffInitialMilliseconds, restartBackoffMilliseconds, restartDue, type RunEnd, waitingRestarts} from './restarts.js'

export {runSecondsAnnotation, exitCodeAnnotation}
export {restartBackoffInitialMilliseconds, restartBackoffMaxMilliseconds, restartBackoffMilliseconds} from './restarts.js'
/** Readiness failures one look at a pod writes events for (the latest, after a long stretch of cluster time). */
export const readinessFailureEventsPerLookMax = 30
/** How long a simulated container takes to start. */
export const containerStartMilliseconds = 1_000
/** A Job's pod without a run-seconds annotation finishes after this long (other pods run until stopped). */
export const jobPodRunSecondsDefault = 1
/** The kubelet's default grace period when the pod gives none. */
export const defaultGracePeriodSeconds = 30
/** Pods (and heartbeats) the simulated kubelets work on at once, across all nodes. */
export const kubeletsInFlightMax = 64
/** A refused heartbeat is tried again after this back-off, doubling up to the maximum (the kubelet's node lease controller). */
export const heartbeatRetryInitialMilliseconds = 100
export const heartbeatRetryMaxMilliseconds = 7_000
/** Pods whose containers are stopping at once, across all nodes (each until its grace period ends). */
export const stoppingPodsMax = 1_000_000

/** How long the pod's containers run before they exit, in seconds; NaN for ever. */
function runSecondsOf(pod: Pod): number {
  const annotated = pod.metadata.annotations?.[runSecondsAnnotation]
  if (annotated !== undefined) return Number(annotated)
  return (pod.metadata.ownerReferences ?? []).some((owner) => owner.controller && owner.kind === 'Job') ? jobPodRunSecondsDefault : Number.NaN
}

export class Kubelets implements ControlLoop {
  readonly name = 'kubelet'
  /** Simulated work: collapses to zero in one-shot mode. */
  private readonly simulated: WorkQueue
  /** Wall-clock work: restart back-off. */
  private readonly wallClock: WorkQueue
  private readonly pods: Informer<Pod>
  private readonly nodes: Informer<Node>
  private readonly leases: Informer<KubeObject>
  private readonly services: Informer<KubeObject>
  /** The claims pods mount: a pod's containers start only once all its claims are Bound. */
  private readonly claims: Informer<PersistentVolumeClaim>
  /** Nodes whose last heartbeat was refused: how many times in a row, and when to try again. */
  private readonly refusedHeartbeats = new Map<string, {times: number; retryAt: number}>()

  constructor(
    /** Each node's kubelet acts as that node's user (system:node:<name>). */
    private readonly clientFor: (node: string) => ApiClient,
    informers: InformerFactory,
    private readonly recorderFor: (node: string) => EventRecorder,
    private readonly clock: Clock,
    /** What runs in the containers: their commands, execs and probes. */
    private readonly runtime: SimulatedContainers = new SimulatedContainers(),
  ) {
    this.simulated = new WorkQueue('kubelet', clock)
    this.wallClock = new WorkQueue('kubelet-backoff', clock)
    this.pods = informers.informer<Pod>(resources.pods)
    this.pods.addIndex(podsByNodeName)
    this.nodes = informers.informer<Node>(resources.nodes)
    this.leases = informers.informer<KubeObject>(resources.leases)
    // Containers' service links, as the kubelet's own Service informer knows them.
    this.services = informers.informer<KubeObject>(resources.services)
    this.claims = informers.informer<PersistentVolumeClaim>(resources.persistentVolumeClaims)
    // A claim that binds lets the pods on nodes that mount it start.
    this.claims.onEvent((event) => {
      if (event.type === 'DELETED' || event.object.status?.phase !== 'Bound') return
      for (const pod of this.pods.list()) if (pod.spec.nodeName && pod.metadata.namespace === event.object.metadata.namespace && podClaimNames(pod).includes(String(event.object.metadata.name))) this.simulated.add(objectKey(pod))
    })
    this.pods.onEvent((event) => {
      if (event.type !== 'DELETED' && event.object.spec.nodeName) this.simulated.add(objectKey(event.object))
    })
    // A node that starts again: its kubelet takes up its pods.
    this.nodes.onEvent((event) => {
      if (event.type === 'MODIFIED' && event.previous && isStopped(event.previous) && !isStopped(event.object)) {
        for (const pod of this.pods.byIndex(podsByNodeName.name, String(event.object.metadata.name))) this.simulated.add(objectKey(pod))
      }
    })
  }

  /** Whether some running node's Lease or Ready status is due. */
  private heartbeatsDue(now: number): boolean {
    return this.nodes.list().some((node) => {
      if (isStopped(node) || (this.refusedHeartbeats.get(String(node.metadata.name))?.retryAt ?? 0) > now) return false
      const lease = this.leases.get(`kube-node-lease/${node.metadata.name}`) as {spec?: {renewTime?: string}} | undefined
      const ready = (node.status as {conditions?: Array<{type: string; status: string}>} | undefined)?.conditions?.find((condition) => condition.type === 'Ready')
      return !lease || now - (Date.parse(lease.spec?.renewTime ?? '') || 0) >= nodeLeaseRenewMilliseconds || ready?.status !== 'True'
    })
  }

  private async heartbeat(now: number): Promise<number> {
    let written = 0
    // Every node's kubelet beats on its own, as separate processes would.
    const due = (node: Node) => !isStopped(node) && (this.refusedHeartbeats.get(String(node.metadata.name))?.retryAt ?? 0) <= now
    await forEachConcurrently(this.nodes.list().filter(due), kubeletsInFlightMax, async (node) => {
      const name = String(node.metadata.name)
      try {
        if (await renewLease(this.clientFor(name), node, this.leases.get(`kube-node-lease/${node.metadata.name}`) as never, now)) written++
        if (await reportNodeStatus(this.clientFor(name), node, now)) written++
        this.refusedHeartbeats.delete(name)
      } catch (error) {
        // A refused heartbeat is tried again after a back-off, as a kubelet retries.
        if (!(error instanceof ApiClientError)) throw error
        const times = (this.refusedHeartbeats.get(name)?.times ?? 0) + 1
        this.refusedHeartbeats.set(name, {times, retryAt: now + doublingBackoffMilliseconds(heartbeatRetryInitialMilliseconds, heartbeatRetryMaxMilliseconds, times)})
        written++
      }
    })
    return written
  }

  hasWork(collapseDelays: boolean): boolean {
    const now = this.clock.nowMilliseconds()
    if (this.heartbeatsDue(now)) return true
    if (this.simulated.length > 0 || this.wallClock.length > 0) return true
    const simulatedDue = this.simulated.nextDue()
    const wallDue = this.wallClock.nextDue()
    return (simulatedDue !== null && (collapseDelays || simulatedDue <= now)) || (wallDue !== null && wallDue <= now)
  }

  nextDue(): number | null {
    const dues = [this.simulated.nextDue(), this.wallClock.nextDue()].filter((due): due is number => due !== null)
    return dues.length > 0 ? Math.min(...dues) : null
  }

  async process(collapseDelays: boolean): Promise<number> {
    this.collapsing = collapseDelays
    let beats = this.heartbeatsDue(this.clock.nowMilliseconds()) ? await this.heartbeat(this.clock.nowMilliseconds()) : 0
    let lastBeat = this.clock.nowMilliseconds()
    let beating: Promise<void> | null = null
    this.simulated.promoteDue(collapseDelays)
    this.wallClock.promoteDue(false)
    const keys = [...new Set([...this.simulated.take(), ...this.wallClock.take()])]
    // A kubelet's pod workers run side by side, and so do the kubelets of different nodes.
    await forEachConcurrently(keys, kubeletsInFlightMax, async (key) => {
      try {
        await this.reconcile(key, this.clock.nowMilliseconds())
      } catch (error) {
        if (isConflict(error)) this.simulated.add(key)
        else if (error instanceof ApiClientError && !isNotFound(error)) this.wallClock.addAfter(key, restartBackoffInitialMilliseconds)
        else if (!isNotFound(error)) throw error
      }
      // Kubelets heartbeat while they work, as their own processes would: a long round of pod work
      // (thousands of pods) must not leave the Leases stale for the node lifecycle controller.
      const now = this.clock.nowMilliseconds()
      if (beating === null && now - lastBeat >= nodeLeaseRenewMilliseconds) {
        lastBeat = now
        beating = this.heartbeat(now).then((written) => {
          beats += written
          beating = null
        })
      }
    })
    if (beating !== null) await beating
    return keys.length + beats
  }

  /** IPs handed out by this process, by node and pod uid: the informer may not show them yet. */
  private readonly assignedIps = new Map<string, Map<string, {key: string; ip: string}>>()

  private podIp(node: Node, pod: Pod): string {
    // A hostNetwork pod (kube-proxy) shares its node's address.
    if ((pod.spec as {hostNetwork?: boolean}).hostNetwork === true) return hostIpOf(node)
    const cidr = String(node.spec?.podCIDR ?? '10.244.0.0/24')
    const [base] = cidr.split('/')
    const octets = base!.split('.').map(Number)
    const onNode = this.pods.byIndex(podsByNodeName.name, String(node.metadata.name))
    const used = new Set(onNode.filter((other) => !isTerminalPod(other) && other.metadata.uid !== pod.metadata.uid).map((other) => other.status && (other.status as {podIP?: string}).podIP))
    const assignedHere = this.assignedIps.get(String(node.metadata.name)) ?? new Map<string, {key: string; ip: string}>()
    this.assignedIps.set(String(node.metadata.name), assignedHere)
    for (const [uid, assigned] of assignedHere) {
      if (uid === pod.metadata.uid) continue
      const other = this.pods.get(assigned.key)
      if (!other || other.metadata.uid !== uid || isTerminalPod(other)) assignedHere.delete(uid)
      else used.add(assigned.ip)
    }
    for (let host = 2; host < 255; host++) {
      const address = `${octets[0]}.${octets[1]}.${octets[2]}.${host}`
      if (used.has(address)) continue
      assignedHere.set(String(pod.metadata.uid), {key: objectKey(pod), ip: address})
      return address
    }
    throw new Error(`node ${node.metadata.name} has no free pod IP in ${cidr}`)
  }

  /**
   * A container that runs again after an exit or a kill: the kubelet checks the image at every
   * start (a pull under imagePullPolicy Always, "already present" otherwise), creates and starts it, and its simulated run ends
   * after the pod's run time, if it has one.
   */
  private async startedAgain(pod: Pod, podObject: KubeObject, key: string, recorder: EventRecorder, at: number, containers: Pod['spec']['containers'] = pod.spec.containers): Promise<void> {
    // The events carry the start's cluster time (the status's startedAt), however long their writes take.
    for (const container of containers) {
      await recordImageEvents(recorder, podObject, container, at)
      await recorder.record(podObject, 'Normal', 'Created', `Created container ${container.name}`, at)
      await recorder.record(podObject, 'Normal', 'Started', `Started container ${container.name}`, at)
    }
    const runSeconds = runSecondsOf(pod)
    if (Number.isFinite(runSeconds)) this.simulated.addAfter(key, Math.max(0, runSeconds * 1000) || 1)
  }

  private async writeStatus(pod: Pod, status: Record<string, unknown>): Promise<Pod> {
    return this.clientFor(String(pod.spec.nodeName)).update<Pod>(resources.pods, {...pod, kind: 'Pod', apiVersion: 'v1', status} as unknown as KubeObject, 'status')
  }

  private async reconcile(key: string, now: number): Promise<void> {
    const pod = this.pods.get(key)
    if (!pod) {
      this.stopping.delete(key) // gone by another hand (a forced delete) while its containers were stopping
      return
    }
    // Mirror pods are the static pods' (MirrorPods keeps them), not containers of their own.
    if (!pod.spec.nodeName || isMirrorPod(pod)) return
    const node = this.nodes.get(pod.spec.nodeName)
    // A stopped node's kubelet does nothing: its pods stay as they are until it starts again.
    if (!node || isStopped(node)) return
    const recorder = this.recorderFor(pod.spec.nodeName)
    const podObject = {...pod, kind: 'Pod', apiVersion: 'v1'}
    if (pod.metadata.deletionTimestamp) return this.terminate(pod, now)
    if (isTerminalPod(pod)) return
    const statuses = ((pod.status as {containerStatuses?: Array<Record<string, any>>} | undefined)?.containerStatuses ?? [])
    if (!(pod.status as {startTime?: string} | undefined)?.startTime) {
      await this.writeStatus(pod, creatingStatus(pod, hostIpOf(node), this.podIp(node, pod), now))
      this.simulated.addAfter(key, containerStartMilliseconds)
      return
    }
    const creating = statuses.some((status) => status.state?.waiting?.reason === 'ContainerCreating')
    const waitingBackoff = statuses.some((status) => status.state?.waiting?.reason === 'CrashLoopBackOff')
    if (creating || waitingBackoff) {
      // The volume manager mounts the pod's claims first; an unbound one keeps it ContainerCreating.
      if (creating && podClaimNames(pod).some((name) => this.claims.get(`${pod.metadata.namespace}/${name}`)?.status?.phase !== 'Bound')) return
      // Some containers wait in CrashLoopBackOff while the others run on: each runs again once its own back-off is over.
      if (!creating && statuses.filter((status) => status.state?.waiting?.reason === 'CrashLoopBackOff').length < pod.spec.containers.length) {
        const {change, nextDueAtMilliseconds} = waitingRestarts(pod, statuses, now)
        if (nextDueAtMilliseconds !== null) this.wallClock.addAfter(key, nextDueAtMilliseconds - now)
        if (change.size === 0) return
        await this.writeStatus(pod, withContainersChanged(pod, change, now))
        await this.startedAgain(pod, podObject, key, recorder, now, pod.spec.containers.filter((container) => change.has(container.name)))
        return
      }
      if (waitingBackoff) {
        const due = restartDue(statuses)
        if (due > now) return this.wallClock.addAfter(key, due - now)
      }
      // Out of CrashLoopBackOff the container runs again: one more restart.
      const restartCounts = new Map(statuses.map((status) => [String(status.name), Number(status.restartCount ?? 0) + (waitingBackoff ? 1 : 0)]))
      const lastStates = new Map(statuses.map((status) => [String(status.name), status.lastState ?? {}]))
      await this.writeStatus(pod, runningStatus(pod, restartCounts, lastStates, now))
      await this.startedAgain(pod, podObject, key, recorder, now)
      return
    }
    // Ephemeral containers added to a running pod (kubectl debug) start at once.
    const ephemeralStatuses = ((pod.status as {ephemeralContainerStatuses?: Array<{name: string}>} | undefined)?.ephemeralContainerStatuses ?? [])
    const unstarted = ((pod.spec as {ephemeralContainers?: Array<{name: string; image?: string; imagePullPolicy?: string}>}).ephemeralContainers ?? []).filter((container) => !ephemeralStatuses.some((status) => status.name === container.name))
    if (unstarted.length > 0 && pod.status?.phase === 'Running') {
      await this.writeStatus(pod, withEphemeralContainersStarted(pod, unstarted.map((container) => container.name), now))
      for (const container of unstarted) {
        await recordImageEvents(recorder, podObject, container)
        await recorder.record(podObject, 'Normal', 'Created', `Created container ${container.name}`)
        await recorder.record(podObject, 'Normal', 'Started', `Started container ${container.name}`)
      }
      return
    }
    // A pod the node lifecycle controller marked not Ready while this kubelet was away: back, the
    // kubelet's status manager reports its own view again (the containers run and are ready).
    const conditions = ((pod.status as {conditions?: Array<Record<string, unknown>>} | undefined)?.conditions ?? [])
    if (pod.status?.phase === 'Running' && statuses.length > 0 && statuses.every((status) => status.ready === true) && conditions.some((condition) => condition.type === 'Ready' && condition.status !== 'True')) {
      const at = formatTimestamp(now)
      await this.writeStatus(pod, {...(pod.status as Record<string, unknown>), conditions: conditions.map((condition) => (condition.type === 'Ready' ? {type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: at} : condition))})
      return
    }
    // Running: finished once its command (or its simulated run time) is over, or killed by a failed probe.
    const ended = await this.runningOutcome(pod, statuses, now)
    if (ended === null) return
    const {exitCode, finishedAt} = ended
    const policy = pod.spec.restartPolicy ?? 'Always'
    if (ended.only && ended.only.length < pod.spec.containers.length && policy !== 'Never') return this.restartContainers(pod, podObject, key, statuses, ended.only, now)
    if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) {
      await this.writeStatus(pod, terminatedStatus(pod, exitCode, exitCode === 0 ? 'Succeeded' : 'Failed', finishedAt))
      return
    }
    // The kubelet's back-off: the first exit restarts at once (nothing is in back-off yet); each
    // later one waits in CrashLoopBackOff, 10 s after the second exit, doubling, the restart count
    // unchanged until the container runs again.
    const restarts = Math.max(...statuses.map((status) => Number(status.restartCount ?? 0)))
    const finished = terminatedStatus(pod, exitCode, 'Failed', finishedAt).containerStatuses as Array<Record<string, unknown>>
    if (restarts === 0) {
      const lastStates = new Map(finished.map((entry) => [String(entry.name), entry.state]))
      await this.writeStatus(pod, runningStatus(pod, new Map(finished.map((entry) => [String(entry.name), 1])), lastStates, now))
      await this.startedAgain(pod, podObject, key, recorder, now)
      return
    }
    const backoff = restartBackoffMilliseconds(restarts)
    // A container waiting to restart is not ready, so neither is the pod (it leaves its Services' endpoints).
    const at = formatTimestamp(now)
    const unready = `containers with unready status: [${finished.map((entry) => String(entry.name)).join(' ')}]`
    const waitingConditions = conditions.map((condition) =>
      (condition.type === 'Ready' || condition.type === 'ContainersReady') ? {type: condition.type, status: 'False', lastProbeTime: null, lastTransitionTime: condition.status === 'False' ? condition.lastTransitionTime : at, reason: 'ContainersNotReady', message: unready} : condition,
    )
    const status = {
      ...(pod.status as Record<string, unknown>),
      conditions: waitingConditions,
      containerStatuses: finished.map((entry) => ({...entry, state: {waiting: {reason: 'CrashLoopBackOff', message: `back-off ${backoffText(backoff)} restarting failed container=${entry.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`}}, lastState: entry.state, restartCount: restarts, ready: false, started: false})),
    }
    await this.writeStatus(pod, status)
    await recorder.record(podObject, 'Warning', 'BackOff', `Back-off restarting failed container ${pod.spec.containers[0]?.name ?? ''} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`)
    this.wallClock.addAfter(key, backoff)
  }

  /**
   * Some of a pod's containers ended while the others run on: those alone restart, at once the
   * first time, later after their own CrashLoopBackOff (their BackOff events name them).
   */
  private async restartContainers(pod: Pod, podObject: KubeObject, key: string, statuses: ReadonlyArray<Record<string, any>>, ended: readonly ContainerEnded[], now: number): Promise<void> {
    const recorder = this.recorderFor(String(pod.spec.nodeName))
    const {change, startedNow, backingOff, backoffMinMilliseconds} = containersEnded(pod, statuses, ended, now)
    await this.writeStatus(pod, withContainersChanged(pod, change, now))
    if (startedNow.length > 0) await this.startedAgain(pod, podObject, key, recorder, now, startedNow)
    for (const name of backingOff) await recorder.record(podObject, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`)
    if (backoffMinMilliseconds !== null) this.wallClock.addAfter(key, backoffMinMilliseconds)
    // The containers that run on are looked at again at their own next change.
    this.simulated.add(key)
  }

  /** The reader a node's kubelet resolves env and volumes with (ConfigMaps, Secrets through the API). */
  private readerFor(node: string): PodObjectReader {
    const client = this.clientFor(node)
    return {
      get: async (resource, namespace, name) => {
        try {
          return await client.get(resource === 'secrets' ? resources.secrets : resources.configMaps, namespace, name)
        } catch (error) {
          if (isNotFound(error)) return null
          throw error
        }
      },
      services: async (namespace) => this.services.list().filter((service) => service.metadata.namespace === namespace),
    }
  }

  /**
   * A running pod's containers now: null while they run on (readiness written, the next change
   * scheduled on the cluster clock), or how and when the pod's run ended. Containers that follow
   * their command end with it (or a failed liveness/startup probe kills them); others end as the
   * kubemu.io annotations say.
   */
  private async runningOutcome(pod: Pod, statuses: ReadonlyArray<Record<string, any>>, now: number): Promise<RunEnd | null> {
    const key = objectKey(pod)
    const startedAt = Math.max(...statuses.map((status) => Date.parse(status.state?.running?.startedAt ?? '') || 0))
    const shellRun = pod.spec.containers.some((container) => followsCommand(pod, container as never))
    const probed = pod.spec.containers.some((container) => Boolean((container as {livenessProbe?: unknown; readinessProbe?: unknown; startupProbe?: unknown}).livenessProbe ?? (container as {readinessProbe?: unknown}).readinessProbe ?? (container as {startupProbe?: unknown}).startupProbe))
    if (!shellRun && !probed) {
      const runSeconds = runSecondsOf(pod)
      if (!Number.isFinite(runSeconds)) return null
      const due = startedAt + runSeconds * 1000
      if (due > now && !this.collapsing) {
        this.simulated.addAfter(key, due - now)
        return null
      }
      return {exitCode: Number(pod.metadata.annotations?.[exitCodeAnnotation] ?? 0) || 0, finishedAt: now}
    }
    const reader = this.readerFor(String(pod.spec.nodeName))
    const outcomes: Array<{name: string; outcome: ContainerOutcome; follows: boolean; run: ContainerRunStart}> = []
    for (const container of pod.spec.containers) {
      const status = statuses.find((entry) => entry.name === container.name)
      const run = {startedAtMilliseconds: Date.parse(status?.state?.running?.startedAt ?? '') || startedAt, restartCount: Number(status?.restartCount ?? 0)}
      outcomes.push({name: container.name, outcome: await this.runtime.outcome(pod, container.name, run, now, reader), follows: followsCommand(pod, container as never), run})
    }
    const recorder = this.recorderFor(String(pod.spec.nodeName))
    const podObject = {...pod, kind: 'Pod', apiVersion: 'v1'} as unknown as KubeObject
    // A probe kill ends the pod's run at once; an exit ends it once every container following a command has ended.
    await this.recordReadinessFailures(pod, podObject, outcomes)
    const killed = outcomes.filter((entry) => entry.outcome.end?.killedBy).sort((a, b) => a.outcome.end!.atMilliseconds - b.outcome.end!.atMilliseconds)[0]
    if (killed) {
      const end = killed.outcome.end!
      const label = probeLabels[end.killedBy!]
      // Each failure at the cluster time its probe ran: `describe` tells "x3 over 10s" as a real node's does.
      for (const failure of end.failures) await recorder.record(podObject, 'Warning', 'Unhealthy', `${label} probe failed: ${failure.output}`, failure.atMilliseconds)
      await recorder.record(podObject, 'Normal', 'Killing', `Container ${killed.name} failed ${end.killedBy} probe, will be restarted`, end.atMilliseconds)
      return {exitCode: end.exitCode, finishedAt: end.atMilliseconds, only: [{name: killed.name, exitCode: end.exitCode, finishedAt: end.atMilliseconds}]}
    }
    const exits = outcomes.filter((entry) => entry.follows)
    // Under a policy that restarts it, a container that exited restarts alone while the pod's others run on.
    const policy = pod.spec.restartPolicy ?? 'Always'
    const restartable = exits.filter((entry) => entry.outcome.end && (policy === 'Always' || (policy === 'OnFailure' && entry.outcome.end.exitCode !== 0)))
    if (restartable.length > 0 && restartable.length < pod.spec.containers.length) {
      const only = restartable.map((entry) => ({name: entry.name, exitCode: entry.outcome.end!.exitCode, finishedAt: entry.outcome.end!.atMilliseconds}))
      return {exitCode: only[0]!.exitCode, finishedAt: Math.min(...only.map((entry) => entry.finishedAt)), only}
    }
    if (exits.length > 0 && exits.every((entry) => entry.outcome.end)) {
      const failed = exits.find((entry) => entry.outcome.end!.exitCode !== 0)
      return {exitCode: failed?.outcome.end!.exitCode ?? 0, finishedAt: Math.max(...exits.map((entry) => entry.outcome.end!.atMilliseconds))}
    }
    // Still running: readiness as the probes say, and a look again at the next change.
    const readyNow = outcomes.every((entry) => entry.outcome.ready)
    const changed = statuses.some((status) => {
      const outcome = outcomes.find((entry) => entry.name === status.name)?.outcome
      return outcome && (status.ready !== outcome.ready || status.started !== outcome.started)
    })
    if (changed) {
      const at = formatTimestamp(now)
      const conditions = ((pod.status as {conditions?: Array<Record<string, unknown>>} | undefined)?.conditions ?? [])
      const flip = (type: string) => (condition: Record<string, unknown>) => condition.type === type && (condition.status === 'True') !== readyNow
        ? {type, status: readyNow ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: at, ...(readyNow ? {} : {reason: 'ContainersNotReady', message: `containers with unready status: [${outcomes.filter((entry) => !entry.outcome.ready).map((entry) => entry.name).join(' ')}]`})}
        : condition
      await this.writeStatus(pod, {
        ...(pod.status as Record<string, unknown>),
        conditions: conditions.map((condition) => flip('ContainersReady')(flip('Ready')(condition) as Record<string, unknown>)),
        containerStatuses: statuses.map((status) => {
          const outcome = outcomes.find((entry) => entry.name === status.name)?.outcome
          return outcome ? {...status, ready: outcome.ready, started: outcome.started} : status
        }),
      })
    }
    const next = Math.min(...outcomes.map((entry) => entry.outcome.nextChangeAtMilliseconds ?? Number.POSITIVE_INFINITY))
    if (Number.isFinite(next)) this.wallClock.addAfter(key, Math.max(1, next - now))
    // Annotated run time still applies to a probed container that does not follow a command.
    const runSeconds = runSecondsOf(pod)
    if (!shellRun && Number.isFinite(runSeconds)) {
      const due = startedAt + runSeconds * 1000
      if (due > now && !this.collapsing) this.simulated.addAfter(key, due - now)
      else return {exitCode: Number(pod.metadata.annotations?.[exitCodeAnnotation] ?? 0) || 0, finishedAt: now}
    }
    return null
  }

  /**
   * An Unhealthy event for every failed readiness probe since the last look (the recorder counts
   * repeats: "x5 over 40s"), whether the container was ever ready or not; after a long stretch of
   * cluster time only the latest failures are written.
   */
  private async recordReadinessFailures(pod: Pod, podObject: KubeObject, outcomes: ReadonlyArray<{name: string; outcome: ContainerOutcome; run: ContainerRunStart}>): Promise<void> {
    const recorder = this.recorderFor(String(pod.spec.nodeName))
    for (const {name, outcome, run} of outcomes) {
      const recordedUntil = this.runtime.readinessEventsRecordedUntil(pod, name, run) ?? Number.NEGATIVE_INFINITY
      const failures = outcome.readinessFailures.filter((failure) => failure.atMilliseconds > recordedUntil).slice(-readinessFailureEventsPerLookMax)
      if (failures.length === 0) continue
      for (const failure of failures) await recorder.record(podObject, 'Warning', 'Unhealthy', `Readiness probe failed: ${failure.output}`, failure.atMilliseconds)
      this.runtime.setReadinessEventsRecordedUntil(pod, name, run, failures.at(-1)!.atMilliseconds)
    }
  }

  /** Set while process() collapses delays, so run times end at once. */
  private collapsing = false

  /** Pods whose containers were told to stop (their Killing events are written): key → uid. */
  private readonly stopping = new Map<string, string>()

  private async terminate(pod: Pod, now: number): Promise<void> {
    const key = objectKey(pod)
    const uid = String(pod.metadata.uid)
    // The kubelet stops the containers as soon as it sees the deletion (Killing), then waits out the grace period.
    if (this.stopping.get(key) !== uid && !isTerminalPod(pod) && pod.status?.phase === 'Running') {
      if (this.stopping.size >= stoppingPodsMax) throw new Error(`invariant: more than ${stoppingPodsMax} pods stopping at once`)
      this.stopping.set(key, uid)
      const recorder = this.recorderFor(String(pod.spec.nodeName))
      for (const container of pod.spec.containers) await recorder.record({...pod, kind: 'Pod', apiVersion: 'v1'}, 'Normal', 'Killing', `Stopping container ${container.name}`)
    }
    const deletedAt = Date.parse(String(pod.metadata.deletionTimestamp))
    const endsAt = Math.min(deletedAt, await this.containersEndAfterTerm(pod, deletedAt))
    if (endsAt > now && !this.collapsing) return this.simulated.addAfter(key, endsAt - now)
    try {
      await this.clientFor(String(pod.spec.nodeName)).delete(resources.pods, String(pod.metadata.namespace), String(pod.metadata.name), {gracePeriodSeconds: 0, preconditions: {uid}})
    } finally {
      this.stopping.delete(key)
    }
  }

  /**
   * When the last of a deleted pod's running containers has ended after the SIGTERM the kubelet
   * sent as the deletion came (the grace period's end for one that ignores it, see termination.ts).
   */
  private async containersEndAfterTerm(pod: Pod, deletedAt: number): Promise<number> {
    const signalAt = deletedAt - Number(pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000
    // A pod that runs nothing (completed, failed, or not started yet) has nothing to wait for: its
    // kubelet removes it as soon as it sees the deletion (`kubectl run --rm` leaves nothing behind).
    if (pod.status?.phase !== 'Running') return signalAt
    const statuses = ((pod.status as {containerStatuses?: Array<Record<string, any>>}).containerStatuses ?? [])
    const reader = this.readerFor(String(pod.spec.nodeName))
    let last = signalAt
    for (const container of pod.spec.containers) {
      const status = statuses.find((entry) => entry.name === container.name)
      const startedAt = Date.parse(status?.state?.running?.startedAt ?? '')
      if (Number.isNaN(startedAt)) continue
      const end = await this.runtime.endAfterTerm(pod, container.name, {startedAtMilliseconds: startedAt, restartCount: Number(status?.restartCount ?? 0)}, signalAt, reader)
      last = Math.max(last, end ?? deletedAt)
    }
    return last
  }

  /** The images a node has pulled, for node status (ImageLocality scores them). */
  static imagesOf(pods: readonly Pod[]): string[] {
    return [...new Set(pods.flatMap((pod) => pod.spec.containers.map((container) => fullImageName(container.image))))].sort()
  }
}

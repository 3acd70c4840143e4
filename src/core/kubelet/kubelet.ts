// The simulated kubelets of every node, as one loop: each node's pods go Pending →
// ContainerCreating → Running (pod IP from the node's pod CIDR, container statuses, conditions,
// Events), finish after their simulated run time with their simulated exit code (annotations
// kubemu.io/run-seconds and kubemu.io/exit-code) under the pod's restartPolicy, and are removed
// after their grace period once deleted. Start-up, run time and grace periods are simulated
// delays (zero in one-shot mode); restart back-off is on the wall clock, as CrashLoopBackOff is.
// This file is the loop and the step each pod is at; each step's work has its own file:
// running.ts (a running pod's containers and probes), restarts.ts (exits, CrashLoopBackOff),
// pod-deletion.ts (grace periods), pod-sandbox.ts and pod-ips.ts (a pod's network), heartbeat.ts, images.ts (image-retries.ts: a pod
// that cannot have its image), pod-status.ts.
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
import type {Clock} from '../util/clock.js'
import {forEachConcurrently} from '../util/concurrency.js'
import {isStopped, NodeHeartbeats, nodeLeaseRenewMilliseconds} from './heartbeat.js'
import {isMirrorPod} from '../api/mirror-pods.js'
import {type PersistentVolumeClaim, podClaimNames} from '../api/volume-binding.js'
import {ephemeralContainersEnded} from './ephemeral-containers.js'
import {unreadyContainers, withEphemeralContainersStarted} from './pod-status.js'
import {exitCodeAnnotation, runSecondsAnnotation, SimulatedContainers} from './containers.js'
import {ensureImage} from './images.js'
import {retryNeverPulled} from './image-retries.js'
import {restartBackoffInitialMilliseconds, restartWaiting, runEnded} from './restarts.js'
import {PodDeletions} from './pod-deletion.js'
import {PodIps} from './pod-ips.js'
import {PodSandboxes} from './pod-sandbox.js'
import {containerSubject, forgetPulls, type PodWork, type PullPlan, writeStatus} from './pod-work.js'
import {runningOutcome} from './running.js'
import {initializing, isInitializing} from './init-containers.js'
import {sidecarsLook} from './sidecars.js'
import {inAdmissionOrder, PodAdmission, rejectPod} from './admission.js'
import {type KubeletCertificateOptions, KubeletClientCertificates} from './client-certificates.js'

export {runSecondsAnnotation, exitCodeAnnotation}
export {restartBackoffInitialMilliseconds, restartBackoffMaxMilliseconds, restartBackoffMilliseconds} from './restarts.js'
export {heartbeatRetryInitialMilliseconds, heartbeatRetryMaxMilliseconds} from './heartbeat.js'
export {probeFailureEventsPerLookMax} from './running.js'
export {jobPodRunSecondsDefault} from './pod-work.js'
export {stoppingPodsMax} from './pod-deletion.js'
/** How long a simulated container takes to start. */
export const containerStartMilliseconds = 1_000
/** Pods the simulated kubelets work on at once, across all nodes. */
export const kubeletsInFlightMax = 64

export class Kubelets implements ControlLoop, PodWork {
  readonly name = 'kubelet'
  readonly simulated: WorkQueue
  readonly wallClock: WorkQueue
  readonly services: Informer<KubeObject>
  collapsing = false
  readonly pullsStarted = new Map<string, PullPlan>()
  private readonly pods: Informer<Pod>
  private readonly nodes: Informer<Node>
  /** The claims pods mount: a pod's containers start only once all its claims are Bound. */
  private readonly claims: Informer<PersistentVolumeClaim>
  private readonly heartbeats: NodeHeartbeats
  private readonly sandboxes: PodSandboxes
  private readonly deletions: PodDeletions
  private readonly admission: PodAdmission
  /** The nodes' client certificates (TLS bootstrap and renewal), for nodes that joined with credentials. */
  private readonly certificates: KubeletClientCertificates | null

  constructor(
    readonly clientFor: (node: string) => ApiClient,
    informers: InformerFactory,
    readonly recorderFor: (node: string) => EventRecorder,
    private readonly clock: Clock,
    readonly runtime: SimulatedContainers = new SimulatedContainers(),
    certificates?: KubeletCertificateOptions,
  ) {
    this.simulated = new WorkQueue('kubelet', clock)
    this.wallClock = new WorkQueue('kubelet-backoff', clock)
    this.pods = informers.informer<Pod>(resources.pods)
    this.pods.addIndex(podsByNodeName)
    this.nodes = informers.informer<Node>(resources.nodes)
    // A node's pulled images go out with its status sync (every 10 s), as the kubelet reports them.
    this.heartbeats = new NodeHeartbeats(clientFor, this.nodes, informers.informer<KubeObject>(resources.leases), (node) => this.runtime.images.list(node))
    this.sandboxes = new PodSandboxes(this, new PodIps(this.pods))
    this.certificates = certificates ? new KubeletClientCertificates(this.nodes, informers, certificates) : null
    this.deletions = new PodDeletions(this)
    this.admission = new PodAdmission(this.pods)
    this.services = informers.informer<KubeObject>(resources.services)
    // An init container waiting for a Service (`until nslookup db; do sleep 2; done`, the docs'
    // example) is looked at again when the Services change: its replay asks the network as it is now.
    this.services.onEvent(() => {
      for (const pod of this.pods.list()) if (pod.spec.nodeName && isInitializing(pod)) this.simulated.add(objectKey(pod))
    })
    this.claims = informers.informer<PersistentVolumeClaim>(resources.persistentVolumeClaims)
    // A claim that binds lets the pods on nodes that mount it start.
    this.claims.onEvent((event) => {
      if (event.type === 'DELETED' || event.object.status?.phase !== 'Bound') return
      for (const pod of this.pods.list()) if (pod.spec.nodeName && pod.metadata.namespace === event.object.metadata.namespace && podClaimNames(pod).includes(String(event.object.metadata.name))) this.simulated.add(objectKey(pod))
    })
    this.pods.onEvent((event) => {
      if (event.type !== 'DELETED' && event.object.spec.nodeName) this.simulated.add(objectKey(event.object))
      else if (event.type === 'DELETED') {
        this.deletions.gone(event.object, this.clock.nowMilliseconds())
        this.sandboxes.forget(String(event.object.metadata.uid))
      }
    })
    // What an attach sends on a container's stdin may end its command: the kubelet looks again.
    this.runtime.onStdin((pod) => this.simulated.add(objectKey(pod)))
    // A node that starts again: its kubelet takes up its pods.
    this.nodes.onEvent((event) => {
      if (event.type === 'MODIFIED' && event.previous && isStopped(event.previous) && !isStopped(event.object)) {
        for (const pod of this.pods.byIndex(podsByNodeName.name, String(event.object.metadata.name))) this.simulated.add(objectKey(pod))
      }
    })
  }

  hasWork(collapseDelays: boolean): boolean {
    const now = this.clock.nowMilliseconds()
    if (this.heartbeats.due(now)) return true
    if (this.certificates?.due(now)) return true
    if (this.simulated.length > 0 || this.wallClock.length > 0) return true
    const simulatedDue = this.simulated.nextDue()
    const wallDue = this.wallClock.nextDue()
    return (simulatedDue !== null && (collapseDelays || simulatedDue <= now)) || (wallDue !== null && wallDue <= now)
  }

  nextDue(): number | null {
    const dues = [this.simulated.nextDue(), this.wallClock.nextDue(), this.certificates?.nextDue() ?? null].filter((due): due is number => due !== null)
    return dues.length > 0 ? Math.min(...dues) : null
  }

  /** Whether this kubelet ended the kept runs of pods deleted while no kubelet watched (once, at its first round). */
  private goneRunsEnded = false

  async process(collapseDelays: boolean): Promise<number> {
    this.collapsing = collapseDelays
    if (!this.goneRunsEnded) {
      // A one-shot command's kubelet lists the pods as it starts: one deleted by an earlier command never shows as DELETED.
      this.goneRunsEnded = true
      const live = new Set(this.pods.list().map((pod) => String(pod.metadata.uid)))
      this.runtime.endRunsOfGonePods((uid) => live.has(uid), this.clock.nowMilliseconds())
    }
    let beats = this.heartbeats.due(this.clock.nowMilliseconds()) ? await this.heartbeats.beat(this.clock.nowMilliseconds()) : 0
    if (this.certificates?.due(this.clock.nowMilliseconds())) beats += await this.certificates.process(this.clock.nowMilliseconds())
    let lastBeat = this.clock.nowMilliseconds()
    let beating: Promise<void> | null = null
    this.simulated.promoteDue(collapseDelays)
    this.wallClock.promoteDue(false)
    const keys = inAdmissionOrder([...new Set([...this.simulated.take(), ...this.wallClock.take()])], (key) => this.pods.get(key))
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
        beating = this.heartbeats.beat(now).then((written) => {
          beats += written
          beating = null
        })
      }
    })
    if (beating !== null) await beating
    return keys.length + beats
  }

  private async reconcile(key: string, now: number): Promise<void> {
    const pod = this.pods.get(key)
    if (!pod) {
      this.deletions.forget(key) // gone by another hand (a forced delete) while its containers were stopping
      return
    }
    // Mirror pods are the static pods' (MirrorPods keeps them), not containers of their own.
    if (!pod.spec.nodeName || isMirrorPod(pod)) return
    const node = this.nodes.get(pod.spec.nodeName)
    // A stopped node's kubelet does nothing: its pods stay as they are until it starts again (and pulls again what it was pulling).
    if (!node || isStopped(node)) return forgetPulls(this, pod)
    const recorder = this.recorderFor(pod.spec.nodeName)
    if (pod.metadata.deletionTimestamp) {
      forgetPulls(this, pod)
      return this.deletions.terminate(pod, now)
    }
    if (isTerminalPod(pod)) return
    const statuses = ((pod.status as {containerStatuses?: Array<Record<string, any>>} | undefined)?.containerStatuses ?? [])
    if (!(pod.status as {startTime?: string} | undefined)?.startTime) {
      // Admitted first (resources, node affinity, host ports, NoExecute taints): one that does not fit is rejected.
      const rejection = this.admission.admit(pod, node)
      if (rejection) return rejectPod(this, pod, rejection, now)
      return this.sandboxes.setUp(pod, node, key, now, true, containerStartMilliseconds)
    }
    // A sandbox whose network failed (no pod IP free) is tried again after the back-off; its containers wait.
    if (this.sandboxes.awaitingNetwork(pod)) return this.sandboxes.setUp(pod, node, key, now, false, containerStartMilliseconds)
    // A container whose image the node cannot have (ErrImageNeverPull) keeps the pod Pending; the
    // pod worker tries again after its back-off, telling the events again (image-retries.ts).
    if (statuses.some((status) => status.state?.waiting?.reason === 'ErrImageNeverPull')) return retryNeverPulled(this, pod, key, statuses, now)
    // The volume manager mounts the pod's claims first; an unbound one keeps it ContainerCreating (or its init containers waiting).
    const volumesReady = !podClaimNames(pod).some((name) => this.claims.get(`${pod.metadata.namespace}/${name}`)?.status?.phase !== 'Bound')
    // Sidecars run on beside the rest: restarted when they exit, their probes, their stop at the pod's end.
    if (await sidecarsLook(this, pod, key, now)) return
    if (await initializing(this, pod, key, now, volumesReady)) return
    // Initialized, the containers that waited for the init containers (PodInitializing) start as any first start.
    const creating = statuses.some((status) => status.state?.waiting?.reason === 'ContainerCreating' || status.state?.waiting?.reason === 'PodInitializing')
    if (creating || statuses.some((status) => status.state?.waiting?.reason === 'CrashLoopBackOff')) {
      if (creating && !volumesReady) return
      // Some wait while the others run on and none is due: the running ones are looked at below.
      if (await restartWaiting(this, pod, key, statuses, creating, now)) return
    }
    // Ephemeral containers added to a running pod (kubectl debug) start at once.
    const ephemeralStatuses = ((pod.status as {ephemeralContainerStatuses?: Array<{name: string}>} | undefined)?.ephemeralContainerStatuses ?? [])
    const unstarted = (pod.spec.ephemeralContainers ?? []).filter((container) => !ephemeralStatuses.some((status) => status.name === container.name))
    if (unstarted.length > 0 && pod.status?.phase === 'Running') {
      await writeStatus(this, pod, withEphemeralContainersStarted(pod, unstarted.map((container) => container.name), now))
      for (const container of unstarted) {
        const subject = containerSubject(pod, container.name)
        const image = await ensureImage(this.runtime.images, pod.spec.nodeName, recorder, subject, container)
        if (!image.ok) continue
        await recorder.record(subject, 'Normal', 'Created', `Created container ${container.name}`)
        await recorder.record(subject, 'Normal', 'Started', `Started container ${container.name}`)
      }
      return
    }
    if (pod.status?.phase === 'Running' && (await ephemeralContainersEnded(this, pod, key, now))) return
    // A pod the node lifecycle controller marked not Ready while this kubelet was away: back, the
    // kubelet's status manager reports its own view again (the containers run and are ready).
    const conditions = ((pod.status as {conditions?: Array<Record<string, unknown>>} | undefined)?.conditions ?? [])
    const initStatuses = ((pod.status as {initContainerStatuses?: Array<Record<string, unknown>>} | undefined)?.initContainerStatuses ?? [])
    if (pod.status?.phase === 'Running' && statuses.length > 0 && unreadyContainers(pod, statuses, initStatuses).length === 0 && conditions.some((condition) => condition.type === 'Ready' && condition.status !== 'True')) {
      const at = formatTimestamp(now)
      await writeStatus(this, pod, {...(pod.status as Record<string, unknown>), conditions: conditions.map((condition) => (condition.type === 'Ready' ? {type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: at} : condition))})
      return
    }
    // Running: finished once its command (or its simulated run time) is over, or killed by a failed probe.
    const ended = await runningOutcome(this, pod, statuses, now)
    if (ended !== null) await runEnded(this, pod, key, statuses, ended, now)
  }
}

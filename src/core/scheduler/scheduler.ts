// The scheduler's loop (kube-scheduler 1.32, with the profiles of its configuration; a pod is
// scheduled by the profile named by its spec.schedulerName, and left alone when none is): a scheduling
// queue of pending pods (active by priority then age; unschedulable ones wait for a cluster
// event that may help), a cache of nodes with the pods on them (a pod is assumed on its node as
// soon as it is bound), one attempt per pod, then pods/binding, FailedScheduling, preemption.
import type {KubeObject} from '../api/object.js'
import {formatTimestamp, sameJson} from '../api/object.js'
import {type ApiClient, isConflict, isNotFound, objectKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {ControlLoop, InformerFactory} from '../client/informer-factory.js'
import type {Informer, InformerEvent} from '../client/informer.js'
import {resources} from '../client/resources.js'
import {isTerminalPod} from '../api/quota.js'
import type {Clock} from '../util/clock.js'
import {MemorySchedulingReports, type SchedulingReport, type SchedulingReportStore} from './reports.js'
import {fitErrorMessage, SchedulingAlgorithm, type ScheduleResult} from './algorithm.js'
import type {Snapshot, VolumeLister} from './framework.js'
import {ImageNodeCounts, NodeInfo} from './node-info.js'
import {preempt} from './preemption.js'
import {PodBackoff} from './backoff.js'
import {defaultProfile, type Profile} from './profile.js'
import {defaultSchedulerName} from './configuration.js'
import {PodOwners} from './pod-owners.js'
import {claimsToSelectNode} from './plugins/volume-binding.js'
import {type PersistentVolume, type PersistentVolumeClaim, selectedNodeAnnotation, type StorageClass} from '../api/volume-binding.js'
import type {Node, Pod} from '../api/kinds.js'

export {defaultSchedulerName as schedulerName} from './configuration.js'
/** A scheduling report lists at most this many nodes (the best scored, then the rejected). */
export const attemptNodesRecordedMax = 16
/** One process() call schedules at most this many pods (a bound on one round). */
export const podsPerRoundMax = 100_000
/** Binding cycles run beside the scheduling cycle, at most this many at once (kube-scheduler binds in goroutines). */
export const bindsInFlightMax = 64

/** One profile as the loop runs it: its framework, its algorithm (which remembers where it stopped) and its events' reporter. */
interface RunningProfile {
  readonly profile: Profile
  readonly algorithm: SchedulingAlgorithm
  readonly recorder: EventRecorder
}

export class Scheduler implements ControlLoop {
  readonly name = 'scheduler'
  private readonly nodes = new Map<string, NodeInfo>()
  /** How many times the cached nodes list each image name, kept as nodes change (ImageLocality). */
  private readonly imageNodeCounts = new ImageNodeCounts()
  /** Where each pod the cache holds is: pod uid → node name. */
  private readonly placed = new Map<string, string>()
  /** Pods on nodes the node informer has not shown yet (informers start one after another). */
  private readonly waitingForNode = new Map<string, Map<string, Pod>>()
  private readonly active = new Map<string, Pod>()
  private readonly unschedulable = new Set<string>()
  private readonly profiles = new Map<string, RunningProfile>()
  private readonly pods: Informer<Pod>
  private readonly namespaces: Informer<KubeObject>
  private readonly owners: PodOwners | null
  private readonly volumeLister: VolumeLister
  /** Pods whose node is chosen, waiting for their WaitForFirstConsumer claims to bind (VolumeBinding's PreBind). */
  private readonly waitingForVolumes = new Map<string, {readonly node: string; readonly deadlineMilliseconds: number}>()
  private readonly backoff: PodBackoff

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    /** Each profile's events carry its schedulerName as their reporting controller. */
    recorderFor: (schedulerName: string) => EventRecorder,
    private readonly clock: Clock,
    random: () => number,
    profiles: readonly Profile[] = [defaultProfile],
    /** kubemu's own record of each pod's last attempt (read by describe), kept off the pod. */
    private readonly reports: SchedulingReportStore = new MemorySchedulingReports(),
  ) {
    for (const profile of profiles) this.profiles.set(profile.schedulerName, {profile, algorithm: new SchedulingAlgorithm(random, profile), recorder: recorderFor(profile.schedulerName)})
    this.owners = profiles.some((profile) => profile.defaultConstraints) ? new PodOwners(informers) : null
    this.backoff = new PodBackoff((profiles[0] ?? defaultProfile).podInitialBackoffSeconds * 1000, (profiles[0] ?? defaultProfile).podMaxBackoffSeconds * 1000)
    this.pods = informers.informer<Pod>(resources.pods)
    this.namespaces = informers.informer<KubeObject>(resources.namespaces)
    informers.informer<Node>(resources.nodes).onEvent((event) => this.onNode(event))
    this.pods.onEvent((event) => this.onPod(event))
    this.namespaces.onEvent(() => (this.cachedSnapshot = null))
    const claims = informers.informer<PersistentVolumeClaim>(resources.persistentVolumeClaims)
    const volumes = informers.informer<PersistentVolume>(resources.persistentVolumes)
    const classes = informers.informer<StorageClass>(resources.storageClasses)
    this.volumeLister = {
      claim: (namespace, name) => claims.get(`${namespace}/${name}`),
      volume: (name) => volumes.get(name),
      volumes: () => volumes.list(),
      storageClass: (name) => classes.get(name),
    }
    // A claim, volume or class that appears or changes may let a pod waiting on its volumes fit.
    for (const informer of [claims.shared, volumes.shared, classes.shared]) informer.onEvent((event) => event.type !== 'DELETED' && this.moveAllToActive())
  }

  private moveAllToActive(): void {
    const now = this.clock.nowMilliseconds()
    for (const key of this.unschedulable) {
      const pod = this.pods.get(key)
      if (pod && !pod.spec.nodeName && this.backoff.release(key, pod, now)) this.active.set(key, pod)
    }
    this.unschedulable.clear()
  }

  /**
   * A node event changes only that node's entry (kube-scheduler's cache: AddNode, UpdateNode,
   * RemoveNode): a changed node is updated in place with its pods kept, so the snapshot, whose
   * entries are these NodeInfos, sees it without a rebuild; only a node that comes or goes
   * changes the snapshot's list.
   */
  private onNode(event: InformerEvent<Node>): void {
    const name = String(event.object.metadata.name)
    if (event.type === 'DELETED') {
      this.nodes.delete(name)
      this.imageNodeCounts.delete(name)
      this.cachedSnapshot = null
      return
    }
    let info = this.nodes.get(name)
    if (info) info.setNode(event.object)
    else {
      info = new NodeInfo(event.object)
      for (const pod of this.waitingForNode.get(name)?.values() ?? []) info.addPod(pod)
      this.waitingForNode.delete(name)
      this.nodes.set(name, info)
      this.cachedSnapshot = null
    }
    this.imageNodeCounts.set(info)
    this.moveAllToActive()
  }

  private forget(pod: Pod): void {
    const uid = String(pod.metadata.uid)
    const node = this.placed.get(uid)
    if (node === undefined) return
    this.nodes.get(node)?.removePod(pod)
    this.waitingForNode.get(node)?.delete(uid)
    this.placed.delete(uid)
  }

  private place(pod: Pod, nodeName: string): void {
    this.forget(pod)
    const uid = String(pod.metadata.uid)
    this.placed.set(uid, nodeName)
    const info = this.nodes.get(nodeName)
    if (info) info.addPod(pod)
    else {
      let waiting = this.waitingForNode.get(nodeName)
      if (!waiting) this.waitingForNode.set(nodeName, (waiting = new Map()))
      waiting.set(uid, pod)
    }
  }

  private onPod(event: InformerEvent<Pod>): void {
    const pod = event.object
    const key = objectKey(pod)
    if (event.type === 'DELETED' || isTerminalPod(pod)) {
      if (event.type === 'DELETED') this.reports.forget(String(pod.metadata.uid))
      this.waitingForVolumes.delete(key)
      this.backoff.forget(key)
      this.forget(event.previous ?? pod)
      this.active.delete(key)
      this.unschedulable.delete(key)
      if (event.previous?.spec.nodeName || pod.spec.nodeName) this.moveAllToActive()
      return
    }
    if (pod.spec.nodeName) {
      this.backoff.forget(key)
      this.active.delete(key)
      this.unschedulable.delete(key)
      this.place(pod, pod.spec.nodeName)
      return
    }
    const running = this.profileOf(pod)
    if (!running || pod.metadata.deletionTimestamp || (running.profile.schedulingGates && (pod.spec.schedulingGates ?? []).length > 0)) return
    if (this.unschedulable.has(key) && event.type === 'MODIFIED') {
      // A pod's own change (labels, tolerations, requests) may make it schedulable.
      if (sameJson(event.previous?.spec, pod.spec) && sameJson(event.previous?.metadata.labels, pod.metadata.labels)) return
      this.unschedulable.delete(key)
      if (!this.backoff.release(key, pod, this.clock.nowMilliseconds())) return
    }
    this.active.set(key, pod)
  }

  /** The profile whose schedulerName the pod names; none: another scheduler's pod, left Pending without a word. */
  private profileOf(pod: Pod): RunningProfile | undefined {
    return this.profiles.get(pod.spec.schedulerName ?? defaultSchedulerName)
  }

  /** The snapshot the algorithm reads; its node list is rebuilt only when nodes come or go or namespaces change (NodeInfos update in place). */
  private cachedSnapshot: Snapshot | null = null

  snapshot(): Snapshot {
    if (!this.cachedSnapshot) {
      const nodes = [...this.nodes.values()].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
      const namespaceLabels = new Map(this.namespaces.list().map((namespace) => [String(namespace.metadata.name), namespace.metadata.labels ?? {}]))
      const owners = this.owners
      this.cachedSnapshot = {nodes, byName: new Map(nodes.map((node) => [node.name, node])), imageNodeCounts: this.imageNodeCounts, namespaceLabels, volumes: this.volumeLister, ...(owners ? {defaultSelector: (pod: Pod) => owners.selectorOf(pod)} : {})}
    }
    return this.cachedSnapshot
  }

  /** Whether the reports of pods that went while no scheduler watched are forgotten yet. */
  private reportsSwept = false

  hasWork(collapseDelays = false): boolean {
    // Asked once the informers have listed: every pod that exists is in the cache.
    if (!this.reportsSwept && this.pods.resourceVersion > 0) {
      this.reportsSwept = true
      this.reports.retain(new Set(this.pods.list().map((pod) => String(pod.metadata.uid))))
    }
    const now = this.clock.nowMilliseconds()
    return this.active.size > 0 || this.backoff.hasDue(now, collapseDelays) || this.bindDeadlinePassed(now)
  }

  nextDue(): number | null {
    const backoffDue = this.backoff.nextDue()
    let due = backoffDue
    for (const {deadlineMilliseconds} of this.waitingForVolumes.values()) if (due === null || deadlineMilliseconds < due) due = deadlineMilliseconds
    return due
  }

  /** Whether a pod has waited in PreBind past its profile's bindTimeoutSeconds (a real deadline: never collapsed). */
  private bindDeadlinePassed(now: number): boolean {
    for (const {deadlineMilliseconds} of this.waitingForVolumes.values()) if (deadlineMilliseconds <= now) return true
    return false
  }

  /** Its scheduling queue: pods to try now, and pods waiting unschedulable for a cluster change. */
  queueDepth(): {queued: number; waiting: number} {
    return {queued: this.active.size, waiting: this.unschedulable.size}
  }

  async process(collapseDelays = false): Promise<number> {
    const now = this.clock.nowMilliseconds()
    for (const [key, pod] of this.backoff.due(now, collapseDelays)) this.active.set(key, pod)
    for (const [key, {deadlineMilliseconds}] of this.waitingForVolumes) {
      const pod = this.pods.get(key)
      if (pod && deadlineMilliseconds <= now) this.active.set(key, pod)
    }
    const order = (left: Pod, right: Pod) =>
      (right.spec.priority ?? 0) - (left.spec.priority ?? 0) || String(left.metadata.creationTimestamp).localeCompare(String(right.metadata.creationTimestamp))
    const queue = [...this.active.values()].sort(order)
    this.active.clear()
    let processed = 0
    const binding = new Set<Promise<void>>()
    try {
      for (const queued of queue.slice(0, podsPerRoundMax)) {
        const pod = this.pods.get(objectKey(queued))
        if (!pod || pod.spec.nodeName || pod.metadata.deletionTimestamp || pod.metadata.uid !== queued.metadata.uid) continue
        const assigned = this.profileOf(pod)
        if (!assigned) continue
        const cycle = await this.scheduleOne(pod, assigned)
        if (cycle) {
          const running: Promise<void> = cycle.binding.finally(() => binding.delete(running))
          binding.add(running)
          if (binding.size >= bindsInFlightMax) await Promise.race(binding)
        }
        processed++
      }
    } finally {
      await Promise.all(binding)
    }
    for (const rest of queue.slice(podsPerRoundMax)) this.active.set(objectKey(rest), rest)
    return processed
  }

  /**
   * VolumeBinding's PreBind: the pod's unbound WaitForFirstConsumer claims are told the chosen
   * node, for their provisioner; true when the pod must wait for them to bind.
   */
  private async selectNodeForClaims(pod: Pod, node: string, result: ScheduleResult, profile: Profile): Promise<boolean> {
    const claims = claimsToSelectNode(pod, this.volumeLister)
    if (claims.length === 0) return false
    const key = objectKey(pod)
    const uid = String(pod.metadata.uid)
    // The wait began with the first attempt that chose this node, maybe in an earlier command's scheduler.
    const before = this.reports.read(uid)?.waitingForVolumes
    const sinceMilliseconds = before?.node === node ? before.sinceMilliseconds : this.clock.nowMilliseconds()
    this.waitingForVolumes.set(key, {node, deadlineMilliseconds: sinceMilliseconds + profile.volumeBindTimeoutSeconds * 1000})
    this.reports.write(uid, {...this.attemptReport(result, `Waiting for volumes to bind on ${node}`, profile), waitingForVolumes: {node, sinceMilliseconds}})
    this.unschedulable.add(key)
    for (const claim of claims) {
      if (claim.metadata.annotations?.[selectedNodeAnnotation] === node) continue
      try {
        await this.client.patch(resources.persistentVolumeClaims, String(claim.metadata.namespace), String(claim.metadata.name), {metadata: {annotations: {[selectedNodeAnnotation]: node}}})
      } catch (error) {
        if (!isNotFound(error) && !isConflict(error)) throw error
        this.waitingForVolumes.delete(key)
      }
    }
    return true
  }

  /** A wait in PreBind that a scheduler before this one began (its report says so): resumed with its deadline. */
  private resumedWait(pod: Pod, profile: Profile): {node: string; deadlineMilliseconds: number} | undefined {
    const began = this.reports.read(String(pod.metadata.uid))?.waitingForVolumes
    if (!began) return undefined
    const waiting = {node: began.node, deadlineMilliseconds: began.sinceMilliseconds + profile.volumeBindTimeoutSeconds * 1000}
    this.waitingForVolumes.set(objectKey(pod), waiting)
    return waiting
  }

  /**
   * PreBind gave up after bindTimeoutSeconds: the attempt fails as kube-scheduler's does (its
   * condition and event name the plugin), and the pod goes back to the queue with backoff.
   */
  private async bindTimedOut(pod: Pod, running: RunningProfile): Promise<null> {
    const key = objectKey(pod)
    const message = `running PreBind plugin "VolumeBinding": binding volumes: context deadline exceeded`
    const last = this.reports.read(String(pod.metadata.uid))
    if (last) this.reports.write(String(pod.metadata.uid), {...last, time: formatTimestamp(this.clock.nowMilliseconds()), outcome: message, waitingForVolumes: undefined})
    this.unschedulable.add(key)
    this.backoff.failed(key, this.clock.nowMilliseconds())
    try {
      const condition = {type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: formatTimestamp(this.clock.nowMilliseconds()), reason: 'SchedulerError', message}
      await this.client.patch(resources.pods, String(pod.metadata.namespace), String(pod.metadata.name), {status: {conditions: [condition]}}, {subresource: 'status', type: 'strategic'})
    } catch (error) {
      if (isNotFound(error) || isConflict(error)) return null
      throw error
    }
    await running.recorder.record({...pod, kind: 'Pod', apiVersion: 'v1'}, 'Warning', 'FailedScheduling', message)
    return null
  }

  /** The binding cycle of a pod assumed on a node: pods/binding, then the Scheduled event. */
  private async bind(pod: Pod, node: string, result: ScheduleResult, running: RunningProfile): Promise<void> {
    try {
      await this.client.create(resources.pods, {
        kind: 'Binding',
        apiVersion: 'v1',
        metadata: {name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid},
        target: {kind: 'Node', apiVersion: 'v1', name: node},
      }, 'binding')
    } catch (error) {
      this.forget(pod)
      if (isNotFound(error) || isConflict(error)) return
      throw error
    }
    this.reports.write(String(pod.metadata.uid), this.attemptReport(result, `Scheduled to ${node}`, running.profile))
    await running.recorder.record({...pod, kind: 'Pod', apiVersion: 'v1'}, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`)
  }

  private attemptReport(result: ScheduleResult, outcome: string, profile: Profile): SchedulingReport {
    const feasible = result.verdicts.filter((verdict) => !verdict.rejectedBy).sort((left, right) => (right.total ?? 0) - (left.total ?? 0))
    const rejected = result.verdicts.filter((verdict) => verdict.rejectedBy)
    const nodes = [...feasible, ...rejected].slice(0, attemptNodesRecordedMax).map((verdict) => ({
      node: verdict.node,
      ...(verdict.rejectedBy ? {filter: `${verdict.rejectedBy.plugin}: ${verdict.rejectedBy.status.reasons.join(', ')}`} : {filter: 'passed', scores: verdict.scores ?? {}, total: verdict.total ?? 0}),
    }))
    const weights = Object.fromEntries(profile.scores.map(({plugin, weight}) => [plugin.name, weight]))
    return {time: formatTimestamp(this.clock.nowMilliseconds()), profile: profile.schedulerName, weights, outcome, evaluatedNodes: result.evaluatedNodes, feasibleNodes: result.feasibleNodes, nodes}
  }

  /** The scheduling cycle of one pod; for a pod that fits, its binding cycle to run beside the next ones. */
  private async scheduleOne(pod: Pod, running: RunningProfile): Promise<{binding: Promise<void>} | null> {
    const key = objectKey(pod)
    // Still in PreBind: the pod is bound once its claims are (then their volumes pick its node).
    const waiting = this.waitingForVolumes.get(key) ?? this.resumedWait(pod, running.profile)
    if (waiting && claimsToSelectNode(pod, this.volumeLister).length > 0) {
      if (this.clock.nowMilliseconds() < waiting.deadlineMilliseconds) {
        this.unschedulable.add(key)
        return null
      }
      this.waitingForVolumes.delete(key)
      return this.bindTimedOut(pod, running)
    }
    this.waitingForVolumes.delete(key)
    const snapshot = this.snapshot()
    const {profile, recorder} = running
    const result = running.algorithm.schedule(pod, snapshot)
    if (result.node) {
      const node = result.node
      if (await this.selectNodeForClaims(pod, node, result, running.profile)) return null
      this.place({...pod, spec: {...pod.spec, nodeName: node}}, node)
      // Wrapped: an async function would wait for a promise it returns.
      return {binding: this.bind(pod, node, result, running)}
    }
    // Without a PostFilter plugin (DefaultPreemption disabled) nothing is preempted and the message says nothing of it.
    const preemption = profile.preemption ? preempt(pod, snapshot, result, profile) : {message: '', nominatedNode: null, victims: []}
    const message = fitErrorMessage(snapshot.nodes.length, result, preemption.message)
    this.unschedulable.add(objectKey(pod))
    this.backoff.failed(objectKey(pod), this.clock.nowMilliseconds())
    try {
      this.reports.write(String(pod.metadata.uid), this.attemptReport(result, 'Unschedulable', profile))
      const condition = {type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: formatTimestamp(this.clock.nowMilliseconds()), reason: 'Unschedulable', message}
      const status: Record<string, unknown> = {conditions: [condition]}
      if (preemption.nominatedNode) status.nominatedNodeName = preemption.nominatedNode
      await this.client.patch(resources.pods, String(pod.metadata.namespace), String(pod.metadata.name), {status}, {subresource: 'status', type: 'strategic'})
    } catch (error) {
      if (isNotFound(error) || isConflict(error)) return null
      throw error
    }
    await recorder.record({...pod, kind: 'Pod', apiVersion: 'v1'}, 'Warning', 'FailedScheduling', message)
    for (const victim of preemption.victims) {
      await recorder.record({...victim, kind: 'Pod', apiVersion: 'v1'}, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata.uid} on node ${preemption.nominatedNode}`)
      try {
        await this.client.delete(resources.pods, String(victim.metadata.namespace), String(victim.metadata.name), {preconditions: {uid: String(victim.metadata.uid)}})
      } catch (error) {
        if (!isNotFound(error) && !isConflict(error)) throw error
      }
    }
    return null
  }
}

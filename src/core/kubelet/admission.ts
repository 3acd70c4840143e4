// The kubelet's admission of a pod bound to its node (kube's predicateAdmitHandler), before it
// starts anything: the pod must fit beside the pods the kubelet admitted there before (the
// scheduler's resource fit: pods, cpu, memory, ephemeral-storage and extended resources the node
// has), match the node's name, its required node affinity and node selector, find its host ports
// free, and tolerate the node's NoExecute taints (static pods excepted). The first failure rejects
// it: Failed at once, its reason (OutOfcpu, OutOfmemory, OutOfpods, NodeAffinity, …) in the
// status and a Warning event, the message `Pod was rejected: …`. A pod the scheduler bound passes
// (it checked the same); one created with spec.nodeName set skips the scheduler and meets this
// alone, as on a real node.
import {formatTimestamp} from '../api/object.js'
import type {Node, Pod} from '../api/kinds.js'
import {isTerminalPod} from '../api/quota.js'
import {objectKey} from '../client/client.js'
import type {Informer, InformerEvent} from '../client/informer.js'
import {allocatableOf, HostPortsInUse, podRequests, type Resources} from '../scheduler/node-info.js'
import {matchesNodeSelectorAndAffinity, tolerated} from '../scheduler/plugins/node-plugins.js'
import {qosClassOf} from './pod-status.js'
import {type PodWork, podObjectOf, writeStatus} from './pod-work.js'

/** Pods admitted whose first status (their startTime) is not written yet, remembered across all nodes; past this they are forgotten. */
export const admittedUnwrittenMax = 100_000

export interface Rejection {
  readonly reason: string
  readonly message: string
}

const resourceOrder = ['cpu', 'memory', 'ephemeral-storage']

/** What the pods the kubelet counts on one node use: how many, their requests summed, their host ports. */
interface NodeUsage {
  pods: number
  readonly requested: Resources
  readonly ports: HostPortsInUse
}

const hasStarted = (pod: Pod) => Boolean((pod.status as {startTime?: string} | undefined)?.startTime)

export class PodAdmission {
  /**
   * Pods admitted whose status does not say so yet (UID → informer key): the kubelets' pod workers
   * run side by side, so a pod admitted a moment ago counts before its write lands, as the
   * kubelet's pod manager counts it.
   */
  private readonly admittedUnwritten = new Map<string, string>()
  /**
   * The sums over each node's counted pods (bound there, not terminal, started or admitted), kept
   * as the informer's pods change, so that admitting a pod costs its own containers and not the
   * node's other pods (thousands on one node, as kwok's benchmark puts them).
   */
  private readonly usage = new Map<string, NodeUsage>()

  constructor(private readonly pods: Informer<Pod>) {
    // Registered on a started informer, the handler first gets every cached pod as ADDED.
    pods.onEvent((event) => this.changed(event))
  }

  /** The pod's rejection on the node, or null once it is admitted (and counted from now on). */
  admit(pod: Pod, node: Node): Rejection | null {
    const uid = String(pod.metadata.uid)
    const current = this.pods.get(objectKey(pod))
    const cached = current !== undefined && String(current.metadata.uid) === uid ? current : undefined
    // The pod is judged beside the others only: what it counts itself (admitted before, its status unwritten) is left out meanwhile.
    if (cached !== undefined) this.count(cached, -1)
    const rejection = rejectionOf(pod, node, this.usage.get(String(node.metadata.name)))
    if (cached !== undefined) this.count(cached, 1)
    if (rejection === null) {
      if (this.admittedUnwritten.size >= admittedUnwrittenMax) this.forgetAdmitted()
      // Whether a pod counts follows from its cached object and this set: the one changes with the other.
      if (cached !== undefined) this.count(cached, -1)
      this.admittedUnwritten.set(uid, objectKey(pod))
      if (cached !== undefined) this.count(cached, 1)
    }
    return rejection
  }

  private changed(event: InformerEvent<Pod>): void {
    if (event.previous !== null) this.count(event.previous, -1)
    const pod = event.object
    const uid = String(pod.metadata.uid)
    // Its status tells it now (or it is gone): the informer's view counts from here.
    if (event.type === 'DELETED' || isTerminalPod(pod) || hasStarted(pod)) this.admittedUnwritten.delete(uid)
    if (event.type !== 'DELETED') this.count(pod, 1)
  }

  /** Adds (+1) or takes back (-1) the pod on its node's sums, if it counts: bound, not terminal, started or admitted. */
  private count(pod: Pod, sign: 1 | -1): void {
    const nodeName = pod.spec.nodeName
    if (!nodeName || isTerminalPod(pod) || !(hasStarted(pod) || this.admittedUnwritten.has(String(pod.metadata.uid)))) return
    let usage = this.usage.get(nodeName)
    if (usage === undefined) this.usage.set(nodeName, (usage = {pods: 0, requested: {}, ports: new HostPortsInUse()}))
    usage.pods += sign
    // Summed in millis as integers: fractional amounts (memory `100m`) added and taken back as
    // floats would leave a residue (0.9000000000000001) that refuses a pod that fits.
    for (const [name, value] of Object.entries(podRequests(pod))) usage.requested[name] = (usage.requested[name] ?? 0) + sign * Math.round(value * 1000)
    if (sign > 0) usage.ports.add(pod)
    else usage.ports.remove(pod)
    if (usage.pods === 0) this.usage.delete(nodeName)
  }

  /** Past the limit the admitted pods not started yet are forgotten: they count no longer. */
  private forgetAdmitted(): void {
    const cached: Pod[] = []
    for (const [uid, key] of this.admittedUnwritten) {
      const pod = this.pods.get(key)
      if (pod !== undefined && String(pod.metadata.uid) === uid) cached.push(pod)
    }
    for (const pod of cached) this.count(pod, -1)
    this.admittedUnwritten.clear()
    for (const pod of cached) this.count(pod, 1)
  }
}

/** The first reason the kubelet's general predicates give against the pod, in kube's order. */
function rejectionOf(pod: Pod, node: Node, usage: NodeUsage | undefined): Rejection | null {
  const nodeName = String(node.metadata.name)
  const labels = node.metadata.labels ?? {}
  // What no preemption could help comes first: the pod's OS against the node's (kubemu's nodes are Linux).
  const nodeOs = labels['kubernetes.io/os'] ?? 'linux'
  const podOs = pod.metadata.labels?.['kubernetes.io/os']
  if (podOs !== undefined && podOs !== nodeOs) return {reason: 'PodOSSelectorNodeLabelDoesNotMatch', message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label"}
  const os = (pod.spec as {os?: {name?: string}}).os?.name
  if (os !== undefined && os !== 'linux') return {reason: 'PodOSNotSupported', message: "Failed to admit pod as the OS field doesn't match node OS"}
  const requests = podRequests(pod)
  const insufficient = (resource: string, requested: number, used: number, capacity: number): Rejection => ({
    reason: `OutOf${resource}`,
    message: `Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  })
  // A node that reports no resources at all (a Node object no kubelet registered) has nothing to count against.
  const reported = node.status?.allocatable !== undefined || node.status?.capacity !== undefined
  const allocatable = allocatableOf(node)
  const podsMax = allocatable.pods ?? 0
  const podsHere = usage?.pods ?? 0
  if (reported && podsHere + 1 > podsMax) return insufficient('pods', 1, podsHere, podsMax)
  const extended = Object.keys(requests).filter((name) => !resourceOrder.includes(name) && name !== 'pods' && allocatable[name] !== undefined).sort()
  for (const name of [...resourceOrder, ...extended]) {
    const wanted = requests[name] ?? 0
    const used = (usage?.requested[name] ?? 0) / 1000
    const capacity = allocatable[name] ?? 0
    if (reported && wanted > 0 && capacity < wanted + used) return insufficient(name, wanted, used, capacity)
  }
  const predicate = (name: string, description: string): Rejection => ({reason: name, message: `Predicate ${name} failed: ${description}`})
  if (!matchesNodeSelectorAndAffinity(pod, {name: nodeName, labels})) return predicate('NodeAffinity', "node(s) didn't match Pod's node affinity/selector")
  if (pod.spec.nodeName && pod.spec.nodeName !== nodeName) return predicate('NodeName', "node(s) didn't match the requested node name")
  if (usage?.ports.taken(pod)) return predicate('NodePorts', "node(s) didn't have free ports for the requested pod ports")
  // Static pods (kube exempts them) never come here: their mirror pods are not the kubelet's to run.
  if ((node.spec?.taints ?? []).some((taint) => taint.effect === 'NoExecute' && !tolerated(pod.spec.tolerations, taint))) {
    return predicate('TaintToleration', "node(s) had taints that the pod didn't tolerate")
  }
  return null
}

/** A rejected pod, as the kubelet's rejectPod leaves it: a Warning event with the reason, the pod Failed with `Pod was rejected: …`. */
export async function rejectPod(work: PodWork, pod: Pod, rejection: Rejection, now: number): Promise<void> {
  // The status first: a conflict retries the look, which must not tell the event twice.
  await writeStatus(work, pod, {phase: 'Failed', reason: rejection.reason, message: `Pod was rejected: ${rejection.message}`, qosClass: qosClassOf(pod), startTime: formatTimestamp(now)})
  await work.recorderFor(String(pod.spec.nodeName)).record(podObjectOf(pod), 'Warning', rejection.reason, rejection.message)
}

/** Whether the pod waits for the kubelet's admission: bound to a node, no status of its start yet. */
function awaitsAdmission(pod: Pod | undefined): boolean {
  return pod !== undefined && Boolean(pod.spec.nodeName) && !hasStarted(pod) && !isTerminalPod(pod)
}

/**
 * The keys with those of pods awaiting admission put in the order the pods were created (by
 * creationTimestamp, then resourceVersion), each in one of their places, the others where they
 * were: a kubelet admits new pods in that order (kube's HandlePodAdditions sorts them), so the
 * first created is the one that fits when two compete for a node.
 */
export function inAdmissionOrder(keys: readonly string[], podOf: (key: string) => Pod | undefined): string[] {
  const ordered = [...keys]
  const places: number[] = []
  for (const [index, key] of keys.entries()) if (awaitsAdmission(podOf(key))) places.push(index)
  const created = (key: string) => {
    const pod = podOf(key)!
    return [Date.parse(String(pod.metadata.creationTimestamp ?? '')) || 0, Number(pod.metadata.resourceVersion ?? 0)] as const
  }
  const admitting = places.map((index) => keys[index]!).sort((a, b) => {
    const [[aTime, aVersion], [bTime, bVersion]] = [created(a), created(b)]
    return aTime - bTime || aVersion - bVersion
  })
  for (const [position, index] of places.entries()) ordered[index] = admitting[position]!
  return ordered
}

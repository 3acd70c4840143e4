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
import {NodeInfo, podRequests} from '../scheduler/node-info.js'
import {hostPortTaken, matchesNodeSelectorAndAffinity, tolerated} from '../scheduler/plugins/node-plugins.js'
import {qosClassOf} from './pod-status.js'
import {type PodWork, podObjectOf, writeStatus} from './pod-work.js'

/** Pods admitted whose first status (their startTime) is not written yet, remembered across all nodes; past this they are forgotten. */
export const admittedUnwrittenMax = 100_000

export interface Rejection {
  readonly reason: string
  readonly message: string
}

const resourceOrder = ['cpu', 'memory', 'ephemeral-storage']

export class PodAdmission {
  /**
   * Pods admitted whose status does not say so yet (by UID): the kubelets' pod workers run side by
   * side, so a pod admitted a moment ago counts before its write lands, as the kubelet's pod
   * manager counts it.
   */
  private readonly admittedUnwritten = new Set<string>()

  constructor(private readonly podsOnNode: (node: string) => readonly Pod[]) {}

  /** The pod's rejection on the node, or null once it is admitted (and counted from now on). */
  admit(pod: Pod, node: Node): Rejection | null {
    const info = new NodeInfo(node)
    const uid = String(pod.metadata.uid)
    for (const other of this.podsOnNode(String(node.metadata.name))) {
      const otherUid = String(other.metadata.uid)
      if (otherUid === uid) continue
      if (other.status?.phase === 'Succeeded' || other.status?.phase === 'Failed') {
        this.admittedUnwritten.delete(otherUid)
        continue
      }
      if ((other.status as {startTime?: string} | undefined)?.startTime) this.admittedUnwritten.delete(otherUid)
      else if (!this.admittedUnwritten.has(otherUid)) continue
      info.addPod(other)
    }
    const rejection = rejectionOf(pod, info)
    if (rejection === null) {
      if (this.admittedUnwritten.size >= admittedUnwrittenMax) this.admittedUnwritten.clear()
      this.admittedUnwritten.add(uid)
    }
    return rejection
  }

  /** The pod is gone: nothing counts it any more. (One admitted is forgotten once its status, as the informer shows it, has its startTime.) */
  forget(pod: Pod): void {
    this.admittedUnwritten.delete(String(pod.metadata.uid))
  }
}

/** The first reason the kubelet's general predicates give against the pod, in kube's order. */
function rejectionOf(pod: Pod, info: NodeInfo): Rejection | null {
  // What no preemption could help comes first: the pod's OS against the node's (kubemu's nodes are Linux).
  const nodeOs = info.labels['kubernetes.io/os'] ?? 'linux'
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
  const reported = info.node.status?.allocatable !== undefined || info.node.status?.capacity !== undefined
  const podsMax = info.allocatable.pods ?? 0
  if (reported && info.pods.length + 1 > podsMax) return insufficient('pods', 1, info.pods.length, podsMax)
  const extended = Object.keys(requests).filter((name) => !resourceOrder.includes(name) && name !== 'pods' && info.allocatable[name] !== undefined).sort()
  for (const name of [...resourceOrder, ...extended]) {
    const wanted = requests[name] ?? 0
    const used = info.requested[name] ?? 0
    const capacity = info.allocatable[name] ?? 0
    if (reported && wanted > 0 && capacity < wanted + used) return insufficient(name, wanted, used, capacity)
  }
  const predicate = (name: string, description: string): Rejection => ({reason: name, message: `Predicate ${name} failed: ${description}`})
  if (!matchesNodeSelectorAndAffinity(pod, {name: info.name, labels: info.labels})) return predicate('NodeAffinity', "node(s) didn't match Pod's node affinity/selector")
  if (pod.spec.nodeName && pod.spec.nodeName !== info.name) return predicate('NodeName', "node(s) didn't match the requested node name")
  if (hostPortTaken(pod, info)) return predicate('NodePorts', "node(s) didn't have free ports for the requested pod ports")
  // Static pods (kube exempts them) never come here: their mirror pods are not the kubelet's to run.
  if ((info.node.spec?.taints ?? []).some((taint) => taint.effect === 'NoExecute' && !tolerated(pod.spec.tolerations, taint))) {
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
  return pod !== undefined && Boolean(pod.spec.nodeName) && !(pod.status as {startTime?: string} | undefined)?.startTime && pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded'
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

// Per-node accounting the plugins share (kube-scheduler's framework.NodeInfo): the node, its
// pods, the sum of their requests (and of the "non-zero" requests scoring uses), used host ports.
import {resourceAmount} from '../api/quantity.js'
import type {Container, Node, Pod} from '../api/kinds.js'

/** Resources as numbers: milli-CPU, bytes, pods, and extended resources by name. */
export type Resources = Record<string, number>

/** kube-scheduler's defaults for a container without requests, when scoring (100m CPU, 200Mi). */
export const defaultMilliCpuRequest = 100
export const defaultMemoryRequest = 200 * 1024 * 1024


function containerRequests(container: Container): Resources {
  const result: Resources = {}
  for (const [name, text] of Object.entries(container.resources?.requests ?? {})) result[name] = resourceAmount(name, text)
  return result
}

function add(into: Resources, from: Resources): void {
  for (const [name, value] of Object.entries(from)) into[name] = (into[name] ?? 0) + value
}

function maxInto(into: Resources, from: Resources): void {
  for (const [name, value] of Object.entries(from)) into[name] = Math.max(into[name] ?? 0, value)
}

/** Per-pod results, computed once per pod object (filters and scores ask for them once per node). */
const requestsOf = new WeakMap<Pod, Resources>()
const nonZeroOf = new WeakMap<Pod, {cpu: number; memory: number}>()

/** A pod's effective requests: containers (and sidecars) summed, init containers at their peak, plus overhead. */
export function podRequests(pod: Pod): Resources {
  let found = requestsOf.get(pod)
  if (!found) requestsOf.set(pod, (found = computePodRequests(pod)))
  return found
}

function computePodRequests(pod: Pod): Resources {
  const total: Resources = {}
  const sidecars: Resources = {}
  for (const container of pod.spec.containers ?? []) add(total, containerRequests(container))
  const initPeak: Resources = {}
  for (const container of pod.spec.initContainers ?? []) {
    const requests = containerRequests(container)
    if (container.restartPolicy === 'Always') {
      add(sidecars, requests)
      continue
    }
    const during: Resources = {...sidecars}
    add(during, requests)
    maxInto(initPeak, during)
  }
  add(total, sidecars)
  maxInto(total, initPeak)
  for (const [name, text] of Object.entries(pod.spec.overhead ?? {})) total[name] = (total[name] ?? 0) + resourceAmount(name, text)
  return total
}

/** The requests scoring uses: CPU and memory of containers without them count as the defaults. */
export function nonZeroRequests(pod: Pod): {cpu: number; memory: number} {
  let found = nonZeroOf.get(pod)
  if (!found) nonZeroOf.set(pod, (found = computeNonZeroRequests(pod)))
  return found
}

function computeNonZeroRequests(pod: Pod): {cpu: number; memory: number} {
  let cpu = 0
  let memory = 0
  for (const container of pod.spec.containers ?? []) {
    const requests = container.resources?.requests ?? {}
    cpu += requests.cpu !== undefined ? resourceAmount('cpu', requests.cpu) : defaultMilliCpuRequest
    memory += requests.memory !== undefined ? resourceAmount('memory', requests.memory) : defaultMemoryRequest
  }
  return {cpu, memory}
}

export function hostPortsOf(pod: Pod): Array<{protocol: string; hostIP: string; port: number}> {
  const ports: Array<{protocol: string; hostIP: string; port: number}> = []
  for (const container of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? []).filter((entry) => entry.restartPolicy === 'Always')]) {
    for (const port of container.ports ?? []) if (port.hostPort) ports.push({protocol: port.protocol ?? 'TCP', hostIP: port.hostIP || '0.0.0.0', port: port.hostPort})
  }
  return ports
}

/** Whether a pod has any pod affinity or anti-affinity term (InterPodAffinity looks only at those). */
export function hasPodAffinity(pod: Pod): boolean {
  const affinity = pod.spec.affinity
  return Boolean(affinity?.podAffinity || affinity?.podAntiAffinity)
}

export class NodeInfo {
  readonly pods: Pod[] = []
  /** The pods here with pod affinity or anti-affinity terms. */
  readonly podsWithAffinity: Pod[] = []
  readonly requested: Resources = {}
  readonly nonZeroRequested = {cpu: 0, memory: 0}
  readonly usedPorts: Array<{protocol: string; hostIP: string; port: number}> = []
  readonly allocatable: Resources = {}

  constructor(readonly node: Node) {
    for (const [name, text] of Object.entries(node.status?.allocatable ?? node.status?.capacity ?? {})) this.allocatable[name] = resourceAmount(name, text)
  }

  get name(): string {
    return String(this.node.metadata.name)
  }

  get labels(): Record<string, string> {
    return this.node.metadata.labels ?? {}
  }

  addPod(pod: Pod): void {
    this.pods.push(pod)
    if (hasPodAffinity(pod)) this.podsWithAffinity.push(pod)
    add(this.requested, podRequests(pod))
    const nonZero = nonZeroRequests(pod)
    this.nonZeroRequested.cpu += nonZero.cpu
    this.nonZeroRequested.memory += nonZero.memory
    this.usedPorts.push(...hostPortsOf(pod))
  }

  removePod(pod: Pod): boolean {
    const index = this.pods.findIndex((entry) => entry.metadata.uid === pod.metadata.uid)
    if (index < 0) return false
    this.pods.splice(index, 1)
    const withAffinity = this.podsWithAffinity.findIndex((entry) => entry.metadata.uid === pod.metadata.uid)
    if (withAffinity >= 0) this.podsWithAffinity.splice(withAffinity, 1)
    for (const [name, value] of Object.entries(podRequests(pod))) this.requested[name] = (this.requested[name] ?? 0) - value
    const nonZero = nonZeroRequests(pod)
    this.nonZeroRequested.cpu -= nonZero.cpu
    this.nonZeroRequested.memory -= nonZero.memory
    for (const port of hostPortsOf(pod)) {
      const at = this.usedPorts.findIndex((used) => used.port === port.port && used.protocol === port.protocol && used.hostIP === port.hostIP)
      if (at >= 0) this.usedPorts.splice(at, 1)
    }
    return true
  }

  clone(): NodeInfo {
    const copy = new NodeInfo(this.node)
    for (const pod of this.pods) copy.addPod(pod)
    return copy
  }
}

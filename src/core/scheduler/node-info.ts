// Per-node accounting the plugins share (kube-scheduler's framework.NodeInfo): the node, its
// pods, the sum of their requests (and of the "non-zero" requests scoring uses), used host ports.
import {resourceAmount} from '../api/quantity.js'
import type {Container, Node, Pod} from '../api/kinds.js'

/** Resources as numbers: milli-CPU, bytes, pods, and extended resources by name. */
export type Resources = Record<string, number>

/** kube-scheduler's defaults for a container without requests, when scoring (100m CPU, 200Mi). */
export const defaultMilliCpuRequest = 100
export const defaultMemoryRequest = 200 * 1024 * 1024


/**
 * Results by the requests object they come from. Informers' pods share the parts a template gives
 * them (client/cached-objects.ts), a container's requests among them, so one result serves every
 * pod of a template, where a result per pod object took about 350 bytes a pod (both kinds).
 * Results are frozen: they are shared.
 */
const requestsOfContainer = new WeakMap<object, Readonly<Resources>>()
const nonZeroOfContainer = new WeakMap<object, Readonly<{cpu: number; memory: number}>>()
const noRequests: Readonly<Resources> = Object.freeze({})
const defaultNonZero = Object.freeze({cpu: defaultMilliCpuRequest, memory: defaultMemoryRequest})

function containerRequests(container: Container): Readonly<Resources> {
  const requests = container.resources?.requests
  if (!requests) return noRequests
  let found = requestsOfContainer.get(requests)
  if (!found) {
    const result: Resources = {}
    for (const [name, text] of Object.entries(requests)) result[name] = resourceAmount(name, text)
    requestsOfContainer.set(requests, (found = Object.freeze(result)))
  }
  return found
}

function containerNonZeroRequests(container: Container): Readonly<{cpu: number; memory: number}> {
  const requests = container.resources?.requests
  if (!requests) return defaultNonZero
  let found = nonZeroOfContainer.get(requests)
  if (!found) {
    const cpu = requests.cpu !== undefined ? resourceAmount('cpu', requests.cpu) : defaultMilliCpuRequest
    const memory = requests.memory !== undefined ? resourceAmount('memory', requests.memory) : defaultMemoryRequest
    nonZeroOfContainer.set(requests, (found = Object.freeze({cpu, memory})))
  }
  return found
}

/** A pod with one container, no init containers and no overhead: its requests are that container's. */
function singleContainer(pod: Pod): Container | null {
  const containers = pod.spec.containers ?? []
  return containers.length === 1 && (pod.spec.initContainers ?? []).length === 0 && pod.spec.overhead === undefined ? containers[0]! : null
}

function add(into: Resources, from: Resources): void {
  for (const [name, value] of Object.entries(from)) into[name] = (into[name] ?? 0) + value
}

function maxInto(into: Resources, from: Resources): void {
  for (const [name, value] of Object.entries(from)) into[name] = Math.max(into[name] ?? 0, value)
}

/** Per-pod results of other pods, computed once per pod object (filters and scores ask for them once per node). */
const requestsOf = new WeakMap<Pod, Readonly<Resources>>()
const nonZeroOf = new WeakMap<Pod, Readonly<{cpu: number; memory: number}>>()

/** A pod's effective requests: containers (and sidecars) summed, init containers at their peak, plus overhead (shared: read only). */
export function podRequests(pod: Pod): Readonly<Resources> {
  const single = singleContainer(pod)
  if (single) return containerRequests(single)
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

/** The requests scoring uses: CPU and memory of containers without them count as the defaults (shared: read only). */
export function nonZeroRequests(pod: Pod): Readonly<{cpu: number; memory: number}> {
  const containers = pod.spec.containers ?? []
  if (containers.length === 1) return containerNonZeroRequests(containers[0]!)
  let found = nonZeroOf.get(pod)
  if (!found) nonZeroOf.set(pod, (found = computeNonZeroRequests(pod)))
  return found
}

function computeNonZeroRequests(pod: Pod): {cpu: number; memory: number} {
  let cpu = 0
  let memory = 0
  for (const container of pod.spec.containers ?? []) {
    const requests = containerNonZeroRequests(container)
    cpu += requests.cpu
    memory += requests.memory
  }
  return {cpu, memory}
}

export interface HostPort {
  readonly protocol: string
  readonly hostIP: string
  readonly port: number
}

export function hostPortsOf(pod: Pod): HostPort[] {
  const ports: HostPort[] = []
  for (const container of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? []).filter((entry) => entry.restartPolicy === 'Always')]) {
    for (const port of container.ports ?? []) if (port.hostPort) ports.push({protocol: port.protocol ?? 'TCP', hostIP: port.hostIP || '0.0.0.0', port: port.hostPort})
  }
  return ports
}

const anyHostIp = '0.0.0.0'

/**
 * The host ports the pods on a node use, counted by protocol and port, then by host IP (two pods
 * may list the same one: each counts until it goes). A pod's ports are found free or taken in
 * the time of its own ports, however many pods the node holds (kube's HostPortInfo).
 */
export class HostPortsInUse {
  /** `protocol/port` → host IP → how many times it is in use. */
  private readonly byPort = new Map<string, Map<string, number>>()

  add(pod: Pod): void {
    for (const {protocol, hostIP, port} of hostPortsOf(pod)) {
      const key = `${protocol}/${port}`
      const ips = this.byPort.get(key) ?? new Map<string, number>()
      ips.set(hostIP, (ips.get(hostIP) ?? 0) + 1)
      this.byPort.set(key, ips)
    }
  }

  /** Takes back what `add` counted for the pod (the same object, or one with the same ports). */
  remove(pod: Pod): void {
    for (const {protocol, hostIP, port} of hostPortsOf(pod)) {
      const key = `${protocol}/${port}`
      const ips = this.byPort.get(key)
      const count = ips?.get(hostIP)
      if (ips === undefined || count === undefined) continue
      if (count > 1) ips.set(hostIP, count - 1)
      else if (ips.delete(hostIP) && ips.size === 0) this.byPort.delete(key)
    }
  }

  /** Whether one of the pod's host ports is in use: the same protocol and port, on its host IP or either side's 0.0.0.0. */
  taken(pod: Pod): boolean {
    return hostPortsOf(pod).some(({protocol, hostIP, port}) => {
      const ips = this.byPort.get(`${protocol}/${port}`)
      return ips !== undefined && (hostIP === anyHostIp || ips.has(hostIP) || ips.has(anyHostIp))
    })
  }
}

/** Whether a pod has any pod affinity or anti-affinity term (InterPodAffinity looks only at those). */
export function hasPodAffinity(pod: Pod): boolean {
  const affinity = pod.spec.affinity
  return Boolean(affinity?.podAffinity || affinity?.podAntiAffinity)
}

/**
 * One node's image names as ImageLocality reads them: each name with the size of the first image
 * the node's status lists under it, and how many times the status lists the name.
 */
interface NodeImages {
  readonly sizeOf: ReadonlyMap<string, number>
  readonly listings: ReadonlyMap<string, number>
}

function nodeImagesOf(node: Node): NodeImages {
  const sizeOf = new Map<string, number>()
  const listings = new Map<string, number>()
  for (const image of node.status?.images ?? []) {
    for (const name of image.names ?? []) {
      if (!sizeOf.has(name)) sizeOf.set(name, image.sizeBytes ?? 0)
      listings.set(name, (listings.get(name) ?? 0) + 1)
    }
  }
  return {sizeOf, listings}
}

export class NodeInfo {
  readonly pods: Pod[] = []
  /** The pods here with pod affinity or anti-affinity terms. */
  readonly podsWithAffinity: Pod[] = []
  readonly requested: Resources = {}
  readonly nonZeroRequested = {cpu: 0, memory: 0}
  readonly usedPorts = new HostPortsInUse()
  private currentAllocatable: Resources = {}
  private currentNode: Node
  /** Read from the node on first use (the DaemonSet controller's NodeInfos never ask). */
  private currentImages: NodeImages | null = null
  readonly name: string

  constructor(node: Node) {
    this.name = String(node.metadata.name)
    this.currentNode = node
    this.currentAllocatable = allocatableOf(node)
  }

  get node(): Node {
    return this.currentNode
  }

  get allocatable(): Readonly<Resources> {
    return this.currentAllocatable
  }

  get labels(): Record<string, string> {
    return this.currentNode.metadata.labels ?? {}
  }

  /** The size of the first image the node lists under the name, or undefined when it lists none. */
  imageSize(name: string): number | undefined {
    return this.images.sizeOf.get(name)
  }

  /** How many times the node's status lists each image name. */
  get imageListings(): ReadonlyMap<string, number> {
    return this.images.listings
  }

  /**
   * The node object changed (kube-scheduler's NodeInfo.SetNode): its pods and their sums stay,
   * only what is read from the node is taken again. The name never changes.
   */
  setNode(node: Node): void {
    if (String(node.metadata.name) !== this.name) throw new Error(`NodeInfo ${this.name} given node ${String(node.metadata.name)}`)
    this.currentNode = node
    this.currentAllocatable = allocatableOf(node)
    this.currentImages = null
  }

  private get images(): NodeImages {
    return (this.currentImages ??= nodeImagesOf(this.currentNode))
  }

  addPod(pod: Pod): void {
    this.pods.push(pod)
    if (hasPodAffinity(pod)) this.podsWithAffinity.push(pod)
    add(this.requested, podRequests(pod))
    const nonZero = nonZeroRequests(pod)
    this.nonZeroRequested.cpu += nonZero.cpu
    this.nonZeroRequested.memory += nonZero.memory
    this.usedPorts.add(pod)
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
    this.usedPorts.remove(pod)
    return true
  }

  clone(): NodeInfo {
    const copy = new NodeInfo(this.currentNode)
    for (const pod of this.pods) copy.addPod(pod)
    return copy
  }
}

/** What the node offers its pods (allocatable, or capacity when it reports none), as numbers. */
export function allocatableOf(node: Node): Resources {
  const allocatable: Resources = {}
  for (const [name, text] of Object.entries(node.status?.allocatable ?? node.status?.capacity ?? {})) allocatable[name] = resourceAmount(name, text)
  return allocatable
}

/**
 * How many times the nodes list each image name, kept as nodes come, change and go (kube-
 * scheduler's cache keeps its image states so, for ImageLocality's spread): a pod's scoring reads
 * it instead of walking every node's images.
 */
export class ImageNodeCounts {
  private readonly counts = new Map<string, number>()
  /** What each node added, taken back when it changes or goes. */
  private readonly counted = new Map<string, ReadonlyMap<string, number>>()

  /** Counts the node as it is now (again, if it was counted before). */
  set(info: NodeInfo): void {
    const before = this.counted.get(info.name)
    const now = info.imageListings
    if (before === now) return
    if (before) this.subtract(before)
    for (const [name, listings] of now) this.counts.set(name, (this.counts.get(name) ?? 0) + listings)
    this.counted.set(info.name, now)
  }

  delete(nodeName: string): void {
    const before = this.counted.get(nodeName)
    if (!before) return
    this.subtract(before)
    this.counted.delete(nodeName)
  }

  /** How many times the nodes list the image name. */
  get(name: string): number {
    return this.counts.get(name) ?? 0
  }

  private subtract(listings: ReadonlyMap<string, number>): void {
    for (const [name, count] of listings) {
      const left = (this.counts.get(name) ?? 0) - count
      if (left < 0) throw new Error(`image ${name} counted on fewer nodes than it leaves`)
      if (left === 0) this.counts.delete(name)
      else this.counts.set(name, left)
    }
  }

  /** The counts over a fixed set of nodes (a test's or a one-off snapshot). */
  static of(infos: Iterable<NodeInfo>): ImageNodeCounts {
    const counts = new ImageNodeCounts()
    for (const info of infos) counts.set(info)
    return counts
  }
}

// Simulated resource use, as a metrics server would report it from the kubelets (served as the
// metrics.k8s.io API): a running
// container uses a steady share (20–80 %, fixed per container) of what it requests, or a small
// amount when it requests nothing; a node adds the system's own use to its pods'. A load set with
// `kubemu load` (the cpuUsageAnnotation on the pod or on the workload that controls it) replaces
// a pod's CPU use, shared among its containers by their CPU requests.
import type {KubeObject} from './object.js'
import {fnv32a} from '../util/fnv.js'
import {resourceAmount} from './quantity.js'

type Container = {name: string; resources?: {requests?: Record<string, string>}}
type Pod = KubeObject & {spec: {containers: Container[]}; status?: {phase?: string}}

export const systemMilliCpuPerNode = 100
export const systemMemoryBytesPerNode = 512 * 1024 * 1024
const mebibyte = 1024 * 1024

/** A number in [0, 1) fixed by the text (FNV-1a), so a container's share stays the same. */
function share(text: string): number {
  return fnv32a(text) / 2 ** 32
}

export interface Usage {
  milliCpu: number
  memoryBytes: number
}

/** The simulated CPU use of each pod of a workload (or of one pod), as a quantity: `400m`. */
export const cpuUsageAnnotation = 'kubemu.io/cpu-usage'

/** The load an annotation sets, in millicores; null when it sets none (absent or not a quantity). */
export function cpuLoadOf(object: KubeObject | null | undefined): number | null {
  const text = object?.metadata.annotations?.[cpuUsageAnnotation]
  if (text === undefined) return null
  try {
    const milliCpu = resourceAmount('cpu', text)
    return Number.isFinite(milliCpu) && milliCpu >= 0 ? milliCpu : null
  } catch {
    return null
  }
}

/** A container's part of the pod's load: in proportion to CPU requests, else evenly. */
function shareOfLoad(pod: Pod, container: Container, podMilliCpu: number): number {
  const requested = (entry: Container) => (entry.resources?.requests?.cpu ? resourceAmount('cpu', entry.resources.requests.cpu) : 0)
  const total = pod.spec.containers.reduce((sum, entry) => sum + requested(entry), 0)
  const part = total > 0 ? requested(container) / total : 1 / pod.spec.containers.length
  return Math.round(podMilliCpu * part)
}

export function containerUsage(pod: Pod, container: Container, podMilliCpu: number | null = null): Usage {
  const seed = `${pod.metadata.uid}/${container.name}`
  const fraction = 0.2 + 0.6 * share(seed)
  const requests = container.resources?.requests ?? {}
  const steadyMilliCpu = requests.cpu ? Math.max(1, Math.round(resourceAmount('cpu', requests.cpu) * fraction)) : 1 + Math.floor(share(`${seed}/cpu`) * 5)
  const milliCpu = podMilliCpu === null ? steadyMilliCpu : shareOfLoad(pod, container, podMilliCpu)
  const memoryBytes = requests.memory ? Math.round(resourceAmount('memory', requests.memory) * fraction) : (8 + Math.floor(share(`${seed}/memory`) * 24)) * mebibyte
  return {milliCpu, memoryBytes}
}

export function isUsingResources(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp
}

export function podUsage(pod: Pod, podMilliCpu: number | null = null): Usage {
  const usage = {milliCpu: 0, memoryBytes: 0}
  if (!isUsingResources(pod)) return usage
  for (const container of pod.spec.containers) {
    const one = containerUsage(pod, container, podMilliCpu)
    usage.milliCpu += one.milliCpu
    usage.memoryBytes += one.memoryBytes
  }
  return usage
}

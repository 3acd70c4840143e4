// Simulated resource use, as a metrics server would report it from the kubelets (served as the
// metrics.k8s.io API): a running
// container uses a steady share (20–80 %, fixed per container) of what it requests, or a small
// amount when it requests nothing; a node adds the system's own use to its pods'.
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

export function containerUsage(pod: Pod, container: Container): Usage {
  const seed = `${pod.metadata.uid}/${container.name}`
  const fraction = 0.2 + 0.6 * share(seed)
  const requests = container.resources?.requests ?? {}
  const milliCpu = requests.cpu ? Math.max(1, Math.round(resourceAmount('cpu', requests.cpu) * fraction)) : 1 + Math.floor(share(`${seed}/cpu`) * 5)
  const memoryBytes = requests.memory ? Math.round(resourceAmount('memory', requests.memory) * fraction) : (8 + Math.floor(share(`${seed}/memory`) * 24)) * mebibyte
  return {milliCpu, memoryBytes}
}

export function isUsingResources(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp
}

export function podUsage(pod: Pod): Usage {
  const usage = {milliCpu: 0, memoryBytes: 0}
  if (!isUsingResources(pod)) return usage
  for (const container of pod.spec.containers) {
    const one = containerUsage(pod, container)
    usage.milliCpu += one.milliCpu
    usage.memoryBytes += one.memoryBytes
  }
  return usage
}

// Nodes, pods and snapshots for the scheduler's tests, built as the API would hand them over.
import type {Snapshot} from '../../src/core/scheduler/framework.js'
import {ImageNodeCounts, NodeInfo} from '../../src/core/scheduler/node-info.js'
import type {Node, Pod} from '../../src/core/api/kinds.js'

export function node(name: string, options: {cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Node['spec'] extends infer S ? (S extends {taints?: infer T} ? T : never) : never; unschedulable?: boolean; images?: Array<{names: string[]; sizeBytes: number}>} = {}): Node {
  const allocatable = {cpu: options.cpu ?? '4', memory: options.memory ?? '8Gi', pods: options.pods ?? '110'}
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {name, uid: `node-${name}`, labels: {'kubernetes.io/hostname': name, ...options.labels}},
    spec: {taints: options.taints, unschedulable: options.unschedulable},
    status: {capacity: allocatable, allocatable, images: options.images},
  }
}

let podCount = 0
export function pod(name: string, spec: Partial<Pod['spec']> & {cpu?: string; memory?: string} = {}, labels: Record<string, string> = {}, namespace = 'default'): Pod {
  const {cpu, memory, ...rest} = spec
  const requests: Record<string, string> = {}
  if (cpu) requests.cpu = cpu
  if (memory) requests.memory = memory
  podCount++
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {name, namespace, uid: `pod-${name}-${podCount}`, labels, creationTimestamp: `2026-01-01T00:00:${String(podCount % 60).padStart(2, '0')}Z`},
    spec: {containers: [{name: 'main', image: 'nginx:1.27', resources: {requests}}], ...rest},
  }
}

export function snapshot(nodes: Node[], placed: Array<[Pod, string]> = [], namespaceLabels: Record<string, Record<string, string>> = {}): Snapshot {
  const infos = nodes.map((entry) => new NodeInfo(entry))
  const byName = new Map(infos.map((info) => [info.name, info]))
  for (const [existing, nodeName] of placed) byName.get(nodeName)!.addPod({...existing, spec: {...existing.spec, nodeName}})
  return {nodes: infos, byName, imageNodeCounts: ImageNodeCounts.of(infos), namespaceLabels: new Map(Object.entries(namespaceLabels))}
}

const controlPlaneTaint = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}
export const master = (name: string) => node(name, {labels: {'node-role.kubernetes.io/control-plane': ''}, taints: [controlPlaneTaint]})
/** The default cluster: three masters' tainted nodes and three workers. */
export const defaultCluster = () => [master('control-plane'), master('control-plane2'), master('control-plane3'), node('worker-1'), node('worker-2'), node('worker-3')]
/** A cluster made before the HA masters: one control-plane node. */
export const singleMasterCluster = () => [master('control-plane'), node('worker-1'), node('worker-2'), node('worker-3')]

/** A seeded generator, so ties break the same way on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}


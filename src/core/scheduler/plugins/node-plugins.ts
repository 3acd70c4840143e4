// The plugins that look at one node at a time: NodeUnschedulable, NodeName, TaintToleration,
// NodeAffinity, NodePorts, NodeResourcesFit (LeastAllocated scoring),
// NodeResourcesBalancedAllocation and ImageLocality, as kube-scheduler 1.32 implements them.
import {defaultNormalizeScore, type FilterPlugin, maxNodeScore, type ScorePlugin, success, unresolvable, unschedulable} from '../framework.js'
import {hostPortsOf, type NodeInfo, nonZeroRequests, podRequests} from '../node-info.js'
import type {NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration} from '../types.js'

export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false
  if (toleration.key && toleration.key !== taint.key) return false
  if (toleration.operator === 'Exists') return true
  return (toleration.value ?? '') === (taint.value ?? '')
}

export function tolerated(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((toleration) => toleratesTaint(toleration, taint))
}

function tolerationsToleratingUnschedulable(pod: Pod): boolean {
  return tolerated(pod.spec.tolerations, {key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule'})
}

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter: (pod, node) => (node.node.spec?.unschedulable && !tolerationsToleratingUnschedulable(pod) ? unresolvable('node(s) were unschedulable') : success),
}

export const nodeName: FilterPlugin = {
  name: 'NodeName',
  filter: (pod, node) => (pod.spec.nodeName && pod.spec.nodeName !== node.name ? unresolvable("node(s) didn't match the requested node name") : success),
}

export const taintToleration: FilterPlugin & ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  filter(pod, node) {
    for (const taint of node.node.spec?.taints ?? []) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue
      if (!tolerated(pod.spec.tolerations, taint)) return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`)
    }
    return success
  },
  score(pod, node) {
    const preferring = (pod.spec.tolerations ?? []).filter((toleration) => !toleration.effect || toleration.effect === 'PreferNoSchedule')
    return (node.node.spec?.taints ?? []).filter((taint) => taint.effect === 'PreferNoSchedule' && !tolerated(preferring, taint)).length
  },
  normalize: (scores) => defaultNormalizeScore(scores, true),
}

function matchesRequirement(requirement: NodeSelectorRequirement, values: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, requirement.key)
  const value = values[requirement.key]
  switch (requirement.operator) {
    case 'In':
      return has && (requirement.values ?? []).includes(value!)
    case 'NotIn':
      return !has || !(requirement.values ?? []).includes(value!)
    case 'Exists':
      return has
    case 'DoesNotExist':
      return !has
    case 'Gt':
    case 'Lt': {
      if (!has || !/^-?\d+$/.test(value!)) return false
      const bound = Number((requirement.values ?? [])[0])
      return requirement.operator === 'Gt' ? Number(value) > bound : Number(value) < bound
    }
    default:
      return false
  }
}

export function matchesNodeSelectorTerm(term: NodeSelectorTerm, node: NodeInfo): boolean {
  const expressions = term.matchExpressions ?? []
  const fields = term.matchFields ?? []
  if (expressions.length === 0 && fields.length === 0) return false
  return expressions.every((requirement) => matchesRequirement(requirement, node.labels)) && fields.every((requirement) => matchesRequirement(requirement, {'metadata.name': node.name}))
}

/** nodeSelector and required node affinity: what NodeAffinity's filter (and others' policies) checks. */
export function matchesNodeSelectorAndAffinity(pod: Pod, node: NodeInfo): boolean {
  for (const [key, value] of Object.entries(pod.spec.nodeSelector ?? {})) if (node.labels[key] !== value) return false
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
  return !required || required.nodeSelectorTerms.some((term) => matchesNodeSelectorTerm(term, node))
}

export const nodeAffinity: FilterPlugin & ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  filter: (pod, node) => (matchesNodeSelectorAndAffinity(pod, node) ? success : unresolvable("node(s) didn't match Pod's node affinity/selector")),
  score(pod, node) {
    let total = 0
    for (const preferred of pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (preferred.weight !== 0 && matchesNodeSelectorTerm(preferred.preference, node)) total += preferred.weight
    }
    return total
  },
  normalize: (scores) => defaultNormalizeScore(scores, false),
}

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter(pod, node) {
    for (const wanted of hostPortsOf(pod)) {
      const conflict = node.usedPorts.some((used) => used.port === wanted.port && used.protocol === wanted.protocol && (used.hostIP === wanted.hostIP || used.hostIP === '0.0.0.0' || wanted.hostIP === '0.0.0.0'))
      if (conflict) return unschedulable("node(s) didn't have free ports for the requested pod ports")
    }
    return success
  },
}

/** The reasons a pod does not fit a node's allocatable resources, in kube's order. */
export function insufficientResources(pod: Pod, node: NodeInfo, requests = podRequests(pod)): string[] {
  const reasons: string[] = []
  if (node.pods.length + 1 > (node.allocatable.pods ?? 0)) reasons.push('Too many pods')
  const nothingRequested = Object.entries(requests).every(([, value]) => value === 0)
  if (nothingRequested) return reasons
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    const wanted = requests[name] ?? 0
    if (wanted > 0 && (node.allocatable[name] ?? 0) < wanted + (node.requested[name] ?? 0)) reasons.push(`Insufficient ${name}`)
  }
  for (const name of Object.keys(requests).sort()) {
    if (['cpu', 'memory', 'ephemeral-storage', 'pods'].includes(name)) continue
    const wanted = requests[name] ?? 0
    if (wanted > 0 && (node.allocatable[name] ?? 0) < wanted + (node.requested[name] ?? 0)) reasons.push(`Insufficient ${name}`)
  }
  return reasons
}

function resourceFractions(pod: Pod, node: NodeInfo): {cpu: [number, number]; memory: [number, number]} {
  const wanted = nonZeroRequests(pod)
  return {
    cpu: [node.nonZeroRequested.cpu + wanted.cpu, node.allocatable.cpu ?? 0],
    memory: [node.nonZeroRequested.memory + wanted.memory, node.allocatable.memory ?? 0],
  }
}

export const nodeResourcesFit: FilterPlugin & ScorePlugin = {
  name: 'NodeResourcesFit',
  weight: 1,
  filter(pod, node) {
    const reasons = insufficientResources(pod, node)
    return reasons.length > 0 ? unschedulable(...reasons) : success
  },
  // LeastAllocated with cpu and memory weighted 1 each.
  score(pod, node) {
    const fractions = resourceFractions(pod, node)
    let total = 0
    for (const [requested, capacity] of [fractions.cpu, fractions.memory]) {
      total += capacity === 0 || requested > capacity ? 0 : Math.trunc(((capacity - requested) * maxNodeScore) / capacity)
    }
    return Math.trunc(total / 2)
  },
}

export const nodeResourcesBalancedAllocation: ScorePlugin = {
  name: 'NodeResourcesBalancedAllocation',
  weight: 1,
  score(pod, node) {
    const fractions = resourceFractions(pod, node)
    const fraction = ([requested, capacity]: [number, number]) => (capacity === 0 ? 0 : Math.min(requested / capacity, 1))
    const deviation = Math.abs((fraction(fractions.cpu) - fraction(fractions.memory)) / 2)
    return Math.trunc((1 - deviation) * maxNodeScore)
  },
}

const megabyte = 1024 * 1024
const imageScoreMinThreshold = 23 * megabyte
const imageScoreMaxContainerThreshold = 1000 * megabyte

/** `nginx` → `nginx:latest`: the image name nodes report. */
export function normalizedImageName(image: string): string {
  const lastSlash = image.lastIndexOf('/')
  return image.includes('@') || image.slice(lastSlash + 1).includes(':') ? image : `${image}:latest`
}

export const imageLocality: ScorePlugin = {
  name: 'ImageLocality',
  weight: 1,
  preScore(_pod, _feasible, state, snapshot) {
    const nodesWithImage = new Map<string, number>()
    for (const node of snapshot.nodes) {
      for (const image of node.node.status?.images ?? []) for (const name of image.names ?? []) nodesWithImage.set(name, (nodesWithImage.get(name) ?? 0) + 1)
    }
    state.set('ImageLocality', nodesWithImage)
  },
  score(pod, node, state, snapshot) {
    const nodesWithImage = state.get('ImageLocality') as Map<string, number>
    const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers]
    let sum = 0
    for (const container of containers) {
      const name = normalizedImageName(container.image ?? '')
      const image = (node.node.status?.images ?? []).find((entry) => (entry.names ?? []).includes(name))
      if (image) sum += Math.trunc((image.sizeBytes ?? 0) * ((nodesWithImage.get(name) ?? 0) / snapshot.nodes.length))
    }
    const maxThreshold = imageScoreMaxContainerThreshold * containers.length
    const clipped = Math.min(Math.max(sum, imageScoreMinThreshold), maxThreshold)
    return Math.trunc((maxNodeScore * (clipped - imageScoreMinThreshold)) / (maxThreshold - imageScoreMinThreshold))
  },
}

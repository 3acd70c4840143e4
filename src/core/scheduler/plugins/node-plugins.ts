// The plugins that look at one node at a time: NodeUnschedulable, NodeName, TaintToleration,
// NodeAffinity, NodePorts and ImageLocality, as kube-scheduler 1.32 implements them (the
// resource plugins are in node-resources.ts).
import {defaultNormalizeScore, type FilterPlugin, maxNodeScore, type ScorePlugin, success, unresolvable, unschedulable} from '../framework.js'
import type {NodeInfo} from '../node-info.js'
import type {NodeAffinityArgs} from '../plugin-args.js'
import type {NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration} from '../../api/kinds.js'

/**
 * What a Score plugin reads of the pod alone, worked out at its first node and kept by pod object
 * for the others (the algorithm scores hundreds of nodes with the same pod object).
 */
function perPod<T>(cache: WeakMap<Pod, T>, pod: Pod, compute: () => T): T {
  let found = cache.get(pod)
  if (found === undefined) cache.set(pod, (found = compute()))
  return found
}
const preferringTolerationsOf = new WeakMap<Pod, Toleration[]>()
const podImageNames = new WeakMap<Pod, string[]>()

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
  filter(pod, node) {
    for (const taint of node.node.spec?.taints ?? []) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue
      if (!tolerated(pod.spec.tolerations, taint)) return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`)
    }
    return success
  },
  score(pod, node) {
    const taints = node.node.spec?.taints
    if (!taints || taints.length === 0) return 0
    const preferring = perPod(preferringTolerationsOf, pod, () => (pod.spec.tolerations ?? []).filter((toleration) => !toleration.effect || toleration.effect === 'PreferNoSchedule'))
    let intolerable = 0
    for (const taint of taints) if (taint.effect === 'PreferNoSchedule' && !tolerated(preferring, taint)) intolerable++
    return intolerable
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

/** What node selection reads of a node: its name and labels (a NodeInfo has them; a controller passes just these). */
export type NodeIdentity = Pick<NodeInfo, 'name' | 'labels'>

export function matchesNodeSelectorTerm(term: NodeSelectorTerm, node: NodeIdentity): boolean {
  const expressions = term.matchExpressions ?? []
  const fields = term.matchFields ?? []
  if (expressions.length === 0 && fields.length === 0) return false
  return expressions.every((requirement) => matchesRequirement(requirement, node.labels)) && fields.every((requirement) => matchesRequirement(requirement, {'metadata.name': node.name}))
}

/** nodeSelector and required node affinity: what NodeAffinity's filter (and others' policies) checks. */
export function matchesNodeSelectorAndAffinity(pod: Pod, node: NodeIdentity): boolean {
  for (const [key, value] of Object.entries(pod.spec.nodeSelector ?? {})) if (node.labels[key] !== value) return false
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
  return !required || required.nodeSelectorTerms.some((term) => matchesNodeSelectorTerm(term, node))
}

/** NodeAffinity with its args: the profile's addedAffinity applies to every pod besides the pod's own. */
export function nodeAffinityPlugin(args: NodeAffinityArgs): FilterPlugin & ScorePlugin {
  const addedRequired = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  const addedPreferred = args.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
  /** The profile's preferred terms, then the pod's, by pod. */
  const preferredTerms = new WeakMap<Pod, ReadonlyArray<{readonly weight: number; readonly preference: NodeSelectorTerm}>>()
  return {
    name: 'NodeAffinity',
    filter(pod, node) {
      if (addedRequired && !addedRequired.some((term) => matchesNodeSelectorTerm(term, node))) return unresolvable("node(s) didn't match scheduler-enforced node affinity")
      return matchesNodeSelectorAndAffinity(pod, node) ? success : unresolvable("node(s) didn't match Pod's node affinity/selector")
    },
    score(pod, node) {
      const terms = perPod(preferredTerms, pod, () => [...addedPreferred, ...(pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])])
      let total = 0
      for (const preferred of terms) {
        if (preferred.weight !== 0 && matchesNodeSelectorTerm(preferred.preference, node)) total += preferred.weight
      }
      return total
    },
    normalize: (scores) => defaultNormalizeScore(scores, false),
  }
}

export const nodeAffinity = nodeAffinityPlugin({})

/** Whether a host port the pod asks for is taken on the node (NodePorts' filter; the kubelet's admission checks the same). */
export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter(pod, node) {
    return node.usedPorts.taken(pod) ? unschedulable("node(s) didn't have free ports for the requested pod ports") : success
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
  score(pod, node, _state, snapshot) {
    const images = perPod(podImageNames, pod, () => [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((container) => normalizedImageName(container.image ?? '')))
    let sum = 0
    for (const name of images) {
      const size = node.imageSize(name)
      if (size !== undefined) sum += Math.trunc(size * (snapshot.imageNodeCounts.get(name) / snapshot.nodes.length))
    }
    const maxThreshold = imageScoreMaxContainerThreshold * images.length
    const clipped = Math.min(Math.max(sum, imageScoreMinThreshold), maxThreshold)
    return Math.trunc((maxNodeScore * (clipped - imageScoreMinThreshold)) / (maxThreshold - imageScoreMinThreshold))
  },
}

// PodTopologySpread (kube-scheduler 1.32): DoNotSchedule constraints filter nodes whose domain
// would exceed maxSkew; ScheduleAnyway constraints score nodes by how many matching pods their
// domains already hold (fewer is better), weighted by the log of the number of domains.
import {labelSelectorFromObject, matchesLabels} from '../../api/selectors.js'
import {type FilterPlugin, maxNodeScore, type ScorePlugin, type Snapshot, success, unresolvable, unschedulable} from '../framework.js'
import type {NodeInfo} from '../node-info.js'
import {type PodTopologySpreadArgs, podTopologySpreadArgs} from '../plugin-args.js'
import type {Pod, TopologySpreadConstraint} from '../../api/kinds.js'
import {matchesNodeSelectorAndAffinity, tolerated} from './node-plugins.js'

const hostnameLabel = 'kubernetes.io/hostname'

function selects(constraint: TopologySpreadConstraint, pod: Pod, candidate: Pod): boolean {
  if ((candidate.metadata.namespace ?? '') !== (pod.metadata.namespace ?? '') || candidate.metadata.deletionTimestamp) return false
  const matchLabels = {...(constraint.labelSelector?.matchLabels ?? {})}
  for (const key of constraint.matchLabelKeys ?? []) if (pod.metadata.labels?.[key] !== undefined) matchLabels[key] = pod.metadata.labels[key]!
  return matchesLabels(labelSelectorFromObject({...constraint.labelSelector, matchLabels}), candidate.metadata.labels)
}

/** The nodes a constraint counts: all its keys present, node affinity honoured, taints by policy. */
function countsNode(pod: Pod, node: NodeInfo, constraints: readonly TopologySpreadConstraint[], constraint: TopologySpreadConstraint, requireAll: boolean): boolean {
  if (requireAll && !constraints.every((entry) => node.labels[entry.topologyKey] !== undefined)) return false
  if (node.labels[constraint.topologyKey] === undefined) return false
  if ((constraint.nodeAffinityPolicy ?? 'Honor') === 'Honor' && !matchesNodeSelectorAndAffinity(pod, node)) return false
  if (constraint.nodeTaintsPolicy === 'Honor') {
    for (const taint of node.node.spec?.taints ?? []) if ((taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerated(pod.spec.tolerations, taint)) return false
  }
  return true
}

function domainCounts(pod: Pod, snapshot: Snapshot, constraints: readonly TopologySpreadConstraint[], constraint: TopologySpreadConstraint, requireAll = true): Map<string, number> {
  const counts = new Map<string, number>()
  for (const node of snapshot.nodes) {
    if (!countsNode(pod, node, constraints, constraint, requireAll)) continue
    const value = node.labels[constraint.topologyKey]!
    counts.set(value, (counts.get(value) ?? 0) + node.pods.filter((candidate) => selects(constraint, pod, candidate)).length)
  }
  return counts
}

interface FilterState {
  constraints: TopologySpreadConstraint[]
  counts: Array<Map<string, number>>
}

interface ScoreState {
  constraints: TopologySpreadConstraint[]
  /** System defaulting: a node without one of the keys is scored on the others, not ignored. */
  requireAll: boolean
  counts: Array<Map<string, number>>
  weights: number[]
}

/**
 * kube-scheduler's system default constraints (defaultingType System): spread a controller's pods
 * over hostnames (maxSkew 3) and zones (maxSkew 5), as scoring only.
 */
export const systemDefaultConstraints: readonly TopologySpreadConstraint[] = [
  {topologyKey: hostnameLabel, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3},
  {topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5},
]

const systemDefaulted = (pod: Pod, args: PodTopologySpreadArgs) => (pod.spec.topologySpreadConstraints ?? []).length === 0 && args.defaultingType === 'System'

/**
 * The pod's constraints of one kind; a pod without any of its own takes the profile's
 * defaultConstraints (List) or the system defaults (System) with the selector of the Services and
 * the controller that own it (helper.DefaultSelector), none when nothing selects it.
 */
function constraintsOf(pod: Pod, snapshot: Snapshot, args: PodTopologySpreadArgs, action: TopologySpreadConstraint['whenUnsatisfiable']): TopologySpreadConstraint[] {
  const own = pod.spec.topologySpreadConstraints ?? []
  if (own.length > 0) return own.filter((constraint) => constraint.whenUnsatisfiable === action)
  const defaults = (args.defaultingType === 'List' ? args.defaultConstraints : systemDefaultConstraints).filter((constraint) => constraint.whenUnsatisfiable === action)
  if (defaults.length === 0) return []
  const selector = snapshot.defaultSelector?.(pod)
  if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) return []
  return defaults.map((constraint) => ({...constraint, labelSelector: selector}))
}

/** PodTopologySpread with its args (defaultConstraints under List defaulting). */
export function podTopologySpreadPlugin(args: PodTopologySpreadArgs): FilterPlugin & ScorePlugin {
  return {
    name: 'PodTopologySpread',
    preFilter(pod, snapshot, state) {
      const constraints = constraintsOf(pod, snapshot, args, 'DoNotSchedule')
      state.set('PodTopologySpread', {constraints, counts: constraints.map((constraint) => domainCounts(pod, snapshot, constraints, constraint))} satisfies FilterState)
      return success
    },
    filter(pod, node, state) {
      const computed = state.get('PodTopologySpread') as FilterState
      for (const [index, constraint] of computed.constraints.entries()) {
        const value = node.labels[constraint.topologyKey]
        if (value === undefined) return unresolvable("node(s) didn't match pod topology spread constraints (missing required label)")
        const counts = computed.counts[index]!
        let minimum = counts.size === 0 ? 0 : Math.min(...counts.values())
        if (constraint.minDomains !== undefined && counts.size < constraint.minDomains) minimum = 0
        const selfMatch = selects(constraint, pod, pod) ? 1 : 0
        if ((counts.get(value) ?? 0) + selfMatch - minimum > constraint.maxSkew) return unschedulable("node(s) didn't match pod topology spread constraints")
      }
      return success
    },
    preScore(pod, feasible, state, snapshot) {
      const constraints = constraintsOf(pod, snapshot, args, 'ScheduleAnyway')
      const requireAll = !systemDefaulted(pod, args)
      const counts = constraints.map((constraint) => domainCounts(pod, snapshot, constraints, constraint, requireAll))
      const weights = constraints.map((constraint, index) => {
        const size = constraint.topologyKey === hostnameLabel ? feasible.filter((node) => node.labels[hostnameLabel] !== undefined).length : counts[index]!.size
        return Math.log(size + 2)
      })
      state.set('PodTopologySpread/score', {constraints, requireAll, counts, weights} satisfies ScoreState)
    },
    score(pod, node, state) {
      const computed = state.get('PodTopologySpread/score') as ScoreState
      if (computed.constraints.length === 0) return 0
      if (computed.requireAll && !computed.constraints.every((constraint) => node.labels[constraint.topologyKey] !== undefined)) return -1
      let score = 0
      for (const [index, constraint] of computed.constraints.entries()) {
        const value = node.labels[constraint.topologyKey]
        if (value === undefined) continue
        const count = constraint.topologyKey === hostnameLabel ? node.pods.filter((candidate) => selects(constraint, pod, candidate)).length : computed.counts[index]!.get(value) ?? 0
        score += count * computed.weights[index]! + (constraint.maxSkew - 1)
      }
      return Math.round(score)
    },
    normalize(scores, state) {
      const computed = state.get('PodTopologySpread/score') as ScoreState
      if (computed.constraints.length === 0) {
        for (const name of scores.keys()) scores.set(name, 0)
        return
      }
      let min = Number.POSITIVE_INFINITY
      let max = 0
      for (const score of scores.values()) {
        if (score < 0) continue
        min = Math.min(min, score)
        max = Math.max(max, score)
      }
      for (const [name, score] of scores) {
        if (score < 0) scores.set(name, 0)
        else if (max === 0) scores.set(name, maxNodeScore)
        else scores.set(name, Math.trunc((maxNodeScore * (max + min - score)) / max))
      }
    },
  }
}

export const podTopologySpread = podTopologySpreadPlugin(podTopologySpreadArgs.read(undefined))

// InterPodAffinity (kube-scheduler 1.32): required pod affinity and anti-affinity of the incoming
// pod, the required anti-affinity of pods already placed, and the preferred terms of both for
// scoring, all counted per topology domain (a node label's key and value).
import {labelSelectorFromObject, matchesLabels} from '../../api/selectors.js'
import {type CycleState, type FilterPlugin, maxNodeScore, type ScorePlugin, type Snapshot, success, unresolvable, unschedulable} from '../framework.js'
import type {NodeInfo} from '../node-info.js'
import {type InterPodAffinityArgs, interPodAffinityArgs} from '../plugin-args.js'
import type {Pod, PodAffinityTerm} from '../../api/kinds.js'

const pairKey = (key: string, value: string) => `${key}\u0000${value}`

/** Whether `pod` is among the pods `term` (of a pod in `ownerNamespace`) selects. */
export function termMatches(term: PodAffinityTerm, ownerNamespace: string, pod: Pod, snapshot: Snapshot): boolean {
  const namespace = pod.metadata.namespace ?? ''
  let inNamespaces: boolean
  if ((term.namespaces ?? []).length === 0 && !term.namespaceSelector) inNamespaces = namespace === ownerNamespace
  else {
    inNamespaces = (term.namespaces ?? []).includes(namespace)
    if (!inNamespaces && term.namespaceSelector) inNamespaces = matchesLabels(labelSelectorFromObject(term.namespaceSelector), snapshot.namespaceLabels.get(namespace) ?? {})
  }
  if (!inNamespaces || !term.labelSelector) return false
  return matchesLabels(labelSelectorFromObject(term.labelSelector), pod.metadata.labels)
}

interface AffinityState {
  existingAntiAffinity: Map<string, number>
  affinity: Map<string, number>
  antiAffinity: Map<string, number>
  affinityTerms: PodAffinityTerm[]
  antiAffinityTerms: PodAffinityTerm[]
}

function addPair(counts: Map<string, number>, key: string, node: NodeInfo, amount = 1): void {
  const value = node.labels[key]
  if (value === undefined) return
  const pair = pairKey(key, value)
  counts.set(pair, (counts.get(pair) ?? 0) + amount)
}

/** InterPodAffinity with its args: the weight of existing pods' required affinity terms in scores, and whether their preferred terms count. */
export function interPodAffinityPlugin(args: InterPodAffinityArgs): FilterPlugin & ScorePlugin {
  return {...interPodAffinityFilter, ...interPodAffinityScore(args)}
}

const interPodAffinityFilter: FilterPlugin = {
  name: 'InterPodAffinity',
  preFilter(pod, snapshot, state) {
    const namespace = pod.metadata.namespace ?? ''
    const affinityTerms = pod.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
    const antiAffinityTerms = pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
    const computed: AffinityState = {existingAntiAffinity: new Map(), affinity: new Map(), antiAffinity: new Map(), affinityTerms, antiAffinityTerms}
    const incomingHasTerms = affinityTerms.length > 0 || antiAffinityTerms.length > 0
    for (const node of snapshot.nodes) {
      // Without terms of its own, only the pods with terms can matter.
      for (const existing of incomingHasTerms ? node.pods : node.podsWithAffinity) {
        const existingNamespace = existing.metadata.namespace ?? ''
        for (const term of existing.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
          if (termMatches(term, existingNamespace, pod, snapshot)) addPair(computed.existingAntiAffinity, term.topologyKey, node)
        }
        if (affinityTerms.length > 0 && affinityTerms.every((term) => termMatches(term, namespace, existing, snapshot))) {
          for (const term of affinityTerms) addPair(computed.affinity, term.topologyKey, node)
        }
        for (const term of antiAffinityTerms) if (termMatches(term, namespace, existing, snapshot)) addPair(computed.antiAffinity, term.topologyKey, node)
      }
    }
    state.set('InterPodAffinity', computed)
    return success
  },
  filter(pod, node, state, snapshot) {
    const computed = state.get('InterPodAffinity') as AffinityState
    if (computed.existingAntiAffinity.size > 0) {
      for (const [key, value] of Object.entries(node.labels)) {
        if ((computed.existingAntiAffinity.get(pairKey(key, value)) ?? 0) > 0) return unschedulable("node(s) didn't satisfy existing pods anti-affinity rules")
      }
    }
    for (const term of computed.antiAffinityTerms) {
      const value = node.labels[term.topologyKey]
      if (value !== undefined && (computed.antiAffinity.get(pairKey(term.topologyKey, value)) ?? 0) > 0) return unschedulable("node(s) didn't match pod anti-affinity rules")
    }
    let podsExist = true
    for (const term of computed.affinityTerms) {
      const value = node.labels[term.topologyKey]
      if (value === undefined) return unresolvable("node(s) didn't match pod affinity rules")
      if ((computed.affinity.get(pairKey(term.topologyKey, value)) ?? 0) <= 0) podsExist = false
    }
    if (!podsExist) {
      // The first pod of a group that wants to be with its own kind may go anywhere.
      const namespace = pod.metadata.namespace ?? ''
      const selfMatch = computed.affinityTerms.every((term) => termMatches(term, namespace, pod, snapshot))
      if (!(computed.affinity.size === 0 && selfMatch)) return unresolvable("node(s) didn't match pod affinity rules")
    }
    return success
  },
}

const interPodAffinityScore = (args: InterPodAffinityArgs): ScorePlugin => ({
  name: 'InterPodAffinity',
  preScore(pod, _feasible, state, snapshot) {
    const namespace = pod.metadata.namespace ?? ''
    const preferredAffinity = pod.spec.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
    const preferredAnti = pod.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
    const scores = new Map<string, number>()
    const incomingPrefers = preferredAffinity.length > 0 || preferredAnti.length > 0
    for (const node of snapshot.nodes) {
      for (const existing of incomingPrefers ? node.pods : node.podsWithAffinity) {
        const existingNamespace = existing.metadata.namespace ?? ''
        for (const weighted of preferredAffinity) if (termMatches(weighted.podAffinityTerm, namespace, existing, snapshot)) addPair(scores, weighted.podAffinityTerm.topologyKey, node, weighted.weight)
        for (const weighted of preferredAnti) if (termMatches(weighted.podAffinityTerm, namespace, existing, snapshot)) addPair(scores, weighted.podAffinityTerm.topologyKey, node, -weighted.weight)
        const affinity = existing.spec.affinity
        if (args.hardPodAffinityWeight > 0) {
          for (const term of affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) if (termMatches(term, existingNamespace, pod, snapshot)) addPair(scores, term.topologyKey, node, args.hardPodAffinityWeight)
        }
        if (args.ignorePreferredTermsOfExistingPods) continue
        for (const weighted of affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) if (termMatches(weighted.podAffinityTerm, existingNamespace, pod, snapshot)) addPair(scores, weighted.podAffinityTerm.topologyKey, node, weighted.weight)
        for (const weighted of affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) if (termMatches(weighted.podAffinityTerm, existingNamespace, pod, snapshot)) addPair(scores, weighted.podAffinityTerm.topologyKey, node, -weighted.weight)
      }
    }
    state.set('InterPodAffinity/score', scores)
  },
  score(_pod, node, state) {
    const scores = state.get('InterPodAffinity/score') as Map<string, number>
    if (scores.size === 0) return 0
    let total = 0
    for (const [key, value] of Object.entries(node.labels)) total += scores.get(pairKey(key, value)) ?? 0
    return total
  },
  normalize(scores) {
    let min = Number.POSITIVE_INFINITY
    let max = Number.NEGATIVE_INFINITY
    for (const score of scores.values()) {
      min = Math.min(min, score)
      max = Math.max(max, score)
    }
    for (const [name, score] of scores) scores.set(name, max - min > 0 ? Math.trunc((maxNodeScore * (score - min)) / (max - min)) : 0)
  },
})

export const interPodAffinity = interPodAffinityPlugin(interPodAffinityArgs.read(undefined))

export type {CycleState}

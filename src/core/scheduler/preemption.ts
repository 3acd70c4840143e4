// DefaultPreemption (kube-scheduler 1.32, without PodDisruptionBudget weighing): when no node
// fits, find nodes where evicting pods of lower priority would make room, keep as many of them
// as still lets the pod fit (highest priority first), pick the node whose victims matter least,
// and say why on every other node, in the FailedScheduling message's "preemption:" part.
import {type Snapshot} from './framework.js'
import {NodeInfo} from './node-info.js'
import {preFilter, runFilters, type ScheduleResult} from './algorithm.js'
import {defaultProfile, type Profile} from './profile.js'
import type {Pod} from '../api/kinds.js'

export interface PreemptionResult {
  /** The "preemption: …" text for the FitError message; empty when a node was nominated. */
  readonly message: string
  readonly nominatedNode: string | null
  readonly victims: readonly Pod[]
}

const priorityOf = (pod: Pod) => pod.spec.priority ?? 0

function withNode(snapshot: Snapshot, replacement: NodeInfo): Snapshot {
  const nodes = snapshot.nodes.map((node) => (node.name === replacement.name ? replacement : node))
  return {...snapshot, nodes, byName: new Map(nodes.map((node) => [node.name, node]))}
}

function fits(pod: Pod, node: NodeInfo, snapshot: Snapshot, profile: Profile): boolean {
  const trial = withNode(snapshot, node)
  const {state, rejection} = preFilter(pod, trial, profile)
  return !rejection && runFilters(pod, node, state, trial, profile) === null
}

/** The fewest pods of lower priority to evict from the node for the pod to fit, or null. */
function selectVictims(pod: Pod, node: NodeInfo, snapshot: Snapshot, profile: Profile): Pod[] | null {
  const trial = node.clone()
  const lower = trial.pods.filter((existing) => priorityOf(existing) < priorityOf(pod))
  for (const victim of lower) trial.removePod(victim)
  if (!fits(pod, trial, snapshot, profile)) return null
  const victims: Pod[] = []
  const byImportance = [...lower].sort((left, right) => priorityOf(right) - priorityOf(left) || String(left.metadata.creationTimestamp).localeCompare(String(right.metadata.creationTimestamp)))
  for (const candidate of byImportance) {
    trial.addPod(candidate)
    if (!fits(pod, trial, snapshot, profile)) {
      trial.removePod(candidate)
      victims.push(candidate)
    }
  }
  return victims
}

export function preempt(pod: Pod, snapshot: Snapshot, result: ScheduleResult, profile: Profile = defaultProfile): PreemptionResult {
  if (pod.spec.preemptionPolicy === 'Never') return {message: 'preemption: not eligible due to preemptionPolicy=Never.', nominatedNode: null, victims: []}
  const rejected = result.preFilterRejection
  if (rejected) {
    // A PreFilter refusal stands on every node: evicting pods cannot help an unresolvable one.
    const reason = rejected.status.code === 'UnschedulableAndUnresolvable' ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod'
    return {message: `preemption: 0/${snapshot.nodes.length} nodes are available: ${snapshot.nodes.length} ${reason}.`, nominatedNode: null, victims: []}
  }
  const histogram = new Map<string, number>()
  const count = (reason: string) => histogram.set(reason, (histogram.get(reason) ?? 0) + 1)
  const candidates: Array<{node: string; victims: Pod[]}> = []
  for (const verdict of result.verdicts) {
    if (!verdict.rejectedBy) continue
    if (verdict.rejectedBy.status.code === 'UnschedulableAndUnresolvable') {
      count('Preemption is not helpful for scheduling')
      continue
    }
    const victims = selectVictims(pod, snapshot.byName.get(verdict.node)!, snapshot, profile)
    if (victims === null || victims.length === 0) count('No preemption victims found for incoming pod')
    else candidates.push({node: verdict.node, victims})
  }
  if (candidates.length === 0) {
    const reasons = [...histogram].map(([reason, total]) => `${total} ${reason}`).sort()
    return {message: `preemption: 0/${snapshot.nodes.length} nodes are available: ${reasons.join(', ')}.`, nominatedNode: null, victims: []}
  }
  // pickOneNodeForPreemption: lowest highest-victim priority, then lowest priority sum, then fewest victims.
  const highest = (victims: Pod[]) => Math.max(...victims.map(priorityOf))
  const sum = (victims: Pod[]) => victims.reduce((total, victim) => total + priorityOf(victim) + 2_147_483_648, 0)
  candidates.sort((left, right) => highest(left.victims) - highest(right.victims) || sum(left.victims) - sum(right.victims) || left.victims.length - right.victims.length)
  const chosen = candidates[0]!
  return {message: '', nominatedNode: chosen.node, victims: chosen.victims}
}

export {NodeInfo}

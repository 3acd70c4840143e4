// One scheduling attempt for one pod (kube-scheduler's schedulePod): PreFilter, then Filter over
// as many nodes as percentageOfNodesToScore asks for (starting where the last attempt stopped),
// then PreScore, Score, NormalizeScore and weights over the feasible nodes; the highest total
// wins, ties broken at random. Everything each plugin said is kept for `describe pod`.
import {type CycleState, type FilterPlugin, type ScorePlugin, type Snapshot, type Status} from './framework.js'
import type {NodeInfo} from './node-info.js'
import {imageLocality, nodeAffinity, nodeName, nodePorts, nodeResourcesBalancedAllocation, nodeResourcesFit, nodeUnschedulable, taintToleration} from './plugins/node-plugins.js'
import {interPodAffinity} from './plugins/inter-pod-affinity.js'
import {podTopologySpread} from './plugins/topology-spread.js'
import {volumeBinding} from './plugins/volume-binding.js'
import type {Pod} from './types.js'

/** The default profile's Filter plugins, in kube-scheduler 1.32's order. */
export const filterPlugins: readonly FilterPlugin[] = [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit, volumeBinding, podTopologySpread, interPodAffinity]
/** The default profile's Score plugins with their default weights. */
export const scorePlugins: readonly ScorePlugin[] = [taintToleration, nodeAffinity, podTopologySpread, nodeResourcesFit, nodeResourcesBalancedAllocation, interPodAffinity, imageLocality]

/** kube-scheduler scores at least this many nodes when the cluster has them. */
export const minFeasibleNodesToFind = 100
/** ...and at least this percentage of the nodes. */
export const minFeasibleNodesPercentageToFind = 5

/** kube-scheduler's numFeasibleNodesToFind with the adaptive percentageOfNodesToScore. */
export function feasibleNodesToFind(total: number): number {
  if (total < minFeasibleNodesToFind) return total
  const percentage = Math.max(minFeasibleNodesPercentageToFind, 50 - Math.trunc(total / 125))
  return Math.max(minFeasibleNodesToFind, Math.trunc((total * percentage) / 100))
}

export interface NodeVerdict {
  readonly node: string
  /** The plugin that rejected the node and its status; null when every filter passed. */
  readonly rejectedBy: {plugin: string; status: Status} | null
  /** Each score plugin's normalized score times its weight, and their sum (feasible nodes). */
  scores?: Record<string, number>
  total?: number
}

export interface ScheduleResult {
  /** The chosen node, or null when no node fits. */
  readonly node: string | null
  readonly verdicts: NodeVerdict[]
  /** Set when a PreFilter plugin rejected the pod outright. */
  readonly preFilterRejection: {plugin: string; status: Status} | null
  readonly evaluatedNodes: number
  readonly feasibleNodes: number
}

export function runFilters(pod: Pod, node: NodeInfo, state: CycleState, snapshot: Snapshot): {plugin: string; status: Status} | null {
  for (const plugin of filterPlugins) {
    const status = plugin.filter(pod, node, state, snapshot)
    if (status.code !== 'Success') return {plugin: plugin.name, status}
  }
  return null
}

export function preFilter(pod: Pod, snapshot: Snapshot): {state: CycleState; rejection: {plugin: string; status: Status} | null} {
  const state: CycleState = new Map()
  for (const plugin of filterPlugins) {
    const status = plugin.preFilter?.(pod, snapshot, state)
    if (status && status.code !== 'Success') return {state, rejection: {plugin: plugin.name, status}}
  }
  return {state, rejection: null}
}

export class SchedulingAlgorithm {
  private nextStartNodeIndex = 0

  constructor(private readonly random: () => number) {}

  schedule(pod: Pod, snapshot: Snapshot): ScheduleResult {
    const nodes = snapshot.nodes
    const {state, rejection} = preFilter(pod, snapshot)
    if (rejection) return {node: null, verdicts: [], preFilterRejection: rejection, evaluatedNodes: 0, feasibleNodes: 0}
    const wanted = feasibleNodesToFind(nodes.length)
    const verdicts: NodeVerdict[] = []
    const feasible: NodeInfo[] = []
    let processed = 0
    for (; processed < nodes.length && feasible.length < wanted; processed++) {
      const node = nodes[(this.nextStartNodeIndex + processed) % nodes.length]!
      const rejectedBy = runFilters(pod, node, state, snapshot)
      verdicts.push({node: node.name, rejectedBy})
      if (!rejectedBy) feasible.push(node)
    }
    if (nodes.length > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % nodes.length
    if (feasible.length === 0) return {node: null, verdicts, preFilterRejection: null, evaluatedNodes: processed, feasibleNodes: 0}
    if (feasible.length === 1) return {node: feasible[0]!.name, verdicts, preFilterRejection: null, evaluatedNodes: processed, feasibleNodes: 1}
    const totals = new Array<number>(feasible.length).fill(0)
    const perPlugin = feasible.map(() => ({}) as Record<string, number>)
    for (const plugin of scorePlugins) {
      plugin.preScore?.(pod, feasible, state, snapshot)
      const scores = new Map(feasible.map((node) => [node.name, plugin.score(pod, node, state, snapshot)]))
      plugin.normalize?.(scores, state)
      for (let position = 0; position < feasible.length; position++) {
        const weighted = scores.get(feasible[position]!.name)! * plugin.weight
        totals[position] += weighted
        perPlugin[position]![plugin.name] = weighted
      }
    }
    const feasiblePosition = new Map(feasible.map((node, position) => [node.name, position]))
    for (const verdict of verdicts) {
      if (verdict.rejectedBy) continue
      const position = feasiblePosition.get(verdict.node)!
      verdict.scores = perPlugin[position]
      verdict.total = totals[position]
    }
    // selectHost: the highest total; among equals, each is kept with probability 1/count seen.
    let chosen = ''
    let best = Number.NEGATIVE_INFINITY
    let ties = 0
    for (let position = 0; position < feasible.length; position++) {
      const node = feasible[position]!
      const total = totals[position]!
      if (total > best) {
        best = total
        chosen = node.name
        ties = 1
      } else if (total === best) {
        ties++
        if (this.random() * ties < 1) chosen = node.name
      }
    }
    return {node: chosen, verdicts, preFilterRejection: null, evaluatedNodes: processed, feasibleNodes: feasible.length}
  }
}

/** kube-scheduler's FitError text: `0/4 nodes are available: 1 node(s) had …, 3 Insufficient cpu.` */
export function fitErrorMessage(totalNodes: number, result: ScheduleResult, postFilterMessage: string): string {
  if (result.preFilterRejection) return `0/${totalNodes} nodes are available: ${result.preFilterRejection.status.reasons.join(', ')}.${postFilterMessage ? ` ${postFilterMessage}` : ''}`
  const histogram = new Map<string, number>()
  for (const verdict of result.verdicts) for (const reason of verdict.rejectedBy?.status.reasons ?? []) histogram.set(reason, (histogram.get(reason) ?? 0) + 1)
  const reasons = [...histogram].map(([reason, count]) => `${count} ${reason}`).sort()
  return `0/${totalNodes} nodes are available: ${reasons.join(', ')}.${postFilterMessage ? ` ${postFilterMessage}` : ''}`
}

// One scheduling attempt for one pod (kube-scheduler's schedulePod): PreFilter, then Filter over
// as many nodes as percentageOfNodesToScore asks for (starting where the last attempt stopped),
// then PreScore, Score, NormalizeScore and weights over the feasible nodes; the highest total
// wins, ties broken at random. Everything each plugin said is kept for `describe pod`.
import type {CycleState, SchedulerPlugin, Snapshot, Status} from './framework.js'
import type {NodeInfo} from './node-info.js'
import {defaultProfile, type Profile} from './profile.js'
import type {Pod} from '../api/kinds.js'
import {assert} from '../util/assert.js'

/** kube-scheduler scores at least this many nodes when the cluster has them. */
export const minFeasibleNodesToFind = 100
/** ...and at least this percentage of the nodes. */
export const minFeasibleNodesPercentageToFind = 5

/** kube-scheduler's numFeasibleNodesToFind: the profile's (or configuration's) percentageOfNodesToScore, 0 being adaptive. */
export function feasibleNodesToFind(total: number, percentageOfNodesToScore = 0): number {
  if (total < minFeasibleNodesToFind) return total
  let percentage = percentageOfNodesToScore
  if (percentage === 0) percentage = Math.max(minFeasibleNodesPercentageToFind, 50 - Math.trunc(total / 125))
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

export function runFilters(pod: Pod, node: NodeInfo, state: CycleState, snapshot: Snapshot, profile: Profile = defaultProfile): {plugin: string; status: Status} | null {
  for (const plugin of profile.points.filter) {
    const status = plugin.filter?.(pod, node, state, snapshot)
    if (status && status.code !== 'Success') return {plugin: plugin.name, status}
  }
  return null
}

export function preFilter(pod: Pod, snapshot: Snapshot, profile: Profile = defaultProfile): {state: CycleState; rejection: {plugin: string; status: Status} | null} {
  const state: CycleState = new Map()
  const ran = new Set<string>()
  for (const plugin of profile.points.preFilter) {
    if (!plugin.preFilter) continue
    ran.add(plugin.name)
    const status = plugin.preFilter(pod, snapshot, state)
    if (status.code !== 'Success') return {state, rejection: {plugin: plugin.name, status}}
  }
  // A Filter plugin reads what its PreFilter computed: with its PreFilter point disabled, kubemu
  // still computes it (its verdict does not count) rather than fail the filter.
  for (const plugin of profile.points.filter) if (plugin.preFilter && !ran.has(plugin.name)) plugin.preFilter(pod, snapshot, state)
  return {state, rejection: null}
}

/** A plugin's Normalize over the raw scores (by node name, as kube's NodeScoreList), back in the feasible nodes' order. */
function normalizedScores(plugin: SchedulerPlugin, feasible: readonly NodeInfo[], raw: readonly number[], state: CycleState): number[] {
  const scores = new Map<string, number>()
  for (let position = 0; position < feasible.length; position++) scores.set(feasible[position]!.name, raw[position]!)
  plugin.normalize!(scores, state)
  // Normalize sets only the names it was given: the map keeps the feasible nodes' order.
  const normalized = [...scores.values()]
  assert(normalized.length === feasible.length, `${plugin.name}'s normalize changed the nodes scored`)
  return normalized
}

export class SchedulingAlgorithm {
  private nextStartNodeIndex = 0

  constructor(
    private readonly random: () => number,
    readonly profile: Profile = defaultProfile,
  ) {}

  schedule(pod: Pod, snapshot: Snapshot): ScheduleResult {
    const nodes = snapshot.nodes
    const profile = this.profile
    const {state, rejection} = preFilter(pod, snapshot, profile)
    if (rejection) return {node: null, verdicts: [], preFilterRejection: rejection, evaluatedNodes: 0, feasibleNodes: 0}
    const wanted = feasibleNodesToFind(nodes.length, profile.percentageOfNodesToScore)
    const verdicts: NodeVerdict[] = []
    const feasible: NodeInfo[] = []
    /** The verdict of each feasible node, in the same order. */
    const feasibleVerdicts: NodeVerdict[] = []
    let processed = 0
    for (; processed < nodes.length && feasible.length < wanted; processed++) {
      const node = nodes[(this.nextStartNodeIndex + processed) % nodes.length]!
      const rejectedBy = runFilters(pod, node, state, snapshot, profile)
      const verdict: NodeVerdict = {node: node.name, rejectedBy}
      verdicts.push(verdict)
      if (!rejectedBy) {
        feasible.push(node)
        feasibleVerdicts.push(verdict)
      }
    }
    if (nodes.length > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % nodes.length
    if (feasible.length === 0) return {node: null, verdicts, preFilterRejection: null, evaluatedNodes: processed, feasibleNodes: 0}
    if (feasible.length === 1) return {node: feasible[0]!.name, verdicts, preFilterRejection: null, evaluatedNodes: processed, feasibleNodes: 1}
    const totals = new Array<number>(feasible.length).fill(0)
    const perPlugin = feasible.map(() => ({}) as Record<string, number>)
    const preScored = new Set<string>()
    for (const plugin of profile.points.preScore) {
      plugin.preScore?.(pod, feasible, state, snapshot)
      preScored.add(plugin.name)
    }
    for (const {plugin, weight} of profile.scores) {
      const score = plugin.score
      if (!score) continue
      // As with PreFilter: a Score plugin's PreScore computes what it reads, even when that point is disabled.
      if (!preScored.has(plugin.name)) plugin.preScore?.(pod, feasible, state, snapshot)
      const raw = new Array<number>(feasible.length)
      for (let position = 0; position < feasible.length; position++) raw[position] = score.call(plugin, pod, feasible[position]!, state, snapshot)
      const normalized = plugin.normalize ? normalizedScores(plugin, feasible, raw, state) : raw
      for (let position = 0; position < feasible.length; position++) {
        const weighted = normalized[position]! * weight
        totals[position] += weighted
        perPlugin[position]![plugin.name] = weighted
      }
    }
    for (let position = 0; position < feasible.length; position++) {
      feasibleVerdicts[position]!.scores = perPlugin[position]
      feasibleVerdicts[position]!.total = totals[position]
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

// NodeResourcesFit (its filter and its scoring strategies LeastAllocated, MostAllocated and
// RequestedToCapacityRatio over the configured resources and weights) and
// NodeResourcesBalancedAllocation, as kube-scheduler 1.32's noderesources package computes them.
import {maxNodeScore, type ScorePlugin, type FilterPlugin, success, unschedulable} from '../framework.js'
import {type NodeInfo, nonZeroRequests, podRequests, type Resources} from '../node-info.js'
import {maxCustomPriorityScore, type NodeResourcesBalancedAllocationArgs, nodeResourcesBalancedAllocationArgs, type NodeResourcesFitArgs, nodeResourcesFitArgs, type ResourceSpec, type UtilizationShapePoint} from '../plugin-args.js'
import type {Pod} from '../../api/kinds.js'

const nativeResources = ['cpu', 'memory', 'ephemeral-storage', 'pods']

/** An extended resource: a qualified name outside kubernetes.io/ (v1helper.IsExtendedResourceName). */
function isExtendedResource(name: string): boolean {
  if (nativeResources.includes(name) || name.startsWith('requests.')) return false
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.includes('.kubernetes.io/')
}

/** Extended resources NodeResourcesFit's filter leaves alone (its ignoredResources and ignoredResourceGroups args). */
export interface IgnoredResources {
  readonly names: readonly string[]
  readonly groups: readonly string[]
}

/** What the filter asks of a pod's requests on every node, worked out once per requests object. */
interface RequestsShape {
  readonly nothingRequested: boolean
  /** The requested resources other than cpu, memory, ephemeral-storage and pods, sorted by name. */
  readonly others: readonly string[]
}

const shapeOf = new WeakMap<Resources, RequestsShape>()

function requestsShape(requests: Resources): RequestsShape {
  let shape = shapeOf.get(requests)
  if (!shape) {
    shape = {nothingRequested: Object.values(requests).every((value) => value === 0), others: Object.keys(requests).sort().filter((name) => !nativeResources.includes(name))}
    shapeOf.set(requests, shape)
  }
  return shape
}

/** The reasons a pod does not fit a node's allocatable resources, in kube's order. */
export function insufficientResources(pod: Pod, node: NodeInfo, requests = podRequests(pod), ignored: IgnoredResources = {names: [], groups: []}): string[] {
  const reasons: string[] = []
  if (node.pods.length + 1 > (node.allocatable.pods ?? 0)) reasons.push('Too many pods')
  const shape = requestsShape(requests)
  if (shape.nothingRequested) return reasons
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    const wanted = requests[name] ?? 0
    if (wanted > 0 && (node.allocatable[name] ?? 0) < wanted + (node.requested[name] ?? 0)) reasons.push(`Insufficient ${name}`)
  }
  for (const name of shape.others) {
    if (isExtendedResource(name) && (ignored.names.includes(name) || ignored.groups.includes(name.split('/')[0]!))) continue
    const wanted = requests[name] ?? 0
    if (wanted > 0 && (node.allocatable[name] ?? 0) < wanted + (node.requested[name] ?? 0)) reasons.push(`Insufficient ${name}`)
  }
  return reasons
}

/**
 * calculateResourceAllocatableRequest: what the node can hold of a resource and what it would hold
 * with the pod (CPU and memory with the scoring defaults for containers without requests); an
 * extended resource the pod does not ask for is (0, 0), left out of the score.
 */
function allocation(pod: Pod, node: NodeInfo, resource: string): {allocatable: number; requested: number} {
  if (resource === 'cpu' || resource === 'memory') {
    return {allocatable: node.allocatable[resource] ?? 0, requested: node.nonZeroRequested[resource] + nonZeroRequests(pod)[resource]}
  }
  const wanted = podRequests(pod)[resource] ?? 0
  if (wanted === 0 && isExtendedResource(resource)) return {allocatable: 0, requested: 0}
  if (node.allocatable[resource] === undefined) return {allocatable: 0, requested: 0}
  return {allocatable: node.allocatable[resource]!, requested: (node.requested[resource] ?? 0) + wanted}
}

/** helper.BuildBrokenLinearFunction over a shape already scaled to 0..100 scores. */
function brokenLinear(shape: readonly UtilizationShapePoint[], utilization: number): number {
  for (let index = 0; index < shape.length; index++) {
    const point = shape[index]!
    if (utilization <= point.utilization) {
      if (index === 0) return point.score
      const previous = shape[index - 1]!
      return previous.score + Math.trunc(((point.score - previous.score) * (utilization - previous.utilization)) / (point.utilization - previous.utilization))
    }
  }
  return shape[shape.length - 1]!.score
}

type Scorer = (allocations: ReadonlyArray<{allocatable: number; requested: number}>, resources: readonly ResourceSpec[]) => number

function weightedScorer(perResource: (requested: number, allocatable: number) => number): Scorer {
  return (allocations, resources) => {
    let nodeScore = 0
    let weightSum = 0
    allocations.forEach(({allocatable, requested}, index) => {
      if (allocatable === 0) return
      const weight = resources[index]!.weight
      nodeScore += perResource(requested, allocatable) * weight
      weightSum += weight
    })
    return weightSum === 0 ? 0 : Math.trunc(nodeScore / weightSum)
  }
}

const leastAllocated = weightedScorer((requested, capacity) => (requested > capacity ? 0 : Math.trunc(((capacity - requested) * maxNodeScore) / capacity)))
const mostAllocated = weightedScorer((requested, capacity) => Math.trunc((Math.min(requested, capacity) * maxNodeScore) / capacity))

function requestedToCapacityRatio(points: readonly UtilizationShapePoint[]): Scorer {
  const shape = points.map((point) => ({utilization: point.utilization, score: point.score * (maxNodeScore / maxCustomPriorityScore)}))
  const maxUtilization = 100
  return (allocations, resources) => {
    let nodeScore = 0
    let weightSum = 0
    allocations.forEach(({allocatable, requested}, index) => {
      if (allocatable === 0) return
      const score = requested > allocatable ? brokenLinear(shape, maxUtilization) : brokenLinear(shape, Math.trunc((requested * maxUtilization) / allocatable))
      if (score > 0) {
        nodeScore += score * resources[index]!.weight
        weightSum += resources[index]!.weight
      }
    })
    return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum)
  }
}

export function nodeResourcesFitPlugin(args: NodeResourcesFitArgs): FilterPlugin & ScorePlugin {
  const strategy = args.scoringStrategy
  const scorer = strategy.type === 'MostAllocated' ? mostAllocated : strategy.type === 'RequestedToCapacityRatio' ? requestedToCapacityRatio(strategy.requestedToCapacityRatio?.shape ?? []) : leastAllocated
  const ignored = {names: args.ignoredResources, groups: args.ignoredResourceGroups}
  return {
    name: 'NodeResourcesFit',
    filter(pod, node) {
      const reasons = insufficientResources(pod, node, podRequests(pod), ignored)
      return reasons.length > 0 ? unschedulable(...reasons) : success
    },
    score: (pod, node) => scorer(strategy.resources.map((resource) => allocation(pod, node, resource.name)), strategy.resources),
  }
}

/** NodeResourcesFit with its default args: LeastAllocated over cpu and memory, weighted 1 each. */
export const nodeResourcesFit = nodeResourcesFitPlugin(nodeResourcesFitArgs.read(undefined))

export function nodeResourcesBalancedAllocationPlugin(args: NodeResourcesBalancedAllocationArgs): ScorePlugin {
  return {
    name: 'NodeResourcesBalancedAllocation',
    score(pod, node) {
      const fractions: number[] = []
      for (const resource of args.resources) {
        const {allocatable, requested} = allocation(pod, node, resource.name)
        if (allocatable === 0) continue
        fractions.push(Math.min(requested / allocatable, 1))
      }
      let deviation = 0
      if (fractions.length === 2) deviation = Math.abs((fractions[0]! - fractions[1]!) / 2)
      else if (fractions.length > 2) {
        const mean = fractions.reduce((sum, fraction) => sum + fraction, 0) / fractions.length
        deviation = Math.sqrt(fractions.reduce((sum, fraction) => sum + (fraction - mean) ** 2, 0) / fractions.length)
      }
      return Math.trunc((1 - deviation) * maxNodeScore)
    },
  }
}

export const nodeResourcesBalancedAllocation = nodeResourcesBalancedAllocationPlugin(nodeResourcesBalancedAllocationArgs.read(undefined))

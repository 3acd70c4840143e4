// kube-scheduler's plugins and their decisions, on snapshots built in the test: one case per
// plugin, mixed cases, the FitError message, and preemption. Expected values follow
// kube-scheduler 1.32's code (scores are its integer arithmetic).
import {describe, expect, it} from 'vitest'
import {feasibleNodesToFind, fitErrorMessage, preFilter, runFilters, SchedulingAlgorithm} from '../../src/core/scheduler/algorithm.js'
import type {Snapshot} from '../../src/core/scheduler/framework.js'
import {imageLocality} from '../../src/core/scheduler/plugins/node-plugins.js'
import {nodeResourcesBalancedAllocation, nodeResourcesFit} from '../../src/core/scheduler/plugins/node-resources.js'
import {preempt} from '../../src/core/scheduler/preemption.js'
import type {Pod} from '../../src/core/api/kinds.js'
import {defaultCluster, master, node, pod, seeded, singleMasterCluster, snapshot} from './fixtures.js'

const schedule = (target: Pod, current: Snapshot) => new SchedulingAlgorithm(seeded(7)).schedule(target, current)

function rejection(target: Pod, current: Snapshot, nodeName: string): string | null {
  const {state} = preFilter(target, current)
  const rejected = runFilters(target, current.byName.get(nodeName)!, state, current)
  return rejected ? `${rejected.plugin}: ${rejected.status.code}: ${rejected.status.reasons.join(', ')}` : null
}

describe('scheduler plugins', () => {
  it('NodeResourcesFit: the FailedScheduling message of the default cluster, preemption part included', () => {
    const current = snapshot(defaultCluster())
    const big = pod('big', {cpu: '5'})
    const result = schedule(big, current)
    expect(result.node).toBeNull()
    const preemption = preempt(big, current, result)
    // kube-scheduler sorts the "<count> <reason>" strings: equal counts fall back to the reasons' order.
    expect(fitErrorMessage(6, result, preemption.message)).toBe(
      '0/6 nodes are available: 3 Insufficient cpu, 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/6 nodes are available: 3 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.',
    )
    const older = snapshot(singleMasterCluster())
    const olderResult = schedule(big, older)
    expect(fitErrorMessage(4, olderResult, preempt(big, older, olderResult).message)).toBe(
      '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
    )
  })

  it('NodeResourcesFit: memory, pod count, and LeastAllocated picks the emptier node', () => {
    const current = snapshot([node('a', {pods: '1'}), node('b')], [[pod('old', {cpu: '2', memory: '4Gi'}), 'b']])
    expect(rejection(pod('x', {memory: '16Gi'}), current, 'b')).toBe('NodeResourcesFit: Unschedulable: Insufficient memory')
    const full = snapshot([node('a', {pods: '1'})], [[pod('resident'), 'a']])
    expect(rejection(pod('x'), full, 'a')).toBe('NodeResourcesFit: Unschedulable: Too many pods')
    // LeastAllocated: a = ((4000-1000)*100/4000 + (8Gi-1Gi)*100/8Gi)/2 = (75+87)/2 = 81; b = (25+37)/2 = 31.
    const target = pod('x', {cpu: '1', memory: '1Gi'})
    const info = current.byName.get('a')!
    expect(nodeResourcesFit.score(target, info, new Map(), current)).toBe(81)
    expect(nodeResourcesFit.score(target, current.byName.get('b')!, new Map(), current)).toBe(31)
    expect(schedule(target, snapshot([node('a'), node('b')], [[pod('old', {cpu: '2', memory: '4Gi'}), 'b']])).node).toBe('a')
  })

  it('NodeResourcesBalancedAllocation: 1 CPU of 4 and 1Gi of 8Gi are 0.25 and 0.125, so 100 × (1 − 0.0625) = 93', () => {
    const current = snapshot([node('a')])
    expect(nodeResourcesBalancedAllocation.score(pod('x', {cpu: '1', memory: '1Gi'}), current.byName.get('a')!, new Map(), current)).toBe(93)
    // Without requests, the scorer's defaults (100m, 200Mi) count.
    expect(nodeResourcesBalancedAllocation.score(pod('x'), current.byName.get('a')!, new Map(), current)).toBe(99)
  })

  it('NodeUnschedulable and NodeName', () => {
    const current = snapshot([node('cordoned', {unschedulable: true}), node('open')])
    expect(rejection(pod('x'), current, 'cordoned')).toBe('NodeUnschedulable: UnschedulableAndUnresolvable: node(s) were unschedulable')
    expect(rejection(pod('x', {tolerations: [{key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule'}]}), current, 'cordoned')).toBeNull()
    expect(rejection(pod('x', {nodeName: 'open'}), current, 'cordoned')).toBe('NodeUnschedulable: UnschedulableAndUnresolvable: node(s) were unschedulable')
    expect(rejection(pod('x', {nodeName: 'cordoned'}), current, 'open')).toBe("NodeName: UnschedulableAndUnresolvable: node(s) didn't match the requested node name")
  })

  it('TaintToleration: NoSchedule filters, PreferNoSchedule steers', () => {
    const current = snapshot(defaultCluster())
    expect(rejection(pod('x'), current, 'control-plane')).toBe('TaintToleration: UnschedulableAndUnresolvable: node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }')
    expect(rejection(pod('x', {tolerations: [{key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule'}]}), current, 'control-plane')).toBeNull()
    const preferring = snapshot([node('a', {taints: [{key: 'spot', value: 'yes', effect: 'PreferNoSchedule'}]}), node('b')])
    for (let attempt = 0; attempt < 5; attempt++) expect(schedule(pod(`p${attempt}`), preferring).node).toBe('b')
  })

  it('NodeAffinity: nodeSelector, required terms (In, NotIn, Gt), preferred weights', () => {
    const current = snapshot([node('ssd', {labels: {disk: 'ssd', generation: '5'}}), node('hdd', {labels: {disk: 'hdd', generation: '3'}})])
    expect(rejection(pod('x', {nodeSelector: {disk: 'ssd'}}), current, 'hdd')).toBe("NodeAffinity: UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector")
    const required = pod('x', {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: 'generation', operator: 'Gt', values: ['4']}]}]}}}})
    expect(schedule(required, current).node).toBe('ssd')
    const preferred = pod('x', {affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 80, preference: {matchExpressions: [{key: 'disk', operator: 'In', values: ['hdd']}]}}]}}})
    const result = schedule(preferred, current)
    expect(result.node).toBe('hdd')
    expect(result.verdicts.find((verdict) => verdict.node === 'hdd')!.scores!.NodeAffinity).toBe(200)
  })

  it('NodePorts: a host port in use on a node', () => {
    const withPort = (name: string) => pod(name, {containers: [{name: 'web', image: 'nginx', ports: [{containerPort: 80, hostPort: 8080}]}]})
    const current = snapshot([node('a'), node('b')], [[withPort('first'), 'a']])
    expect(rejection(withPort('second'), current, 'a')).toBe("NodePorts: Unschedulable: node(s) didn't have free ports for the requested pod ports")
    expect(schedule(withPort('second'), current).node).toBe('b')
  })

  it('InterPodAffinity: anti-affinity keeps replicas apart, affinity brings a pod to its peers, existing anti-affinity is honoured', () => {
    const zones = [node('a', {labels: {zone: 'z1'}}), node('b', {labels: {zone: 'z1'}}), node('c', {labels: {zone: 'z2'}})]
    const antiAffinity = {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: 'web'}}, topologyKey: 'kubernetes.io/hostname'}]}}
    const current = snapshot(zones, [[pod('web-1', {affinity: antiAffinity}, {app: 'web'}), 'a'], [pod('web-2', {affinity: antiAffinity}, {app: 'web'}), 'b']])
    expect(schedule(pod('web-3', {affinity: antiAffinity}, {app: 'web'}), current).node).toBe('c')
    // web-1's own anti-affinity is checked first (it refuses web pods), then the newcomer's.
    expect(rejection(pod('web-4', {affinity: antiAffinity}, {app: 'web'}), current, 'a')).toBe("InterPodAffinity: Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules")
    const plainPeers = snapshot(zones, [[pod('web-1', {}, {app: 'web'}), 'a']])
    expect(rejection(pod('web-4', {affinity: antiAffinity}, {app: 'web'}), plainPeers, 'a')).toBe("InterPodAffinity: Unschedulable: node(s) didn't match pod anti-affinity rules")
    // A pod without rules still may not join a node whose pods refuse it.
    expect(rejection(pod('plain', {}, {app: 'web'}), current, 'b')).toBe("InterPodAffinity: Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules")
    const affinity = {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: 'cache'}}, topologyKey: 'zone'}]}}
    const withCache = snapshot(zones, [[pod('cache', {}, {app: 'cache'}), 'c']])
    expect(schedule(pod('client', {affinity}), withCache).node).toBe('c')
    expect(rejection(pod('client', {affinity}), withCache, 'a')).toBe("InterPodAffinity: UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules")
    // The first pod of a group that wants its own kind may go anywhere.
    const selfAffinity = {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: 'db'}}, topologyKey: 'zone'}]}}
    expect(schedule(pod('db-1', {affinity: selfAffinity}, {app: 'db'}), snapshot(zones)).node).not.toBeNull()
  })

  it('PodTopologySpread: maxSkew 1 across zones sends the next pod to the emptier zone', () => {
    const zones = [node('a', {labels: {zone: 'z1'}}), node('b', {labels: {zone: 'z2'}}), node('unlabelled')]
    const spread = {topologySpreadConstraints: [{maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' as const, labelSelector: {matchLabels: {app: 'web'}}}]}
    const current = snapshot(zones, [[pod('web-1', spread, {app: 'web'}), 'a']])
    expect(schedule(pod('web-2', spread, {app: 'web'}), current).node).toBe('b')
    expect(rejection(pod('web-2', spread, {app: 'web'}), current, 'a')).toBe("PodTopologySpread: Unschedulable: node(s) didn't match pod topology spread constraints")
    expect(rejection(pod('web-2', spread, {app: 'web'}), current, 'unlabelled')).toBe("PodTopologySpread: UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)")
  })

  it('ImageLocality: a node that has the image scores higher', () => {
    const image = {names: ['docker.io/library/nginx:1.27', 'nginx:1.27'], sizeBytes: 500 * 1024 * 1024}
    const current = snapshot([node('a', {images: [image]}), node('b')])
    const target = pod('x')
    const state = new Map()
    // 500 MiB × (1 of 2 nodes) = 250 MiB; (250 − 23) × 100 / (1000 − 23) = 23.
    expect(imageLocality.score(target, current.byName.get('a')!, state, current)).toBe(23)
    expect(imageLocality.score(target, current.byName.get('b')!, state, current)).toBe(0)
  })

  it('mixed: taints, node affinity and resources together', () => {
    const nodes = [
      node('gpu-1', {labels: {accelerator: 'gpu'}, taints: [{key: 'gpu', value: 'true', effect: 'NoSchedule'}], cpu: '2'}),
      node('gpu-2', {labels: {accelerator: 'gpu'}, taints: [{key: 'gpu', value: 'true', effect: 'NoSchedule'}], cpu: '8'}),
      node('cpu-1', {cpu: '16'}),
    ]
    const training = pod('train', {
      cpu: '4',
      tolerations: [{key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule'}],
      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: 'accelerator', operator: 'In', values: ['gpu']}]}]}}},
    })
    const result = schedule(training, snapshot(nodes))
    expect(result.node).toBe('gpu-2')
    const withoutToleration = pod('train', {cpu: '4', affinity: training.spec.affinity})
    const failed = schedule(withoutToleration, snapshot(nodes))
    expect(failed.node).toBeNull()
    expect(fitErrorMessage(3, failed, '')).toBe("0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint {gpu: true}.")
  })

  it('preemption: a pod of higher priority evicts the fewest, least important pods', () => {
    const low = (name: string, priority: number) => pod(name, {cpu: '1500m', priority})
    const current = snapshot([node('a'), node('b')], [[low('a-low', 1), 'a'], [low('a-mid', 5), 'a'], [low('b-high', 100), 'b'], [low('b-higher', 200), 'b']])
    const urgent = pod('urgent', {cpu: '2', priority: 1000})
    const result = schedule(urgent, current)
    expect(result.node).toBeNull()
    const outcome = preempt(urgent, current, result)
    expect(outcome.nominatedNode).toBe('a')
    expect(outcome.victims.map((victim) => victim.metadata.name)).toEqual(['a-low'])
    expect(preempt({...urgent, spec: {...urgent.spec, preemptionPolicy: 'Never'}}, current, result).message).toBe('preemption: not eligible due to preemptionPolicy=Never.')
  })

  it('percentageOfNodesToScore: all nodes below 100, 42% of 1,000, at least 100', () => {
    expect(feasibleNodesToFind(4)).toBe(4)
    expect(feasibleNodesToFind(1000)).toBe(420)
    expect(feasibleNodesToFind(5000)).toBe(500)
    expect(feasibleNodesToFind(150)).toBe(100)
  })
})

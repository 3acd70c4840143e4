// The HPA controller's arithmetic, as kube-controller-manager 1.32 does it: the replica
// calculator (tolerance, missing and unready pods) and the bounds on a recommendation (the
// downscale stabilization window, the scale-up limit, a behavior's policies and windows), and
// the memory of recommendations kept across processes in the HPA's annotation.
import {describe, expect, it} from 'vitest'
import {normalize, normalizeWithBehavior, readHistory, recordInitial, recordScale, writeHistory} from '../../src/core/controllers/hpa-scaling-rules.js'
import {type PodMetric, resourceReplicas} from '../../src/core/controllers/replica-calculator.js'
import type {Pod} from '../../src/core/api/kinds.js'

const start = Date.parse('2026-12-03T10:00:00Z')
const minute = 60_000

function pod(name: string, options: {phase?: string; ready?: boolean; startedAgo?: number; readyAgo?: number} = {}): Pod {
  const now = start + 30 * minute
  return {
    metadata: {name, namespace: 'default', uid: name},
    spec: {containers: [{name: 'web', image: 'nginx', resources: {requests: {cpu: '200m'}}}]},
    status: {
      phase: options.phase ?? 'Running',
      startTime: new Date(now - (options.startedAgo ?? 10 * minute)).toISOString(),
      conditions: [{type: 'Ready', status: options.ready === false ? 'False' : 'True', lastTransitionTime: new Date(now - (options.readyAgo ?? 9 * minute)).toISOString()}],
    },
  } as unknown as Pod
}

const metrics = (entries: Record<string, number>) => new Map(Object.entries(entries).map(([name, milli]): [string, PodMetric] => [name, {milliValue: milli, timestampMilliseconds: start + 30 * minute, windowMilliseconds: 20_050}]))

describe('the replica calculator', () => {
  const now = start + 30 * minute
  it('scales by the ratio of utilization to target, and not within the 10 % tolerance', () => {
    const pods = [pod('a'), pod('b')]
    expect(resourceReplicas(2, 50, 'cpu', '', pods, metrics({a: 200, b: 200}), now)).toEqual({replicas: 4, utilization: 100, rawAverageMilli: 200})
    expect(resourceReplicas(2, 50, 'cpu', '', pods, metrics({a: 105, b: 105}), now).replicas).toBe(2)
    expect(resourceReplicas(2, 50, 'cpu', '', pods, metrics({a: 20, b: 20}), now).replicas).toBe(1)
  })

  it('counts a pod without metrics at its full request on a scale-down, and unready pods at nothing on a scale-up', () => {
    // Two pods at 10 %, one missing (counted at 100 %): (10 + 10 + 100) / 3 = 40 % of 50 % → 3 × 0.8 → 3, no change.
    expect(resourceReplicas(3, 50, 'cpu', '', [pod('a'), pod('b'), pod('c')], metrics({a: 20, b: 20}), now).replicas).toBe(3)
    // One ready pod at 200 %, one just started and not ready: a scale-up counts it at 0 % → (200 + 0) / 2 / 50 × 2 = 4.
    const fresh = pod('b', {startedAgo: 10_000, readyAgo: 5_000})
    expect(resourceReplicas(2, 50, 'cpu', '', [pod('a'), fresh], metrics({a: 400, b: 400}), now).replicas).toBe(4)
    expect(() => resourceReplicas(1, 50, 'cpu', '', [], metrics({}), now)).toThrow('no pods returned by selector while calculating replica count')
    expect(() => resourceReplicas(1, 50, 'cpu', '', [pod('a', {phase: 'Pending'})], metrics({}), now)).toThrow('did not receive metrics for targeted pods (pods might be unready)')
  })
})

describe('bounds on a recommendation', () => {
  it('keeps the highest recommendation of the last 5 minutes and scales up at most to max(2 × current, 4)', () => {
    const history = readHistory(undefined)
    recordInitial(history, 5, start)
    expect(normalize(history, start, 5, 2, 1, 10)).toMatchObject({replicas: 5, ableToScale: {reason: 'ScaleDownStabilized'}})
    expect(normalize(history, start + 4 * minute, 5, 2, 1, 10).replicas).toBe(5)
    expect(normalize(history, start + 5 * minute + 15_000, 5, 2, 1, 10)).toMatchObject({replicas: 2, ableToScale: {reason: 'ReadyForNewScale'}, scalingLimited: {status: 'False', reason: 'DesiredWithinRange'}})
    const up = normalize(readHistory(undefined), start, 1, 9, 1, 10)
    expect(up).toMatchObject({replicas: 4, scalingLimited: {status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate'}})
    expect(normalize(readHistory(undefined), start, 4, 9, 1, 5)).toMatchObject({replicas: 5, scalingLimited: {reason: 'TooManyReplicas'}})
  })

  it('applies a behavior: Pods and Percent policies per period, selectPolicy, and its windows', () => {
    const behavior = {
      scaleUp: {stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{type: 'Pods', value: 4, periodSeconds: 15}, {type: 'Percent', value: 100, periodSeconds: 15}]},
      scaleDown: {stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{type: 'Pods', value: 1, periodSeconds: 60}]},
    }
    const history = readHistory(undefined)
    // From 2: Pods allows 6, Percent allows 4; Max picks 6.
    expect(normalizeWithBehavior(history, behavior, start, 2, 10, 1, 20)).toMatchObject({replicas: 6, scalingLimited: {reason: 'ScaleUpLimit'}})
    recordScale(history, behavior, 2, 6, start)
    // Within the same 15 s the period started at 2: no more than 6.
    expect(normalizeWithBehavior(history, behavior, start + 5_000, 6, 10, 1, 20).replicas).toBe(6)
    expect(normalizeWithBehavior(history, {...behavior, scaleUp: {...behavior.scaleUp, selectPolicy: 'Min'}}, start + 20_000, 6, 20, 1, 20).replicas).toBe(10)
    // Down by at most one pod a minute; a period starts from the size before its changes, both ways.
    expect(normalizeWithBehavior(history, behavior, start + 30_000, 6, 1, 1, 20).replicas).toBe(1)
    expect(normalizeWithBehavior(history, behavior, start + 2 * minute, 6, 1, 1, 20)).toMatchObject({replicas: 5, scalingLimited: {reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate'}})
    recordScale(history, behavior, 6, 5, start + 2 * minute)
    expect(normalizeWithBehavior(history, behavior, start + 2 * minute + 30_000, 5, 1, 1, 20).replicas).toBe(5)
    expect(normalizeWithBehavior(history, {...behavior, scaleDown: {...behavior.scaleDown, selectPolicy: 'Disabled'}}, start + 4 * minute, 5, 1, 1, 20).replicas).toBe(5)
  })

  it('keeps its memory as text that a new process reads back', () => {
    const history = readHistory(undefined)
    recordInitial(history, 3, start)
    normalize(history, start + 15_000, 3, 1, 1, 5)
    const text = writeHistory(history)
    expect(JSON.parse(text)).toEqual({recommendations: [[3, '2026-12-03T10:00:00.000Z'], [1, '2026-12-03T10:00:15.000Z']]})
    const again = readHistory(text)
    expect(normalize(again, start + 3 * minute, 3, 1, 1, 5).replicas).toBe(3)
    expect(readHistory('not json')).toEqual({recommendations: [], scaleUp: [], scaleDown: []})
  })
})

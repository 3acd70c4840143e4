// The scheduler's per-pod requests: pods of one template share their containers' requests object
// (informers share equal parts), so they share one result instead of holding one each.
import {describe, expect, it} from 'vitest'
import type {Pod} from '../../src/core/api/kinds.js'
import {nonZeroRequests, podRequests} from '../../src/core/scheduler/node-info.js'

const requests = Object.freeze({cpu: '250m', memory: '64Mi'})
const podWith = (name: string, spec: Record<string, unknown>): Pod => ({kind: 'Pod', apiVersion: 'v1', metadata: {name, namespace: 'default'}, spec}) as unknown as Pod
const templatePod = (name: string) => podWith(name, {containers: [{name: 'main', image: 'nginx', resources: {requests}, volumeMounts: [{name: `kube-api-access-${name}`, mountPath: '/var/run/secrets'}]}]})

describe('pod requests', () => {
  it('are one result for the pods of a template, and each pod\'s own where its containers add up', () => {
    const first = templatePod('a')
    const second = templatePod('b')
    expect(podRequests(first)).toEqual({cpu: 250, memory: 64 * 1024 * 1024})
    expect(podRequests(second)).toBe(podRequests(first))
    expect(nonZeroRequests(first)).toEqual({cpu: 250, memory: 64 * 1024 * 1024})
    expect(nonZeroRequests(second)).toBe(nonZeroRequests(first))
    expect(Object.isFrozen(podRequests(first))).toBe(true)
    // No requests: the scoring defaults (100m, 200Mi), nothing requested.
    const bare = podWith('bare', {containers: [{name: 'main', image: 'nginx'}]})
    expect(podRequests(bare)).toEqual({})
    expect(nonZeroRequests(bare)).toEqual({cpu: 100, memory: 200 * 1024 * 1024})
    // Init containers at their peak, sidecars and overhead added: computed for the pod.
    const mixed = podWith('mixed', {
      containers: [{name: 'main', resources: {requests}}, {name: 'second', resources: {requests: {cpu: '1'}}}],
      initContainers: [{name: 'init', resources: {requests: {cpu: '2', memory: '1Gi'}}}, {name: 'sidecar', restartPolicy: 'Always', resources: {requests: {cpu: '100m'}}}],
      overhead: {cpu: '10m'},
    })
    // The init container (2 CPUs, 1Gi) outweighs the containers and the sidecar (1.35 CPUs, 64Mi).
    expect(podRequests(mixed)).toEqual({cpu: 2000 + 10, memory: 1024 * 1024 * 1024})
    expect(nonZeroRequests(mixed)).toEqual({cpu: 1250, memory: 64 * 1024 * 1024 + 200 * 1024 * 1024})
  })
})

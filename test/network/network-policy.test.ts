import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {cidrContains, policyVerdict} from '../../src/core/network/network-policy.js'
import {namespace, pod, view} from './view-fixture.js'

function policy(name: string, spec: Record<string, unknown>, namespaceName = 'default'): KubeObject {
  return {apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name, namespace: namespaceName}, spec}
}

const web = pod('web', {labels: {app: 'web'}, ip: '10.244.1.5', ports: [{containerPort: 8080, name: 'http'}]})
const frontend = pod('frontend', {labels: {role: 'frontend'}, ip: '10.244.2.7'})
const monitor = pod('prometheus', {namespace: 'monitoring', labels: {app: 'prometheus'}, ip: '10.244.3.3'})
const namespaces = [namespace('default'), namespace('monitoring', {team: 'ops'})]

function verdict(policies: KubeObject[], from: KubeObject | {ip: string}, to: KubeObject, port = 8080, protocol = 'TCP') {
  const cluster = view([...namespaces, web, frontend, monitor, ...policies])
  const source = 'metadata' in from ? {ip: String((from.status as {podIP: string}).podIP), pod: from as KubeObject} : from
  return policyVerdict(cluster, source, {ip: String((to.status as {podIP: string}).podIP), pod: to, port, protocol})
}

describe('NetworkPolicy', () => {
  it('allows everything when no policy selects the pods', () => {
    expect(verdict([], frontend, web)).toEqual({allowed: true})
  })

  it('an empty ingress list denies all ingress to the selected pods only, and names the policy', () => {
    const denyAll = policy('deny-all', {podSelector: {}, policyTypes: ['Ingress']})
    expect(verdict([denyAll], frontend, web)).toEqual({allowed: false, deniedBy: 'default/deny-all'})
    const webOnly = policy('deny-web', {podSelector: {matchLabels: {app: 'web'}}})
    expect(verdict([webOnly], web, frontend)).toEqual({allowed: true})
  })

  it('is additive: one policy allowing is enough', () => {
    const denyAll = policy('deny-all', {podSelector: {}, policyTypes: ['Ingress']})
    const allowFrontend = policy('allow-frontend', {podSelector: {matchLabels: {app: 'web'}}, ingress: [{from: [{podSelector: {matchLabels: {role: 'frontend'}}}]}]})
    expect(verdict([denyAll, allowFrontend], frontend, web)).toEqual({allowed: true})
    expect(verdict([denyAll, allowFrontend], monitor, web)).toEqual({allowed: false, deniedBy: 'default/allow-frontend'})
  })

  it('matches named ports against the target container, numbers, and endPort ranges', () => {
    const named = policy('http-only', {podSelector: {matchLabels: {app: 'web'}}, ingress: [{ports: [{port: 'http'}]}]})
    expect(verdict([named], frontend, web, 8080)).toEqual({allowed: true})
    expect(verdict([named], frontend, web, 9090)).toMatchObject({allowed: false})
    expect(verdict([named], frontend, web, 8080, 'UDP')).toMatchObject({allowed: false})
    const range = policy('range', {podSelector: {}, ingress: [{ports: [{port: 8000, endPort: 8100, protocol: 'TCP'}]}]})
    expect(verdict([range], frontend, web, 8100)).toEqual({allowed: true})
    expect(verdict([range], frontend, web, 8101)).toMatchObject({allowed: false})
  })

  it('selects peers by namespaceSelector, alone or with a podSelector', () => {
    const fromOps = policy('from-ops', {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: 'ops'}}}]}]})
    expect(verdict([fromOps], monitor, web)).toEqual({allowed: true})
    expect(verdict([fromOps], frontend, web)).toMatchObject({allowed: false})
    const both = policy('ops-prometheus', {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {'kubernetes.io/metadata.name': 'monitoring'}}, podSelector: {matchLabels: {app: 'other'}}}]}]})
    expect(verdict([both], monitor, web)).toMatchObject({allowed: false})
    // A podSelector alone selects pods in the policy's own namespace only.
    const sameNamespace = policy('prometheus-here', {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {app: 'prometheus'}}}]}]})
    expect(verdict([sameNamespace], monitor, web)).toMatchObject({allowed: false})
  })

  it('matches ipBlock with except', () => {
    const block = policy('outside', {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: '192.168.0.0/16', except: ['192.168.1.0/24']}}]}]})
    expect(verdict([block], {ip: '192.168.7.1'}, web)).toEqual({allowed: true})
    expect(verdict([block], {ip: '192.168.1.9'}, web)).toMatchObject({allowed: false, deniedBy: 'default/outside'})
    expect(cidrContains('10.244.0.0/16', '10.244.255.1')).toBe(true)
    expect(cidrContains('10.244.0.0/16', '10.245.0.1')).toBe(false)
    expect(cidrContains('0.0.0.0/0', '8.8.8.8')).toBe(true)
  })

  it("checks the source's egress: egress rules imply the Egress type, an empty egress denies", () => {
    const egressOnly = policy('dns-only', {podSelector: {matchLabels: {role: 'frontend'}}, egress: [{ports: [{port: 53, protocol: 'UDP'}]}]})
    expect(verdict([egressOnly], frontend, web)).toEqual({allowed: false, deniedBy: 'default/dns-only'})
    expect(verdict([egressOnly], frontend, web, 53, 'UDP')).toEqual({allowed: true})
    const noEgress = policy('no-egress', {podSelector: {}, policyTypes: ['Egress']})
    expect(verdict([noEgress], frontend, web)).toEqual({allowed: false, deniedBy: 'default/no-egress'})
    expect(verdict([noEgress], monitor, web)).toEqual({allowed: true})
  })
})

// NetworkPolicy as the Kubernetes documentation defines it and conforming plugins enforce it: a pod
// is isolated for a direction only when some policy selects it with that policyType; an isolated
// pod accepts exactly what the union of those policies' rules allows (policies are additive); a
// connection needs both the source's egress and the target's ingress to allow it. Host-network
// pods and addresses that are no pod are never isolated.
import type {KubeObject} from '../api/object.js'
import {type LabelSelectorObject, labelSelectorFromObject, matchesLabels} from '../api/selectors.js'
import type {ClusterNetworkView} from './types.js'

export type PolicyVerdict = {allowed: true} | {allowed: false; deniedBy: string}

export interface PolicyEndpoint {
  ip: string
  pod?: KubeObject
}

export interface PolicyTarget extends PolicyEndpoint {
  port: number
  protocol: string
}

type Json = Record<string, unknown>
type Direction = 'Ingress' | 'Egress'

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
}

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(record) : []
}

/** spec.policyTypes, or what it means when unset: Ingress, plus Egress when the policy has egress rules. */
export function effectivePolicyTypes(policy: KubeObject): Direction[] {
  const spec = record(policy.spec)
  if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) return spec.policyTypes.filter((type): type is Direction => type === 'Ingress' || type === 'Egress')
  return Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']
}

function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>> | undefined): boolean {
  try {
    return matchesLabels(labelSelectorFromObject(record(selector) as LabelSelectorObject), labels ?? {})
  } catch {
    // A selector the API server would have refused selects nothing.
    return false
  }
}

function isHostNetwork(pod: KubeObject): boolean {
  return record(pod.spec).hostNetwork === true
}

/** The policies that isolate `pod` for `direction`, sorted by namespace/name so the one named is stable. */
export function isolatingPolicies(view: ClusterNetworkView, pod: KubeObject, direction: Direction): KubeObject[] {
  if (isHostNetwork(pod)) return []
  return view.networkPolicies
    .filter((policy) => policy.metadata.namespace === pod.metadata.namespace && effectivePolicyTypes(policy).includes(direction) && selectorMatches(record(policy.spec).podSelector, pod.metadata.labels))
    .sort((left, right) => policyName(left).localeCompare(policyName(right)))
}

function policyName(policy: KubeObject): string {
  return `${policy.metadata.namespace}/${policy.metadata.name}`
}

/** Both directions: the source's egress, then the target's ingress. */
export function policyVerdict(view: ClusterNetworkView, from: PolicyEndpoint, to: PolicyTarget): PolicyVerdict {
  if (from.pod) {
    const policies = isolatingPolicies(view, from.pod, 'Egress')
    if (policies.length > 0 && !policies.some((policy) => records(record(policy.spec).egress).some((rule) => ruleAllows(view, policy, rule, 'to', to, to)))) return {allowed: false, deniedBy: policyName(policies[0]!)}
  }
  if (to.pod) {
    const policies = isolatingPolicies(view, to.pod, 'Ingress')
    if (policies.length > 0 && !policies.some((policy) => records(record(policy.spec).ingress).some((rule) => ruleAllows(view, policy, rule, 'from', from, to)))) return {allowed: false, deniedBy: policyName(policies[0]!)}
  }
  return {allowed: true}
}

/** One rule: its peers (absent or empty = everyone) and its ports (absent or empty = every port). */
function ruleAllows(view: ClusterNetworkView, policy: KubeObject, rule: Json, peersField: 'from' | 'to', peer: PolicyEndpoint, target: PolicyTarget): boolean {
  const peers = records(rule[peersField])
  const ports = records(rule.ports)
  const peerAllowed = peers.length === 0 || peers.some((entry) => peerMatches(view, policy, entry, peer))
  return peerAllowed && (ports.length === 0 || ports.some((entry) => portMatches(entry, target)))
}

function peerMatches(view: ClusterNetworkView, policy: KubeObject, peer: Json, endpoint: PolicyEndpoint): boolean {
  if (peer.ipBlock !== undefined) {
    const block = record(peer.ipBlock)
    const excepted = (Array.isArray(block.except) ? block.except : []).some((except) => typeof except === 'string' && cidrContains(except, endpoint.ip))
    return typeof block.cidr === 'string' && cidrContains(block.cidr, endpoint.ip) && !excepted
  }
  const pod = endpoint.pod
  if (!pod || isHostNetwork(pod)) return false
  const hasNamespaceSelector = peer.namespaceSelector !== undefined
  const hasPodSelector = peer.podSelector !== undefined
  if (!hasNamespaceSelector && !hasPodSelector) return false
  if (hasNamespaceSelector) {
    const namespace = view.namespaces.find((entry) => entry.metadata.name === pod.metadata.namespace)
    // Namespaces carry kubernetes.io/metadata.name, which policies commonly select on.
    const labels = {...(namespace?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': String(pod.metadata.namespace)}
    if (!selectorMatches(peer.namespaceSelector, labels)) return false
  } else if (pod.metadata.namespace !== policy.metadata.namespace) return false
  return !hasPodSelector || selectorMatches(peer.podSelector, pod.metadata.labels)
}

/** A port entry: protocol (TCP when unset), a number (with endPort, a range) or a name the target pod's containers declare. */
function portMatches(entry: Json, target: PolicyTarget): boolean {
  const protocol = typeof entry.protocol === 'string' ? entry.protocol : 'TCP'
  if (protocol.toUpperCase() !== target.protocol.toUpperCase()) return false
  if (entry.port === undefined) return true
  if (typeof entry.port === 'number') {
    const end = typeof entry.endPort === 'number' ? entry.endPort : entry.port
    return target.port >= entry.port && target.port <= end
  }
  if (typeof entry.port === 'string' && /^\d+$/.test(entry.port)) return Number(entry.port) === target.port
  return target.pod !== undefined && namedPortNumbers(target.pod, String(entry.port), protocol).includes(target.port)
}

function namedPortNumbers(pod: KubeObject, name: string, protocol: string): number[] {
  const containers = records(record(pod.spec).containers)
  return containers.flatMap((container) => records(container.ports))
    .filter((port) => port.name === name && String(port.protocol ?? 'TCP').toUpperCase() === protocol.toUpperCase())
    .map((port) => Number(port.containerPort))
}

function ipv4Number(text: string): number | null {
  const parts = text.split('.')
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return null
  return parts.reduce((sum, part) => sum * 256 + Number(part), 0)
}

/** Whether an IPv4 CIDR (`10.0.0.0/8`) holds the address; IPv6 blocks hold no IPv4 address. */
export function cidrContains(cidr: string, address: string): boolean {
  const [base, bitsText] = cidr.split('/')
  const network = ipv4Number(base ?? '')
  const host = ipv4Number(address)
  const bits = Number(bitsText)
  if (network === null || host === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false
  if (bits === 0) return true
  const size = 2 ** (32 - bits)
  return Math.floor(network / size) === Math.floor(host / size)
}

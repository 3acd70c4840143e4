// Every subresource the API server serves, declared once: how it is served, the verbs discovery
// lists for it, the kind it takes (with group and version when another group's), and whether
// kube-apiserver holds it open (its long-running check, which max-in-flight exempts). status and
// scale belong to any kind whose scheme entry has them (custom resources too); the others are
// kube-apiserver 1.32's for the core kinds (the scheme's `others` name which kinds have them).
import type {ResourceDefinition} from '../api/scheme.js'

/** How a subresource is answered (ResourceHandlers and VirtualResources dispatch on it). */
export type SubresourceServing =
  | 'status' | 'approval' | 'scale' | 'ephemeralcontainers' | 'finalize' | 'log' | 'exec'
  /** attach and portforward: a stream to the kubelet, which kubemu's containers do not offer. */
  | 'stream'
  /** Created and answered, never stored: a TokenRequest, a Binding, an Eviction. */
  | 'token' | 'binding' | 'eviction'
  /** Listed in discovery as kube-apiserver lists it, not served (proxy, resize): 404. */
  | 'unserved'

export interface Subresource {
  readonly serving: SubresourceServing
  readonly verbs: readonly string[]
  readonly kind?: string
  readonly group?: string
  readonly version?: string
  readonly longRunning?: boolean
}

const proxyVerbs = ['create', 'delete', 'get', 'head', 'options', 'patch', 'post', 'put']
const statusVerbs = ['get', 'patch', 'update']

const status: Subresource = {serving: 'status', verbs: statusVerbs}
const scale: Subresource = {serving: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: statusVerbs}

/** The built-in kinds' other subresources, by `resource/subresource`. */
const coreSubresources: Readonly<Record<string, Subresource>> = {
  'pods/attach': {serving: 'stream', kind: 'PodAttachOptions', verbs: ['create', 'get'], longRunning: true},
  'pods/binding': {serving: 'binding', kind: 'Binding', verbs: ['create']},
  'pods/ephemeralcontainers': {serving: 'ephemeralcontainers', verbs: statusVerbs},
  // kubectl drain evicts only when discovery names policy/v1 here; it deletes otherwise.
  'pods/eviction': {serving: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create']},
  'pods/exec': {serving: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'], longRunning: true},
  'pods/log': {serving: 'log', verbs: ['get'], longRunning: true},
  'pods/portforward': {serving: 'stream', kind: 'PodPortForwardOptions', verbs: ['create', 'get'], longRunning: true},
  'pods/proxy': {serving: 'unserved', kind: 'PodProxyOptions', verbs: proxyVerbs, longRunning: true},
  'pods/resize': {serving: 'unserved', verbs: statusVerbs},
  'nodes/proxy': {serving: 'unserved', kind: 'NodeProxyOptions', verbs: proxyVerbs, longRunning: true},
  'services/proxy': {serving: 'unserved', kind: 'ServiceProxyOptions', verbs: proxyVerbs, longRunning: true},
  'namespaces/finalize': {serving: 'finalize', verbs: ['update']},
  'certificatesigningrequests/approval': {serving: 'approval', verbs: statusVerbs},
  'serviceaccounts/token': {serving: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create']},
}

/** The subresource `name` of a kind, or null when the kind has none of that name. */
export function subresourceOf(definition: ResourceDefinition, name: string): Subresource | null {
  if (name === 'status') return definition.subresources.status ? status : null
  if (name === 'scale') return definition.subresources.scale ? scale : null
  if (!(definition.subresources.others ?? []).includes(name)) return null
  const declared = coreSubresources[`${definition.resource}/${name}`]
  if (!declared) throw new Error(`assertion failed: the scheme gives ${definition.resource} a subresource ${name} that the API server does not declare`)
  return declared
}

/** Every subresource name of a kind, sorted as discovery lists them. */
export function subresourceNames(definition: ResourceDefinition): string[] {
  return [...(definition.subresources.others ?? []), ...(definition.subresources.status ? ['status'] : []), ...(definition.subresources.scale ? ['scale'] : [])].sort()
}

/** Subresource names kube-apiserver's long-running check holds open, whatever the resource. */
export const longRunningSubresources: ReadonlySet<string> = new Set(Object.entries(coreSubresources).filter(([, entry]) => entry.longRunning).map(([key]) => key.split('/')[1]!))

/** Whether a request for this subresource is answered without being stored (VirtualResources). */
export function isVirtualSubresource(subresource: Subresource | null): boolean {
  return subresource?.serving === 'token' || subresource?.serving === 'binding' || subresource?.serving === 'eviction'
}

// What kube-proxy takes from Services and EndpointSlices: one entry per Service port that has a
// cluster IP (headless and ExternalName Services get no rules), with its ready endpoints from the
// EndpointSlices labelled for it, as kube-proxy's service and endpoint-slice caches hold them.
import type {KubeObject} from '../api/object.js'
import {endpointChainName, servicePortName} from './chain-names.js'

/** kube-proxy's default session-affinity timeout (ClientIPConfig.timeoutSeconds). */
export const sessionAffinityTimeoutSecondsDefault = 10_800

export interface ProxiedEndpoint {
  readonly ip: string
  readonly port: number
  /** `ip:port`, as kube-proxy names it in comments and hashes it into the KUBE-SEP chain. */
  readonly endpoint: string
  readonly chain: string
  readonly nodeName?: string
  readonly pod?: {readonly namespace: string; readonly name: string}
}

export interface ProxiedServicePort {
  readonly namespace: string
  readonly serviceName: string
  readonly portName: string
  /** `namespace/name[:port]`: comments and hashes. */
  readonly name: string
  /** Lower case, as iptables spells it. */
  readonly protocol: string
  readonly clusterIP: string
  readonly port: number
  readonly nodePort?: number
  readonly externalIPs: readonly string[]
  readonly loadBalancerIPs: readonly string[]
  readonly loadBalancerSourceRanges: readonly string[]
  /** ClientIP affinity's timeout, when the Service has it. */
  readonly affinitySeconds?: number
  readonly internalPolicyLocal: boolean
  readonly externalPolicyLocal: boolean
  /** Ready endpoints, sorted by `ip:port`. */
  readonly endpoints: readonly ProxiedEndpoint[]
}

type ServiceSpec = {
  type?: string
  clusterIP?: string
  ports?: Array<{name?: string; port: number; protocol?: string; nodePort?: number}>
  externalIPs?: string[]
  loadBalancerSourceRanges?: string[]
  sessionAffinity?: string
  sessionAffinityConfig?: {clientIP?: {timeoutSeconds?: number}}
  internalTrafficPolicy?: string
  externalTrafficPolicy?: string
}
type SliceEndpoint = {addresses?: string[]; conditions?: {ready?: boolean}; nodeName?: string; targetRef?: {kind?: string; namespace?: string; name?: string}}
type Slice = KubeObject & {addressType?: string; endpoints?: SliceEndpoint[]; ports?: Array<{name?: string; port?: number; protocol?: string}>}

/** Whether a Service gets rules at all: a cluster IP that is set and not `None`, and not ExternalName. */
export function isProxied(service: KubeObject): boolean {
  const spec = (service.spec ?? {}) as ServiceSpec
  return spec.type !== 'ExternalName' && !!spec.clusterIP && spec.clusterIP !== 'None'
}

/** Every proxied Service port of the cluster, sorted by service port name (one order on every call). */
export function proxiedServicePorts(services: readonly KubeObject[], endpointSlices: readonly KubeObject[]): ProxiedServicePort[] {
  const slicesByService = new Map<string, Slice[]>()
  for (const slice of endpointSlices as readonly Slice[]) {
    const service = slice.metadata.labels?.['kubernetes.io/service-name']
    if (!service || (slice.addressType ?? 'IPv4') !== 'IPv4') continue
    const key = `${slice.metadata.namespace}/${service}`
    slicesByService.set(key, [...(slicesByService.get(key) ?? []), slice])
  }
  const ports: ProxiedServicePort[] = []
  for (const service of services) {
    if (!isProxied(service)) continue
    const spec = service.spec as ServiceSpec
    const namespace = String(service.metadata.namespace)
    const serviceName = String(service.metadata.name)
    const loadBalancerIPs = ((service.status as {loadBalancer?: {ingress?: Array<{ip?: string}>}} | undefined)?.loadBalancer?.ingress ?? []).flatMap((ingress) => (ingress.ip ? [ingress.ip] : []))
    const externallyReached = spec.type === 'NodePort' || spec.type === 'LoadBalancer'
    for (const port of spec.ports ?? []) {
      const portName = port.name ?? ''
      const protocol = (port.protocol ?? 'TCP').toLowerCase()
      const name = servicePortName(namespace, serviceName, portName)
      const endpoints = new Map<string, ProxiedEndpoint>()
      for (const slice of slicesByService.get(`${namespace}/${serviceName}`) ?? []) {
        const slicePort = (slice.ports ?? []).find((candidate) => (candidate.name ?? '') === portName && (candidate.protocol ?? 'TCP').toLowerCase() === protocol)
        if (!slicePort?.port) continue
        for (const endpoint of slice.endpoints ?? []) {
          const ip = endpoint.addresses?.[0]
          // kube-proxy treats a missing ready condition as ready.
          if (!ip || endpoint.conditions?.ready === false) continue
          const text = `${ip}:${slicePort.port}`
          const target = endpoint.targetRef?.kind === 'Pod' && endpoint.targetRef.name ? {pod: {namespace: endpoint.targetRef.namespace ?? namespace, name: endpoint.targetRef.name}} : {}
          endpoints.set(text, {ip, port: slicePort.port, endpoint: text, chain: endpointChainName(name, protocol, text), ...(endpoint.nodeName ? {nodeName: endpoint.nodeName} : {}), ...target})
        }
      }
      ports.push({
        namespace,
        serviceName,
        portName,
        name,
        protocol,
        clusterIP: spec.clusterIP!,
        port: port.port,
        ...(externallyReached && port.nodePort ? {nodePort: port.nodePort} : {}),
        externalIPs: spec.externalIPs ?? [],
        loadBalancerIPs: spec.type === 'LoadBalancer' ? loadBalancerIPs : [],
        loadBalancerSourceRanges: spec.loadBalancerSourceRanges ?? [],
        ...(spec.sessionAffinity === 'ClientIP' ? {affinitySeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? sessionAffinityTimeoutSecondsDefault} : {}),
        internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
        externalPolicyLocal: spec.externalTrafficPolicy === 'Local',
        endpoints: [...endpoints.values()].sort((a, b) => compareEndpoints(a.endpoint, b.endpoint)),
      })
    }
  }
  return ports.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0))
}

function compareEndpoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Whether the port is reached from outside (kube-proxy's ExternallyAccessible). */
export function externallyAccessible(port: ProxiedServicePort): boolean {
  return port.nodePort !== undefined || port.externalIPs.length > 0 || port.loadBalancerIPs.length > 0
}

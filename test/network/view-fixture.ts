// Small ClusterNetworkViews built by hand, as the API server would hold them.
import type {KubeObject} from '../../src/core/api/object.js'
import type {ClusterNetworkView} from '../../src/core/network/types.js'

export const fixtureNowMilliseconds = Date.parse('2026-01-01T00:00:00Z')

export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return {apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels: {'kubernetes.io/metadata.name': name, ...labels}}}
}

export interface PodOptions {
  namespace?: string
  labels?: Record<string, string>
  ip?: string
  image?: string
  command?: string[]
  args?: string[]
  ports?: Array<{containerPort: number; name?: string; protocol?: string}>
  phase?: string
  startedAt?: string
  spec?: Record<string, unknown>
}

export function pod(name: string, options: PodOptions = {}): KubeObject {
  const container: Record<string, unknown> = {name: 'main', image: options.image ?? 'busybox'}
  if (options.command) container.command = options.command
  if (options.args) container.args = options.args
  if (options.ports) container.ports = options.ports
  const running = options.phase === undefined || options.phase === 'Running'
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name, namespace: options.namespace ?? 'default', labels: options.labels ?? {}},
    spec: {containers: [container], nodeName: 'worker-1', ...(options.spec ?? {})},
    status: {
      phase: options.phase ?? 'Running',
      podIP: options.ip ?? '10.244.1.5',
      containerStatuses: [{name: 'main', ready: running, state: running ? {running: {startedAt: options.startedAt ?? '2026-01-01T00:00:00Z'}} : {waiting: {reason: 'ContainerCreating'}}}],
    },
  }
}

export function service(name: string, spec: Record<string, unknown>, namespaceName = 'default'): KubeObject {
  return {apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: namespaceName}, spec: {type: 'ClusterIP', ...spec}}
}

export function endpointSlice(serviceName: string, endpoints: Array<{ip: string; ready?: boolean; pod?: string; hostname?: string}>, ports: Array<{name?: string; port: number; protocol?: string}>, namespaceName = 'default'): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {name: `${serviceName}-abcde`, namespace: namespaceName, labels: {'kubernetes.io/service-name': serviceName}},
    addressType: 'IPv4',
    endpoints: endpoints.map((entry) => ({
      addresses: [entry.ip],
      conditions: {ready: entry.ready ?? true},
      ...(entry.hostname ? {hostname: entry.hostname} : {}),
      ...(entry.pod ? {targetRef: {kind: 'Pod', namespace: namespaceName, name: entry.pod}} : {}),
    })),
    ports: ports.map((port) => ({name: port.name ?? '', port: port.port, protocol: port.protocol ?? 'TCP'})),
  }
}

/** kube-dns with one ready CoreDNS endpoint, so cluster DNS answers. */
export function kubeDns(): KubeObject[] {
  return [
    service('kube-dns', {clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{name: 'dns', port: 53, protocol: 'UDP'}, {name: 'dns-tcp', port: 53, protocol: 'TCP'}, {name: 'metrics', port: 9153, protocol: 'TCP'}]}, 'kube-system'),
    endpointSlice('kube-dns', [{ip: '10.244.0.2'}], [{name: 'dns', port: 53, protocol: 'UDP'}], 'kube-system'),
  ]
}

export function view(objects: KubeObject[], extra: Partial<ClusterNetworkView> = {}): ClusterNetworkView {
  const of = (kind: string) => objects.filter((object) => object.kind === kind)
  return {
    services: of('Service'),
    endpointSlices: of('EndpointSlice'),
    pods: of('Pod'),
    nodes: of('Node'),
    namespaces: of('Namespace').length > 0 ? of('Namespace') : ['default', 'kube-system', 'other'].map((name) => namespace(name)),
    networkPolicies: of('NetworkPolicy'),
    clusterDomain: 'cluster.local',
    nowMilliseconds: fixtureNowMilliseconds,
    ...extra,
  }
}

// What a real control plane writes to an empty etcd when it first starts, written through the
// API server itself (so defaulting, allocation and validation apply): the four system
// namespaces, the bootstrap RBAC policy, the system PriorityClasses, the nodes, their default
// ServiceAccounts and the `kubernetes` Service with its endpoints. Every step is idempotent; the
// `kubernetes` Endpoints object, written last, marks a finished bootstrap.
import {formatTimestamp} from '../api/object.js'
import {defaultMasters} from '../host/masters.js'
import {type ApiServer} from './apiserver.js'
import {apiServerUser} from './authentication/user.js'
import {bootstrapClusterRoleBindings, bootstrapClusterRoles} from './authorization/bootstrap-policy.js'
import {changeRange, nodePortRangeDescription} from './range-allocation.js'
import type {HttpMethod} from './request.js'

export const bootstrapMarkerKey = '/registry/services/endpoints/default/kubernetes'
export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const
export const apiServerAddress = '172.18.0.2'
export const apiServerSecurePort = 6443
export const kubernetesVersion = 'v1.32.0'

export interface NodeDefinition {
  readonly name: string
  readonly cpu: string
  readonly memory: string
  readonly pods: string
  readonly labels: Readonly<Record<string, string>>
  readonly taints: ReadonlyArray<{key: string; value?: string; effect: string}>
  readonly address: string
  readonly podCidr: string
}

export const controlPlaneTaint = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}

/** A master's node labels, as kubeadm marks a control-plane node. */
export const controlPlaneLabels: Readonly<Record<string, string>> = {'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': ''}

/** The default cluster's workers. */
export const defaultWorkers = ['worker-1', 'worker-2', 'worker-3'] as const

/**
 * The default cluster's nodes (4 CPUs, 8Gi, 110 pods each): the masters' tainted control-plane
 * nodes, then the workers, numbered in the order kind's nodes join (the first control plane,
 * the other control planes, the workers): addresses from 172.18.0.2, pod CIDRs from 10.244.0.0/24.
 */
export function defaultNodes(): NodeDefinition[] {
  const node = (name: string, index: number, labels: Record<string, string> = {}, taints: NodeDefinition['taints'] = []): NodeDefinition => ({
    name,
    cpu: '4',
    memory: '8Gi',
    pods: '110',
    labels,
    taints,
    address: `172.18.0.${index + 2}`,
    podCidr: `10.244.${index}.0/24`,
  })
  return [
    ...defaultMasters.map((master, index) => node(master.node, index, {...controlPlaneLabels}, [controlPlaneTaint])),
    ...defaultWorkers.map((name, index) => node(name, defaultMasters.length + index)),
  ]
}

/** A healthy kubelet's node conditions: type → [status, reason, message]. */
export const healthyNodeConditions: Readonly<Record<string, readonly [string, string, string]>> = {
  MemoryPressure: ['False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  DiskPressure: ['False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  PIDPressure: ['False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  Ready: ['True', 'KubeletReady', 'kubelet is posting ready status'],
}

export function nodeObject(definition: NodeDefinition, nowMilliseconds: number): Record<string, unknown> {
  const now = formatTimestamp(nowMilliseconds)
  const resources = {cpu: definition.cpu, memory: definition.memory, pods: definition.pods}
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: definition.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': definition.name,
        'kubernetes.io/os': 'linux',
        ...definition.labels,
      },
      annotations: {'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true'},
    },
    spec: {podCIDR: definition.podCidr, podCIDRs: [definition.podCidr], ...(definition.taints.length > 0 ? {taints: definition.taints} : {})},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: Object.entries(healthyNodeConditions).map(([type, [status, reason, message]]) => ({type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message})),
      addresses: [
        {type: 'InternalIP', address: definition.address},
        {type: 'Hostname', address: definition.name},
      ],
      daemonEndpoints: {kubeletEndpoint: {Port: 10250}},
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '6.1.0-kubemu',
        osImage: 'kubemu simulated node',
        containerRuntimeVersion: 'kubemu://1.0.0',
        kubeletVersion: kubernetesVersion,
        kubeProxyVersion: kubernetesVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  }
}

export class BootstrapError extends Error {
  constructor(step: string, status: number, message: string) {
    super(`bootstrapping the cluster failed at ${step}: ${status} ${message}`)
    this.name = 'BootstrapError'
  }
}

/** Writes the bootstrap objects that are missing; true when anything had to be written. */
export async function ensureBootstrapped(api: ApiServer, nowMilliseconds: number, nodes: readonly NodeDefinition[] = defaultNodes()): Promise<boolean> {
  if ((await api.registry.store.get(bootstrapMarkerKey)).object) return false
  const request = async (method: HttpMethod, path: string, body: unknown, step: string) => {
    const response = await api.handle({method, path, body: JSON.stringify(body), headers: {'content-type': 'application/json'}, user: apiServerUser})
    // An object a previous, interrupted bootstrap already wrote is fine.
    if (response.status >= 300 && response.status !== 409) {
      const message = (response.body as {message?: string} | null)?.message ?? ''
      throw new BootstrapError(step, response.status, message)
    }
  }
  for (const name of systemNamespaces) {
    await request('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}}, `namespace ${name}`)
  }
  for (const role of bootstrapClusterRoles()) {
    await request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', role, `clusterrole ${role.metadata.name}`)
  }
  for (const binding of bootstrapClusterRoleBindings()) {
    await request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', binding, `clusterrolebinding ${binding.metadata.name}`)
  }
  for (const [name, value] of [['system-node-critical', 2000001000], ['system-cluster-critical', 2000000000]] as const) {
    const description = name === 'system-node-critical' ? 'Used for system critical pods that must not be moved from their current node.' : 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'
    await request('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: {name}, value, description}, `priorityclass ${name}`)
  }
  for (const node of nodes) await request('POST', '/api/v1/nodes', nodeObject(node, nowMilliseconds), `node ${node.name}`)
  for (const namespace of systemNamespaces) {
    await request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'default'}}, `serviceaccount ${namespace}/default`)
  }
  // The node port range exists from the start, as kube-apiserver's repair loop writes it.
  if (!(await api.registry.store.get(nodePortRangeDescription.key)).object) await changeRange(api.registry.store, nodePortRangeDescription, () => true)
  await request('POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'kubernetes', labels: {component: 'apiserver', provider: 'kubernetes'}},
    spec: {clusterIP: '10.96.0.1', ports: [{name: 'https', port: 443, protocol: 'TCP', targetPort: apiServerSecurePort}]},
  }, 'service default/kubernetes')
  const port = {name: 'https', port: apiServerSecurePort, protocol: 'TCP'}
  await request('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {name: 'kubernetes', labels: {'kubernetes.io/service-name': 'kubernetes'}},
    addressType: 'IPv4',
    endpoints: [{addresses: [apiServerAddress], conditions: {ready: true}}],
    ports: [port],
  }, 'endpointslice default/kubernetes')
  await request('POST', '/api/v1/namespaces/default/endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {name: 'kubernetes', labels: {'endpointslice.kubernetes.io/skip-mirror': 'true'}},
    subsets: [{addresses: [{ip: apiServerAddress}], ports: [port]}],
  }, 'endpoints default/kubernetes')
  return true
}

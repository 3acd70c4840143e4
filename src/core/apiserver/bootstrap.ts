// What a real control plane writes to an empty etcd when it first starts, written through the
// API server itself (so defaulting, allocation and validation apply): the four system
// namespaces, the bootstrap RBAC policy, the system PriorityClasses, the nodes, their default
// ServiceAccounts and the `kubernetes` Service with its endpoints. Every step is idempotent; the
// `kubernetes` Endpoints object, written last, marks a finished bootstrap.
import {forEachConcurrently} from '../util/concurrency.js'
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {defaultMasters} from '../api/masters.js'
import {autoregisteredApiServiceObjects} from './api-services.js'
import {coreDnsAddonObjects} from './addons/coredns.js'
import {localPathStorageObjects} from './addons/local-path-storage.js'
import {kubeProxyAddonObjects} from './addons/kube-proxy.js'
import {certificateApprovalBindingObjects} from './addons/certificate-approval-bindings.js'
import {type ApiServer} from './apiserver.js'
import {apiServerUser} from './authentication/user.js'
import {bootstrapClusterRoleBindings, bootstrapClusterRoles} from './authorization/bootstrap-policy.js'
import {changeRange, nodePortRangeDescription} from './range-allocation.js'
import {objectKey} from './keys.js'
import {apiServerAddress, apiServerSecurePort, type BootstrapObject, kubernetesVersion} from './bootstrap-object.js'

export const bootstrapMarkerKey = '/registry/services/endpoints/default/kubernetes'
export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const

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

export function nodeObject(definition: NodeDefinition, nowMilliseconds: number): KubeObject {
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
  constructor(
    readonly step: string,
    readonly status: number,
    readonly serverMessage: string,
  ) {
    super(`bootstrapping the cluster failed at ${step}: ${status} ${serverMessage}`)
    this.name = 'BootstrapError'
  }
}

function nameOf(object: BootstrapObject): string {
  return object.body.metadata?.name ?? ''
}

export function systemNamespaceObjects(): BootstrapObject[] {
  return systemNamespaces.map((name) => ({group: '', resource: 'namespaces', namespace: '', body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name}}}))
}

/** The bootstrap RBAC policy: ClusterRoles, then their ClusterRoleBindings. */
export function bootstrapPolicyObjects(): BootstrapObject[] {
  return [
    ...bootstrapClusterRoles().map((role) => ({group: 'rbac.authorization.k8s.io', resource: 'clusterroles', namespace: '', body: role})),
    ...bootstrapClusterRoleBindings().map((binding) => ({group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', namespace: '', body: binding})),
  ]
}

export function systemPriorityClassObjects(): BootstrapObject[] {
  return ([['system-node-critical', 2000001000], ['system-cluster-critical', 2000000000]] as const).map(([name, value]) => {
    const description = name === 'system-node-critical' ? 'Used for system critical pods that must not be moved from their current node.' : 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'
    return {group: 'scheduling.k8s.io', resource: 'priorityclasses', namespace: '', body: {apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: {name}, value, description}}
  })
}

/**
 * The `kubernetes` Service in default, its EndpointSlice and its Endpoints (last: the bootstrap
 * marker), listing the API servers at `addresses` (the lease reconciler's, bootstrap-endpoints.ts).
 */
export function kubernetesServiceObjects(addresses: readonly string[] = [apiServerAddress]): BootstrapObject[] {
  const port = {name: 'https', port: apiServerSecurePort, protocol: 'TCP'}
  const inDefault = (group: string, resource: string, body: BootstrapObject['body']): BootstrapObject => ({group, resource, namespace: 'default', body})
  return [
    inDefault('', 'services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: 'kubernetes', labels: {component: 'apiserver', provider: 'kubernetes'}},
      spec: {clusterIP: '10.96.0.1', ports: [{name: 'https', port: 443, protocol: 'TCP', targetPort: apiServerSecurePort}]},
    }),
    inDefault('discovery.k8s.io', 'endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {name: 'kubernetes', labels: {'kubernetes.io/service-name': 'kubernetes'}},
      addressType: 'IPv4',
      endpoints: addresses.map((address) => ({addresses: [address], conditions: {ready: true}})),
      ports: [port],
    }),
    inDefault('', 'endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {name: 'kubernetes', labels: {'endpointslice.kubernetes.io/skip-mirror': 'true'}},
      subsets: [{addresses: addresses.map((ip) => ({ip})), ports: [port]}],
    }),
  ]
}

/** A BootstrapObject's name as kubectl shows it: `namespace kube-system`, `service default/kubernetes`. */
export function describeBootstrapObject(object: BootstrapObject): string {
  const kind = String(object.body.kind ?? object.resource).toLowerCase()
  return `${kind} ${object.namespace ? `${object.namespace}/` : ''}${nameOf(object)}`
}

/**
 * How many of a bootstrap step's creates run at once. kube-apiserver's post-start hooks write side
 * by side too; here it lets Raft carry a batch of creates in one round (one append and fsync per
 * member) instead of one round each: a fresh cluster's 240-odd writes took twice the CPU one by one.
 */
export const bootstrapCreatesInFlightMax = 16

/**
 * Creates the objects whose key is missing (an object written meanwhile is fine), up to
 * `bootstrapCreatesInFlightMax` at once, so objects that need others come in a later call; returns
 * those it created, in the given order. A refusal stops the step with a BootstrapError once the
 * creates under way have ended.
 */
export async function ensureObjects(api: ApiServer, objects: readonly BootstrapObject[]): Promise<BootstrapObject[]> {
  const created = new Set<BootstrapObject>()
  await forEachConcurrently(objects, bootstrapCreatesInFlightMax, async (object) => {
    const definition = api.scheme.preferredResource(object.group, object.resource)
    if (!definition) throw new BootstrapError(describeBootstrapObject(object), 404, `the server does not serve ${object.resource}`)
    if ((await api.registry.store.get(objectKey(definition, object.namespace, nameOf(object)))).object) return
    const base = definition.group ? `/apis/${definition.group}/${definition.version}` : `/api/${definition.version}`
    const path = `${base}${object.namespace ? `/namespaces/${object.namespace}` : ''}/${definition.resource}`
    const response = await api.handle({method: 'POST', path, body: JSON.stringify(object.body), headers: {'content-type': 'application/json'}, user: apiServerUser})
    if (response.status === 409) return
    if (response.status >= 300) throw new BootstrapError(describeBootstrapObject(object), response.status, (response.body as {message?: string} | null)?.message ?? '')
    created.add(object)
  })
  return objects.filter((object) => created.has(object))
}

/** The node port range exists from the start, as kube-apiserver's repair loop writes it; true when it was missing. */
export async function ensureNodePortRange(api: ApiServer): Promise<boolean> {
  if ((await api.registry.store.get(nodePortRangeDescription.key)).object) return false
  await changeRange(api.registry.store, nodePortRangeDescription, () => true)
  return true
}

/** Writes the bootstrap objects that are missing; true when anything had to be written. */
export async function ensureBootstrapped(api: ApiServer, nowMilliseconds: number, nodes: readonly NodeDefinition[] = defaultNodes()): Promise<boolean> {
  if ((await api.registry.store.get(bootstrapMarkerKey)).object) return false
  // The namespaces first: namespaced objects are refused in a namespace that does not exist.
  await ensureObjects(api, systemNamespaceObjects())
  await ensureObjects(api, [...bootstrapPolicyObjects(), ...systemPriorityClassObjects()])
  await ensureObjects(api, autoregisteredApiServiceObjects())
  await ensureObjects(api, coreDnsAddonObjects())
  await ensureObjects(api, localPathStorageObjects())
  await ensureObjects(api, kubeProxyAddonObjects())
  await ensureObjects(api, certificateApprovalBindingObjects())
  await ensureObjects(api, nodes.map((node) => ({group: '', resource: 'nodes', namespace: '', body: nodeObject(node, nowMilliseconds)})))
  await ensureObjects(api, systemNamespaces.map((namespace) => ({group: '', resource: 'serviceaccounts', namespace, body: {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'default'}}})))
  await ensureNodePortRange(api)
  try {
    await ensureObjects(api, kubernetesServiceObjects())
  } catch (error) {
    // The API server serves without it, as kube-apiserver does: its kubernetes service
    // controller (bootstrap-controller.ts) tries again, e.g. once the allocator's repair has
    // released the cluster IP a Service deleted through etcd still holds.
    if (!(error instanceof BootstrapError)) throw error
    return false
  }
  return true
}

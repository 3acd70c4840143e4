// The printers of cluster and configuration kinds (kube's pkg/printers/internalversion): nodes,
// namespaces, services, endpoints and slices, config maps, secrets, service accounts, events,
// leases, priority classes, RBAC, quotas, limit ranges, disruption budgets and claims.
import {formatLabels} from '../../api/field-text.js'
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import {age, ageColumn, column, nameColumn, type Printer, since} from './table.js'

type Json = Record<string, unknown>
const record = (value: unknown): Json => (isJsonObject(value) ? value : {})
const createdAtColumn = column('Created At', 'date', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.')
const createdAt = (object: KubeObject) => object.metadata.creationTimestamp ?? null

export const nodePrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', 0, 'The status of the node'),
    column('Roles', 'string', 0, 'The roles of the node'),
    ageColumn,
    column('Version', 'string', 0, 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', 1, 'List of addresses reachable to the node. Queried from cloud provider, if available.'),
    column('External-IP', 'string', 1, 'List of addresses reachable to the node. Queried from cloud provider, if available.'),
    column('OS-Image', 'string', 1, 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
    column('Kernel-Version', 'string', 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    column('Container-Runtime', 'string', 1, 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
  ],
  row: (object, now) => {
    const status = record(object.status)
    const ready = objects(status.conditions).find((condition) => condition.type === 'Ready')
    const states = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady']
    if (record(object.spec).unschedulable === true) states.push('SchedulingDisabled')
    const roles = new Set<string>()
    for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
      if (key.startsWith('node-role.kubernetes.io/') && key.length > 'node-role.kubernetes.io/'.length) roles.add(key.slice('node-role.kubernetes.io/'.length))
      else if (key === 'kubernetes.io/role' && value.length > 0) roles.add(value)
    }
    const address = (type: string) => objects(status.addresses).find((entry) => entry.type === type)?.address
    const info = record(status.nodeInfo)
    return [
      object.metadata.name ?? '',
      states.join(','),
      roles.size === 0 ? '<none>' : [...roles].sort().join(','),
      age(object, now),
      str(info.kubeletVersion),
      String(address('InternalIP') ?? '<none>'),
      String(address('ExternalIP') ?? '<none>'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ]
  },
}

export const namespacePrinter: Printer = {
  columns: [nameColumn, column('Status', 'string', 0, 'The status of the namespace'), ageColumn],
  row: (object, now) => [object.metadata.name ?? '', str(record(object.status).phase), age(object, now)],
}

function serviceExternalIp(spec: Json, status: Json): string {
  const external = Array.isArray(spec.externalIPs) ? spec.externalIPs.map(String) : []
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>'
    case 'LoadBalancer': {
      const ingress = objects(record(status.loadBalancer).ingress).map((entry) => str(entry.ip) || str(entry.hostname)).filter((entry) => entry.length > 0)
      const all = [...ingress, ...external]
      return all.length > 0 ? all.join(',') : '<pending>'
    }
    case 'ExternalName':
      return str(spec.externalName)
    default:
      return '<unknown>'
  }
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn,
    column('Type', 'string', 0, 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'string', 0, 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'string', 0, 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 0, 'The list of ports that are exposed by this service.'),
    ageColumn,
    column('Selector', 'string', 1, 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  row: (object, now) => {
    const spec = record(object.spec)
    const ports = objects(spec.ports).map((port) => (typeof port.nodePort === 'number' && port.nodePort > 0 ? `${port.port}:${port.nodePort}/${str(port.protocol)}` : `${port.port}/${str(port.protocol)}`))
    return [
      object.metadata.name ?? '',
      str(spec.type),
      str(spec.clusterIP) || '<none>',
      serviceExternalIp(spec, record(object.status)),
      ports.length > 0 ? ports.join(',') : '<none>',
      age(object, now),
      formatLabels(spec.selector),
    ]
  },
}

/** formatEndpoints: up to three ip:port pairs, then "+ N more...". */
function formatAddresses(pairs: readonly string[]): string {
  if (pairs.length === 0) return '<none>'
  const shown = pairs.slice(0, 3).join(',')
  return pairs.length > 3 ? `${shown} + ${pairs.length - 3} more...` : shown
}

export const endpointsPrinter: Printer = {
  columns: [nameColumn, column('Endpoints', 'string', 0, 'Endpoints of the service'), ageColumn],
  row: (object, now) => {
    const pairs: string[] = []
    for (const subset of objects(object.subsets)) {
      const ports = objects(subset.ports)
      for (const address of objects(subset.addresses)) {
        if (ports.length === 0) pairs.push(str(address.ip))
        for (const port of ports) pairs.push(`${str(address.ip)}:${String(port.port)}`)
      }
    }
    return [object.metadata.name ?? '', formatAddresses(pairs), age(object, now)]
  },
}

export const endpointSlicePrinter: Printer = {
  columns: [nameColumn, column('AddressType', 'string', 0, 'The IP protocol for this slice'), column('Ports', 'string', 0, 'The ports for this slice'), column('Endpoints', 'string', 0, 'First 3 endpoints of this slice'), ageColumn],
  row: (object, now) => {
    const ports = objects(object.ports).map((port) => String(port.port ?? ''))
    const addresses = objects(object.endpoints).flatMap((endpoint) => (Array.isArray(endpoint.addresses) ? endpoint.addresses.map(String) : []))
    const endpoints = addresses.length === 0 ? '<unset>' : addresses.length > 3 ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...` : addresses.join(',')
    return [object.metadata.name ?? '', str(object.addressType), ports.length > 0 ? ports.join(',') : '<unset>', endpoints, age(object, now)]
  },
}

const keys = (value: unknown) => (isJsonObject(value) ? Object.keys(value).length : 0)

export const configMapPrinter: Printer = {
  columns: [nameColumn, column('Data', 'integer', 0, 'Data contains the configuration data.'), ageColumn],
  row: (object, now) => [object.metadata.name ?? '', keys(object.data) + keys(object.binaryData), age(object, now)],
}

export const secretPrinter: Printer = {
  columns: [nameColumn, column('Type', 'string', 0, 'Used to facilitate programmatic handling of secret data.'), column('Data', 'integer', 0, 'Data contains the secret data.'), ageColumn],
  row: (object, now) => [object.metadata.name ?? '', str(object.type), keys(object.data), age(object, now)],
}

export const serviceAccountPrinter: Printer = {
  columns: [nameColumn, column('Secrets', 'integer', 0, 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageColumn],
  row: (object, now) => [object.metadata.name ?? '', Array.isArray(object.secrets) ? object.secrets.length : 0, age(object, now)],
}

export const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'string', 0, 'The last time that the event was seen.'),
    column('Type', 'string', 0, 'Type of this event (Normal, Warning), new types could be added in the future.'),
    column('Reason', 'string', 0, 'This should be a short, machine understandable string that gives the reason for this event being generated.'),
    column('Object', 'string', 0, 'The object that this event is about.'),
    column('Subobject', 'string', 1, 'The subobject that this event is about.'),
    column('Source', 'string', 1, 'The component reporting this event. Should be a short machine understandable string.'),
    column('Message', 'string', 0, 'A human-readable description of the status of this operation.'),
    column('First Seen', 'string', 1, 'The first time that the event was seen.'),
    column('Count', 'integer', 1, 'The number of times this event has occurred.'),
    {...nameColumn, priority: 1},
  ],
  row: (object, now) => {
    const involved = record(object.involvedObject)
    const series = record(object.series)
    const last = typeof series.lastObservedTime === 'string' ? series.lastObservedTime : typeof object.lastTimestamp === 'string' ? object.lastTimestamp : object.eventTime
    const first = typeof object.firstTimestamp === 'string' ? object.firstTimestamp : object.eventTime
    const source = record(object.source)
    const sourceText = str(source.host).length > 0 ? `${str(source.component)}, ${str(source.host)}` : str(source.component) || str(object.reportingComponent)
    return [
      since(last, now),
      str(object.type),
      str(object.reason),
      `${str(involved.kind).toLowerCase()}/${str(involved.name)}`,
      str(involved.fieldPath),
      sourceText,
      str(object.message),
      since(first, now),
      typeof object.count === 'number' ? object.count : 1,
      object.metadata.name ?? '',
    ]
  },
}

export const leasePrinter: Printer = {
  columns: [nameColumn, column('Holder', 'string', 0, 'The holder of a lease.'), ageColumn],
  row: (object, now) => [object.metadata.name ?? '', str(record(object.spec).holderIdentity), age(object, now)],
}

export const priorityClassPrinter: Printer = {
  columns: [nameColumn, column('Value', 'integer', 0, 'The value of this priority class.'), column('Global-Default', 'boolean', 0, 'globalDefault specifies whether this PriorityClass should be considered as the default priority.'), ageColumn, column('PreemptionPolicy', 'string', 0, 'preemptionPolicy is the Policy for preempting pods with lower priority.')],
  row: (object, now) => [object.metadata.name ?? '', typeof object.value === 'number' ? object.value : 0, object.globalDefault === true, age(object, now), str(object.preemptionPolicy)],
}

export const rolePrinter: Printer = {columns: [nameColumn, createdAtColumn], row: (object) => [object.metadata.name ?? '', createdAt(object)]}

export const roleBindingPrinter: Printer = {
  columns: [
    nameColumn,
    column('Role', 'string', 0, 'Role the binding refers to'),
    ageColumn,
    column('Users', 'string', 1, 'Users in the binding'),
    column('Groups', 'string', 1, 'Groups in the binding'),
    column('ServiceAccounts', 'string', 1, 'ServiceAccounts in the binding'),
  ],
  row: (object, now) => {
    const roleRef = record(object.roleRef)
    const subjects = objects(object.subjects)
    const named = (kind: string) => subjects.filter((subject) => subject.kind === kind).map((subject) => (kind === 'ServiceAccount' ? `${str(subject.namespace)}/${str(subject.name)}` : str(subject.name))).join(', ')
    return [object.metadata.name ?? '', `${str(roleRef.kind)}/${str(roleRef.name)}`, age(object, now), named('User'), named('Group'), named('ServiceAccount')]
  },
}

function quotaUsage(object: KubeObject, limits: boolean): string {
  const status = record(object.status)
  const hard = record(status.hard)
  const used = record(status.used)
  return Object.keys(hard)
    .filter((name) => name.startsWith('limits.') === limits)
    .sort()
    .map((name) => `${name}: ${String(used[name] ?? '0')}/${String(hard[name])}`)
    .join(', ')
}

export const resourceQuotaPrinter: Printer = {
  columns: [nameColumn, ageColumn, column('Request', 'string', 0, 'Request represents a minimum amount of cpu/memory that a container may consume.'), column('Limit', 'string', 0, 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.')],
  row: (object, now) => [object.metadata.name ?? '', age(object, now), quotaUsage(object, false), quotaUsage(object, true)],
}

export const limitRangePrinter: Printer = {columns: [nameColumn, createdAtColumn], row: (object) => [object.metadata.name ?? '', createdAt(object)]}

export const podDisruptionBudgetPrinter: Printer = {
  columns: [nameColumn, column('Min Available', 'string', 0, 'The minimum number of pods that must be available simultaneously.  This can be either an integer or percentage.'), column('Max Unavailable', 'string', 0, 'The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or percentage.'), column('Allowed Disruptions', 'integer', 0, 'Calculated number of pods that may be disrupted at this time.'), ageColumn],
  row: (object, now) => {
    const spec = record(object.spec)
    const text = (value: unknown) => (value === undefined || value === null ? 'N/A' : String(value))
    return [object.metadata.name ?? '', text(spec.minAvailable), text(spec.maxUnavailable), typeof record(object.status).disruptionsAllowed === 'number' ? (record(object.status).disruptionsAllowed as number) : 0, age(object, now)]
  },
}

/** A ComponentStatus: its Healthy condition (Unknown without one), with the probe's message and error. */
export const componentStatusPrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', 0, 'Status of the component conditions'),
    column('Message', 'string', 0, 'Message of the component conditions'),
    column('Error', 'string', 0, 'Error of the component conditions'),
  ],
  row: (object) => {
    const healthy = objects(record(object).conditions).find((condition) => condition.type === 'Healthy')
    const status = healthy === undefined ? 'Unknown' : healthy.status === 'True' ? 'Healthy' : 'Unhealthy'
    return [object.metadata.name ?? '', status, str(healthy?.message), str(healthy?.error)]
  },
}

// What an object counts against a ResourceQuota, as kube's quota evaluators count it: object
// counts (pods, services, count/deployments.apps, …), pod compute requests and limits (terminal
// pods count nothing), and the node ports and load balancers of Services. Shared by the
// ResourceQuota admission plugin and the resourcequota controller.
import {isJsonObject, type KubeObject} from './object.js'
import {addQuantities, compareQuantities, formatQuantity, parseQuantity, type Quantity, QuantityError, zeroQuantity} from './quantity.js'

export type Usage = Map<string, Quantity>

const unit = (count: number): Quantity => ({nanos: BigInt(count) * 1_000_000_000n, format: 'DecimalSI'})

/** The legacy object-count names of core resources. */
const legacyCounts: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
}

function quantityOf(value: unknown): Quantity | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null
  try {
    return parseQuantity(String(value))
  } catch (error) {
    if (error instanceof QuantityError) return null
    throw error
  }
}

function add(usage: Usage, name: string, value: Quantity): void {
  usage.set(name, addQuantities(usage.get(name) ?? zeroQuantity, value))
}

function maxInto(target: Map<string, Quantity>, name: string, value: Quantity): void {
  const current = target.get(name)
  if (!current || compareQuantities(value, current) > 0) target.set(name, value)
}

function containerResources(container: unknown, field: 'requests' | 'limits'): Record<string, unknown> {
  if (!isJsonObject(container) || !isJsonObject(container.resources)) return {}
  const list = container.resources[field]
  return isJsonObject(list) ? list : {}
}

/** A pod's effective requests or limits: max(sum of containers, largest init container). */
function podResources(spec: Record<string, unknown>, field: 'requests' | 'limits'): Map<string, Quantity> {
  const sums = new Map<string, Quantity>()
  for (const container of Array.isArray(spec.containers) ? spec.containers : []) {
    for (const [name, value] of Object.entries(containerResources(container, field))) {
      const quantity = quantityOf(value)
      if (quantity) sums.set(name, addQuantities(sums.get(name) ?? zeroQuantity, quantity))
    }
  }
  for (const container of Array.isArray(spec.initContainers) ? spec.initContainers : []) {
    for (const [name, value] of Object.entries(containerResources(container, field))) {
      const quantity = quantityOf(value)
      if (quantity) maxInto(sums, name, quantity)
    }
  }
  return sums
}

export function isTerminalPod(pod: KubeObject): boolean {
  const phase = isJsonObject(pod.status) ? pod.status.phase : undefined
  return phase === 'Succeeded' || phase === 'Failed'
}

/** What one object adds to a namespace's usage. */
export function usageOf(group: string, resource: string, object: KubeObject): Usage {
  const usage: Usage = new Map()
  const countName = group.length > 0 ? `count/${resource}.${group}` : `count/${resource}`
  if (group === '' && resource === 'pods' && isTerminalPod(object)) return usage
  usage.set(countName, unit(1))
  if (group === '' && legacyCounts[resource]) usage.set(legacyCounts[resource]!, unit(1))
  if (group === '' && resource === 'pods') {
    const spec = isJsonObject(object.spec) ? object.spec : {}
    for (const [name, value] of podResources(spec, 'requests')) {
      add(usage, `requests.${name}`, value)
      if (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage') add(usage, name, value)
    }
    for (const [name, value] of podResources(spec, 'limits')) add(usage, `limits.${name}`, value)
  }
  if (group === '' && resource === 'services') {
    const spec = isJsonObject(object.spec) ? object.spec : {}
    const ports = Array.isArray(spec.ports) ? spec.ports.length : 0
    if (spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)) usage.set('services.nodeports', unit(ports))
    if (spec.type === 'LoadBalancer') usage.set('services.loadbalancers', unit(1))
  }
  return usage
}

/** The resource (group, plural) whose objects a quota resource name counts. */
export function countedResource(quotaResource: string): {group: string; resource: string} | null {
  if (quotaResource.startsWith('count/')) {
    const name = quotaResource.slice('count/'.length)
    const dot = name.indexOf('.')
    return dot < 0 ? {group: '', resource: name} : {group: name.slice(dot + 1), resource: name.slice(0, dot)}
  }
  if (legacyCounts[quotaResource]) return {group: '', resource: quotaResource}
  if (/^(requests|limits)\./.test(quotaResource) || ['cpu', 'memory', 'ephemeral-storage'].includes(quotaResource)) return {group: '', resource: 'pods'}
  if (quotaResource.startsWith('services.')) return {group: '', resource: 'services'}
  return null
}

/** Total usage of `objects` for the names in `hard`. */
export function totalUsage(hard: readonly string[], objectsByResource: (group: string, resource: string) => readonly KubeObject[]): Record<string, string> {
  const totals: Usage = new Map(hard.map((name) => [name, zeroQuantity]))
  const seen = new Set<string>()
  for (const name of hard) {
    const counted = countedResource(name)
    if (!counted) continue
    const key = `${counted.group}/${counted.resource}`
    if (seen.has(key)) continue
    seen.add(key)
    for (const object of objectsByResource(counted.group, counted.resource)) {
      for (const [usageName, value] of usageOf(counted.group, counted.resource, object)) if (totals.has(usageName)) add(totals, usageName, value)
    }
  }
  return Object.fromEntries([...totals].map(([name, value]) => [name, formatQuantity(value)]))
}

export {quantityOf}

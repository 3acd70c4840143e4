// The ResourceQuota admission plugin: a create that would take a namespace past any quota's
// hard limits is refused with kube's "exceeded quota" Forbidden; a pod without the requests or
// limits a compute quota needs is refused with "failed quota"; an admitted create is charged to
// every quota it touches (status.used, with a guarded write), as kube-apiserver's evaluator does.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {addQuantities, compareQuantities, formatQuantity, type Quantity, zeroQuantity} from '../../api/quantity.js'
import {countedResource, quantityOf, totalUsage, usageOf} from '../../api/quota.js'
import {quotaMatches} from '../../api/quota-scopes.js'
import {apiErrors} from '../api-errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'

const resourceList = (value: unknown): Record<string, string> =>
  isJsonObject(value) ? Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, String(entry)])) : {}

const prettyPrint = (entries: ReadonlyArray<[string, string]>) =>
  [...entries].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)).map(([name, value]) => `${name}=${value}`).join(',')

/** The compute resources each container must state when a quota limits them. */
const containerConstraints: Record<string, {field: 'requests' | 'limits'; resource: string}> = {
  cpu: {field: 'requests', resource: 'cpu'},
  memory: {field: 'requests', resource: 'memory'},
  'requests.cpu': {field: 'requests', resource: 'cpu'},
  'requests.memory': {field: 'requests', resource: 'memory'},
  'limits.cpu': {field: 'limits', resource: 'cpu'},
  'limits.memory': {field: 'limits', resource: 'memory'},
}

function missingConstraints(pod: KubeObject, hard: readonly string[]): string | null {
  const spec = isJsonObject(pod.spec) ? pod.spec : {}
  const missing = new Map<string, string[]>()
  for (const name of hard) {
    const constraint = containerConstraints[name]
    if (!constraint) continue
    for (const container of Array.isArray(spec.containers) ? spec.containers.filter(isJsonObject) : []) {
      const resources = isJsonObject(container.resources) ? container.resources : {}
      const list = isJsonObject(resources[constraint.field]) ? (resources[constraint.field] as Record<string, unknown>) : {}
      if (list[constraint.resource] === undefined) missing.set(name, [...(missing.get(name) ?? []), String(container.name)])
    }
  }
  if (missing.size === 0) return null
  return `must specify ${[...missing.keys()].sort().map((name) => `${name} for: ${[...new Set(missing.get(name)!)].sort().join(',')}`).join('; ')}`
}

/**
 * The quota's `used` with the request's `delta` added for the resources it limits (`relevant`);
 * kube-apiserver's Forbidden when one goes past its hard limit.
 */
function charged(attributes: AdmissionAttributes, quotaName: string, relevant: readonly string[], delta: ReadonlyMap<string, Quantity>, used: Record<string, string>, hard: Record<string, string>): Record<string, string> {
  const exceeded: string[] = []
  const next: Record<string, string> = {...used}
  for (const name of relevant) {
    const requested = delta.get(name) ?? zeroQuantity
    const current = quantityOf(used[name] ?? '0') ?? zeroQuantity
    const limit = quantityOf(hard[name])
    const total: Quantity = addQuantities(current, requested)
    next[name] = formatQuantity(total)
    if (limit && requested.nanos > 0n && compareQuantities(total, limit) > 0) exceeded.push(name)
  }
  if (exceeded.length > 0) {
    const pick = (list: Record<string, string>) => exceeded.map((name): [string, string] => [name, list[name] ?? '0'])
    const requestedList = Object.fromEntries(exceeded.map((name) => [name, formatQuantity(delta.get(name) ?? zeroQuantity)]))
    throw apiErrors.forbidden(attributes.definition, attributes.name, `exceeded quota: ${quotaName}, requested: ${prettyPrint(pick(requestedList))}, used: ${prettyPrint(pick(used))}, limited: ${prettyPrint(pick(hard))}`)
  }
  return next
}

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota'

  constructor(private readonly reader: AdmissionReader) {}

  async validate(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    if (attributes.operation !== 'CREATE' || object === null || attributes.subresource !== '' || !attributes.definition.namespaced) return
    const {group, resource} = attributes.definition
    const quotas = await this.reader.list('', 'resourcequotas', attributes.namespace)
    if (quotas.length === 0) return
    const delta = usageOf(group, resource, object)
    const charges: Array<{name: string; used: Record<string, string>; relevant: readonly string[]}> = []
    for (const quota of quotas) {
      const spec = isJsonObject(quota.spec) ? quota.spec : {}
      const hard = resourceList(spec.hard)
      const relevant = Object.keys(hard).filter((name) => {
        const counted = countedResource(name)
        return counted !== null && counted.group === group && counted.resource === resource
      })
      if (relevant.length === 0 || !quotaMatches(quota, group, resource, object)) continue
      if (group === '' && resource === 'pods') {
        const missing = missingConstraints(object, relevant)
        if (missing) throw apiErrors.forbidden(attributes.definition, attributes.name, `failed quota: ${quota.metadata.name}: ${missing}`)
      }
      const status = isJsonObject(quota.status) ? quota.status : {}
      // A quota the controller has not counted yet is counted here, as the controller would.
      const used = isJsonObject(status.used) && isJsonObject(status.hard)
        ? resourceList(status.used)
        : totalUsage(Object.keys(hard), () => [])
      if (!(isJsonObject(status.used) && isJsonObject(status.hard))) {
        Object.assign(used, await this.countNamespace(quota, attributes.namespace, Object.keys(hard)))
      }
      const next = charged(attributes, quota.metadata.name ?? '', relevant, delta, used, hard)
      charges.push({name: quota.metadata.name ?? '', used: next, relevant})
    }
    if (attributes.dryRun) return
    const quotaDefinition = this.reader.scheme.preferredResource('', 'resourcequotas')!
    for (const charge of charges) {
      await this.reader.registry.guaranteedUpdate(quotaDefinition, attributes.namespace, charge.name, (current) => {
        if (!current) throw apiErrors.notFound(quotaDefinition, charge.name)
        const spec = isJsonObject(current.spec) ? current.spec : {}
        const status = isJsonObject(current.status) ? current.status : {}
        // Charged against the quota as it is now, not as it was read: requests admitted side by side
        // each add to what the others charged, and the one past the hard limit is refused (kube-apiserver
        // retries its quota update on a conflict and checks again).
        const counted = isJsonObject(status.used) && isJsonObject(status.hard)
        const used = counted ? {...resourceList(status.used), ...charged(attributes, charge.name, charge.relevant, delta, resourceList(status.used), resourceList(spec.hard))} : {...resourceList(status.used), ...charge.used}
        current.status = {hard: resourceList(spec.hard), used}
        return current
      })
    }
  }

  private async countNamespace(quota: KubeObject, namespace: string, hard: readonly string[]): Promise<Record<string, string>> {
    const cache = new Map<string, KubeObject[]>()
    for (const name of hard) {
      const counted = countedResource(name)
      if (!counted || cache.has(`${counted.group}/${counted.resource}`)) continue
      const known = this.reader.scheme.preferredResource(counted.group, counted.resource)
      cache.set(`${counted.group}/${counted.resource}`, known && known.etcdPrefix !== null ? await this.reader.list(counted.group, counted.resource, namespace) : [])
    }
    return totalUsage(hard, (group, resource) => (cache.get(`${group}/${resource}`) ?? []).filter((object) => quotaMatches(quota, group, resource, object)))
  }
}

// kube-aggregator's APIServices, without an aggregation backend: the autoregister controller's
// APIService for every group version the API server serves itself (labelled automanaged onstart)
// and for every CRD group version (automanaged true, kept in step with the CRDs), and the
// availability controllers' Available condition: True for a local APIService, and for one backed by
// a Service the first check that fails, in kube-aggregator 1.32's order and words (the Service, its
// port, its Endpoints, then the discovery request, which no simulated pod answers).
import {formatTimestamp, isJsonObject, type KubeObject} from '../api/object.js'
import {builtinResources} from '../api/resources.js'
import type {ResourceDefinition, Scheme} from '../api/scheme.js'
import {objects, str} from '../api/strategies/json-fields.js'
import type {ApiResponse} from '../api/wire.js'
import {goQuote} from '../util/go-quote.js'
import {ApiError} from './api-errors.js'
import type {BootstrapObject} from './bootstrap-object.js'
import {listPrefix} from './keys.js'
import type {Registry} from './registry.js'
import type {RequestInfo} from './request.js'
import {objectFromStored} from './stored-objects.js'

const group = 'apiregistration.k8s.io'
export const automanagedLabel = 'kube-aggregator.kubernetes.io/automanaged'

/** kube-apiserver's apiVersionPriorities for the group versions kubemu serves: {group minimum, version}. */
const builtinPriorities: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['/v1', [18000, 1]],
  ['apps/v1', [17800, 15]],
  ['authentication.k8s.io/v1', [17700, 15]],
  ['authorization.k8s.io/v1', [17600, 15]],
  ['autoscaling/v1', [17500, 15]],
  ['autoscaling/v2', [17500, 30]],
  ['batch/v1', [17400, 15]],
  ['certificates.k8s.io/v1', [17300, 15]],
  ['networking.k8s.io/v1', [17200, 15]],
  ['policy/v1', [17100, 15]],
  ['rbac.authorization.k8s.io/v1', [17000, 15]],
  ['storage.k8s.io/v1', [16800, 15]],
  ['admissionregistration.k8s.io/v1', [16700, 15]],
  ['apiextensions.k8s.io/v1', [16700, 15]],
  ['scheduling.k8s.io/v1', [16600, 15]],
  ['coordination.k8s.io/v1', [16500, 15]],
  ['discovery.k8s.io/v1', [16200, 15]],
])
/** The priorities metrics-server registers metrics.k8s.io with; kubemu's API server serves that group itself. */
const metricsPriorities = [100, 100] as const
/** The crdRegistrationController's priorities for every CRD group version. */
const customResourcePriorities = [1000, 100] as const

/** The groups kube-apiserver serves itself (their APIServices registered onstart): requests under them never go to a Service. */
export const locallyServedGroups: ReadonlySet<string> = new Set([...builtinPriorities.keys()].map((groupVersion) => groupVersion.split('/')[0]!).filter((name) => name !== ''))

/** A group's priority in discovery order, as its APIServices give it (a CRD's group: the crdRegistrationController's). */
export function apiServiceGroupPriority(groupName: string): number {
  for (const [groupVersion, [minimum]] of builtinPriorities) if (groupVersion.split('/')[0] === groupName) return minimum
  return groupName === 'metrics.k8s.io' ? metricsPriorities[0] : customResourcePriorities[0]
}

/** The condition message of a local APIService, as the local availability controller writes it. */
export const localMessage = 'Local APIServices are always available'

function apiServiceObject(groupName: string, version: string, [groupPriorityMinimum, versionPriority]: readonly [number, number], labels?: Record<string, string>): BootstrapObject {
  return {
    group,
    resource: 'apiservices',
    namespace: '',
    body: {
      apiVersion: `${group}/v1`,
      kind: 'APIService',
      metadata: {name: `${version}.${groupName}`, ...(labels ? {labels} : {})},
      spec: {group: groupName, version, groupPriorityMinimum, versionPriority},
    },
  }
}

/** The APIServices kube-apiserver registers at start for the group versions it serves (no apiregistration.k8s.io: the aggregator serves that one). */
export function autoregisteredApiServiceObjects(): BootstrapObject[] {
  const served = new Set(builtinResources.map((definition) => `${definition.group}/${definition.version}`))
  const objectsOf: BootstrapObject[] = []
  for (const [groupVersion, priorities] of builtinPriorities) {
    if (!served.has(groupVersion)) continue
    const [groupName = '', version = ''] = groupVersion.split('/')
    objectsOf.push(apiServiceObject(groupName, version, priorities, {[automanagedLabel]: 'onstart'}))
  }
  if (served.has('metrics.k8s.io/v1beta1')) objectsOf.push(apiServiceObject('metrics.k8s.io', 'v1beta1', metricsPriorities))
  return objectsOf
}

interface Condition {
  type: 'Available'
  status: 'True' | 'False' | 'Unknown'
  lastTransitionTime: string
  reason: string
  message: string
}

export class ApiServices {
  constructor(
    private readonly scheme: Scheme,
    private readonly registry: Registry,
    /** Creates an object as the API server's loopback client does (admission, defaults, validation). */
    private readonly create: (object: BootstrapObject) => Promise<ApiResponse>,
    private readonly now: () => number,
    /** The APIServices that name a Service, as kube-aggregator's informer holds them (aggregation.ts). */
    private readonly remotes: () => Promise<ReadonlyArray<{readonly name: string; readonly service: {readonly namespace: string; readonly name: string}}>>,
  ) {}

  /** APIServices, and the Services and Endpoints their availability follows (kube-aggregator 1.32 reads Endpoints). */
  static concerns(definition: ResourceDefinition): boolean {
    return (definition.group === group && definition.resource === 'apiservices') || (definition.group === '' && (definition.resource === 'services' || definition.resource === 'endpoints'))
  }

  /**
   * After a write to an APIService: its availability, as the controllers see it at once; after a
   * write to a Service or its Endpoints: the availability of the APIServices that name it, as the
   * controller's Service and Endpoints event handlers queue them.
   */
  async afterWrite(definition: ResourceDefinition, info: RequestInfo, response: ApiResponse, dryRun: boolean): Promise<void> {
    // A client's write of an APIService's status is an update event too: the controllers check it again.
    const statusOfApiService = definition.group === group && info.subresource === 'status'
    if (dryRun || response.status >= 300 || (info.subresource !== '' && !statusOfApiService) || !['create', 'update', 'patch', 'delete'].includes(info.verb)) return
    const body = isJsonObject(response.body) && isJsonObject(response.body.metadata) ? (response.body as KubeObject) : null
    if (definition.group === group) {
      // The autoregister controller keeps the APIService a CRD wants (automanaged true) as it wants it, at once.
      const name = info.name || body?.metadata.name || ''
      if (name.includes('.') && !statusOfApiService) await this.syncCustomResourceGroup(name.slice(name.indexOf('.') + 1))
      if (body && info.verb !== 'delete') await this.checkAvailability(body)
      return
    }
    const service = info.name || body?.metadata.name
    if (service) await this.checkNaming(info.namespace, service)
  }

  /** The availability of the APIServices that name the Service namespace/name. */
  async checkNaming(namespace: string, service: string): Promise<void> {
    for (const remote of await this.remotes()) {
      if (remote.service.namespace !== namespace || remote.service.name !== service) continue
      try {
        await this.checkAvailability(await this.registry.get(this.definition(), '', remote.name))
      } catch (error) {
        ignoreNotFound(error)
      }
    }
  }

  /** Every APIService's availability again (the controllers' resync: a Service or its endpoints may have changed). */
  async checkAll(): Promise<void> {
    const {objects: stored} = await this.registry.store.list(listPrefix(this.definition(), null))
    for (const entry of stored) await this.checkAvailability(objectFromStored(entry))
  }

  /** Sets the Available condition of an APIService (as read), writing only when it changed. */
  private async checkAvailability(apiService: KubeObject): Promise<void> {
    const checked = await this.availability(apiService)
    const same = (current: KubeObject) => {
      const existing = objects(isJsonObject(current.status) ? current.status.conditions : undefined).find((condition) => condition.type === 'Available')
      return existing !== undefined && existing.status === checked.status && existing.reason === checked.reason && existing.message === checked.message
    }
    if (same(apiService)) return
    await this.registry.guaranteedUpdate(this.definition(), '', apiService.metadata.name ?? '', (current) => {
      if (!current || same(current)) return null
      const status = isJsonObject(current.status) ? current.status : {}
      const conditions = objects(status.conditions)
      const existing = conditions.find((condition) => condition.type === 'Available')
      if (existing) {
        if (existing.status !== checked.status) Object.assign(existing, {status: checked.status, lastTransitionTime: checked.lastTransitionTime})
        Object.assign(existing, {reason: checked.reason, message: checked.message})
      } else conditions.push({...checked})
      current.status = {...status, conditions}
      return current
    }).catch(ignoreNotFound)
  }

  /** The crdRegistrationController for one group: an APIService for each version a CRD of it serves, and none for the others. */
  async syncCustomResourceGroup(groupName: string): Promise<void> {
    const crds = this.scheme.preferredResource('apiextensions.k8s.io', 'customresourcedefinitions')
    if (!crds || groupName.length === 0) return
    const wanted = new Set<string>()
    for (const entry of (await this.registry.store.list(listPrefix(crds, null))).objects) {
      const crd = objectFromStored(entry)
      const spec = isJsonObject(crd.spec) ? crd.spec : {}
      if (str(spec.group) !== groupName || crd.metadata.deletionTimestamp) continue
      for (const version of objects(spec.versions)) if (version.served === true) wanted.add(str(version.name))
    }
    const definition = this.definition()
    const have = new Map<string, KubeObject>()
    for (const entry of (await this.registry.store.list(listPrefix(definition, null))).objects) {
      const apiService = objectFromStored(entry)
      const spec = isJsonObject(apiService.spec) ? apiService.spec : {}
      if (str(spec.group) !== groupName || apiService.metadata.labels?.[automanagedLabel] !== 'true') continue
      have.set(str(spec.version), apiService)
      if (!wanted.has(str(spec.version))) await this.registry.delete(definition, '', apiService.metadata.name ?? '').catch(ignoreNotFound)
    }
    for (const version of wanted) await this.sync(apiServiceObject(groupName, version, customResourcePriorities, {[automanagedLabel]: 'true'}), have.get(version) ?? null)
  }

  /**
   * The autoregister controller at the API server's start, for the APIServices kube-apiserver
   * registers onstart: each created if missing, its spec put back if it is automanaged, and one
   * labelled onstart that is no longer wanted deleted (until the next start, a deleted one stays
   * deleted); and the crdRegistrationController's APIServices of every CRD group. kube-apiserver
   * logs none of it at its default level: nothing is reported.
   */
  async registerOnStart(): Promise<void> {
    const definition = this.definition()
    const current = new Map((await this.registry.store.list(listPrefix(definition, null))).objects.map((entry) => {
      const apiService = objectFromStored(entry)
      return [apiService.metadata.name ?? '', apiService] as const
    }))
    const desired = autoregisteredApiServiceObjects()
    const names = new Set(desired.map((object) => String((object.body.metadata as {name: string}).name)))
    for (const [name, apiService] of current) {
      if (!names.has(name) && apiService.metadata.labels?.[automanagedLabel] === 'onstart') await this.registry.delete(definition, '', name).catch(ignoreNotFound)
    }
    for (const object of desired) await this.sync(object, current.get(String((object.body.metadata as {name: string}).name)) ?? null)
    // The crdRegistrationController starts with every CRD's group.
    const crds = this.scheme.preferredResource('apiextensions.k8s.io', 'customresourcedefinitions')
    const groups = new Set((crds ? (await this.registry.store.list(listPrefix(crds, null))).objects : []).map((entry) => {
      const spec = objectFromStored(entry).spec
      return isJsonObject(spec) ? str(spec.group) : ''
    }))
    for (const groupName of groups) await this.syncCustomResourceGroup(groupName)
  }

  /** The autoregister controller's check of one wanted APIService: created when missing, its spec put back when it is automanaged and differs. */
  private async sync(wanted: BootstrapObject, current: KubeObject | null): Promise<void> {
    const name = String((wanted.body.metadata as {name: string}).name)
    if (!current) {
      const response = await this.create(wanted)
      if (response.status >= 300 && response.status !== 409) throw new Error(`could not register the APIService ${name}: ${(response.body as {message?: string} | null)?.message ?? response.status}`)
      return
    }
    const managed = current.metadata.labels?.[automanagedLabel]
    const spec = wanted.body.spec as Record<string, unknown>
    if ((managed !== 'onstart' && managed !== 'true') || JSON.stringify(current.spec) === JSON.stringify(spec)) return
    await this.registry.guaranteedUpdate(this.definition(), '', name, (latest) => (latest ? {...latest, spec: {...spec}} : null)).catch(ignoreNotFound)
  }

  private definition(): ResourceDefinition {
    const definition = this.scheme.preferredResource(group, 'apiservices')
    if (!definition) throw new Error('the API server does not serve apiservices')
    return definition
  }

  /** The remote availability controller's checks, in its order; a local APIService is always available. */
  private async availability(apiService: KubeObject): Promise<Condition> {
    const condition = (status: Condition['status'], reason: string, message: string): Condition => ({type: 'Available', status, lastTransitionTime: formatTimestamp(this.now()), reason, message})
    const spec = isJsonObject(apiService.spec) ? apiService.spec : {}
    if (!isJsonObject(spec.service)) return condition('True', 'Local', localMessage)
    const namespace = str(spec.service.namespace)
    const name = str(spec.service.name)
    const port = typeof spec.service.port === 'number' ? spec.service.port : 443
    const where = `service/${name} in ${goQuote(namespace)}`
    const servicesDefinition = this.scheme.preferredResource('', 'services')!
    let service: KubeObject
    try {
      service = await this.registry.get(servicesDefinition, namespace, name)
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return condition('False', 'ServiceNotFound', `${where} is not present`)
      return condition('Unknown', 'ServiceAccessError', `${where} cannot be checked due to: ${error instanceof Error ? error.message : String(error)}`)
    }
    const serviceSpec = isJsonObject(service.spec) ? service.spec : {}
    const type = str(serviceSpec.type) || 'ClusterIP'
    if (type === 'ClusterIP') {
      const servicePort = objects(serviceSpec.ports).find((entry) => entry.port === port)
      if (!servicePort) return condition('False', 'ServicePortError', `${where} is not listening on port ${port}`)
      const portName = str(servicePort.name)
      const endpointsDefinition = this.scheme.preferredResource('', 'endpoints')!
      let endpoints: KubeObject
      try {
        endpoints = await this.registry.get(endpointsDefinition, namespace, name)
      } catch (error) {
        if (error instanceof ApiError && error.code === 404) return condition('False', 'EndpointsNotFound', `cannot find endpoints for ${where}`)
        return condition('Unknown', 'EndpointsAccessError', `${where} cannot be checked due to: ${error instanceof Error ? error.message : String(error)}`)
      }
      const serving = objects(endpoints.subsets).some((subset) => objects(subset.addresses).length > 0 && objects(subset.ports).some((entry) => str(entry.name) === portName))
      if (!serving) return condition('False', 'MissingEndpoints', `endpoints for ${where} have no addresses with port name ${goQuote(portName)}`)
    }
    // The discovery request through the Service: no simulated container serves an aggregated API, so the dial is refused.
    const host = type === 'ExternalName' ? str(serviceSpec.externalName) : str(serviceSpec.clusterIP)
    const path = apiService.metadata.name === 'v1.' ? `/api/${str(spec.version)}` : `/apis/${str(spec.group)}/${str(spec.version)}`
    const url = `https://${host}:${port}${path}`
    return condition('False', 'FailedDiscoveryCheck', `failing or missing response from ${url}: Get ${goQuote(url)}: dial tcp ${host}:${port}: connect: connection refused`)
  }
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof ApiError && error.code === 404)) throw error
}

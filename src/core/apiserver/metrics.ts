// The metrics.k8s.io/v1beta1 API (NodeMetrics, PodMetrics) as metrics-server answers it, from the
// kubelets' simulated use of the running pods: what `kubectl top` reads, the real one included.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import type {ResourceDefinition, Scheme} from '../api/scheme.js'
import {labelSelectorFromObject, matchesLabels, parseLabelSelector} from '../api/selectors.js'
import {containerUsage, cpuLoadOf, isUsingResources, podUsage, systemMemoryBytesPerNode, systemMilliCpuPerNode} from '../api/simulated-usage.js'
import {listPrefix, objectKey} from './keys.js'
import type {Registry} from './registry.js'
import {objectFromStored} from './stored-objects.js'
import {apiErrors} from './api-errors.js'
import type {RequestInfo} from './request.js'
import {addQuantities, formatQuantity, parseQuantity, type Quantity, zeroQuantity} from '../api/quantity.js'
import type {IncludeObject} from './tables/table.js'

const metricsApiVersion = 'metrics.k8s.io/v1beta1'
/** metrics-server's default resolution. */
const window = '20.05s'
const kibibyte = 1024
/** A pod's load is looked for this many owners up (pod → ReplicaSet → Deployment). */
export const ownerHopsMax = 2

type Pod = KubeObject & {spec: {nodeName?: string; containers: Array<{name: string; resources?: {requests?: Record<string, string>}}>}; status?: {phase?: string}}

/** Use as metrics-server writes it: Quantity's canonical text of the CPU (whole millicores here) and of the working set (whole KiB). */
const usage = (milliCpu: number, memoryBytes: number) => ({
  cpu: formatQuantity({nanos: BigInt(milliCpu) * 1_000_000n, format: 'DecimalSI'}),
  memory: formatQuantity({nanos: BigInt(Math.floor(memoryBytes / kibibyte) * kibibyte) * 1_000_000_000n, format: 'BinarySI'}),
})

type MetricsObject = KubeObject & {window: string; usage?: Record<string, string>; containers?: Array<{usage: Record<string, string>}>}
type MetricsList = {kind: string; items: MetricsObject[]; metadata?: Record<string, unknown>}

const isMetricsList = (body: MetricsObject | MetricsList): body is MetricsList => Array.isArray((body as {items?: unknown}).items)

/**
 * metrics-server's table (its ConvertToTable): the name, one column per resource of the first
 * object's use (a pod's summed over its containers), sorted, and the window. An empty list has
 * no columns.
 */
export function metricsTable(body: MetricsObject | MetricsList, includeObject: IncludeObject): Record<string, unknown> {
  const list = isMetricsList(body) ? body : null
  const objects = list ? list.items : [body as MetricsObject]
  const useOf = (object: MetricsObject): Map<string, Quantity> => {
    const use = new Map<string, Quantity>()
    for (const part of object.containers ?? [{usage: object.usage ?? {}}]) {
      for (const [resource, text] of Object.entries(part.usage)) use.set(resource, addQuantities(use.get(resource) ?? zeroQuantity, parseQuantity(text)))
    }
    return use
  }
  let resources: string[] | null = null
  const rows = objects.map((object) => {
    const use = useOf(object)
    resources ??= [...use.keys()].sort()
    const row: Record<string, unknown> = {cells: [object.metadata.name, ...resources.map((resource) => formatQuantity(use.get(resource) ?? zeroQuantity)), object.window]}
    // A list's items carry no kind; a row's object does, as kube's table conversion sets it.
    if (includeObject === 'Object') row.object = {kind: list ? list.kind.replace(/List$/, '') : object.kind, apiVersion: metricsApiVersion, ...object}
    else if (includeObject === 'Metadata') row.object = {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata}
    return row
  })
  const columnDefinitions = resources === null ? [] : [
    {name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0},
    ...(resources as string[]).map((resource) => ({name: resource, type: 'string', format: 'quantity', description: '', priority: 0})),
    {name: 'Window', type: 'string', format: 'duration', description: '', priority: 0},
  ]
  return {kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: list?.metadata ?? {}, columnDefinitions, rows}
}

export class MetricsApi {
  constructor(
    private readonly scheme: Scheme,
    private readonly registry: Registry,
    private readonly nowMilliseconds: () => number,
  ) {}

  static handles(definition: ResourceDefinition, info: RequestInfo): boolean {
    return definition.group === 'metrics.k8s.io' && (info.verb === 'get' || info.verb === 'list')
  }

  private async all(group: string, resource: string, namespace: string | null): Promise<KubeObject[]> {
    const definition = this.scheme.resource(group, 'v1', resource)!
    return (await this.registry.store.list(listPrefix(definition, namespace))).objects.map((stored) => objectFromStored(stored))
  }

  /**
   * The load `kubemu load` set for a pod: on the pod, else on its controller or its controller's
   * controller (a Deployment's ReplicaSet's pods), read once per owner.
   */
  private async loadOf(pod: KubeObject, owners: Map<string, KubeObject | null>): Promise<number | null> {
    let object: KubeObject | null = pod
    for (let hop = 0; hop <= ownerHopsMax && object; hop++) {
      const load = cpuLoadOf(object)
      if (load !== null) return load
      const owner: {apiVersion: string; kind: string; name: string; uid: string} | undefined = (object.metadata.ownerReferences ?? []).find((reference) => reference.controller)
      if (!owner) return null
      if (!owners.has(owner.uid)) {
        const definition = this.scheme.kindOf(owner.apiVersion, owner.kind)
        let found: KubeObject | null = null
        if (definition?.etcdPrefix) {
          const stored = await this.registry.store.get(objectKey(definition, String(pod.metadata.namespace ?? ''), owner.name))
          found = stored.object ? objectFromStored(stored.object) : null
        }
        owners.set(owner.uid, found && found.metadata.uid === owner.uid ? found : null)
      }
      object = owners.get(owner.uid) ?? null
    }
    return null
  }

  async serve(definition: ResourceDefinition, info: RequestInfo, query: Readonly<Record<string, string>>): Promise<MetricsObject | MetricsList> {
    const timestamp = formatTimestamp(this.nowMilliseconds())
    const selector = query.labelSelector ? parseLabelSelector(query.labelSelector) : labelSelectorFromObject({})
    const pods = ((await this.all('', 'pods', definition.resource === 'pods' && info.namespace ? info.namespace : null)) as Pod[]).filter(isUsingResources)
    const items: MetricsObject[] = []
    const owners = new Map<string, KubeObject | null>()
    const loads = new Map<Pod, number | null>()
    for (const pod of pods) loads.set(pod, await this.loadOf(pod, owners))
    if (definition.resource === 'nodes') {
      for (const node of await this.all('', 'nodes', null)) {
        if (info.name && node.metadata.name !== info.name) continue
        if (!matchesLabels(selector, node.metadata.labels)) continue
        let milliCpu = systemMilliCpuPerNode
        let memoryBytes = systemMemoryBytesPerNode
        for (const pod of pods) {
          if (pod.spec.nodeName !== node.metadata.name) continue
          const one = podUsage(pod, loads.get(pod) ?? null)
          milliCpu += one.milliCpu
          memoryBytes += one.memoryBytes
        }
        items.push({metadata: {name: node.metadata.name, creationTimestamp: timestamp, labels: node.metadata.labels ?? {}}, timestamp, window, usage: usage(milliCpu, memoryBytes)})
      }
    } else {
      for (const pod of pods) {
        if (info.name && pod.metadata.name !== info.name) continue
        if (!matchesLabels(selector, pod.metadata.labels)) continue
        const containers = pod.spec.containers.map((container) => {
          const one = containerUsage(pod, container, loads.get(pod) ?? null)
          return {name: container.name, usage: usage(one.milliCpu, one.memoryBytes)}
        })
        items.push({metadata: {name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: timestamp, labels: pod.metadata.labels ?? {}}, timestamp, window, containers})
      }
    }
    const apiVersion = metricsApiVersion
    if (info.name) {
      if (items.length === 0) throw apiErrors.notFound(definition, info.name)
      return {kind: definition.kind, apiVersion, ...items[0]!}
    }
    return {kind: `${definition.kind}List`, apiVersion, metadata: {}, items}
  }
}

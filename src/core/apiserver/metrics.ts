// The metrics.k8s.io/v1beta1 API (NodeMetrics, PodMetrics) as metrics-server answers it, from the
// kubelets' simulated use of the running pods: what `kubectl top` reads, the real one included.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import type {ResourceDefinition, Scheme} from '../api/scheme.js'
import {labelSelectorFromObject, matchesLabels, parseLabelSelector} from '../api/selectors.js'
import {containerUsage, isUsingResources, podUsage, systemMemoryBytesPerNode, systemMilliCpuPerNode} from '../api/simulated-usage.js'
import {listPrefix} from './keys.js'
import {objectFromStored, type Registry} from './registry.js'
import {apiErrors} from './status.js'
import type {RequestInfo} from './request.js'

/** metrics-server's default resolution. */
const window = '20.05s'
const kibibyte = 1024

type Pod = KubeObject & {spec: {nodeName?: string; containers: Array<{name: string; resources?: {requests?: Record<string, string>}}>}; status?: {phase?: string}}

const usage = (milliCpu: number, memoryBytes: number) => ({cpu: `${milliCpu * 1_000_000}n`, memory: `${Math.floor(memoryBytes / kibibyte)}Ki`})

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

  async serve(definition: ResourceDefinition, info: RequestInfo, query: Readonly<Record<string, string>>): Promise<unknown> {
    const timestamp = formatTimestamp(this.nowMilliseconds())
    const selector = query.labelSelector ? parseLabelSelector(query.labelSelector) : labelSelectorFromObject({})
    const pods = ((await this.all('', 'pods', definition.resource === 'pods' && info.namespace ? info.namespace : null)) as Pod[]).filter(isUsingResources)
    const items: unknown[] = []
    if (definition.resource === 'nodes') {
      for (const node of await this.all('', 'nodes', null)) {
        if (info.name && node.metadata.name !== info.name) continue
        if (!matchesLabels(selector, node.metadata.labels)) continue
        let milliCpu = systemMilliCpuPerNode
        let memoryBytes = systemMemoryBytesPerNode
        for (const pod of pods) {
          if (pod.spec.nodeName !== node.metadata.name) continue
          const one = podUsage(pod)
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
          const one = containerUsage(pod, container)
          return {name: container.name, usage: usage(one.milliCpu, one.memoryBytes)}
        })
        items.push({metadata: {name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: timestamp, labels: pod.metadata.labels ?? {}}, timestamp, window, containers})
      }
    }
    const apiVersion = 'metrics.k8s.io/v1beta1'
    if (info.name) {
      if (items.length === 0) throw apiErrors.notFound(definition, info.name)
      return {kind: definition.kind, apiVersion, ...(items[0] as object)}
    }
    return {kind: `${definition.kind}List`, apiVersion, metadata: {}, items}
  }
}

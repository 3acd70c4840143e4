// The endpoints and endpointslice controllers (kube-controller-manager 1.32): for every Service
// with a selector, its Endpoints (ready and not-ready addresses) and one EndpointSlice (ready,
// serving, terminating conditions) list the selected pods that have an IP, with the Service's
// ports resolved against the pods' named container ports.
import {areObjectsOrAbsent, canonicalJson, type KubeObject, sameJson} from '../api/object.js'
import {labelSelectorFromObject, matchesLabels} from '../api/selectors.js'
import {type ApiClient, isAlreadyExists, isNotFound, objectKey, splitKey} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {kindRef, resources} from '../client/resources.js'
import type {Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'
import {isPodReady, ownerReference} from './pod-control.js'

type ServicePort = {name?: string; port: number; protocol?: string; targetPort?: number | string}
type Service = KubeObject & {spec?: {selector?: Record<string, string>; ports?: ServicePort[]; publishNotReadyAddresses?: boolean}}
type Endpoints = KubeObject & {subsets?: unknown[]}

const sliceManager = 'endpointslice-controller.k8s.io'

export class EndpointsController extends Controller {
  /** kube-controller-manager's default --concurrent-endpoint-syncs. */
  protected override readonly workers = 5

  private readonly services: Informer<Service>
  private readonly pods: Informer<Pod>
  private readonly endpoints: Informer<Endpoints>
  private readonly slices: Informer<KubeObject>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
  ) {
    super('endpoints-controller', clock)
    this.services = informers.informer(kindRef(resources.services, 'Service', (object): object is Service => areObjectsOrAbsent(object, 'spec')))
    this.pods = informers.informer<Pod>(resources.pods)
    this.endpoints = informers.informer(kindRef(resources.endpoints, 'Endpoints', (object): object is Endpoints => object.subsets === undefined || Array.isArray(object.subsets)))
    this.slices = informers.informer<KubeObject>(resources.endpointSlices)
    this.services.onEvent((event) => this.queue.add(objectKey(event.object)))
    // Leftover Endpoints (their Service deleted while no controller ran) are removed, as kube's checkLeftoverEndpoints does.
    this.endpoints.onEvent((event) => {
      if (event.type === 'ADDED' && !event.object.metadata.annotations?.['control-plane.alpha.kubernetes.io/leader']) this.queue.add(objectKey(event.object))
    })
    this.pods.onEvent((event) => {
      for (const pod of [event.object, event.previous]) {
        if (!pod) continue
        for (const service of this.services.list()) {
          if (service.metadata.namespace === pod.metadata.namespace && service.spec?.selector && matchesLabels(labelSelectorFromObject({matchLabels: service.spec.selector}), pod.metadata.labels)) this.queue.add(objectKey(service))
        }
      }
    })
  }

  private selected(service: Service): Pod[] {
    const selector = labelSelectorFromObject({matchLabels: service.spec!.selector!})
    return this.pods
      .list()
      .filter((pod) => pod.metadata.namespace === service.metadata.namespace && matchesLabels(selector, pod.metadata.labels) && (pod.status as {podIP?: string} | undefined)?.podIP)
      .filter((pod) => pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed')
      .sort((left, right) => String((left.status as {podIP: string}).podIP).localeCompare(String((right.status as {podIP: string}).podIP), undefined, {numeric: true}))
  }

  /** The port a Service port reaches on a pod: a number, or the pod's container port of that name. */
  private targetPort(port: ServicePort, pod: Pod): number | null {
    const target = port.targetPort ?? port.port
    if (typeof target === 'number') return target
    if (/^\d+$/.test(target)) return Number(target)
    for (const container of pod.spec.containers) for (const containerPort of container.ports ?? []) if ((containerPort as {name?: string}).name === target) return containerPort.containerPort
    return null
  }

  protected async reconcile(key: string): Promise<void> {
    const {namespace, name} = splitKey(key)
    const service = this.services.get(key)
    if (!service || !service.spec?.selector) {
      if (!service) await this.deleteEndpoints(namespace, name)
      return
    }
    const pods = this.selected(service)
    const ports = service.spec.ports ?? []
    // Endpoints: one subset per distinct set of resolved ports.
    const subsets = new Map<string, {addresses: unknown[]; notReadyAddresses: unknown[]; ports: unknown[]}>()
    for (const pod of pods) {
      const resolved = ports.map((port) => ({...(port.name ? {name: port.name} : {}), port: this.targetPort(port, pod), protocol: port.protocol ?? 'TCP'})).filter((port) => port.port !== null)
      if (resolved.length === 0 && ports.length > 0) continue
      const subsetKey = canonicalJson(resolved)
      let subset = subsets.get(subsetKey)
      if (!subset) subsets.set(subsetKey, (subset = {addresses: [], notReadyAddresses: [], ports: resolved}))
      const address = {ip: (pod.status as {podIP: string}).podIP, nodeName: pod.spec.nodeName, targetRef: {kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid}}
      if ((isPodReady(pod) && !pod.metadata.deletionTimestamp) || service.spec.publishNotReadyAddresses) subset.addresses.push(address)
      else if (!pod.metadata.deletionTimestamp) subset.notReadyAddresses.push(address)
    }
    const endpointSubsets = [...subsets.values()].map((subset) => ({
      ...(subset.addresses.length > 0 ? {addresses: subset.addresses} : {}),
      ...(subset.notReadyAddresses.length > 0 ? {notReadyAddresses: subset.notReadyAddresses} : {}),
      ports: subset.ports,
    }))
    await this.writeEndpoints(service, endpointSubsets)
    await this.writeSlice(service, pods)
  }

  private async writeEndpoints(service: Service, subsets: unknown[]): Promise<void> {
    const key = objectKey(service)
    const current = this.endpoints.get(key)
    const wanted = {kind: 'Endpoints', apiVersion: 'v1', metadata: {name: service.metadata.name, namespace: service.metadata.namespace, labels: {...(service.metadata.labels ?? {})}}, ...(subsets.length > 0 ? {subsets} : {})}
    if (!current) {
      try {
        await this.client.create(resources.endpoints, wanted)
      } catch (error) {
        if (!isAlreadyExists(error)) throw error
        this.queue.add(key)
      }
      return
    }
    if (sameJson(current.subsets ?? [], subsets) && sameJson(current.metadata.labels ?? {}, wanted.metadata.labels)) return
    await this.client.update(resources.endpoints, {...wanted, metadata: {...current.metadata, labels: wanted.metadata.labels}})
  }

  private async writeSlice(service: Service, pods: Pod[]): Promise<void> {
    const ports = (service.spec?.ports ?? []).map((port) => ({name: port.name ?? '', port: pods[0] ? this.targetPort(port, pods[0]) : typeof port.targetPort === 'number' ? port.targetPort : port.port, protocol: port.protocol ?? 'TCP'}))
    const endpoints = pods.map((pod) => {
      const terminating = pod.metadata.deletionTimestamp !== undefined
      const ready = isPodReady(pod) && !terminating
      return {
        addresses: [(pod.status as {podIP: string}).podIP],
        conditions: {ready, serving: isPodReady(pod), terminating},
        nodeName: pod.spec.nodeName,
        targetRef: {kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid},
      }
    })
    const existing = this.slices.list().find((slice) => slice.metadata.namespace === service.metadata.namespace && slice.metadata.labels?.['kubernetes.io/service-name'] === service.metadata.name && slice.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === sliceManager)
    const body = {addressType: 'IPv4', endpoints, ports}
    if (!existing) {
      await this.client.create(resources.endpointSlices, {
        kind: 'EndpointSlice',
        apiVersion: 'discovery.k8s.io/v1',
        metadata: {
          generateName: `${service.metadata.name}-`,
          namespace: service.metadata.namespace,
          labels: {...(service.metadata.labels ?? {}), 'kubernetes.io/service-name': String(service.metadata.name), 'endpointslice.kubernetes.io/managed-by': sliceManager},
          ownerReferences: [{...ownerReference(service, 'v1', 'Service'), blockOwnerDeletion: true}],
        },
        ...body,
      })
      return
    }
    const current: Record<string, unknown> = existing
    if (sameJson({addressType: current.addressType, endpoints: current.endpoints ?? [], ports: current.ports ?? []}, body)) return
    await this.client.update(resources.endpointSlices, {...existing, kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', ...body})
  }

  private async deleteEndpoints(namespace: string, name: string): Promise<void> {
    if (!this.endpoints.get(`${namespace}/${name}`)) return
    try {
      await this.client.delete(resources.endpoints, namespace, name)
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }
}

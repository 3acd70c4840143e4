// The Kubernetes side of a status snapshot, read through the API server as any client reads it:
// leader-election Leases, nodes with their pods, pending pods and why, Services with their
// endpoints, the newest events and the chain of events of the latest change.
import type {KubeObject} from '../api/object.js'
import {resourceAmount} from '../api/quantity.js'
import type {ApiClient} from '../client/client.js'
import {resources} from '../client/resources.js'
import {podRequests} from '../scheduler/node-info.js'
import type {Node, Pod} from '../api/kinds.js'
import {type ChangeChain, chainEventsMax, type EventStatus, eventsShownMax, type LeaseStatus, type NodeStatus, type ServiceStatus} from './model.js'

/** The components whose Leases `status` shows (their leader election). */
export const electedComponents = ['kube-scheduler', 'kube-controller-manager'] as const

interface LeaseObject extends KubeObject {
  spec?: {holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number}
}

interface EventObject extends KubeObject {
  involvedObject: {kind?: string; namespace?: string; name?: string; uid?: string}
  type?: string
  reason?: string
  message?: string
  count?: number
  source?: {component?: string; host?: string}
  reportingComponent?: string
  firstTimestamp?: string | null
  lastTimestamp?: string | null
  eventTime?: string | null
}

interface ServiceObject extends KubeObject {
  spec?: {type?: string; clusterIP?: string; ports?: Array<{name?: string; port: number; protocol?: string}>}
}

interface EndpointsObject extends KubeObject {
  subsets?: Array<{
    addresses?: Array<{ip: string; targetRef?: {kind?: string; namespace?: string; name?: string}}>
    notReadyAddresses?: Array<{ip: string; targetRef?: {kind?: string; namespace?: string; name?: string}}>
  }>
}

export interface KubernetesStatus {
  readonly leases: LeaseStatus[]
  readonly holders: ReadonlyMap<string, string>
  readonly nodes: NodeStatus[]
  readonly pending: Array<{name: string; reason: string}>
  readonly services: ServiceStatus[]
  readonly events: EventStatus[]
  readonly latestChange: ChangeChain | null
}

const quantity = (name: string, text: string | undefined) => (text === undefined ? 0 : resourceAmount(name, text))
const named = (object: KubeObject) => (object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : String(object.metadata.name))
const finished = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'

function podCell(pod: Pod): {name: string; phase: string; ready: boolean} {
  const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True'
  return {name: named(pod), phase: pod.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending'), ready}
}

function nodeStatus(node: Node, pods: readonly Pod[]): NodeStatus {
  const onNode = pods.filter((pod) => pod.spec.nodeName === node.metadata.name && !finished(pod))
  const requested = onNode.reduce((sum, pod) => {
    const requests = podRequests(pod)
    return {cpu: sum.cpu + (requests.cpu ?? 0), memory: sum.memory + (requests.memory ?? 0)}
  }, {cpu: 0, memory: 0})
  const allocatable = node.status?.allocatable ?? {}
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status
  return {
    name: String(node.metadata.name),
    // As kubectl prints it: a Ready condition that is not True (False, or Unknown once the kubelet went silent) is NotReady.
    ready: ready === 'True' ? 'Ready' : ready !== undefined ? 'NotReady' : 'Unknown',
    schedulable: !node.spec?.unschedulable,
    stopped: node.metadata.annotations?.['kubemu.io/stopped'] === 'true',
    cpu: {requested: requested.cpu, allocatable: quantity('cpu', allocatable.cpu)},
    memory: {requested: requested.memory, allocatable: quantity('memory', allocatable.memory)},
    pods: onNode.map(podCell),
  }
}

function eventTime(event: EventObject): string {
  return event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? String(event.metadata.creationTimestamp ?? '')
}

function recordedNanoseconds(event: EventObject): bigint {
  const suffix = /\.([0-9a-f]{1,16})$/.exec(String(event.metadata.name))?.[1]
  return suffix ? BigInt(`0x${suffix}`) : 0n
}

function eventStatus(event: EventObject): EventStatus {
  const involved = event.involvedObject
  return {
    time: eventTime(event),
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    object: [String(involved.kind ?? '').toLowerCase(), involved.namespace, involved.name].filter(Boolean).join('/'),
    component: event.source?.component ?? event.reportingComponent ?? '',
    message: event.message ?? '',
    count: event.count ?? 1,
  }
}

/** The owner each object names as its controller, by uid (a pod's ReplicaSet, a ReplicaSet's Deployment …). */
function controllerOwners(objects: readonly KubeObject[]): Map<string, string> {
  const owners = new Map<string, string>()
  for (const object of objects) {
    const owner = object.metadata.ownerReferences?.find((reference) => reference.controller) ?? object.metadata.ownerReferences?.[0]
    if (owner && object.metadata.uid) owners.set(String(object.metadata.uid), owner.uid)
  }
  return owners
}

/**
 * The latest change as a chain: the newest event's object, up its controllers to the root (the
 * Deployment behind a pod), then every event of the root and what it owns, oldest first.
 */
function latestChangeChain(events: readonly EventObject[], owned: readonly KubeObject[]): ChangeChain | null {
  const newest = events.at(-1)
  if (!newest) return null
  const owners = controllerOwners(owned)
  const rootOf = (uid: string) => {
    let current = uid
    for (let depth = 0; depth < 8 && owners.has(current); depth++) current = owners.get(current)!
    return current
  }
  const rootUid = newest.involvedObject.uid ? rootOf(newest.involvedObject.uid) : null
  const inChain = (event: EventObject) => {
    if (rootUid === null) return event.involvedObject.kind === newest.involvedObject.kind && event.involvedObject.namespace === newest.involvedObject.namespace && event.involvedObject.name === newest.involvedObject.name
    return event.involvedObject.uid !== undefined && rootOf(event.involvedObject.uid) === rootUid
  }
  const chain = events.filter(inChain).slice(-chainEventsMax).map(eventStatus)
  const rootEvent = rootUid === null ? undefined : events.find((event) => event.involvedObject.uid === rootUid)
  const rootObject = owned.find((object) => object.metadata.uid === rootUid)
  const root = rootEvent ? eventStatus(rootEvent).object : rootObject ? [String(rootObject.kind ?? '').toLowerCase(), rootObject.metadata.namespace, rootObject.metadata.name].filter(Boolean).join('/') : eventStatus(newest).object
  return {root, events: chain}
}

function serviceStatus(service: ServiceObject, endpoints: ReadonlyMap<string, EndpointsObject>): ServiceStatus {
  const addresses = (endpoints.get(named(service))?.subsets ?? []).flatMap((subset) => [
    ...(subset.addresses ?? []).map((address) => ({address, ready: true})),
    ...(subset.notReadyAddresses ?? []).map((address) => ({address, ready: false})),
  ])
  return {
    name: named(service),
    type: service.spec?.type ?? 'ClusterIP',
    clusterIP: service.spec?.clusterIP ?? '',
    ports: (service.spec?.ports ?? []).map((port) => `${port.name ? `${port.name}:` : ''}${port.port}/${port.protocol ?? 'TCP'}`),
    endpoints: addresses.map(({address, ready}) => ({
      ip: address.ip,
      pod: address.targetRef?.kind === 'Pod' ? `${address.targetRef.namespace}/${address.targetRef.name}` : null,
      ready,
    })),
  }
}

export async function kubernetesStatus(client: ApiClient): Promise<KubernetesStatus> {
  const [leaseList, nodeList, podList, replicaSetList, serviceList, endpointsList, eventList] = await Promise.all([
    client.list<LeaseObject>(resources.leases, 'kube-system'),
    client.list<Node>(resources.nodes),
    client.list<Pod>(resources.pods),
    client.list<KubeObject>(resources.replicaSets),
    client.list<ServiceObject>(resources.services),
    client.list<EndpointsObject>(resources.endpoints),
    client.list<EventObject>(resources.events),
  ])
  const holders = new Map(leaseList.items.map((lease) => [String(lease.metadata.name), lease.spec?.holderIdentity ?? '']))
  const leases = electedComponents.map((name): LeaseStatus => {
    const lease = leaseList.items.find((item) => item.metadata.name === name)
    return {name, holder: lease?.spec?.holderIdentity ?? '', renewTime: lease?.spec?.renewTime ?? null, leaseDurationSeconds: lease?.spec?.leaseDurationSeconds ?? null}
  })
  const pods = podList.items
  const pending = pods
    .filter((pod) => !pod.spec.nodeName && !finished(pod))
    .map((pod) => ({name: named(pod), reason: pod.status?.conditions?.find((entry) => entry.type === 'PodScheduled')?.message ?? 'not scheduled yet'}))
  const endpoints = new Map(endpointsList.items.map((item) => [named(item), item]))
  // Events in the order they last happened; within a second, by when each was first recorded
  // (client-go names an event after its object and the time in hex nanoseconds).
  const events = [...eventList.items].sort((a, b) => eventTime(a).localeCompare(eventTime(b)) || Number(recordedNanoseconds(a) - recordedNanoseconds(b)))
  return {
    leases,
    holders,
    nodes: nodeList.items.map((node) => nodeStatus(node, pods)),
    pending,
    services: serviceList.items.map((service) => serviceStatus(service, endpoints)),
    events: events.slice(-eventsShownMax).map(eventStatus),
    latestChange: latestChangeChain(events, [...pods, ...replicaSetList.items]),
  }
}

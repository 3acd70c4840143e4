// A connection from a pod, a node or outside, to an address and port: through the kube-proxy
// rules of the node it enters (the source's node; for an outsider, the node that owns or
// announces the address), on to the node that holds the destination, NetworkPolicy, and the pod
// that accepts it. Every step is a hop a learner can read.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import type {ProxyMemory} from '../proxy/memory.js'
import {type KubeProxyConfiguration, nodeAddresses, userspaceProxyPort} from '../proxy/node-rules.js'
import {nodeProxyState, type NodeProxyState, syncedProxyState} from '../proxy/kube-proxy.js'
import {routeConnection} from '../proxy/route.js'
import {ipvsNodeState, ipvsSchedulerDefault} from '../proxy/ipvs.js'
import {routeIpvs} from '../proxy/ipvs-route.js'
import type {ProxiedEndpoint, ProxiedServicePort} from '../proxy/service-ports.js'
import type {SyncedRulesStore} from '../proxy/synced-rules.js'
import {listenerOn} from './container-servers.js'
import {policyVerdict} from './network-policy.js'
import type {ClusterNetworkView, NetworkHop, NetworkSource} from './types.js'

/** The address a client outside the cluster connects from (the host's side of kind's bridge). */
export const externalClientAddress = '172.18.0.1'
/** Nodes a connection may be forwarded through (the source's node, then the destination's). */
export const nodeHopsMax = 2

export interface PathContext {
  readonly view: ClusterNetworkView
  readonly configuration: KubeProxyConfiguration
  readonly memory: ProxyMemory
  readonly random: () => number
  /** The rules the nodes' kube-proxies synced (a node that has none gets them computed from the view). */
  readonly syncedRules?: SyncedRulesStore
}

export type PathResult =
  | {readonly outcome: 'connected'; readonly hops: NetworkHop[]; readonly ip: string; readonly port: number; readonly pod: KubeObject; readonly node: string; readonly sourceIp: string}
  | {readonly outcome: 'refused' | 'timeout'; readonly hops: NetworkHop[]; readonly ip: string; readonly port: number; readonly deniedBy?: string; readonly pod?: KubeObject; readonly node?: string}

const podIpOf = (pod: KubeObject): string | undefined => (pod.status as {podIP?: string} | undefined)?.podIP
const isHostNetwork = (pod: KubeObject): boolean => (pod.spec as {hostNetwork?: boolean} | undefined)?.hostNetwork === true
const isLive = (pod: KubeObject): boolean => !['Succeeded', 'Failed'].includes(String((pod.status as {phase?: string} | undefined)?.phase))

function findPod(view: ClusterNetworkView, namespace: string, name: string): KubeObject | undefined {
  return view.pods.find((pod) => pod.metadata.namespace === namespace && pod.metadata.name === name)
}

/** The node that owns an address (its own), or announces it (a LoadBalancer IP, as MetalLB's L2 mode: a node with a ready local endpoint for Local policies, else the first node not excluded from external load balancers). */
function entryNode(view: ClusterNetworkView, ip: string, state: (node: KubeObject) => NodeProxyState): KubeObject | undefined {
  const owner = view.nodes.find((node) => nodeAddresses(node).includes(ip))
  if (owner) return owner
  const candidates = [...view.nodes].filter((node) => node.metadata.labels?.['node.kubernetes.io/exclude-from-external-load-balancers'] === undefined).sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)))
  const first = candidates[0]
  if (!first) return undefined
  const port = state(first).ports.find((candidate) => candidate.loadBalancerIPs.includes(ip) || candidate.externalIPs.includes(ip))
  if (!port) return undefined
  if (!port.externalPolicyLocal) return first
  return candidates.find((node) => port.endpoints.some((endpoint) => endpoint.nodeName === node.metadata.name)) ?? first
}

function podName(pod: KubeObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`
}

/** The userspace proxier: the portal redirects to the node's proxy, which picks the next endpoint round-robin. */
function userspaceEndpoint(state: NodeProxyState, memory: ProxyMemory, ip: string, port: number, fromNode: boolean, hops: NetworkHop[]): {endpoint?: ProxiedEndpoint; matched: boolean} {
  const local = state.node.addresses.includes(ip)
  const servicePort = state.ports.find((candidate: ProxiedServicePort) => ((candidate.clusterIP === ip || candidate.loadBalancerIPs.includes(ip) || candidate.externalIPs.includes(ip)) && candidate.port === port) || (local && candidate.nodePort === port))
  if (!servicePort) return {matched: false}
  const proxyPort = userspaceProxyPort(state.node.name, servicePort)
  hops.push({step: 'rules', detail: `${fromNode ? 'KUBE-PORTALS-HOST' : 'KUBE-PORTALS-CONTAINER'}: ${ip}:${port} (${servicePort.name}) redirected to kube-proxy on ${state.node.name} port ${proxyPort}`})
  if (servicePort.endpoints.length === 0) {
    hops.push({step: 'endpoint', detail: `${servicePort.name} has no endpoints: kube-proxy closes the connection`})
    return {matched: true}
  }
  const index = memory.next(state.node.name, servicePort.name, servicePort.endpoints.length)
  const endpoint = servicePort.endpoints[index]!
  hops.push({step: 'endpoint', detail: `${endpoint.endpoint}${endpoint.pod ? ` (${endpoint.pod.namespace}/${endpoint.pod.name})` : ''}: round-robin position ${index + 1} of ${servicePort.endpoints.length}`})
  return {endpoint, matched: true}
}

/** Routes a new TCP connection from `from` to ip:port, hop by hop. */
export function routePath(context: PathContext, from: NetworkSource, ip: string, port: number): PathResult {
  const {view, configuration, memory} = context
  const hops: NetworkHop[] = []
  const states = new Map<string, NodeProxyState>()
  const stateOf = (node: KubeObject) => {
    const name = String(node.metadata.name)
    let state = states.get(name)
    if (!state) {
      const sync = context.syncedRules?.read(name)
      states.set(name, (state = sync ? syncedProxyState(sync) : nodeProxyState(configuration, node, view.services, view.endpointSlices)))
    }
    return state
  }
  const nodeNamed = (name: string | undefined) => view.nodes.find((node) => node.metadata.name === name)
  let sourceIp = externalClientAddress
  let sourcePod: KubeObject | undefined
  let fromNode = false
  let entry: KubeObject | undefined
  if (from.kind === 'pod') {
    sourcePod = findPod(view, from.namespace, from.name)
    if (!sourcePod || !podIpOf(sourcePod)) return {outcome: 'timeout', hops: [{step: 'node', detail: `pod ${from.namespace}/${from.name} has no network (not running)`}], ip, port}
    sourceIp = podIpOf(sourcePod)!
    fromNode = isHostNetwork(sourcePod)
    entry = nodeNamed((sourcePod.spec as {nodeName?: string}).nodeName)
  } else if (from.kind === 'node') {
    entry = nodeNamed(from.name)
    fromNode = true
    sourceIp = entry ? nodeAddresses(entry)[0] ?? sourceIp : sourceIp
  } else {
    entry = entryNode(view, ip, stateOf)
  }
  let destinationIp = ip
  let destinationPort = port
  for (let hop = 0; entry && hop < nodeHopsMax; hop++) {
    const state = stateOf(entry)
    const nodeName = state.node.name
    const synced = state.sync ? `synced at ${formatTimestamp(state.sync.lastSyncMilliseconds)}` : 'computed now: no kube-proxy synced on this node yet'
    hops.push({step: 'node', detail: `${nodeName}: kube-proxy (${state.configuration.mode} mode) rules (${synced}) apply to ${sourceIp} → ${destinationIp}:${destinationPort}`})
    if (state.configuration.mode === 'userspace') {
      const chosen = userspaceEndpoint(state, memory, destinationIp, destinationPort, fromNode, hops)
      if (chosen.matched && !chosen.endpoint) return {outcome: 'refused', hops, ip: destinationIp, port: destinationPort}
      if (chosen.endpoint) {
        destinationIp = chosen.endpoint.ip
        destinationPort = chosen.endpoint.port
        break
      }
    } else if (state.configuration.mode === 'ipvs') {
      const ipvs = ipvsNodeState(state.ports, state.node, state.configuration.ipvsScheduler ?? ipvsSchedulerDefault)
      const routed = routeIpvs(ipvs, nodeName, {sourceIp, destinationIp, destinationPort, protocol: 'tcp'}, memory, view.nowMilliseconds)
      for (const step of routed.steps.slice(0, 1)) hops.push({step: 'rules', detail: step})
      if (routed.verdict === 'no real servers') {
        hops.push({step: 'endpoint', detail: routed.steps.at(-1)!})
        return {outcome: 'refused', hops, ip: destinationIp, port: destinationPort}
      }
      if (routed.real) {
        const endpoint = routed.real.endpoint
        hops.push({step: 'endpoint', detail: `${routed.server!.address}:${routed.server!.port} → ${endpoint.endpoint}${endpoint.pod ? ` (${endpoint.pod.namespace}/${endpoint.pod.name})` : ''}: ${routed.steps.at(-1)}`})
        destinationIp = endpoint.ip
        destinationPort = endpoint.port
        break
      }
    } else {
      const walked = routeConnection(state.rules, {sourceIp, fromNode, destinationIp, destinationPort, protocol: 'tcp'}, {nodeAddresses: state.node.addresses, random: context.random, recent: memory.recentFor(nodeName), nowMilliseconds: view.nowMilliseconds})
      for (const step of walked.steps) hops.push({step: 'rules', detail: `${step.table}: ${step.rule}${step.why ? `  [${step.why}]` : ''}`})
      if (walked.verdict === 'reject') return {outcome: 'refused', hops, ip: destinationIp, port: destinationPort}
      if (walked.verdict === 'drop') return {outcome: 'timeout', hops, ip: destinationIp, port: destinationPort}
      if (walked.endpoint) {
        const endpoint = state.ports.flatMap((candidate) => candidate.endpoints).find((candidate) => candidate.chain === walked.endpoint!.chain)
        const affinity = walked.decisions.find((decision) => decision.startsWith('session affinity'))
        const why = affinity ?? (walked.decisions.length > 0 ? `${walked.decisions.join(', ')}; the ladder stopped here` : 'the only endpoint')
        hops.push({step: 'endpoint', detail: `${walked.endpoint.chain} → ${walked.endpoint.ip}:${walked.endpoint.port}${endpoint?.pod ? ` (${endpoint.pod.namespace}/${endpoint.pod.name})` : ''}: ${why}`})
        destinationIp = walked.endpoint.ip
        destinationPort = walked.endpoint.port
        // Masqueraded (a NodePort reached from outside, say): the pod sees the node's address as the client's.
        if (walked.masquerade && !fromNode) {
          const snat = nodeAddresses(entry)[0]
          if (snat) {
            hops.push({step: 'rules', detail: `KUBE-POSTROUTING: MASQUERADE ${sourceIp} → ${snat} (the connection was marked for SNAT)`})
            sourceIp = snat
          }
        }
        break
      }
    }
    // No rule took it: it goes on to the node that owns the address, whose rules apply in turn.
    const owner = view.nodes.find((node) => nodeAddresses(node).includes(destinationIp))
    if (!owner || owner === entry) break
    entry = owner
    fromNode = false
  }
  return deliver(context, hops, sourceIp, sourcePod, destinationIp, destinationPort)
}

/** The last leg: the pod holding the address, NetworkPolicy between the two, and whether the pod is there to accept. */
function deliver(context: PathContext, hops: NetworkHop[], sourceIp: string, sourcePod: KubeObject | undefined, ip: string, port: number): PathResult {
  const {view} = context
  const holders = view.pods.filter((pod) => podIpOf(pod) === ip && isLive(pod))
  // A node's address is shared by its host-network pods: the one listening on the port takes the connection.
  const pod = holders.find((candidate) => !isHostNetwork(candidate)) ?? holders.find((candidate) => listenerOn(candidate, port))
  const owner = view.nodes.find((candidate) => nodeAddresses(candidate).includes(ip))
  if (!pod && owner) {
    hops.push({step: 'pod', detail: `${ip} is node ${owner.metadata.name}: nothing listens on port ${port}, its kernel refuses the connection`})
    return {outcome: 'refused', hops, ip, port, node: String(owner.metadata.name)}
  }
  if (!pod) {
    hops.push({step: 'pod', detail: `no pod or node has ${ip}: no route to host, the client waits until it gives up`})
    return {outcome: 'timeout', hops, ip, port}
  }
  const node = String((pod.spec as {nodeName?: string}).nodeName ?? '')
  hops.push({step: 'pod', detail: isHostNetwork(pod) ? `${ip}:${port} is node ${node} (the host network of pod ${podName(pod)})` : `${ip}:${port} is pod ${podName(pod)} on node ${node}`})
  const verdict = policyVerdict(view, {ip: sourceIp, ...(sourcePod ? {pod: sourcePod} : {})}, {ip, pod, port, protocol: 'TCP'})
  if (!verdict.allowed) {
    hops.push({step: 'policy', detail: `NetworkPolicy ${verdict.deniedBy} denies ${sourceIp} → ${podName(pod)}:${port}: packets dropped`})
    return {outcome: 'timeout', hops, ip, port, deniedBy: verdict.deniedBy, pod, node}
  }
  return {outcome: 'connected', hops, ip, port, pod, node, sourceIp}
}

/** `localhost` and 127.0.0.0/8: the loopback of the network namespace the connection starts in. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/**
 * A connection from a pod to its own loopback: the pod's containers share one network namespace,
 * so whichever of them listens on the port takes it (no rules, no policy: it never leaves the pod).
 */
export function loopbackPath(view: ClusterNetworkView, from: Extract<NetworkSource, {kind: 'pod'}>, host: string, port: number): PathResult {
  const ip = host === 'localhost' ? '127.0.0.1' : host
  const pod = findPod(view, from.namespace, from.name)
  if (!pod || !podIpOf(pod)) return {outcome: 'timeout', hops: [{step: 'node', detail: `pod ${from.namespace}/${from.name} has no network (not running)`}], ip, port}
  const node = String((pod.spec as {nodeName?: string}).nodeName ?? '')
  const hops: NetworkHop[] = [{step: 'pod', detail: `${host}:${port} is the loopback of pod ${podName(pod)}: its containers share one network namespace`}]
  return {outcome: 'connected', hops, ip, port, pod, node, sourceIp: ip}
}

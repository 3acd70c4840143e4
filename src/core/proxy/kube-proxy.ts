// A node's kube-proxy as a reader of the API server: its configuration (the kube-proxy ConfigMap
// kubeadm writes), the Service ports with their ready endpoints, and the node; the rules it
// keeps from them.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {type ApiClient, isNotFound} from '../client/client.js'
import {resources} from '../client/resources.js'
import type {IptablesTable} from './iptables.js'
import {dummyInterface, ipsetListing, ipvsadmList, ipvsNodeState, ipvsSchedulerDefault} from './ipvs.js'
import type {ProxyMemory} from './memory.js'
import {kubeProxyConfiguration, type KubeProxyConfiguration, nodeRules, proxierNode, saveRules, userspaceTable} from './node-rules.js'
import type {NodeRules, ProxierNode} from './proxier.js'
import {type ProxiedServicePort, proxiedServicePorts} from './service-ports.js'
import type {NodeSync, SyncedRulesStore} from './synced-rules.js'

export const kubeProxyNamespace = 'kube-system'
export const kubeProxyName = 'kube-proxy'

export async function readKubeProxyConfiguration(client: ApiClient): Promise<KubeProxyConfiguration> {
  try {
    return kubeProxyConfiguration(await client.get(resources.configMaps, kubeProxyNamespace, kubeProxyName))
  } catch (error) {
    if (isNotFound(error)) return kubeProxyConfiguration(null)
    throw error
  }
}

/** Everything one node's kube-proxy holds: its mode, its node, the Service ports and the rules it made of them. */
export interface NodeProxyState {
  readonly configuration: KubeProxyConfiguration
  readonly node: ProxierNode
  readonly ports: readonly ProxiedServicePort[]
  readonly rules: NodeRules
  /** The node's kube-proxy sync these come from; none when they were computed from the API on the spot. */
  readonly sync?: NodeSync
}

export function nodeProxyState(configuration: KubeProxyConfiguration, node: KubeObject, services: readonly KubeObject[], endpointSlices: readonly KubeObject[]): NodeProxyState {
  const ports = proxiedServicePorts(services, endpointSlices)
  const proxied = proxierNode(node, configuration)
  return {configuration, node: proxied, ports, rules: nodeRules(ports, proxied, configuration)}
}

/** The rules a node's kube-proxy last synced into its kernel. */
export function syncedProxyState(sync: NodeSync): NodeProxyState {
  return {configuration: sync.configuration, node: sync.node, ports: sync.ports, rules: nodeRules(sync.ports, sync.node, sync.configuration), sync}
}

/**
 * A node's rules as its kube-proxy last synced them; for a node whose kube-proxy never synced
 * (no kube-proxy pod has run there yet), computed from the API now, as a kube-proxy starting
 * now would write them.
 */
async function nodeState(client: ApiClient, synced: SyncedRulesStore, nodeName: string): Promise<NodeProxyState> {
  const node = await client.get(resources.nodes, '', nodeName)
  const sync = synced.read(nodeName)
  if (sync) return syncedProxyState(sync)
  const [configuration, services, slices] = await Promise.all([readKubeProxyConfiguration(client), client.list(resources.services), client.list(resources.endpointSlices)])
  return nodeProxyState(configuration, node, services.items, slices.items)
}

/**
 * `kubemu node rules NODE`: iptables-save text (iptables mode, or a table of the other modes with
 * --table), the userspace proxies' table, or in ipvs mode what `ipvsadm -Ln`, `ip addr show
 * kube-ipvs0`, `ipset list` and `iptables-save` print on such a node.
 */
export async function showNodeRules(client: ApiClient, synced: SyncedRulesStore, memory: ProxyMemory, nodeName: string, table?: IptablesTable): Promise<string> {
  const state = await nodeState(client, synced, nodeName)
  if (state.configuration.mode === 'userspace' && !table) return userspaceTable(state.ports, state.node, memory)
  if (state.configuration.mode === 'ipvs' && !table) {
    const ipvs = ipvsNodeState(state.ports, state.node, state.configuration.ipvsScheduler ?? ipvsSchedulerDefault)
    return [`# ipvsadm -Ln\n${ipvsadmList(ipvs)}`, `# ip addr show kube-ipvs0\n${dummyInterface(ipvs, state.node)}`, `# ipset list\n${ipsetListing(ipvs)}`, `# iptables-save\n${saveRules(state.rules)}`].join('\n')
  }
  return saveRules(state.rules, table)
}

/** `kubemu node rules NODE --stats`: which kube-proxy synced the rules, how often and when (cluster time), and their size. */
export async function showNodeRulesStats(client: ApiClient, synced: SyncedRulesStore, nodeName: string): Promise<string> {
  const state = await nodeState(client, synced, nodeName)
  const endpoints = state.ports.reduce((sum, port) => sum + port.endpoints.length, 0)
  const rules = state.rules.nat.rules.length + state.rules.filter.rules.length
  const lines = state.sync
    ? [`kube-proxy:       ${state.sync.instance.split(' ')[0]}`, `mode:             ${state.configuration.mode}`, `syncs:            ${state.sync.syncCount}`, `last sync:        ${formatTimestamp(state.sync.lastSyncMilliseconds)}`]
    : ['kube-proxy:       <none> (never synced on this node: rules computed from the API now)', `mode:             ${state.configuration.mode}`, 'syncs:            0', 'last sync:        <never>']
  lines.push(`service ports:    ${state.ports.length}`, `endpoints:        ${endpoints}`, `rules:            ${rules}`)
  return `${lines.join('\n')}\n`
}

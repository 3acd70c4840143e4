// A node's kube-proxy as a reader of the API server: its configuration (the kube-proxy ConfigMap
// kubeadm writes), the Service ports with their ready endpoints, and the node; the rules it
// keeps from them.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {type ApiClient, isNotFound} from '../client/client.js'
import {resources} from '../client/resources.js'
import type {IptablesTable} from './iptables.js'
import {dummyInterface, ipsetListing, ipvsadmList, ipvsNodeState, ipvsSchedulerDefault} from './ipvs.js'
import type {ProxyMemory} from './memory.js'
import {kubeProxyConfiguration, type KubeProxyConfiguration, nodeRules, proxierNode, saveRules, syncPeriodMillisecondsDefault, userspaceTable} from './node-rules.js'
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

/** The rules a node's kube-proxy last synced into its kernel (none for Services once flushed behind its back). */
export function syncedProxyState(sync: NodeSync): NodeProxyState {
  const ports = sync.flushedMilliseconds === undefined ? sync.ports : []
  return {configuration: sync.configuration, node: sync.node, ports, rules: nodeRules(ports, sync.node, sync.configuration), sync}
}

export class NoRulesToFlushError extends Error {}

/**
 * `kubemu node rules NODE --flush`: deletes the node's Service rules behind its kube-proxy's back
 * (as `iptables -t nat -F KUBE-SERVICES` or `ipvsadm -C` on the node would); Services stop
 * answering there until kube-proxy's next sync puts them back (its periodic resync at the latest).
 */
export async function flushNodeRules(client: ApiClient, synced: SyncedRulesStore, nodeName: string, nowMilliseconds: number): Promise<string> {
  await client.get(resources.nodes, '', nodeName)
  const sync = synced.read(nodeName)
  if (!sync) throw new NoRulesToFlushError(`node ${nodeName} has no kube-proxy rules to flush: no kube-proxy has synced there yet`)
  synced.write([{...sync, flushedMilliseconds: nowMilliseconds}])
  const period = (sync.configuration.syncPeriodMilliseconds ?? syncPeriodMillisecondsDefault) / 1000
  return `node/${nodeName}: Service rules flushed; kube-proxy puts them back at its next sync (its periodic resync comes every ${period}s, next at ${formatTimestamp(nextResync(sync, nowMilliseconds))})\n`
}

/** The first periodic resync after `now` of a kube-proxy that last synced as `sync` says. */
function nextResync(sync: NodeSync, nowMilliseconds: number): number {
  const period = sync.configuration.syncPeriodMilliseconds ?? syncPeriodMillisecondsDefault
  return sync.lastSyncMilliseconds + (Math.floor((nowMilliseconds - sync.lastSyncMilliseconds) / period) + 1) * period
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
  const mode = `${state.configuration.mode}${state.configuration.mode === 'ipvs' ? ` (scheduler ${state.configuration.ipvsScheduler ?? ipvsSchedulerDefault})` : ''}`
  const period = `${(state.configuration.syncPeriodMilliseconds ?? syncPeriodMillisecondsDefault) / 1000}s`
  const sync = state.sync
  const lines = sync
    ? [
        `kube-proxy:       ${sync.instance.split(' ')[0]}`,
        `mode:             ${mode}`,
        `syncs:            ${sync.syncCount}`,
        `last sync:        ${formatTimestamp(sync.lastSyncMilliseconds)}`,
        `last sync cause:  ${sync.cause ?? 'a Service, EndpointSlice or Node it watches changed'}`,
        `sync period:      ${period} (next resync at ${formatTimestamp(nextResync(sync, sync.lastSyncMilliseconds))} if nothing changes)`,
        ...(sync.flushedMilliseconds !== undefined ? [`flushed:          ${formatTimestamp(sync.flushedMilliseconds)} (Service rules deleted behind kube-proxy's back; back at its next sync)`] : []),
      ]
    : ['kube-proxy:       <none> (never synced on this node: rules computed from the API now)', `mode:             ${mode}`, 'syncs:            0', 'last sync:        <never>', `sync period:      ${period}`]
  lines.push(`service ports:    ${state.ports.length}`, `endpoints:        ${endpoints}`, `rules:            ${rules}`)
  return `${lines.join('\n')}\n`
}

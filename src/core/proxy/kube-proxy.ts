// A node's kube-proxy as a reader of the API server: its configuration (the kube-proxy ConfigMap
// kubeadm writes), the Service ports with their ready endpoints, and the node; the rules it
// keeps from them.
import type {KubeObject} from '../api/object.js'
import {type ApiClient, isNotFound} from '../client/client.js'
import {resources} from '../client/resources.js'
import type {IptablesTable} from './iptables.js'
import type {ProxyMemory} from './memory.js'
import {kubeProxyConfiguration, type KubeProxyConfiguration, nodeRules, proxierNode, saveRules, userspaceTable} from './node-rules.js'
import type {NodeRules, ProxierNode} from './proxier.js'
import {type ProxiedServicePort, proxiedServicePorts} from './service-ports.js'

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
}

export function nodeProxyState(configuration: KubeProxyConfiguration, node: KubeObject, services: readonly KubeObject[], endpointSlices: readonly KubeObject[]): NodeProxyState {
  const ports = proxiedServicePorts(services, endpointSlices)
  const proxied = proxierNode(node, configuration)
  return {configuration, node: proxied, ports, rules: nodeRules(ports, proxied, configuration.mode)}
}

/** `kubemu node rules NODE`: iptables-save text (iptables mode, or userspace's portals with --table), or the userspace proxies' table. */
export async function showNodeRules(client: ApiClient, memory: ProxyMemory, nodeName: string, table?: IptablesTable): Promise<string> {
  const node = await client.get(resources.nodes, '', nodeName)
  const [configuration, services, slices] = await Promise.all([readKubeProxyConfiguration(client), client.list(resources.services), client.list(resources.endpointSlices)])
  const state = nodeProxyState(configuration, node, services.items, slices.items)
  if (configuration.mode === 'userspace' && !table) return userspaceTable(state.ports, state.node, memory)
  return saveRules(state.rules, table)
}

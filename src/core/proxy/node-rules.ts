// What `kubemu node rules NODE` shows: the node's kube-proxy rules for the mode its ConfigMap
// names: iptables (the nat and filter tables in iptables-save form) or userspace (the portal
// rules that redirect each cluster IP to a proxy port on the node, and each proxy's round-robin
// state).
import {createHash} from 'node:crypto'
import {parse as parseYaml} from 'yaml'
import type {KubeObject} from '../api/object.js'
import {parseGoDurationMilliseconds} from '../util/go-duration.js'
import {type IptablesRule, type IptablesTable, saveTable} from './iptables.js'
import {ipvsNodeState, ipvsSchedulerDefault, ipvsSchedulers} from './ipvs.js'
import {iptablesRules, type NodeRules, type ProxierNode} from './proxier.js'
import type {ProxiedServicePort} from './service-ports.js'

export type ProxyMode = 'iptables' | 'userspace' | 'ipvs'
export const proxyModes: readonly ProxyMode[] = ['iptables', 'userspace', 'ipvs']
/** kind's pod network. */
export const clusterCIDRDefault = '10.244.0.0/16'
/** The ephemeral ports the userspace proxier's listeners get (Linux's ip_local_port_range). */
export const proxyPortMin = 32_768
export const proxyPortMax = 60_999

export class ProxyConfigError extends Error {}

/** kube-proxy's default iptables.minSyncPeriod (what an absent or zero one becomes). */
export const minSyncPeriodMillisecondsDefault = 1_000

/** kube-proxy's default syncPeriod: it syncs this often even when nothing changed. */
export const syncPeriodMillisecondsDefault = 30_000

export interface KubeProxyConfiguration {
  readonly mode: ProxyMode
  readonly clusterCIDR: string
  /** iptables.minSyncPeriod (ipvs.minSyncPeriod in ipvs mode): the least time between two syncs of a node's rules. */
  readonly minSyncPeriodMilliseconds?: number
  /** iptables.syncPeriod (ipvs.syncPeriod in ipvs mode): the most time between two syncs, changes or not. */
  readonly syncPeriodMilliseconds?: number
  /** ipvs.scheduler (rr when empty). */
  readonly ipvsScheduler?: string
}

type PeriodSection = {minSyncPeriod?: unknown; syncPeriod?: unknown; scheduler?: unknown}

/** A duration of the mode's section (`iptables.syncPeriod`, `ipvs.minSyncPeriod`), or the default when absent or zero. */
function periodOf(section: PeriodSection | undefined, sectionName: string, field: 'minSyncPeriod' | 'syncPeriod', fallback: number): number {
  const text = section?.[field]
  if (text === undefined || text === null || text === '') return fallback
  try {
    return parseGoDurationMilliseconds(String(text)) || fallback
  } catch (error) {
    throw new ProxyConfigError(`kube-proxy's config.conf has an invalid ${sectionName}.${field}: ${(error as Error).message}`)
  }
}

/** The mode and cluster CIDR of the kube-proxy ConfigMap's `config.conf` (an empty mode is iptables on Linux). */
/** The last config.conf read and what it said: every probe and connection through a Service reads it, and it rarely changes. */
let lastConfiguration: {readonly text: string; readonly configuration: KubeProxyConfiguration} | null = null

export function kubeProxyConfiguration(configMap: KubeObject | null): KubeProxyConfiguration {
  const text = (configMap as {data?: Record<string, string>} | null)?.data?.['config.conf']
  if (!text) return {mode: 'iptables', clusterCIDR: clusterCIDRDefault}
  if (lastConfiguration?.text === text) return lastConfiguration.configuration
  const configuration = parseKubeProxyConfiguration(text)
  lastConfiguration = {text, configuration}
  return configuration
}

function parseKubeProxyConfiguration(text: string): KubeProxyConfiguration {
  let config: {mode?: unknown; clusterCIDR?: unknown; iptables?: PeriodSection; ipvs?: PeriodSection}
  try {
    config = (parseYaml(text) ?? {}) as typeof config
  } catch (error) {
    throw new ProxyConfigError(`kube-proxy's config.conf does not parse: ${(error as Error).message}`)
  }
  const mode = String(config.mode ?? '') || 'iptables'
  if (!proxyModes.includes(mode as ProxyMode)) throw new ProxyConfigError(`kube-proxy's config.conf names an unknown mode ${JSON.stringify(mode)} (expected one of: ${proxyModes.join(', ')})`)
  const sectionName = mode === 'ipvs' ? 'ipvs' : 'iptables'
  const section = mode === 'ipvs' ? config.ipvs : config.iptables
  const scheduler = mode === 'ipvs' ? String(config.ipvs?.scheduler ?? '') || ipvsSchedulerDefault : undefined
  if (scheduler !== undefined && !ipvsSchedulers.includes(scheduler)) throw new ProxyConfigError(`kube-proxy's config.conf names an unknown ipvs.scheduler ${JSON.stringify(scheduler)} (expected one of: ${ipvsSchedulers.join(', ')})`)
  return {
    mode: mode as ProxyMode,
    clusterCIDR: String(config.clusterCIDR ?? '') || clusterCIDRDefault,
    minSyncPeriodMilliseconds: periodOf(section, sectionName, 'minSyncPeriod', minSyncPeriodMillisecondsDefault),
    syncPeriodMilliseconds: periodOf(section, sectionName, 'syncPeriod', syncPeriodMillisecondsDefault),
    ...(scheduler !== undefined ? {ipvsScheduler: scheduler} : {}),
  }
}

/** A node's addresses, as `--dst-type LOCAL` knows them. */
export function nodeAddresses(node: KubeObject): string[] {
  return ((node.status as {addresses?: Array<{type: string; address: string}>} | undefined)?.addresses ?? []).filter((address) => address.type === 'InternalIP' || address.type === 'ExternalIP').map((address) => address.address)
}

export function proxierNode(node: KubeObject, configuration: KubeProxyConfiguration): ProxierNode {
  return {name: String(node.metadata.name), addresses: nodeAddresses(node), clusterCIDR: configuration.clusterCIDR}
}

/** The port the userspace proxier listens on for a Service port on a node (stable, so every call shows the same). */
export function userspaceProxyPort(node: string, port: ProxiedServicePort): number {
  const digest = createHash('sha256').update(`${node} ${port.name} ${port.protocol}`).digest()
  return proxyPortMin + (digest.readUInt32BE(0) % (proxyPortMax - proxyPortMin + 1))
}

/** The userspace proxier's portal rules: the cluster IP (and NodePort) of each Service port redirected to its proxy port. */
export function userspaceRules(ports: readonly ProxiedServicePort[], node: ProxierNode): NodeRules {
  const nat: IptablesRule[] = [
    {chain: 'PREROUTING', matches: [{module: 'comment', comment: 'handle ClusterIPs; NOTE: this must be before the NodePort rules'}], target: 'KUBE-PORTALS-CONTAINER'},
    {chain: 'PREROUTING', matches: [{module: 'addrtype', type: 'dst'}, {module: 'comment', comment: 'handle service NodePorts; NOTE: this must be the last rule in the chain'}], target: 'KUBE-NODEPORT-CONTAINER'},
    {chain: 'OUTPUT', matches: [{module: 'comment', comment: 'handle ClusterIPs; NOTE: this must be before the NodePort rules'}], target: 'KUBE-PORTALS-HOST'},
    {chain: 'OUTPUT', matches: [{module: 'addrtype', type: 'dst'}, {module: 'comment', comment: 'handle service NodePorts; NOTE: this must be the last rule in the chain'}], target: 'KUBE-NODEPORT-HOST'},
  ]
  const hostAddress = node.addresses[0] ?? '127.0.0.1'
  for (const port of ports) {
    const proxyPort = userspaceProxyPort(node.name, port)
    const portal = (chain: string, destinationPort: number, destination?: string): IptablesRule[] => {
      const base = {...(destination ? {destination} : {}), protocol: port.protocol, matches: [{module: 'comment' as const, comment: port.name}, {module: 'port' as const, protocol: port.protocol, destinationPort}]}
      return [
        {chain: `${chain}-CONTAINER`, ...base, target: 'REDIRECT', targetOptions: `--to-ports ${proxyPort}`},
        {chain: `${chain}-HOST`, ...base, target: 'DNAT', targetOptions: `--to-destination ${hostAddress}:${proxyPort}`},
      ]
    }
    nat.push(...portal('KUBE-PORTALS', port.port, port.clusterIP))
    for (const ip of [...port.externalIPs, ...port.loadBalancerIPs]) nat.push(...portal('KUBE-PORTALS', port.port, ip))
    if (port.nodePort !== undefined) nat.push(...portal('KUBE-NODEPORT', port.nodePort))
  }
  const chains = ['KUBE-PORTALS-CONTAINER', 'KUBE-PORTALS-HOST', 'KUBE-NODEPORT-CONTAINER', 'KUBE-NODEPORT-HOST']
  return {nat: {table: 'nat', chains, rules: nat}, filter: {table: 'filter', chains: ['KUBE-PORTALS-CONTAINER', 'KUBE-PORTALS-HOST', 'KUBE-NODEPORT-CONTAINER', 'KUBE-NODEPORT-HOST'], rules: []}}
}

/** The iptables rules of a node in its configuration's mode (ipvs mode's own small set beside its virtual servers). */
export function nodeRules(ports: readonly ProxiedServicePort[], node: ProxierNode, configuration: KubeProxyConfiguration): NodeRules {
  if (configuration.mode === 'userspace') return userspaceRules(ports, node)
  if (configuration.mode === 'ipvs') return ipvsNodeState(ports, node, configuration.ipvsScheduler ?? ipvsSchedulerDefault).rules
  return iptablesRules(ports, node)
}

/** iptables-save text of one table, or both (filter first, as iptables-save prints them). */
export function saveRules(rules: NodeRules, table?: IptablesTable): string {
  if (table) return saveTable(rules[table])
  return saveTable(rules.filter) + saveTable(rules.nat)
}

/** Where each userspace proxy would send its next connection: the endpoint list and the round-robin position. */
export interface RoundRobinState {
  next(node: string, servicePort: string, endpointCount: number): number
  peek(node: string, servicePort: string, endpointCount: number): number
}

/** The userspace proxier's table: one line per Service port with its portal, proxy port, endpoints and the next one round-robin picks. */
export function userspaceTable(ports: readonly ProxiedServicePort[], node: ProxierNode, roundRobin: RoundRobinState): string {
  const rows = [['SERVICE PORT', 'PROTOCOL', 'PORTAL', 'PROXY PORT', 'ENDPOINTS', 'NEXT']]
  for (const port of ports) {
    const endpoints = port.endpoints.map((endpoint) => endpoint.endpoint)
    const next = endpoints.length > 0 ? endpoints[roundRobin.peek(node.name, port.name, endpoints.length)]! : '<none>'
    rows.push([port.name, port.protocol.toUpperCase(), `${port.clusterIP}:${port.port}`, String(userspaceProxyPort(node.name, port)), endpoints.join(',') || '<none>', next])
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! + 3))).join('')).join('\n') + '\n'
}

// One node's rules as kube-proxy 1.32's iptables proxier writes them (syncProxyRules): the
// static chains, then per Service port its KUBE-SERVICES / KUBE-NODEPORTS entries, KUBE-EXT-…
// (external traffic), KUBE-FW-… (loadBalancerSourceRanges), KUBE-SVC-… (cluster policy),
// KUBE-SVL-… (Local policy), KUBE-SEP-… per endpoint, and the filter table's REJECT/DROP for
// Service ports without (local) endpoints.
import {serviceChainName} from './chain-names.js'
import {type IptablesRule, type IptablesTableRules, probabilityFor, type RuleMatch} from './iptables.js'
import {externallyAccessible, type ProxiedEndpoint, type ProxiedServicePort} from './service-ports.js'

/** The node a kube-proxy runs on, and its configuration (kind's: the pod network 10.244.0.0/16). */
export interface ProxierNode {
  readonly name: string
  /** The node's own addresses (`--dst-type LOCAL`). */
  readonly addresses: readonly string[]
  readonly clusterCIDR: string
}

export const masqueradeMark = '0x4000'

export interface NodeRules {
  readonly nat: IptablesTableRules
  readonly filter: IptablesTableRules
}

const comment = (text: string): RuleMatch => ({module: 'comment', comment: text})
const fixed = (text: string, newConnection: boolean): RuleMatch => ({module: 'fixed', text, newConnection})
const newState = fixed('-m conntrack --ctstate NEW', true)

function staticNat(): IptablesRule[] {
  return [
    {chain: 'PREROUTING', matches: [comment('kubernetes service portals')], target: 'KUBE-SERVICES'},
    {chain: 'OUTPUT', matches: [comment('kubernetes service portals')], target: 'KUBE-SERVICES'},
    {chain: 'POSTROUTING', matches: [comment('kubernetes postrouting rules')], target: 'KUBE-POSTROUTING'},
    {chain: 'KUBE-MARK-MASQ', matches: [], target: 'MARK', targetOptions: `--set-xmark ${masqueradeMark}/${masqueradeMark}`},
    {chain: 'KUBE-POSTROUTING', matches: [fixed(`-m mark ! --mark ${masqueradeMark}/${masqueradeMark}`, false)], target: 'RETURN'},
    {chain: 'KUBE-POSTROUTING', matches: [], target: 'MARK', targetOptions: `--set-xmark ${masqueradeMark}/0x0`},
    {chain: 'KUBE-POSTROUTING', matches: [comment('kubernetes service traffic requiring SNAT')], target: 'MASQUERADE', targetOptions: '--random-fully'},
  ]
}

function staticFilter(): IptablesRule[] {
  return [
    {chain: 'INPUT', matches: [newState, comment('kubernetes load balancer firewall')], target: 'KUBE-PROXY-FIREWALL'},
    {chain: 'INPUT', matches: [comment('kubernetes health check service ports')], target: 'KUBE-NODEPORTS'},
    {chain: 'INPUT', matches: [newState, comment('kubernetes externally-visible service portals')], target: 'KUBE-EXTERNAL-SERVICES'},
    {chain: 'INPUT', matches: [], target: 'KUBE-FIREWALL'},
    {chain: 'FORWARD', matches: [newState, comment('kubernetes load balancer firewall')], target: 'KUBE-PROXY-FIREWALL'},
    {chain: 'FORWARD', matches: [comment('kubernetes forwarding rules')], target: 'KUBE-FORWARD'},
    {chain: 'FORWARD', matches: [newState, comment('kubernetes service portals')], target: 'KUBE-SERVICES'},
    {chain: 'FORWARD', matches: [newState, comment('kubernetes externally-visible service portals')], target: 'KUBE-EXTERNAL-SERVICES'},
    {chain: 'OUTPUT', matches: [newState, comment('kubernetes load balancer firewall')], target: 'KUBE-PROXY-FIREWALL'},
    {chain: 'OUTPUT', matches: [newState, comment('kubernetes service portals')], target: 'KUBE-SERVICES'},
    {chain: 'OUTPUT', matches: [], target: 'KUBE-FIREWALL'},
    {chain: 'KUBE-FIREWALL', source: '127.0.0.0/8', sourceNegated: true, destination: '127.0.0.0/8', matches: [comment('block incoming localnet connections'), fixed('-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT', true)], target: 'DROP'},
    {chain: 'KUBE-FORWARD', matches: [fixed('-m conntrack --ctstate INVALID', false)], target: 'DROP'},
    {chain: 'KUBE-FORWARD', matches: [comment('kubernetes forwarding rules'), fixed(`-m mark --mark ${masqueradeMark}/${masqueradeMark}`, false)], target: 'ACCEPT'},
    {chain: 'KUBE-FORWARD', matches: [comment('kubernetes forwarding conntrack rule'), fixed('-m conntrack --ctstate RELATED,ESTABLISHED', false)], target: 'ACCEPT'},
  ]
}

const natChains = ['KUBE-KUBELET-CANARY', 'KUBE-PROXY-CANARY', 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']
const filterChains = ['KUBE-KUBELET-CANARY', 'KUBE-PROXY-CANARY', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES']

/** The jump from a Service chain to its endpoints: affinity checks first, then the probability ladder. */
function endpointRules(port: ProxiedServicePort, chain: string, endpoints: readonly ProxiedEndpoint[]): IptablesRule[] {
  const rules: IptablesRule[] = []
  if (port.affinitySeconds !== undefined) {
    for (const endpoint of endpoints) {
      rules.push({chain, matches: [comment(`${port.name} -> ${endpoint.endpoint}`), {module: 'recent', action: 'rcheck', name: endpoint.chain, seconds: port.affinitySeconds}], target: endpoint.chain})
    }
  }
  endpoints.forEach((endpoint, index) => {
    const ladder: RuleMatch[] = index < endpoints.length - 1 ? [{module: 'statistic', probability: probabilityFor(index, endpoints.length)}] : []
    rules.push({chain, matches: [comment(`${port.name} -> ${endpoint.endpoint}`), ...ladder], target: endpoint.chain})
  })
  return rules
}

/** One Service port's rules on a node (kube-proxy's per-service block of syncProxyRules). */
function servicePortRules(port: ProxiedServicePort, node: ProxierNode, nat: IptablesRule[], filter: IptablesRule[], chains: {nat: string[]}): void {
  const svc = serviceChainName('KUBE-SVC', port.name, port.protocol)
  const svl = serviceChainName('KUBE-SVL', port.name, port.protocol)
  const ext = serviceChainName('KUBE-EXT', port.name, port.protocol)
  const fw = serviceChainName('KUBE-FW', port.name, port.protocol)
  const all = port.endpoints
  const local = all.filter((endpoint) => endpoint.nodeName === node.name)
  const hasEndpoints = all.length > 0
  const accessible = externallyAccessible(port)
  const hasInternal = port.internalPolicyLocal ? local.length > 0 : hasEndpoints
  const hasExternal = port.externalPolicyLocal ? local.length > 0 : hasEndpoints
  const internalChain = port.internalPolicyLocal ? svl : svc
  const externalPolicyChain = port.externalPolicyLocal ? svl : svc
  const usesFirewall = hasEndpoints && port.loadBalancerIPs.length > 0 && port.loadBalancerSourceRanges.length > 0
  const loadBalancerChain = usesFirewall ? fw : ext
  const usesCluster = hasEndpoints && (!port.internalPolicyLocal || accessible)
  const usesLocal = local.length > 0 && (port.internalPolicyLocal || (accessible && port.externalPolicyLocal))
  const usesExternal = hasEndpoints && accessible
  const proto = port.protocol
  const dport = (destinationPort: number): RuleMatch => ({module: 'port', protocol: proto, destinationPort})
  const noEndpoints = `${port.name} has no endpoints`
  const noLocal = `${port.name} has no local endpoints`
  const internalFilter = !hasEndpoints ? {target: 'REJECT', text: noEndpoints} : !hasInternal ? {target: 'DROP', text: noLocal} : null
  const externalFilter = !hasEndpoints ? {target: 'REJECT', text: noEndpoints} : !hasExternal ? {target: 'DROP', text: noLocal} : null
  const reject = (target: string) => (target === 'REJECT' ? {target, targetOptions: '--reject-with icmp-port-unreachable'} : {target})

  if (hasInternal) nat.push({chain: 'KUBE-SERVICES', destination: port.clusterIP, protocol: proto, matches: [comment(`${port.name} cluster IP`), dport(port.port)], target: internalChain})
  else if (internalFilter) filter.push({chain: 'KUBE-SERVICES', destination: port.clusterIP, protocol: proto, matches: [comment(internalFilter.text), dport(port.port)], ...reject(internalFilter.target)})
  for (const ip of port.externalIPs) {
    if (hasEndpoints) nat.push({chain: 'KUBE-SERVICES', destination: ip, protocol: proto, matches: [comment(`${port.name} external IP`), dport(port.port)], target: ext})
    if (externalFilter) filter.push({chain: 'KUBE-EXTERNAL-SERVICES', destination: ip, protocol: proto, matches: [comment(externalFilter.text), dport(port.port)], ...reject(externalFilter.target)})
  }
  for (const ip of port.loadBalancerIPs) {
    if (hasEndpoints) nat.push({chain: 'KUBE-SERVICES', destination: ip, protocol: proto, matches: [comment(`${port.name} loadbalancer IP`), dport(port.port)], target: loadBalancerChain})
    if (usesFirewall) filter.push({chain: 'KUBE-PROXY-FIREWALL', destination: ip, protocol: proto, matches: [comment(`${port.name} traffic not accepted by ${fw}`), dport(port.port)], target: 'DROP'})
    if (externalFilter) filter.push({chain: 'KUBE-EXTERNAL-SERVICES', destination: ip, protocol: proto, matches: [comment(externalFilter.text), dport(port.port)], ...reject(externalFilter.target)})
  }
  if (port.nodePort !== undefined) {
    if (hasEndpoints) nat.push({chain: 'KUBE-NODEPORTS', protocol: proto, matches: [comment(port.name), dport(port.nodePort)], target: ext})
    if (externalFilter) filter.push({chain: 'KUBE-EXTERNAL-SERVICES', protocol: proto, matches: [comment(externalFilter.text), {module: 'addrtype', type: 'dst'}, dport(port.nodePort)], ...reject(externalFilter.target)})
  }
  if (usesExternal) {
    chains.nat.push(ext)
    const externalDestinations = `${port.name} external destinations`
    if (port.externalPolicyLocal) {
      nat.push({chain: ext, source: node.clusterCIDR, matches: [comment(`pod traffic for ${externalDestinations}`)], target: svc})
      nat.push({chain: ext, matches: [comment(`masquerade LOCAL traffic for ${externalDestinations}`), {module: 'addrtype', type: 'src'}], target: 'KUBE-MARK-MASQ'})
      nat.push({chain: ext, matches: [comment(`route LOCAL traffic for ${externalDestinations}`), {module: 'addrtype', type: 'src'}], target: svc})
    } else {
      nat.push({chain: ext, matches: [comment(`masquerade traffic for ${externalDestinations}`)], target: 'KUBE-MARK-MASQ'})
    }
    if (hasExternal) nat.push({chain: ext, matches: [], target: externalPolicyChain})
  }
  if (usesFirewall) {
    chains.nat.push(fw)
    for (const range of port.loadBalancerSourceRanges) nat.push({chain: fw, source: range, matches: [comment(`${port.name} loadbalancer IP`)], target: ext})
    nat.push({chain: fw, matches: [comment(`other traffic to ${port.name} will be dropped by KUBE-PROXY-FIREWALL`)]})
  }
  if (usesCluster) {
    chains.nat.push(svc)
    nat.push({chain: svc, source: node.clusterCIDR, sourceNegated: true, destination: port.clusterIP, protocol: proto, matches: [comment(`${port.name} cluster IP`), dport(port.port)], target: 'KUBE-MARK-MASQ'})
    nat.push(...endpointRules(port, svc, all))
  }
  if (usesLocal) {
    chains.nat.push(svl)
    nat.push(...endpointRules(port, svl, local))
  }
  const reached = new Set([...(usesCluster ? all : []), ...(usesLocal ? local : [])])
  for (const endpoint of all.filter((candidate) => reached.has(candidate))) {
    chains.nat.push(endpoint.chain)
    nat.push({chain: endpoint.chain, source: endpoint.ip, matches: [comment(port.name)], target: 'KUBE-MARK-MASQ'})
    const affinity: RuleMatch[] = port.affinitySeconds !== undefined ? [{module: 'recent', action: 'set', name: endpoint.chain}] : []
    nat.push({chain: endpoint.chain, protocol: proto, matches: [comment(port.name), ...affinity, {module: 'port', protocol: proto}], target: 'DNAT', targetOptions: `--to-destination ${endpoint.endpoint}`})
  }
}

/** The nat and filter tables kube-proxy in iptables mode keeps on `node` for these Service ports. */
export function iptablesRules(ports: readonly ProxiedServicePort[], node: ProxierNode): NodeRules {
  const nat = staticNat()
  const filter = staticFilter()
  const chains = {nat: [...natChains]}
  for (const port of ports) servicePortRules(port, node, nat, filter, chains)
  // The NodePort jump is the last rule of KUBE-SERVICES.
  nat.push({chain: 'KUBE-SERVICES', matches: [comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'), {module: 'addrtype', type: 'dst'}], target: 'KUBE-NODEPORTS'})
  return {nat: {table: 'nat', chains: chains.nat, rules: nat}, filter: {table: 'filter', chains: filterChains, rules: filter}}
}

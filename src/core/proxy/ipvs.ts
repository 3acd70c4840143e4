// One node's kernel state as kube-proxy 1.32's ipvs proxier keeps it (syncProxyRules): a virtual
// server per ClusterIP:port, per node address and NodePort, per external and load-balancer IP,
// with the Service's ready endpoints as Masq real servers of weight 1 (the ConfigMap's scheduler,
// rr by default; `persistent` for ClientIP affinity); the Service addresses bound to the
// kube-ipvs0 dummy interface; the ipsets the rules match on; and the small iptables part ipvs
// mode still writes (writeIptablesRules and its jump chains). Printed as `ipvsadm -Ln`,
// `ip addr show kube-ipvs0`, `ipset list` and `iptables-save` print them.
import {type IptablesRule, type RuleMatch} from './iptables.js'
import type {NodeRules, ProxierNode} from './proxier.js'
import type {ProxiedEndpoint, ProxiedServicePort} from './service-ports.js'

/** kube-proxy's default ipvs scheduler. */
export const ipvsSchedulerDefault = 'rr'
/** The schedulers IPVS has (`ipvs.scheduler` names one of them). */
export const ipvsSchedulers: readonly string[] = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh']
/** kube-proxy's masquerade mark as its ipvs proxier formats it (%#08x); iptables-save prints it back as 0x4000. */
const masqueradeMark = '0x4000'

export interface RealServer {
  readonly endpoint: ProxiedEndpoint
}

export interface VirtualServer {
  readonly protocol: string
  readonly address: string
  readonly port: number
  readonly scheduler: string
  /** ClientIP affinity's timeout (`persistent N`). */
  readonly persistentSeconds?: number
  readonly realServers: readonly RealServer[]
  /** The Service port it serves, and how it is reached. */
  readonly servicePort: string
  readonly reachedAs: 'cluster IP' | 'node port' | 'external IP' | 'load balancer IP'
}

export type IpsetType = 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'bitmap:port' | 'hash:ip'

export interface Ipset {
  readonly name: string
  readonly type: IpsetType
  readonly comment: string
  readonly members: readonly string[]
}

export interface IpvsNodeState {
  readonly virtualServers: readonly VirtualServer[]
  /** Addresses bound to kube-ipvs0. */
  readonly dummyAddresses: readonly string[]
  readonly ipsets: readonly Ipset[]
  readonly rules: NodeRules
}

/** kube-proxy's ipsetInfo: every set, in its order, with its type and comment. */
const ipsetInfo: ReadonlyArray<{name: string; type: IpsetType; comment: string}> = [
  {name: 'KUBE-LOOP-BACK', type: 'hash:ip,port,ip', comment: 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose'},
  {name: 'KUBE-CLUSTER-IP', type: 'hash:ip,port', comment: 'Kubernetes service cluster ip + port for masquerade purpose'},
  {name: 'KUBE-EXTERNAL-IP', type: 'hash:ip,port', comment: 'Kubernetes service external ip + port for masquerade and filter purpose'},
  {name: 'KUBE-EXTERNAL-IP-LOCAL', type: 'hash:ip,port', comment: 'Kubernetes service external ip + port with externalTrafficPolicy=local'},
  {name: 'KUBE-LOAD-BALANCER', type: 'hash:ip,port', comment: 'Kubernetes service lb portal'},
  {name: 'KUBE-LOAD-BALANCER-FW', type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port for load balancer with sourceRange'},
  {name: 'KUBE-LOAD-BALANCER-LOCAL', type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local'},
  {name: 'KUBE-LOAD-BALANCER-SOURCE-IP', type: 'hash:ip,port,ip', comment: 'Kubernetes service load balancer ip + port + source IP for packet filter purpose'},
  {name: 'KUBE-LOAD-BALANCER-SOURCE-CIDR', type: 'hash:ip,port,net', comment: 'Kubernetes service load balancer ip + port + source cidr for packet filter purpose'},
  {name: 'KUBE-NODE-PORT-TCP', type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port for masquerade purpose'},
  {name: 'KUBE-NODE-PORT-LOCAL-TCP', type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port with externalTrafficPolicy=local'},
  {name: 'KUBE-NODE-PORT-UDP', type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port for masquerade purpose'},
  {name: 'KUBE-NODE-PORT-LOCAL-UDP', type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port with externalTrafficPolicy=local'},
  {name: 'KUBE-NODE-PORT-SCTP-HASH', type: 'hash:ip,port', comment: "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'"},
  {name: 'KUBE-NODE-PORT-LOCAL-SCTP-HASH', type: 'hash:ip,port', comment: "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'"},
  {name: 'KUBE-HEALTH-CHECK-NODE-PORT', type: 'bitmap:port', comment: 'Kubernetes health check node port'},
  {name: 'KUBE-IPVS-IPS', type: 'hash:ip', comment: 'Addresses on the ipvs interface'},
]

/** kube-proxy's ipsetWithIptablesChain: the sets whose rules are written only when the set has members, in its order. */
const ipsetJumps: ReadonlyArray<{set: string; table: 'nat' | 'filter'; from: string; to: string; match: string; protocol?: string}> = [
  {set: 'KUBE-LOOP-BACK', table: 'nat', from: 'KUBE-POSTROUTING', to: 'MASQUERADE', match: 'dst,dst,src'},
  {set: 'KUBE-LOAD-BALANCER', table: 'nat', from: 'KUBE-SERVICES', to: 'KUBE-LOAD-BALANCER', match: 'dst,dst'},
  {set: 'KUBE-LOAD-BALANCER-LOCAL', table: 'nat', from: 'KUBE-LOAD-BALANCER', to: 'RETURN', match: 'dst,dst'},
  {set: 'KUBE-NODE-PORT-LOCAL-TCP', table: 'nat', from: 'KUBE-NODE-PORT', to: 'RETURN', match: 'dst', protocol: 'tcp'},
  {set: 'KUBE-NODE-PORT-TCP', table: 'nat', from: 'KUBE-NODE-PORT', to: 'KUBE-MARK-MASQ', match: 'dst', protocol: 'tcp'},
  {set: 'KUBE-NODE-PORT-LOCAL-UDP', table: 'nat', from: 'KUBE-NODE-PORT', to: 'RETURN', match: 'dst', protocol: 'udp'},
  {set: 'KUBE-NODE-PORT-UDP', table: 'nat', from: 'KUBE-NODE-PORT', to: 'KUBE-MARK-MASQ', match: 'dst', protocol: 'udp'},
  {set: 'KUBE-NODE-PORT-LOCAL-SCTP-HASH', table: 'nat', from: 'KUBE-NODE-PORT', to: 'RETURN', match: 'dst,dst', protocol: 'sctp'},
  {set: 'KUBE-NODE-PORT-SCTP-HASH', table: 'nat', from: 'KUBE-NODE-PORT', to: 'KUBE-MARK-MASQ', match: 'dst,dst', protocol: 'sctp'},
  {set: 'KUBE-LOAD-BALANCER-FW', table: 'filter', from: 'KUBE-PROXY-FIREWALL', to: 'KUBE-SOURCE-RANGES-FIREWALL', match: 'dst,dst'},
  {set: 'KUBE-LOAD-BALANCER-SOURCE-CIDR', table: 'filter', from: 'KUBE-SOURCE-RANGES-FIREWALL', to: 'RETURN', match: 'dst,dst,src'},
  {set: 'KUBE-LOAD-BALANCER-SOURCE-IP', table: 'filter', from: 'KUBE-SOURCE-RANGES-FIREWALL', to: 'RETURN', match: 'dst,dst,src'},
]

const natChains = ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ']
const filterChains = ['KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER']

const comment = (text: string): RuleMatch => ({module: 'comment', comment: text})
const set = (name: string, flags: string): RuleMatch => ({module: 'fixed', text: `-m set --match-set ${name} ${flags}`, newConnection: false})
const fixed = (text: string): RuleMatch => ({module: 'fixed', text, newConnection: false})

/** The real servers of a virtual server: every ready endpoint, or the node's own for a Local policy. */
function realServers(endpoints: readonly ProxiedEndpoint[], localOnly: boolean, node: ProxierNode): RealServer[] {
  return endpoints.filter((endpoint) => !localOnly || endpoint.nodeName === node.name).map((endpoint) => ({endpoint}))
}

/** The iptables part of ipvs mode: the jump chains, then writeIptablesRules in its order. */
function ipvsIptables(sets: ReadonlyMap<string, string[]>, node: ProxierNode): NodeRules {
  const nonEmpty = (name: string) => (sets.get(name) ?? []).length > 0
  const commentOf = (name: string) => ipsetInfo.find((entry) => entry.name === name)!.comment
  const nat: IptablesRule[] = [
    {chain: 'PREROUTING', matches: [comment('kubernetes service portals')], target: 'KUBE-SERVICES'},
    {chain: 'OUTPUT', matches: [comment('kubernetes service portals')], target: 'KUBE-SERVICES'},
    {chain: 'POSTROUTING', matches: [comment('kubernetes postrouting rules')], target: 'KUBE-POSTROUTING'},
    {chain: 'KUBE-SERVICES', source: '127.0.0.0/8', matches: [], target: 'RETURN'},
  ]
  // Prepended one by one, so the last prepended comes first.
  const filter: IptablesRule[] = [
    {chain: 'INPUT', matches: [comment('kubernetes ipvs access filter')], target: 'KUBE-IPVS-FILTER'},
    {chain: 'INPUT', matches: [comment('kube-proxy firewall rules')], target: 'KUBE-PROXY-FIREWALL'},
    {chain: 'INPUT', matches: [comment('kubernetes health check rules')], target: 'KUBE-NODE-PORT'},
    {chain: 'FORWARD', matches: [comment('kube-proxy firewall rules')], target: 'KUBE-PROXY-FIREWALL'},
    {chain: 'FORWARD', matches: [comment('kubernetes forwarding rules')], target: 'KUBE-FORWARD'},
    {chain: 'OUTPUT', matches: [comment('kubernetes ipvs access filter')], target: 'KUBE-IPVS-OUT-FILTER'},
  ]
  for (const jump of ipsetJumps) {
    if (!nonEmpty(jump.set)) continue
    const rule: IptablesRule = {chain: jump.from, ...(jump.protocol ? {protocol: jump.protocol} : {}), matches: [comment(commentOf(jump.set)), set(jump.set, jump.match)], target: jump.to}
    ;(jump.table === 'nat' ? nat : filter).push(rule)
  }
  if (nonEmpty('KUBE-CLUSTER-IP')) nat.push({chain: 'KUBE-SERVICES', source: node.clusterCIDR, sourceNegated: true, matches: [comment(commentOf('KUBE-CLUSTER-IP')), set('KUBE-CLUSTER-IP', 'dst,dst')], target: 'KUBE-MARK-MASQ'})
  const externalIpRules = (name: string) => {
    const base = {chain: 'KUBE-SERVICES', matches: [comment(commentOf(name)), set(name, 'dst,dst')]}
    nat.push({...base, matches: [...base.matches, fixed('-m physdev ! --physdev-is-in'), {module: 'addrtype', type: 'src', negated: true}], target: 'ACCEPT'})
    nat.push({...base, matches: [...base.matches, {module: 'addrtype', type: 'dst'}], target: 'ACCEPT'})
  }
  if (nonEmpty('KUBE-EXTERNAL-IP')) {
    nat.push({chain: 'KUBE-SERVICES', matches: [comment(commentOf('KUBE-EXTERNAL-IP')), set('KUBE-EXTERNAL-IP', 'dst,dst')], target: 'KUBE-MARK-MASQ'})
    externalIpRules('KUBE-EXTERNAL-IP')
  }
  if (nonEmpty('KUBE-EXTERNAL-IP-LOCAL')) externalIpRules('KUBE-EXTERNAL-IP-LOCAL')
  nat.push({chain: 'KUBE-SERVICES', matches: [{module: 'addrtype', type: 'dst'}], target: 'KUBE-NODE-PORT'})
  nat.push({chain: 'KUBE-LOAD-BALANCER', matches: [], target: 'KUBE-MARK-MASQ'})
  filter.push({chain: 'KUBE-SOURCE-RANGES-FIREWALL', matches: [], target: 'DROP'})
  for (const name of ['KUBE-CLUSTER-IP', 'KUBE-LOAD-BALANCER']) if (nonEmpty(name)) nat.push({chain: 'KUBE-SERVICES', matches: [set(name, 'dst,dst')], target: 'ACCEPT'})
  filter.push(
    {chain: 'KUBE-FORWARD', matches: [comment('kubernetes forwarding rules'), fixed(`-m mark --mark ${masqueradeMark}/${masqueradeMark}`)], target: 'ACCEPT'},
    {chain: 'KUBE-FORWARD', matches: [comment('kubernetes forwarding conntrack rule'), fixed('-m conntrack --ctstate RELATED,ESTABLISHED')], target: 'ACCEPT'},
    {chain: 'KUBE-NODE-PORT', matches: [comment(commentOf('KUBE-HEALTH-CHECK-NODE-PORT')), set('KUBE-HEALTH-CHECK-NODE-PORT', 'dst')], target: 'ACCEPT'},
    ...['KUBE-LOAD-BALANCER', 'KUBE-CLUSTER-IP', 'KUBE-EXTERNAL-IP', 'KUBE-EXTERNAL-IP-LOCAL'].map((name): IptablesRule => ({chain: 'KUBE-IPVS-FILTER', matches: [set(name, 'dst,dst')], target: 'RETURN'})),
    {chain: 'KUBE-IPVS-FILTER', matches: [set('KUBE-HEALTH-CHECK-NODE-PORT', 'dst')], target: 'RETURN'},
    {chain: 'KUBE-IPVS-FILTER', matches: [fixed('-m conntrack --ctstate NEW'), set('KUBE-IPVS-IPS', 'dst')], target: 'REJECT', targetOptions: '--reject-with icmp-port-unreachable'},
  )
  nat.push(
    {chain: 'KUBE-POSTROUTING', matches: [fixed(`-m mark ! --mark ${masqueradeMark}/${masqueradeMark}`)], target: 'RETURN'},
    {chain: 'KUBE-POSTROUTING', matches: [], target: 'MARK', targetOptions: `--set-xmark ${masqueradeMark}/0x0`},
    {chain: 'KUBE-POSTROUTING', matches: [comment('kubernetes service traffic requiring SNAT')], target: 'MASQUERADE', targetOptions: '--random-fully'},
    {chain: 'KUBE-MARK-MASQ', matches: [], target: 'MARK', targetOptions: `--set-xmark ${masqueradeMark}/${masqueradeMark}`},
  )
  return {nat: {table: 'nat', chains: natChains, rules: nat}, filter: {table: 'filter', chains: filterChains, rules: filter}}
}

/** What kube-proxy in ipvs mode keeps on `node` for these Service ports. */
export function ipvsNodeState(ports: readonly ProxiedServicePort[], node: ProxierNode, scheduler: string): IpvsNodeState {
  const virtualServers: VirtualServer[] = []
  const dummy = new Set<string>()
  const sets = new Map<string, string[]>(ipsetInfo.map((entry) => [entry.name, []]))
  const add = (name: string, member: string) => sets.get(name)!.push(member)
  for (const port of ports) {
    const protocol = port.protocol.toUpperCase()
    const ipPort = (ip: string) => `${ip},${port.protocol}:${port.port}`
    const server = (address: string, serverPort: number, reachedAs: VirtualServer['reachedAs'], localOnly: boolean): VirtualServer => ({
      protocol, address, port: serverPort, scheduler, ...(port.affinitySeconds !== undefined ? {persistentSeconds: port.affinitySeconds} : {}),
      realServers: realServers(port.endpoints, localOnly, node), servicePort: port.name, reachedAs,
    })
    for (const endpoint of port.endpoints) if (endpoint.nodeName === node.name) add('KUBE-LOOP-BACK', `${endpoint.ip},${port.protocol}:${endpoint.port},${endpoint.ip}`)
    add('KUBE-CLUSTER-IP', ipPort(port.clusterIP))
    virtualServers.push(server(port.clusterIP, port.port, 'cluster IP', port.internalPolicyLocal))
    dummy.add(port.clusterIP)
    for (const ip of port.externalIPs) {
      add(port.externalPolicyLocal ? 'KUBE-EXTERNAL-IP-LOCAL' : 'KUBE-EXTERNAL-IP', ipPort(ip))
      virtualServers.push(server(ip, port.port, 'external IP', port.externalPolicyLocal))
      dummy.add(ip)
    }
    for (const ip of port.loadBalancerIPs) {
      add('KUBE-LOAD-BALANCER', ipPort(ip))
      if (port.externalPolicyLocal) add('KUBE-LOAD-BALANCER-LOCAL', ipPort(ip))
      if (port.loadBalancerSourceRanges.length > 0) {
        add('KUBE-LOAD-BALANCER-FW', ipPort(ip))
        for (const range of port.loadBalancerSourceRanges) add('KUBE-LOAD-BALANCER-SOURCE-CIDR', `${ipPort(ip)},${range}`)
      }
      virtualServers.push(server(ip, port.port, 'load balancer IP', port.externalPolicyLocal))
      dummy.add(ip)
    }
    if (port.nodePort !== undefined) {
      const suffix = port.protocol === 'sctp' ? 'SCTP-HASH' : port.protocol.toUpperCase()
      add(`KUBE-NODE-PORT-${suffix}`, String(port.nodePort))
      if (port.externalPolicyLocal) add(`KUBE-NODE-PORT-LOCAL-${suffix}`, String(port.nodePort))
      for (const address of node.addresses) virtualServers.push(server(address, port.nodePort, 'node port', port.externalPolicyLocal))
    }
  }
  for (const address of dummy) add('KUBE-IPVS-IPS', address)
  const ipsets = ipsetInfo.map((entry) => ({...entry, members: [...new Set(sets.get(entry.name))].sort(compareMembers)}))
  return {virtualServers: virtualServers.sort(compareServers), dummyAddresses: [...dummy].sort(compareAddresses), ipsets, rules: ipvsIptables(sets, node)}
}

function addressNumber(ip: string): number {
  return ip.split('.').reduce((value, part) => value * 256 + (Number(part) || 0), 0)
}

function compareAddresses(a: string, b: string): number {
  return addressNumber(a) - addressNumber(b)
}

function compareMembers(a: string, b: string): number {
  const [ipA = '', restA = ''] = a.split(/,(.*)/)
  const [ipB = '', restB = ''] = b.split(/,(.*)/)
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : compareAddresses(ipA, ipB) || (restA < restB ? -1 : restA > restB ? 1 : 0)
}

const protocolNumbers: Record<string, number> = {TCP: 6, UDP: 17, SCTP: 132}

/** ipvsadm's order: protocol number, address, port. */
function compareServers(a: VirtualServer, b: VirtualServer): number {
  return (protocolNumbers[a.protocol] ?? 0) - (protocolNumbers[b.protocol] ?? 0) || compareAddresses(a.address, b.address) || a.port - b.port
}

/** `ipvsadm -Ln`: the version line, the two headers, each virtual server and its real servers (by address). */
export function ipvsadmList(state: IpvsNodeState): string {
  const lines = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn']
  for (const server of state.virtualServers) {
    lines.push(`${server.protocol}  ${server.address}:${server.port} ${server.scheduler}${server.persistentSeconds !== undefined ? ` persistent ${server.persistentSeconds}` : ''}`)
    const sorted = [...server.realServers].sort((a, b) => compareAddresses(a.endpoint.ip, b.endpoint.ip) || a.endpoint.port - b.endpoint.port)
    for (const real of sorted) lines.push(`  -> ${real.endpoint.endpoint.padEnd(28)} ${'Masq'.padEnd(7)} ${'1'.padEnd(6)} ${'0'.padEnd(10)} ${'0'.padEnd(10)}`)
  }
  return `${lines.join('\n')}\n`
}

/** `ip addr show kube-ipvs0`: the dummy interface, down, with each Service address as a /32. */
export function dummyInterface(state: IpvsNodeState, node: ProxierNode): string {
  const lines = ['3: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default ', `    link/ether ${dummyMac(node.name)} brd ff:ff:ff:ff:ff:ff`]
  for (const address of state.dummyAddresses) lines.push(`    inet ${address}/32 scope global kube-ipvs0`, '       valid_lft forever preferred_lft forever')
  return `${lines.join('\n')}\n`
}

/** A stable locally administered MAC for the node's dummy interface (the kernel picks a random one). */
function dummyMac(node: string): string {
  let hash = 2166136261
  for (const character of node) hash = Math.imul(hash ^ character.charCodeAt(0), 16777619) >>> 0
  const bytes = [0x1a, (hash >>> 24) & 0xff, (hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff, 0x4d]
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(':')
}

/** `ipset list`: each set with its type, header and members (hash sets sorted, as a learner compares them). */
export function ipsetListing(state: IpvsNodeState): string {
  return state.ipsets
    .map((ipset) => {
      const header = ipset.type === 'bitmap:port' ? 'range 0-65535 comment' : 'family inet hashsize 1024 maxelem 65536 comment'
      return [`Name: ${ipset.name}`, `Type: ${ipset.type}`, `Header: ${header}`, `Number of entries: ${ipset.members.length}`, 'Members:', ...ipset.members].join('\n')
    })
    .join('\n\n') + '\n'
}

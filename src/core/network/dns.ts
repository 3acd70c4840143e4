// Cluster DNS as a pod meets it: the resolv.conf the kubelet writes for the pod's dnsPolicy, the
// resolver's walk over its search list (ndots:5, as glibc walks it), and the answers CoreDNS's
// kubernetes plugin gives (`kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure }`, as
// kubeadm configures it): services, headless endpoints, SRV for named ports, pod records, PTR.
// Names outside the cluster go to the node's upstream resolver, which the simulation has none of.
import type {KubeObject} from '../api/object.js'
import {kubeDnsServiceAddress} from '../apiserver/addons/coredns.js'
import type {ClusterNetworkView, DnsAnswer, DnsRecord, DnsRecordType, NetworkSource} from './types.js'

/** The kubelet's clusterDNS as kubeadm configures it: the kube-dns Service's address. */
export const clusterDnsAddress = kubeDnsServiceAddress
/** The node's own resolver (the container network's gateway on a kind node), for dnsPolicy Default and the nodes themselves. */
export const nodeResolverAddress = '172.18.0.1'
/** The kubernetes plugin's `ttl 30` in kubeadm's Corefile. */
export const clusterRecordTtlSeconds = 30
/** The kubelet's ndots for ClusterFirst pods. */
export const clusterFirstNdots = 5
/** glibc reads at most this many search domains (and the kubelet warns beyond it). */
export const searchDomainsMax = 32
/** glibc reads at most this many nameservers. */
export const nameserversMax = 3

export interface ResolvConf {
  nameservers: string[]
  searches: string[]
  options: string[]
}

type Json = Record<string, unknown>

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : []
}

export function specOf(object: KubeObject): Json {
  return record(object.spec)
}

export function statusOf(object: KubeObject): Json {
  return record(object.status)
}

/** The node's resolv.conf, what a Default pod and the node's own processes use. */
export function nodeResolvConf(): ResolvConf {
  return {nameservers: [nodeResolverAddress], searches: [], options: []}
}

/**
 * /etc/resolv.conf as the kubelet writes it for the pod's dnsPolicy (and dnsConfig, merged as the
 * kubelet merges it: extra nameservers and searches appended, options overriding by name).
 */
export function resolvConfOf(view: ClusterNetworkView, pod: KubeObject): ResolvConf {
  const spec = specOf(pod)
  const hostNetwork = spec.hostNetwork === true
  let policy = typeof spec.dnsPolicy === 'string' ? spec.dnsPolicy : 'ClusterFirst'
  // The kubelet gives a hostNetwork pod the node's resolver unless it asks for ClusterFirstWithHostNet.
  if (policy === 'ClusterFirst' && hostNetwork) policy = 'Default'
  let base: ResolvConf
  if (policy === 'None') base = {nameservers: [], searches: [], options: []}
  else if (policy === 'Default') base = nodeResolvConf()
  else {
    const namespace = pod.metadata.namespace ?? 'default'
    const domain = view.clusterDomain
    base = {nameservers: [clusterDnsAddress], searches: [`${namespace}.svc.${domain}`, `svc.${domain}`, domain], options: [`ndots:${clusterFirstNdots}`]}
  }
  const config = record(spec.dnsConfig)
  const nameservers = unique([...base.nameservers, ...strings(config.nameservers)]).slice(0, nameserversMax)
  const searches = unique([...base.searches, ...strings(config.searches)]).slice(0, searchDomainsMax)
  const options = mergeOptions(base.options, Array.isArray(config.options) ? config.options.map(record) : [])
  return {nameservers, searches, options}
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}

function mergeOptions(base: string[], extra: Json[]): string[] {
  const byName = new Map<string, string>()
  for (const option of base) byName.set(option.split(':')[0]!, option)
  for (const option of extra) {
    const name = typeof option.name === 'string' ? option.name : ''
    if (name === '') continue
    byName.set(name, typeof option.value === 'string' && option.value !== '' ? `${name}:${option.value}` : name)
  }
  return [...byName.values()]
}

/** The file's text, as `cat /etc/resolv.conf` shows it in the container. */
export function formatResolvConf(conf: ResolvConf): string {
  const lines = [...(conf.searches.length > 0 ? [`search ${conf.searches.join(' ')}`] : []), ...conf.nameservers.map((server) => `nameserver ${server}`)]
  if (conf.options.length > 0) lines.push(`options ${conf.options.join(' ')}`)
  return `${lines.join('\n')}\n`
}

function ndotsOf(conf: ResolvConf): number {
  const option = conf.options.find((entry) => entry.startsWith('ndots:'))
  const value = option ? Number(option.slice('ndots:'.length)) : 1
  return Number.isInteger(value) && value >= 0 ? Math.min(value, 15) : 1
}

/** The names the resolver asks for, in order: absolute names once, others around the search list as ndots decides. */
export function candidateNames(name: string, conf: ResolvConf): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)]
  const searched = conf.searches.map((domain) => `${name}.${domain}`)
  const dots = name.split('.').length - 1
  return dots >= ndotsOf(conf) ? [name, ...searched] : [...searched, name]
}

function sourceResolvConf(view: ClusterNetworkView, from: NetworkSource): ResolvConf {
  if (from.kind !== 'pod') return nodeResolvConf()
  const pod = view.pods.find((entry) => entry.metadata.namespace === from.namespace && entry.metadata.name === from.name)
  return pod ? resolvConfOf(view, pod) : nodeResolvConf()
}

interface ServerAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN'
  records: DnsRecord[]
}

/**
 * What a lookup from `from` answers: the resolver walks the candidates, moving on after NXDOMAIN
 * or an empty answer (glibc's res_search; an empty answer is kept as NOERROR when no later name answers).
 */
export function resolveName(view: ClusterNetworkView, from: NetworkSource, name: string, type: DnsRecordType): DnsAnswer {
  const conf = sourceResolvConf(view, from)
  const server = conf.nameservers[0] ?? ''
  const tried: string[] = []
  let sawNoData = false
  if (server === clusterDnsAddress && !clusterDnsServing(view)) {
    // No CoreDNS behind kube-dns: the query times out, as `;; connection timed out; no servers could be reached`.
    return {question: name, resolvedName: null, rcode: 'SERVFAIL', records: [], server, tried: [candidateNames(name, conf)[0] ?? name]}
  }
  const asked = type === 'PTR' && !name.endsWith('.arpa') && !name.endsWith('.arpa.') ? reverseName(name) ?? name : name
  for (const candidate of candidateNames(asked.toLowerCase(), conf)) {
    tried.push(candidate)
    const answer = server === clusterDnsAddress ? answerFromCluster(view, candidate, type) : {rcode: 'NXDOMAIN' as const, records: []}
    if (answer.records.length > 0) return {question: name, resolvedName: candidate, rcode: 'NOERROR', records: answer.records, server, tried}
    if (answer.rcode === 'NOERROR') sawNoData = true
  }
  return {question: name, resolvedName: null, rcode: sawNoData ? 'NOERROR' : 'NXDOMAIN', records: [], server, tried}
}

/** CoreDNS answers when the kube-dns Service has a ready endpoint (a running CoreDNS pod). */
export function clusterDnsServing(view: ClusterNetworkView): boolean {
  const service = view.services.find((entry) => entry.metadata.namespace === 'kube-system' && entry.metadata.name === 'kube-dns')
  return service !== undefined && readyEndpoints(view, service).length > 0
}

/** `10.96.0.10` → `10.0.96.10.in-addr.arpa`; null for what is not an IPv4 address. */
export function reverseName(address: string): string | null {
  if (!isIpv4(address)) return null
  return `${address.split('.').reverse().join('.')}.in-addr.arpa`
}

export function isIpv4(text: string): boolean {
  const parts = text.split('.')
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255 && String(Number(part)) === part)
}

/** CoreDNS's answer for one fully qualified name (no trailing dot). */
export function answerFromCluster(view: ClusterNetworkView, fqdn: string, type: DnsRecordType): ServerAnswer {
  const name = fqdn.toLowerCase().replace(/\.$/, '')
  if (name.endsWith('.in-addr.arpa')) return reverseAnswer(view, name, type)
  const zone = view.clusterDomain.toLowerCase()
  if (name === zone) return noData()
  if (!name.endsWith(`.${zone}`)) return nxdomain()
  const labels = name.slice(0, -(zone.length + 1)).split('.')
  const kind = labels.at(-1)
  if (kind === 'svc') return serviceZoneAnswer(view, name, labels.slice(0, -1), type)
  if (kind === 'pod') return podAnswer(view, name, labels.slice(0, -1), type)
  return nxdomain()
}

function nxdomain(): ServerAnswer {
  return {rcode: 'NXDOMAIN', records: []}
}

function noData(): ServerAnswer {
  return {rcode: 'NOERROR', records: []}
}

function rr(name: string, type: DnsRecordType, data: string): DnsRecord {
  return {name: `${name}.`, type, ttlSeconds: clusterRecordTtlSeconds, data}
}

function namespaceExists(view: ClusterNetworkView, namespace: string): boolean {
  return view.namespaces.some((entry) => entry.metadata.name === namespace)
}

/** Labels before `.svc.<zone>`, read right to left: namespace, service, then an endpoint or `_proto` and `_port`. */
function serviceZoneAnswer(view: ClusterNetworkView, name: string, labels: string[], type: DnsRecordType): ServerAnswer {
  if (labels.length === 0) return noData()
  const namespace = labels.at(-1)!
  if (labels.length === 1) return namespaceExists(view, namespace) ? noData() : nxdomain()
  const service = view.services.find((entry) => entry.metadata.namespace === namespace && entry.metadata.name === labels.at(-2))
  if (!service) return nxdomain()
  if (labels.length === 2) return serviceAnswer(view, service, name, type)
  if (labels.length === 3) return endpointAnswer(view, service, labels[0]!, name, type)
  if (labels.length === 4 && labels[0]!.startsWith('_') && labels[1]!.startsWith('_')) return srvAnswer(view, service, labels[0]!.slice(1), labels[1]!.slice(1), name, type)
  return nxdomain()
}

function isHeadless(service: KubeObject): boolean {
  return specOf(service).clusterIP === 'None'
}

function serviceFqdn(service: KubeObject, view: ClusterNetworkView): string {
  return `${service.metadata.name}.${service.metadata.namespace}.svc.${view.clusterDomain}`
}

function serviceAnswer(view: ClusterNetworkView, service: KubeObject, name: string, type: DnsRecordType): ServerAnswer {
  const spec = specOf(service)
  if (spec.type === 'ExternalName') {
    const target = typeof spec.externalName === 'string' ? spec.externalName.replace(/\.$/, '') : ''
    return type === 'A' || type === 'AAAA' || type === 'CNAME' ? {rcode: 'NOERROR', records: [rr(name, 'CNAME', `${target}.`)]} : noData()
  }
  if (type === 'SRV') return srvAnswer(view, service, null, null, name, type)
  const headlessAddresses = isHeadless(service) ? readyEndpoints(view, service).map((endpoint) => endpoint.address) : []
  // CoreDNS finds no record at all for a headless service without ready endpoints: NXDOMAIN, not an empty answer.
  if (isHeadless(service) && headlessAddresses.length === 0) return nxdomain()
  if (type !== 'A' && type !== 'AAAA') return noData()
  const addresses = isHeadless(service) ? headlessAddresses : strings(spec.clusterIPs).length > 0 ? strings(spec.clusterIPs) : strings([spec.clusterIP])
  const wanted = [...new Set(addresses.filter((address) => (type === 'A') === isIpv4(address)))]
  return {rcode: 'NOERROR', records: wanted.map((address) => rr(name, type, address))}
}

export interface ReadyEndpoint {
  readonly address: string
  /** The endpoint's DNS label under the service: its hostname, or its address with dashes. */
  readonly label: string
}

/**
 * The addresses CoreDNS publishes for a headless service: its EndpointSlices' ready endpoints (all
 * of them with publishNotReadyAddresses), named by hostname when the pod has one under this
 * service's subdomain, as the endpointslice controller sets it.
 */
export function readyEndpoints(view: ClusterNetworkView, service: KubeObject): ReadyEndpoint[] {
  const publishNotReady = specOf(service).publishNotReadyAddresses === true
  const result: ReadyEndpoint[] = []
  const seen = new Set<string>()
  for (const slice of view.endpointSlices) {
    if (slice.metadata.namespace !== service.metadata.namespace || slice.metadata.labels?.['kubernetes.io/service-name'] !== service.metadata.name) continue
    for (const endpoint of Array.isArray(slice.endpoints) ? slice.endpoints.map(record) : []) {
      if (!publishNotReady && record(endpoint.conditions).ready === false) continue
      const hostname = typeof endpoint.hostname === 'string' && endpoint.hostname !== '' ? endpoint.hostname : podHostnameUnder(view, service, record(endpoint.targetRef))
      for (const address of strings(endpoint.addresses)) {
        if (seen.has(address)) continue
        seen.add(address)
        result.push({address, label: hostname ?? address.replaceAll('.', '-').replaceAll(':', '-')})
      }
    }
  }
  return result
}

function podHostnameUnder(view: ClusterNetworkView, service: KubeObject, targetRef: Json): string | null {
  if (targetRef.kind !== 'Pod') return null
  const pod = view.pods.find((entry) => entry.metadata.namespace === targetRef.namespace && entry.metadata.name === targetRef.name)
  if (!pod) return null
  const spec = specOf(pod)
  return typeof spec.hostname === 'string' && spec.hostname !== '' && spec.subdomain === service.metadata.name ? spec.hostname : null
}

function endpointAnswer(view: ClusterNetworkView, service: KubeObject, label: string, name: string, type: DnsRecordType): ServerAnswer {
  if (!isHeadless(service)) return nxdomain()
  const matching = readyEndpoints(view, service).filter((endpoint) => endpoint.label === label)
  if (matching.length === 0) return nxdomain()
  if (type !== 'A' && type !== 'AAAA') return noData()
  return {rcode: 'NOERROR', records: matching.filter((endpoint) => (type === 'A') === isIpv4(endpoint.address)).map((endpoint) => rr(name, type, endpoint.address))}
}

/** SRV for a named port (`_http._tcp.web.default.svc…`): the service name, or one target per headless endpoint; weights split 100 as CoreDNS splits them. */
function srvAnswer(view: ClusterNetworkView, service: KubeObject, portName: string | null, protocol: string | null, name: string, type: DnsRecordType): ServerAnswer {
  const ports = (Array.isArray(specOf(service).ports) ? specOf(service).ports as unknown[] : []).map(record).filter((port) => {
    const named = typeof port.name === 'string' ? port.name.toLowerCase() : ''
    const proto = (typeof port.protocol === 'string' ? port.protocol : 'TCP').toLowerCase()
    return portName === null ? true : named !== '' && named === portName && proto === protocol
  })
  if (ports.length === 0) return nxdomain()
  const base = serviceFqdn(service, view)
  if (type === 'A' || type === 'AAAA') return serviceAnswer(view, service, name, type)
  if (type !== 'SRV') return noData()
  const targets: Array<{port: number; target: string}> = []
  for (const port of ports) {
    const number = Number(port.port)
    if (isHeadless(service)) for (const endpoint of readyEndpoints(view, service)) targets.push({port: endpointPort(view, service, port, number), target: `${endpoint.label}.${base}`})
    else targets.push({port: number, target: base})
  }
  if (targets.length === 0) return nxdomain()
  const weight = Math.floor(100 / targets.length)
  return {rcode: 'NOERROR', records: targets.map((entry) => rr(name, 'SRV', `0 ${weight} ${entry.port} ${entry.target}.`))}
}

/** A headless service's SRV names the endpoints' port (the EndpointSlice port of the same name). */
function endpointPort(view: ClusterNetworkView, service: KubeObject, servicePort: Json, fallback: number): number {
  for (const slice of view.endpointSlices) {
    if (slice.metadata.namespace !== service.metadata.namespace || slice.metadata.labels?.['kubernetes.io/service-name'] !== service.metadata.name) continue
    const port = (Array.isArray(slice.ports) ? slice.ports.map(record) : []).find((entry) => (entry.name ?? '') === (servicePort.name ?? ''))
    if (port && typeof port.port === 'number') return port.port
  }
  return fallback
}

/** `1-2-3-4.ns.pod.<zone>`: with `pods insecure` any well-formed address in an existing namespace answers. */
function podAnswer(view: ClusterNetworkView, name: string, labels: string[], type: DnsRecordType): ServerAnswer {
  if (labels.length === 0) return noData()
  if (labels.length === 1) return namespaceExists(view, labels[0]!) ? noData() : nxdomain()
  if (labels.length !== 2 || !namespaceExists(view, labels[1]!)) return nxdomain()
  const address = labels[0]!.replaceAll('-', '.')
  if (!isIpv4(address)) return nxdomain()
  return type === 'A' ? {rcode: 'NOERROR', records: [rr(name, 'A', address)]} : noData()
}

/** PTR for a service's cluster IP, or a headless service's endpoint. */
function reverseAnswer(view: ClusterNetworkView, name: string, type: DnsRecordType): ServerAnswer {
  const octets = name.slice(0, -'.in-addr.arpa'.length).split('.')
  const address = octets.reverse().join('.')
  if (octets.length !== 4 || !isIpv4(address)) return nxdomain()
  for (const service of view.services) {
    const spec = specOf(service)
    const ips = strings(spec.clusterIPs).length > 0 ? strings(spec.clusterIPs) : strings([spec.clusterIP])
    if (ips.includes(address)) return type === 'PTR' ? {rcode: 'NOERROR', records: [rr(name, 'PTR', `${serviceFqdn(service, view)}.`)]} : noData()
  }
  for (const service of view.services.filter(isHeadless)) {
    const endpoint = readyEndpoints(view, service).find((entry) => entry.address === address)
    if (endpoint) return type === 'PTR' ? {rcode: 'NOERROR', records: [rr(name, 'PTR', `${endpoint.label}.${serviceFqdn(service, view)}.`)]} : noData()
  }
  return nxdomain()
}

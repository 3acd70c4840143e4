// The simulated pod network as its users see it: what a container's curl, wget and nslookup, the
// kubelet's httpGet and tcpSocket probes, `kubemu curl` and `kubemu trace-request` ask of it.
// One contract between the parts that answer (DNS as CoreDNS answers it, kube-proxy's rules,
// NetworkPolicy, the containers' simulated servers) and the parts that ask (the simulated shell,
// the prober, the commands); each answer carries the hops it went through so a learner can follow
// a request.
import type {KubeObject} from '../api/object.js'
import type {AccessLogFormat, ServedRequest} from './access-log.js'

/**
 * The objects the network is made of, as read through the API server at one moment. The pure
 * parts (DNS, NetworkPolicy, rules, containers' servers) answer from this and nothing else.
 */
export interface ClusterNetworkView {
  readonly services: readonly KubeObject[]
  readonly endpointSlices: readonly KubeObject[]
  readonly pods: readonly KubeObject[]
  readonly nodes: readonly KubeObject[]
  readonly namespaces: readonly KubeObject[]
  readonly networkPolicies: readonly KubeObject[]
  /** The cluster domain (`cluster.local`), as the kubelet's clusterDomain and CoreDNS's kubernetes plugin use it. */
  readonly clusterDomain: string
  /** The cluster clock when the view was read (probes and images whose answers change with time, e.g. agnhost liveness). */
  readonly nowMilliseconds: number
}

/** A container's files as its processes see them (volumes mounted, execs' changes made), by absolute path. */
export interface ContainerFiles {
  get(path: string): {readonly kind: 'file'; readonly content: string} | {readonly kind: 'directory'} | undefined
  /** The names directly in a directory, sorted (httpd's autoindex lists them). */
  list(path: string): string[]
}

/** The files of the pod's container at this moment of the cluster clock; null when they cannot be known (its files are then the image's own). */
export type ContainerFilesReader = (pod: KubeObject, container: string) => Promise<ContainerFiles | null>

/** Where a connection starts: a pod (by namespace and name), a node (its kubelet, a NodePort client on it), or outside the cluster. */
export type NetworkSource =
  | {kind: 'pod'; namespace: string; name: string}
  | {kind: 'node'; name: string}
  | {kind: 'external'}

export type DnsRecordType = 'A' | 'AAAA' | 'SRV' | 'PTR' | 'CNAME'

export interface DnsRecord {
  /** The fully qualified owner name, with its trailing dot (`web.default.svc.cluster.local.`). */
  readonly name: string
  readonly type: DnsRecordType
  readonly ttlSeconds: number
  /** A/AAAA: an address; CNAME/PTR: a name; SRV: `priority weight port target`. */
  readonly data: string
}

export interface DnsAnswer {
  /** The name as asked, and the fully qualified name that answered (after the resolv.conf search list), if any did. */
  readonly question: string
  readonly resolvedName: string | null
  readonly rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL'
  readonly records: readonly DnsRecord[]
  /** The server that answered (the kube-dns Service address for a ClusterFirst pod). */
  readonly server: string
  /** Each name tried in order, as the resolver walks the search list. */
  readonly tried: readonly string[]
}

/** One step a connection or request took, for `trace-request` and curl -v. */
export interface NetworkHop {
  readonly step: 'dns' | 'rules' | 'endpoint' | 'policy' | 'node' | 'pod' | 'server'
  /** One line a learner reads: "KUBE-SVC-… matched 10.96.12.5:80 (default/web:http)". */
  readonly detail: string
}

export type ConnectionOutcome =
  /** Something accepted the connection (the request's response is in `response`). */
  | 'connected'
  /** Nothing listens on the port, or kube-proxy REJECTs (a Service without ready endpoints). */
  | 'refused'
  /** No route, a dropped packet, or a NetworkPolicy that denies it: the client waits until its timeout. */
  | 'timeout'
  /** The host name does not resolve. */
  | 'unresolved'

export interface HttpResponse {
  readonly status: number
  readonly reason: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface NetworkExchange {
  readonly outcome: ConnectionOutcome
  readonly hops: readonly NetworkHop[]
  /** The address and port connected to after DNS and rules (the chosen pod), when there was one. */
  readonly destination?: {readonly ip: string; readonly port: number; readonly pod?: {readonly namespace: string; readonly name: string}; readonly node?: string}
  /** The NetworkPolicy that denied it (namespace/name), when one did. */
  readonly deniedBy?: string
  readonly response?: HttpResponse
}

/** Keeps a line of the access log of the container `container` of `pod`, whose web server answered `served`. */
export type ServedRequestRecorder = (pod: KubeObject, container: string, served: ServedRequest, format: AccessLogFormat) => void

export interface HttpRequestOptions {
  readonly method: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /**
   * The request leaves no line in the server's access log: a kubelet probe (those lines are
   * computed from the pod's spec when the log is read).
   */
  readonly unlogged?: boolean
  /** When the client sent it, by the cluster clock: a container's command sends at its own moment in its run (the network's now otherwise). */
  readonly sentAtMilliseconds?: number
  /**
   * Who keeps the server's access-log line instead of the network's recorder: a container's own
   * command is replayed whenever its run is looked at, so its requests are kept with the run that
   * sent them (replayed-requests.ts), once per moment, not once per replay.
   */
  readonly recordServed?: ServedRequestRecorder
}

/**
 * The network as a pod, node or outsider sees it at this moment of the cluster clock. Answers
 * read the cluster through the API server (as CoreDNS and kube-proxy do), never the store.
 */
export interface PodNetwork {
  /**
   * A DNS lookup; `atMilliseconds`: the moment of a replayed command that asks (a Service made
   * after it is not there yet, so `until nslookup db` loops on until the Service came).
   */
  lookup(from: NetworkSource, name: string, type: DnsRecordType, atMilliseconds?: number): Promise<DnsAnswer>
  /** An HTTP request to `url` (http:// only; a host name goes through lookup first). */
  request(from: NetworkSource, url: string, options: HttpRequestOptions): Promise<NetworkExchange>
  /** A TCP connection to host:port and nothing more (tcpSocket probes, nc -z). */
  connect(from: NetworkSource, host: string, port: number): Promise<NetworkExchange>
  /**
   * The network as it is now, read once (when first asked): every answer from it sees the same
   * cluster. A replayed command's requests are all answered as the network is now, and reading
   * the cluster for each of them (a loop's thousands in the kubelet's hour ahead) cost seconds.
   */
  snapshot(): PodNetwork
}

/** The network of a cluster that has none yet: every name is unknown and every connection times out. */
export const networkUnavailable: PodNetwork = {
  async lookup(_from, name) {
    return {question: name, resolvedName: null, rcode: 'SERVFAIL', records: [], server: '', tried: [name]}
  },
  async request() {
    return {outcome: 'timeout', hops: []}
  },
  async connect() {
    return {outcome: 'timeout', hops: []}
  },
  snapshot() {
    return networkUnavailable
  },
}

/** The network as a container's replayed command reaches it: the lines its requests leave in servers' access logs go to `record` (see HttpRequestOptions.recordServed). */
export function replayedNetwork(network: PodNetwork, record: ServedRequestRecorder): PodNetwork {
  return {
    lookup: (from, name, type, atMilliseconds) => network.lookup(from, name, type, atMilliseconds),
    request: (from, url, options) => network.request(from, url, {...options, recordServed: record}),
    connect: (from, host, port) => network.connect(from, host, port),
    snapshot: () => replayedNetwork(network.snapshot(), record),
  }
}

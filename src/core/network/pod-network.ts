// The pod network: DNS as CoreDNS answers (dns.ts), the source node's kube-proxy rules
// (src/core/proxy), NetworkPolicy (network-policy.ts) and the containers' simulated servers
// (container-servers.ts), composed over the cluster as read through the API server at the
// moment of each request. Every step goes into the exchange's hops.
import type {ApiClient} from '../client/client.js'
import {readKubeProxyConfiguration} from '../proxy/kube-proxy.js'
import {ProxyMemory} from '../proxy/memory.js'
import type {SyncedRulesStore} from '../proxy/synced-rules.js'
import type {Clock} from '../util/clock.js'
import {readClusterNetworkView} from './cluster-view.js'
import {curlUserAgent} from './curl-arguments.js'
import {containerResponse, filesOfListener, listenerOn} from './container-servers.js'
import {isIpv4, resolveName} from './dns.js'
import {isLoopback, loopbackPath, type PathContext, routePath} from './service-path.js'
import type {ContainerFilesReader, DnsAnswer, HttpRequestOptions, NetworkExchange, NetworkHop, NetworkSource, PodNetwork, ServedRequestRecorder} from './types.js'

export interface PodNetworkOptions {
  /** The statistic match's draws (seeded for replays). */
  readonly random?: () => number
  /** The nodes' kube-proxy memory (session affinity, round-robin), kept across requests. */
  readonly memory?: ProxyMemory
  /** The rules each node's kube-proxy synced; a node without them (or no store) gets rules computed at the request. */
  readonly syncedRules?: SyncedRulesStore
  /** The containers' files (the runtime's), which nginx and httpd serve; without it they serve their images' own pages. */
  readonly containerFiles?: ContainerFilesReader
  /** Where the servers that keep an access log (nginx, httpd) record each request they serve (the runtime's per-run state). */
  readonly servedRequests?: ServedRequestRecorder
}

/** A URL curl refuses before connecting, with curl's exit code (1 unsupported protocol, 3 malformed). */
export class UnsupportedUrlError extends Error {
  constructor(
    readonly curlExitCode: number,
    message: string,
  ) {
    super(message)
  }
}

/** One URL's fate: the exchange, or the URL itself refused before any connection (curl's exit code and message). */
export type UrlResult = {readonly url: string; readonly host: string; readonly port: number; readonly exchange: NetworkExchange} | {readonly url: string; readonly urlError: UnsupportedUrlError}

export interface ParsedUrl {
  readonly host: string
  readonly port: number
  readonly path: string
}

/** http://host[:port][/path]; a URL without a scheme is http, as curl takes it. */
export function parseHttpUrl(url: string): ParsedUrl {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`
  let parsed: URL
  try {
    parsed = new URL(withScheme)
  } catch {
    throw new UnsupportedUrlError(3, 'URL rejected: Malformed input to a URL function')
  }
  if (parsed.protocol !== 'http:') throw new UnsupportedUrlError(1, `Protocol "${parsed.protocol.replace(/:$/, '')}" not supported or disabled in libcurl`)
  return {host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 80, path: `${parsed.pathname || '/'}${parsed.search}`}
}

function dnsHop(answer: DnsAnswer): NetworkHop {
  const addresses = answer.records.filter((record) => record.type === 'A').map((record) => record.data)
  if (addresses.length === 0) return {step: 'dns', detail: `${answer.question}: ${answer.rcode} from ${answer.server || 'no server'} (tried ${answer.tried.join(', ')})`}
  return {step: 'dns', detail: `${answer.question} → ${answer.resolvedName} A ${addresses.join(', ')} (answered by ${answer.server})`}
}

export function createPodNetwork(client: ApiClient, clock: Clock, options: PodNetworkOptions = {}): PodNetwork {
  const memory = options.memory ?? new ProxyMemory()
  const random = options.random ?? Math.random
  const read = async (): Promise<NetworkState> => {
    const [view, configuration] = await Promise.all([readClusterNetworkView(client, clock), readKubeProxyConfiguration(client)])
    return {view, configuration}
  }
  return networkOver(read, memory, random, options)
}

interface NetworkState {
  readonly view: Awaited<ReturnType<typeof readClusterNetworkView>>
  readonly configuration: Awaited<ReturnType<typeof readKubeProxyConfiguration>>
}

/** The network answering from what `read` gives (read again for every answer; a snapshot reads once, when first asked). */
function networkOver(read: () => Promise<NetworkState>, memory: ProxyMemory, random: () => number, options: PodNetworkOptions): PodNetwork {

  /** Resolves the host (a name through DNS), then routes the connection; the path and the hops so far. */
  const connectTo = async (from: NetworkSource, host: string, port: number) => {
    const {view, configuration} = await read()
    const hops: NetworkHop[] = []
    if (from.kind === 'pod' && isLoopback(host)) {
      const path = loopbackPath(view, from, host, port)
      return {view, path, hops: path.hops}
    }
    let ip = host
    if (!isIpv4(host)) {
      const answer = resolveName(view, from, host, 'A')
      hops.push(dnsHop(answer))
      const address = answer.records.find((record) => record.type === 'A')?.data
      if (!address) return {view, path: null, hops}
      ip = address
    }
    const context: PathContext = {view, configuration, memory, random, ...(options.syncedRules ? {syncedRules: options.syncedRules} : {})}
    const path = routePath(context, from, ip, port)
    return {view, path, hops: [...hops, ...path.hops]}
  }

  const destinationOf = (path: NonNullable<Awaited<ReturnType<typeof connectTo>>['path']>): NetworkExchange['destination'] => ({
    ip: path.ip,
    port: path.port,
    ...(path.pod ? {pod: {namespace: String(path.pod.metadata.namespace), name: String(path.pod.metadata.name)}} : {}),
    ...(path.node ? {node: path.node} : {}),
  })

  return {
    async lookup(from, name, type, atMilliseconds) {
      const {view} = await read()
      if (atMilliseconds === undefined) return resolveName(view, from, name, type)
      // The Services of that moment: those made (to the second their timestamp holds) by then.
      const made = view.services.filter((service) => (Date.parse(String(service.metadata.creationTimestamp ?? '')) || 0) <= atMilliseconds)
      return resolveName(made.length === view.services.length ? view : {...view, services: made}, from, name, type)
    },

    snapshot() {
      let state: Promise<NetworkState> | null = null
      return networkOver(() => (state ??= read()), memory, random, options)
    },

    async request(from, url, requestOptions: HttpRequestOptions) {
      const target = parseHttpUrl(url)
      const {view, path, hops} = await connectTo(from, target.host, target.port)
      if (!path) return {outcome: 'unresolved', hops}
      const destination = destinationOf(path)
      if (path.outcome !== 'connected') return {outcome: path.outcome, hops, destination, ...(path.deniedBy ? {deniedBy: path.deniedBy} : {})}
      // The client's own headers replace the defaults of the same name, whatever their case.
      const given = requestOptions.headers ?? {}
      const defaults = Object.entries({Host: target.port === 80 ? target.host : `${target.host}:${target.port}`, 'User-Agent': curlUserAgent, Accept: '*/*'}).filter(([name]) => !Object.keys(given).some((key) => key.toLowerCase() === name.toLowerCase()))
      const headers = {...Object.fromEntries(defaults), ...given}
      const files = await filesOfListener(path.pod, path.port, options.containerFiles)
      const onServed = requestOptions.unlogged ? undefined : (requestOptions.recordServed ?? options.servedRequests)
      const response = containerResponse(view, path.pod, path.port, {
        method: requestOptions.method,
        path: target.path,
        headers,
        ...(requestOptions.body !== undefined ? {body: requestOptions.body} : {}),
        clientIp: path.sourceIp,
        ...(files ? {files} : {}),
        ...(onServed ? {onServed} : {}),
        ...(requestOptions.sentAtMilliseconds !== undefined ? {sentAtMilliseconds: requestOptions.sentAtMilliseconds} : {}),
      })
      if (response === 'refused') {
        hops.push({step: 'server', detail: `nothing listens on ${path.ip}:${path.port} in ${destination?.pod?.namespace}/${destination?.pod?.name}: connection refused`})
        return {outcome: 'refused', hops, destination}
      }
      hops.push({step: 'server', detail: `HTTP/1.1 ${response.status} ${response.reason} from ${destination?.pod?.namespace}/${destination?.pod?.name}`})
      return {outcome: 'connected', hops, destination, response}
    },

    async connect(from, host, port) {
      const {path, hops} = await connectTo(from, host, port)
      if (!path) return {outcome: 'unresolved', hops}
      const destination = destinationOf(path)
      if (path.outcome !== 'connected') return {outcome: path.outcome, hops, destination, ...(path.deniedBy ? {deniedBy: path.deniedBy} : {})}
      if (!listenerOn(path.pod, path.port)) {
        hops.push({step: 'server', detail: `nothing listens on ${path.ip}:${path.port}: connection refused`})
        return {outcome: 'refused', hops, destination}
      }
      hops.push({step: 'server', detail: `${path.ip}:${path.port} accepted the connection`})
      return {outcome: 'connected', hops, destination}
    },
  }
}

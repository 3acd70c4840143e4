// What a port-forward reaches: the pod's own port, from inside its network namespace (as the
// kubelet's runtime dials localhost:PORT there), so no Service rules and no NetworkPolicy stand
// in between. The bytes a client sends are read as HTTP/1.x requests and answered by the
// container's simulated server (container-servers.ts), the same one an in-cluster curl reaches.
import {createHash} from 'node:crypto'
import type {KubeObject} from '../api/object.js'
import {containerResponse, listenerOn} from './container-servers.js'
import type {ServedRequestRecorder} from './types.js'
import type {ClusterNetworkView, ContainerFiles, HttpResponse} from './types.js'

/** The answer to the bytes a forwarded connection sent so far. */
export interface ForwardedReply {
  /** Nothing listens on the port: the runtime's error, as the kubelet writes it on the error stream. */
  readonly refusal?: string
  /** The bytes the container's server wrote back. */
  readonly reply: Buffer
  /** Bytes of the input that answered requests (the rest waits for more). */
  readonly consumedBytes: number
  /** The server closes the connection (Connection: close, HTTP/1.0, a server that speaks no HTTP). */
  readonly closes: boolean
}

/** The sandbox id containerd would give the pod (64 hex digits), derived from its uid. */
export function sandboxIdOf(pod: KubeObject): string {
  return createHash('sha256').update(`sandbox:${pod.metadata.uid ?? pod.metadata.name}`).digest('hex')
}

/** containerd's error for a port nothing listens on, as the kubelet sends it to kubectl. */
export function refusalMessage(pod: KubeObject, port: number): string {
  const sandbox = sandboxIdOf(pod)
  const uid = createHash('sha256').update(`netns:${pod.metadata.uid ?? pod.metadata.name}`).digest('hex')
  const netns = `cni-${uid.slice(0, 8)}-${uid.slice(8, 12)}-${uid.slice(12, 16)}-${uid.slice(16, 20)}-${uid.slice(20, 32)}`
  return (
    `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace "/var/run/netns/${netns}": ` +
    `failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused ` +
    `IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  )
}

interface ParsedRequest {
  readonly method: string
  readonly path: string
  readonly version: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly lengthBytes: number
}

/** The first complete HTTP/1.x request in `bytes`, null while it is incomplete, 'invalid' for bytes that are not HTTP. */
function parseRequest(bytes: Buffer): ParsedRequest | null | 'invalid' {
  const end = bytes.indexOf('\r\n\r\n')
  if (end < 0) return /^[A-Z]*( |$)/.test(bytes.toString('latin1', 0, Math.min(bytes.length, 16))) ? null : 'invalid'
  const [requestLine = '', ...lines] = bytes.toString('latin1', 0, end).split('\r\n')
  const match = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(requestLine)
  if (!match) return 'invalid'
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
  }
  const lengthHeader = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-length')?.[1]
  const bodyBytes = lengthHeader && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : 0
  if (bytes.length < end + 4 + bodyBytes) return null
  return {method: match[1]!, path: match[2]!, version: match[3]!, headers, body: bytes.toString('utf8', end + 4, end + 4 + bodyBytes), lengthBytes: end + 4 + bodyBytes}
}

function serialize(response: HttpResponse, closes: boolean): Buffer {
  const headers = {...response.headers, ...(closes ? {Connection: 'close'} : {})}
  const head = `HTTP/1.1 ${response.status} ${response.reason}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(response.body, 'utf8')])
}

/** Whether a process in the pod listens on the port (what the runtime's dial finds). */
export function podListens(pod: KubeObject, port: number): boolean {
  return listenerOn(pod, port) !== null
}

/**
 * Answers the complete requests in `input` (several when a client pipelines them), the way the
 * pod's server would on a connection to localhost:PORT inside the pod.
 */
export function forwardedExchange(view: ClusterNetworkView, pod: KubeObject, port: number, input: Buffer, files?: ContainerFiles, onServed?: ServedRequestRecorder): ForwardedReply {
  if (!podListens(pod, port)) return {refusal: refusalMessage(pod, port), reply: Buffer.alloc(0), consumedBytes: input.length, closes: true}
  const replies: Buffer[] = []
  let offset = 0
  while (offset < input.length) {
    const request = parseRequest(input.subarray(offset))
    // A client that speaks no HTTP: the simulated server reads and closes, as an HTTP server does on garbage.
    if (request === 'invalid') return {reply: Buffer.concat(replies), consumedBytes: input.length, closes: true}
    if (request === null) break
    offset += request.lengthBytes
    const response = containerResponse(view, pod, port, {method: request.method, path: request.path, headers: request.headers, ...(request.body ? {body: request.body} : {}), clientIp: '127.0.0.1', protocol: request.version, ...(files ? {files} : {}), ...(onServed ? {onServed} : {})})
    if (response === 'refused') return {refusal: refusalMessage(pod, port), reply: Buffer.concat(replies), consumedBytes: input.length, closes: true}
    if (response.status === 0) return {reply: Buffer.concat(replies), consumedBytes: input.length, closes: true}
    const connection = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'connection')?.[1]?.toLowerCase()
    const closes = connection === 'close' || (request.version === 'HTTP/1.0' && connection !== 'keep-alive')
    replies.push(serialize(response, closes))
    if (closes) return {reply: Buffer.concat(replies), consumedBytes: offset, closes: true}
  }
  return {reply: Buffer.concat(replies), consumedBytes: offset, closes: false}
}

/** A view of one pod at one moment: all a forwarded connection's answer depends on. */
export function podOnlyView(pod: KubeObject, nowMilliseconds: number): ClusterNetworkView {
  return {services: [], endpointSlices: [], pods: [pod], nodes: [], namespaces: [], networkPolicies: [], clusterDomain: 'cluster.local', nowMilliseconds}
}

// What answers on a pod's port: the simulated server of the container listening there. Images
// whose servers are well known answer as they do (nginx, httpd, hashicorp/http-echo, agnhost
// netexec and liveness), on the ports they really listen on; any other container answers on the
// ports it declares with a page naming its pod. No running container listening → refused.
import type {KubeObject} from '../api/object.js'
import type {ClusterNetworkView, ContainerFiles, ContainerFilesReader, HttpResponse, ServedRequestRecorder} from './types.js'
import {type CommandListener, commandListeners} from './command-listeners.js'
import {emptyReply, imageServer, type ImageServer} from './image-servers.js'
import {type AccessLogFormat, headerValue, type ServedRequest} from './access-log.js'

/** Told of each request a server that keeps an access log answered: the serving container, the request, the log's format. */

export interface ContainerRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
  /** The client's address as the container sees it (agnhost's /clientip). */
  clientIp?: string
  /** The listening container's files, for a server that answers from them (see filesOfListener). */
  files?: ContainerFiles
  /** The request line's protocol (HTTP/1.1 unless the client said otherwise). */
  protocol?: string
  /** Records the request in the serving container's access log (absent: the request leaves no line, as the kubelet's probes, whose lines are computed from the spec). */
  onServed?: ServedRequestRecorder
  /** When the client sent it (a container command's moment in its run); the view's now otherwise. */
  sentAtMilliseconds?: number
}

type Json = Record<string, unknown>

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
}

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(record) : []
}

/** A container whose process is up, with the time it started on the cluster clock. */
interface RunningContainer {
  readonly spec: Json
  readonly startedMilliseconds: number
}

function runningContainers(pod: KubeObject): RunningContainer[] {
  const status = record(pod.status)
  if (status.phase !== 'Running' || pod.metadata.deletionTimestamp !== undefined) return []
  const statuses = records(status.containerStatuses)
  const result: RunningContainer[] = []
  for (const container of records(record(pod.spec).containers)) {
    const running = record(record(statuses.find((entry) => entry.name === container.name)?.state).running)
    if (typeof running.startedAt !== 'string') continue
    const started = Date.parse(running.startedAt)
    result.push({spec: container, startedMilliseconds: Number.isNaN(started) ? 0 : started})
  }
  return result
}

function declaresPort(container: Json, port: number): boolean {
  return records(container.ports).some((entry) => Number(entry.containerPort) === port && String(entry.protocol ?? 'TCP') === 'TCP')
}

/**
 * The container listening on `port` and how it answers: a known image on its own port, a command
 * that listens (nc -l, httpd, python -m http.server), else a container that declares it. The
 * containers of a pod share its network namespace, so any of them may take the pod's port.
 */
export function listenerOn(pod: KubeObject, port: number): {container: RunningContainer; server: ImageServer | null; command?: CommandListener} | null {
  const containers = runningContainers(pod)
  for (const container of containers) {
    const server = imageServer(container.spec)
    if (server && server.ports.includes(port)) return {container, server}
  }
  for (const container of containers) {
    const command = commandListeners(container.spec).find((listener) => listener.port === port)
    if (command) return {container, server: null, command}
  }
  for (const container of containers) {
    if (imageServer(container.spec) === null && declaresPort(container.spec, port)) return {container, server: null}
  }
  return null
}

/** The files of the container listening on the pod's `port` when its server answers from them (nginx, httpd); undefined otherwise, or without a reader. */
export async function filesOfListener(pod: KubeObject, port: number, read: ContainerFilesReader | undefined): Promise<ContainerFiles | undefined> {
  const listener = listenerOn(pod, port)
  if (!read || !listener?.server?.servesFiles) return undefined
  return (await read(pod, String(listener.container.spec.name))) ?? undefined
}

/**
 * The HTTP answer of what listens on the pod's `port`, or 'refused'. A response with status 0 means
 * the server took the connection and closed it without an HTTP reply (CoreDNS's port 53).
 */
export function containerResponse(view: ClusterNetworkView, pod: KubeObject, port: number, request: ContainerRequest): HttpResponse | 'refused' {
  const listener = listenerOn(pod, port)
  if (!listener) return 'refused'
  const date = new Date(view.nowMilliseconds).toUTCString()
  if (listener.server) {
    const response = listener.server.answer({...request, podName: String(pod.metadata.name), nowMilliseconds: view.nowMilliseconds, startedMilliseconds: listener.container.startedMilliseconds}, port)
    // Status 0: the server closed the connection without an HTTP reply.
    if (response.status === 0) return response
    if (listener.server.accessLog && request.onServed) request.onServed(pod, String(listener.container.spec.name), servedRequest(request.sentAtMilliseconds ?? view.nowMilliseconds, request, response), listener.server.accessLog)
    return {...response, headers: {...response.headers, Date: date}, body: request.method === 'HEAD' ? '' : response.body}
  }
  if (listener.command && !listener.command.answersHttp) return emptyReply
  const body = `Hello from ${pod.metadata.namespace}/${pod.metadata.name}: container ${String(listener.container.spec.name)} answered ${request.method} ${request.path} on port ${port}\n`
  return {status: 200, reason: 'OK', headers: {'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Date: date}, body: request.method === 'HEAD' ? '' : body}
}

/** What the access log keeps of a request and its response. */
export function servedRequest(atMilliseconds: number, request: Pick<ContainerRequest, 'method' | 'path' | 'headers' | 'clientIp' | 'protocol'>, response: Pick<HttpResponse, 'status' | 'body'>): ServedRequest {
  const referer = headerValue(request.headers, 'referer')
  const userAgent = headerValue(request.headers, 'user-agent')
  const forwardedFor = headerValue(request.headers, 'x-forwarded-for')
  const host = headerValue(request.headers, 'host')
  return {
    atMilliseconds,
    clientIp: (request.clientIp ?? '').replace(/:\d+$/, ''),
    method: request.method,
    target: request.path,
    protocol: request.protocol ?? 'HTTP/1.1',
    status: response.status,
    bodyBytes: request.method === 'HEAD' ? 0 : Buffer.byteLength(response.body),
    ...(referer ? {referer} : {}),
    ...(userAgent ? {userAgent} : {}),
    ...(forwardedFor ? {forwardedFor} : {}),
    ...(host ? {host} : {}),
  }
}

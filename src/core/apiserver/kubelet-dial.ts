// kube-apiserver reaches a pod's kubelet for logs, exec, attach and port-forward at the node's
// address and daemon port. A node whose kubelet is stopped refuses the connection, and the API
// server answers with the dial's error as Go words it: for a stream, the upgrade-aware proxy's
// "error dialing backend: dial tcp …"; for logs, the HTTP client's `Get "https://…": dial tcp …`.
// Both reach kubectl as a 500 Status without a reason ("Error from server: …").
import type {KubeObject} from '../api/object.js'
import {apiErrors, type ApiError} from './api-errors.js'

/** kubeadm's --kubelet-preferred-address-types, in its order. */
const preferredAddressTypes = ['InternalIP', 'ExternalIP', 'Hostname'] as const
/** The kubelet's port when the Node does not say (its --port default). */
const kubeletPortDefault = 10250

type NodeAddress = {type?: string; address?: string}

/** Whether a node's kubelet accepts connections now (kubemu's kubelets: unless the node was stopped). */
export type KubeletListens = (node: KubeObject) => boolean

/** The node's kubelet endpoint as kube-apiserver's connection info getter finds it, and whether it listens. */
function kubeletEndpoint(node: KubeObject, listens: KubeletListens): {host: string; refused: boolean} {
  const status = (node.status ?? {}) as {addresses?: NodeAddress[]; daemonEndpoints?: {kubeletEndpoint?: {Port?: number}}}
  const addresses = status.addresses ?? []
  const address = preferredAddressTypes.map((type) => addresses.find((entry) => entry.type === type && entry.address)).find(Boolean)?.address
  if (address === undefined) {
    // Go prints the []NodeAddress with %v: `[{InternalDNS name}]`.
    throw apiErrors.notStatus(`no preferred addresses found; known addresses: [${addresses.map((entry) => `{${entry.type ?? ''} ${entry.address ?? ''}}`).join(' ')}]`)
  }
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port || kubeletPortDefault
  const host = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
  return {host, refused: !listens(node)}
}

const refusedDial = (host: string) => `dial tcp ${host}: connect: connection refused`

/** The error of an exec, attach or port-forward to a pod on `node` when its kubelet refuses connections, else null. */
export function streamDialError(node: KubeObject, listens: KubeletListens): ApiError | null {
  const {host, refused} = kubeletEndpoint(node, listens)
  return refused ? apiErrors.notStatus(`error dialing backend: ${refusedDial(host)}`) : null
}

/** The query parameters kube-apiserver passes to the kubelet's containerLogs, sorted by name as url.Values encodes them. */
function logParameters(query: Readonly<Record<string, string>>): string {
  const parameters: Array<[string, string]> = []
  for (const flag of ['follow', 'previous', 'timestamps']) if (query[flag] === 'true') parameters.push([flag, 'true'])
  for (const number of ['limitBytes', 'sinceSeconds', 'tailLines']) if (query[number] !== undefined && Number.isFinite(Number(query[number]))) parameters.push([number, String(Math.trunc(Number(query[number])))])
  const since = query.sinceTime === undefined ? Number.NaN : Date.parse(query.sinceTime)
  if (Number.isFinite(since)) parameters.push(['sinceTime', new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z')])
  parameters.sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
  return parameters.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&')
}

/** The error of a log request for `container` of `pod` on `node` when its kubelet refuses connections, else null. */
export function logDialError(node: KubeObject, listens: KubeletListens, pod: KubeObject, container: string, query: Readonly<Record<string, string>>): ApiError | null {
  const {host, refused} = kubeletEndpoint(node, listens)
  if (!refused) return null
  const parameters = logParameters(query)
  const location = `https://${host}/containerLogs/${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}/${container}${parameters ? `?${parameters}` : ''}`
  return apiErrors.notStatus(`Get ${JSON.stringify(location)}: ${refusedDial(host)}`)
}

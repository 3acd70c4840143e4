// `kubemu node add|remove|stop|start`: simulated nodes and node faults, written through the API
// server as the admin, then the control plane settles (a new node's kubelet heartbeats and takes
// pods; a removed node's pods are collected and replaced; a stopped node's kubelet goes quiet).
import {formatTimestamp} from '../api/object.js'
import {apiServerUser} from '../apiserver/authentication/user.js'
import {nodeObject, type NodeDefinition} from '../apiserver/bootstrap.js'
import {ApiClient, ApiClientError, type RequestHandler} from '../client/client.js'
import {resources} from '../client/resources.js'
import {stoppedAnnotation} from '../kubelet/heartbeat.js'
import {canKeepCredentialsOf, FileKubeletCredentials, joinWithBootstrapToken} from '../kubelet/client-credentials.js'
import type {Node} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'

export class NodeCommandError extends Error {}

export interface NodeAddOptions {
  readonly cpu: string
  readonly memory: string
  readonly pods: string
  readonly labels: Record<string, string>
  readonly taints: Array<{key: string; value?: string; effect: string}>
}

/** `k=v,k2=v2` */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const part of text.split(',').filter(Boolean)) {
    const [key, value] = part.split('=')
    if (!key || value === undefined) throw new NodeCommandError(`invalid label ${JSON.stringify(part)}: expected key=value`)
    labels[key] = value
  }
  return labels
}

/** `key=value:Effect,key:Effect` */
export function parseTaints(text: string): NodeAddOptions['taints'] {
  return text.split(',').filter(Boolean).map((part) => {
    const match = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part)
    if (!match) throw new NodeCommandError(`invalid taint ${JSON.stringify(part)}: expected key[=value]:NoSchedule|PreferNoSchedule|NoExecute`)
    return {key: match[1]!, ...(match[2] ? {value: match[2]} : {}), effect: match[3]!}
  })
}

/** Runs `work` as the admin, with the server's refusals as kubectl-style errors. */
async function asAdmin<T>(server: RequestHandler, work: (client: ApiClient) => Promise<T>): Promise<T> {
  try {
    return await work(new ApiClient(server, apiServerUser, 'kubemu'))
  } catch (error) {
    if (error instanceof ApiClientError) throw new NodeCommandError(`Error from server (${error.reason || error.code}): ${error.message}`)
    throw error
  }
}

async function withCluster<T>(environment: NodeJS.ProcessEnv, clusterName: string, work: (client: ApiClient, clock: Clock, folder: string) => Promise<T>): Promise<T> {
  const [{openHost}, {KubernetesUnavailableError}] = await Promise.all([import('./host.js'), import('../apiserver/open.js')])
  const host = await openHost({environment, clusterName})
  try {
    await host.catchUp()
    const result = await asAdmin(await host.kubernetes(), (client) => work(client, host.clock, host.folder))
    // A new node's kubelet heartbeats and takes pods; a removed node's pods are replaced.
    await host.settle()
    return result
  } catch (error) {
    // The API server cannot read its store (no etcd quorum): its error line, as kubectl prints it.
    if (error instanceof KubernetesUnavailableError) throw new NodeCommandError(error.message)
    throw error
  } finally {
    await host.close()
  }
}

export async function addNode(environment: NodeJS.ProcessEnv, clusterName: string, name: string, options: NodeAddOptions): Promise<void> {
  await withCluster(environment, clusterName, async (client, clock, folder) => {
    const {items} = await client.list<Node>(resources.nodes)
    const usedCidrs = new Set(items.map((node) => node.spec?.podCIDR))
    let index = 1
    while (usedCidrs.has(`10.244.${index}.0/24`)) index++
    if (index > 254) throw new NodeCommandError('no free pod CIDR left in 10.244.0.0/16')
    const definition: NodeDefinition = {name, cpu: options.cpu, memory: options.memory, pods: options.pods, labels: options.labels, taints: options.taints, address: `172.18.${Math.floor((index + 2) / 250)}.${(index + 2) % 250}`, podCidr: `10.244.${index}.0/24`}
    // The machine joins as kubeadm join does: its kubelet will request its certificate with the bootstrap token.
    const credentials = new FileKubeletCredentials(folder)
    // A name the API server refuses gets its error, not the credentials store's.
    const joining = !items.some((node) => node.metadata.name === name) && canKeepCredentialsOf(name)
    if (joining) joinWithBootstrapToken(credentials, name)
    try {
      await client.create(resources.nodes, nodeObject(definition, clock.nowMilliseconds()))
    } catch (error) {
      if (joining) credentials.set(name, null)
      throw error
    }
  })
}

export async function removeNode(environment: NodeJS.ProcessEnv, clusterName: string, name: string): Promise<void> {
  await withCluster(environment, clusterName, async (client, _clock, folder) => {
    await client.delete(resources.nodes, '', name)
    // The machine is gone, and its kubelet's credentials with it.
    if (canKeepCredentialsOf(name)) new FileKubeletCredentials(folder).set(name, null)
  })
}

/** Stops (or starts) a node's simulated kubelet. */
export async function setNodeStopped(environment: NodeJS.ProcessEnv, clusterName: string, name: string, stopped: boolean): Promise<void> {
  await withCluster(environment, clusterName, async (client, clock) => {
    const node = await client.get<Node>(resources.nodes, '', name)
    if ((node.metadata.annotations?.[stoppedAnnotation] === 'true') === stopped) throw new NodeCommandError(`node ${name} is already ${stopped ? 'stopped' : 'running'}`)
    await client.patch(resources.nodes, '', name, {metadata: {annotations: {[stoppedAnnotation]: stopped ? 'true' : null, 'kubemu.io/stopped-at': stopped ? formatTimestamp(clock.nowMilliseconds()) : null}}})
  })
}

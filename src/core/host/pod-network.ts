// The pod network a host gives its simulated containers and the kubelets' probes (one-shot and
// under `up`). Apart from the network commands' runner, which opens a host itself.
import {AsyncLocalStorage} from 'node:async_hooks'
import type {Pod} from '../api/kinds.js'
import {apiServerUser} from '../apiserver/authentication/user.js'
import {ApiClient, isNotFound, type RequestHandler} from '../client/client.js'
import {resources} from '../client/resources.js'
import type {PodObjectReader} from '../kubelet/container-setup.js'
import type {SimulatedContainers} from '../kubelet/containers.js'
import {createPodNetwork} from '../network/pod-network.js'
import type {ContainerFilesReader, PodNetwork} from '../network/types.js'
import {ProxyMemory} from '../proxy/memory.js'
import type {SyncedRulesStore} from '../proxy/synced-rules.js'
import type {Clock} from '../util/clock.js'

/** ConfigMaps, Secrets and Services read through the API server, as the kubelet reads them for a container's volumes and environment. */
export function apiObjectReader(client: ApiClient): PodObjectReader {
  return {
    get: async (resource, namespace, name) => {
      try {
        return await client.get(resource === 'configmaps' ? resources.configMaps : resources.secrets, namespace, name)
      } catch (error) {
        if (isNotFound(error)) return null
        throw error
      }
    },
    services: async (namespace) => (await client.list(resources.services, namespace)).items,
  }
}

/** Set while a container's files are replayed for a server's answer (see runtimeFiles). */
const replayingFiles = new AsyncLocalStorage<true>()

/**
 * The runtime's files of a pod's container at the cluster clock's now (what nginx and httpd
 * serve). Replaying them runs the container's script, whose curl may reach a server that answers
 * from files again (its own, or a pod whose script fetches this one): inside such a replay, servers
 * answer from their images' own files, so one answer replays at most one container.
 */
export function runtimeFiles(containers: () => SimulatedContainers, client: ApiClient, clock: Clock): ContainerFilesReader {
  const reader = apiObjectReader(client)
  return async (pod, container) => {
    if (replayingFiles.getStore()) return null
    return replayingFiles.run(true, () => containers().filesAt(pod as Pod, container, clock.nowMilliseconds(), reader))
  }
}

/**
 * The pod network the simulated containers and the kubelets' probes use: kube-proxy's and
 * CoreDNS's view read through the API server as the admin, opened when first asked (the API
 * server starts after the containers' runtime), with the cluster's kube-proxy memory (kept in its
 * folder) and the runtime's files, which the images' web servers answer from.
 */
export function hostPodNetwork(server: () => Promise<RequestHandler>, clock: Clock, syncedRules: SyncedRulesStore, random: () => number, folder: string, containers: () => SimulatedContainers): PodNetwork {
  const memory = new ProxyMemory(folder)
  let network: Promise<PodNetwork> | null = null
  const open = () =>
    (network ??= server().then((handler) => {
      const client = new ApiClient(handler, apiServerUser, 'kubemu')
      return createPodNetwork(client, clock, {random, memory, syncedRules, containerFiles: runtimeFiles(containers, client, clock), servedRequests: (...served) => containers().servedRequests(...served)})
    }))
  return opened(open)
}

/** The network `open` gives, asked for once it is needed. */
function opened(open: () => Promise<PodNetwork>): PodNetwork {
  return {
    lookup: async (from, name, type, atMilliseconds) => (await open()).lookup(from, name, type, atMilliseconds),
    request: async (from, url, options) => (await open()).request(from, url, options),
    connect: async (from, host, port) => (await open()).connect(from, host, port),
    snapshot: () => {
      let snapshot: Promise<PodNetwork> | null = null
      return opened(() => (snapshot ??= open().then((network) => network.snapshot())))
    },
  }
}

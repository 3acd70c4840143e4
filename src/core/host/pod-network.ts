// The pod network a host gives its simulated containers and the kubelets' probes (one-shot and
// under `up`). Apart from the network commands' runner, which opens a host itself.
import {apiServerUser} from '../apiserver/authentication/user.js'
import {ApiClient, type RequestHandler} from '../client/client.js'
import {createPodNetwork} from '../network/pod-network.js'
import type {PodNetwork} from '../network/types.js'
import {ProxyMemory} from '../proxy/memory.js'
import type {SyncedRulesStore} from '../proxy/synced-rules.js'
import type {Clock} from '../util/clock.js'

/**
 * The pod network the simulated containers and the kubelets' probes use: kube-proxy's and
 * CoreDNS's view read through the API server as the admin, opened when first asked (the API
 * server starts after the containers' runtime), with the cluster's kube-proxy memory (kept in its folder).
 */
export function hostPodNetwork(server: () => Promise<RequestHandler>, clock: Clock, syncedRules: SyncedRulesStore, random: () => number, folder: string): PodNetwork {
  const memory = new ProxyMemory(folder)
  let network: Promise<PodNetwork> | null = null
  const open = () => (network ??= server().then((handler) => createPodNetwork(new ApiClient(handler, apiServerUser, 'kubemu'), clock, {random, memory, syncedRules})))
  return {
    lookup: async (from, name, type) => (await open()).lookup(from, name, type),
    request: async (from, url, options) => (await open()).request(from, url, options),
    connect: async (from, host, port) => (await open()).connect(from, host, port),
  }
}

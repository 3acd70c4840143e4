// What `kubemu node rules`, `kubemu curl` and `kubemu trace-request` ask of the host: the
// cluster brought up to now, then reads through the API server as the admin (kube-proxy's and
// CoreDNS's view); nothing is written. Errors a user can cause come back as NetworkCommandError
// with the line to print.
import {apiServerUser} from '../apiserver/authentication/user.js'
import {ApiClient, ApiClientError} from '../client/client.js'
import {resources} from '../client/resources.js'
import {createPodNetwork, parseHttpUrl, UnsupportedUrlError, type UrlResult} from '../network/pod-network.js'
import type {HttpRequestOptions, NetworkSource, PodNetwork} from '../network/types.js'
import {ProxyMemory} from '../proxy/memory.js'
import {FileSyncedRules, SyncedRulesFileError, type SyncedRulesStore} from '../proxy/synced-rules.js'
import {ProxyConfigError} from '../proxy/node-rules.js'
import type {Clock} from '../util/clock.js'
import {clusterFolder} from '../home.js'
import {clusterRandomness} from '../seed.js'
import {clusterContainers, type SimulatedContainers} from '../kubelet/containers.js'
import {runtimeFiles} from './pod-network.js'

export class NetworkCommandError extends Error {}

/** Runs `work` with the admin's client, the cluster clock and the rules the nodes' kube-proxies synced. */
export async function withClusterReader<T>(environment: NodeJS.ProcessEnv, clusterName: string, work: (client: ApiClient, clock: Clock, syncedRules: SyncedRulesStore) => Promise<T>): Promise<T> {
  const [{openHost}, {KubernetesUnavailableError}] = await Promise.all([import('./host.js'), import('../apiserver/open.js')])
  const host = await openHost({environment, clusterName})
  try {
    await host.catchUp()
    return await work(new ApiClient(await host.kubernetes(), apiServerUser, 'kubemu'), host.clock, new FileSyncedRules(host.folder))
  } catch (error) {
    if (error instanceof ApiClientError) throw new NetworkCommandError(`Error from server (${error.reason || error.code}): ${error.message}`)
    if (error instanceof KubernetesUnavailableError || error instanceof ProxyConfigError || error instanceof SyncedRulesFileError) throw new NetworkCommandError(error.message)
    throw error
  } finally {
    await host.close()
  }
}

/** Requests in order through one network (one kube-proxy memory: affinity holds across them), as curl fetches its URLs. */
export async function requestAll(environment: NodeJS.ProcessEnv, clusterName: string, from: NetworkSource, urls: readonly string[], options: HttpRequestOptions): Promise<UrlResult[]> {
  return withClusterReader(environment, clusterName, async (client, clock, syncedRules) => {
    // kube-proxy's statistic draws follow the cluster's seed, if it has one.
    const random = clusterRandomness(clusterFolder(environment, clusterName)).numbers('kube-proxy')
    // The nodes' kube-proxies remember affinity across commands (and with `up`), as a node's kernel does.
    // What the images' web servers serve: the containers' files as the runtime keeps them (with `up` too).
    // Their scripts' own curls go through the same network, as a replay under `up` would.
    const containers: SimulatedContainers = clusterContainers(clusterFolder(environment, clusterName), () => network)
    const network: PodNetwork = createPodNetwork(client, clock, {random, memory: new ProxyMemory(clusterFolder(environment, clusterName)), syncedRules, containerFiles: runtimeFiles(() => containers, client, clock), servedRequests: containers.servedRequests})
    if (from.kind === 'pod') await client.get(resources.pods, from.namespace, from.name)
    const results: UrlResult[] = []
    for (const url of urls) {
      try {
        const {host, port} = parseHttpUrl(url)
        results.push({url, host, port, exchange: await network.request(from, url, options)})
      } catch (error) {
        if (!(error instanceof UnsupportedUrlError)) throw error
        results.push({url, urlError: error})
      }
    }
    return results
  })
}

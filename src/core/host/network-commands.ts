// What `kubemu node rules`, `kubemu curl` and `kubemu trace-request` ask of the host: the
// cluster brought up to now, then reads through the API server as the admin (kube-proxy's and
// CoreDNS's view); nothing is written. Errors a user can cause come back as NetworkCommandError
// with the line to print.
import {apiServerUser} from '../apiserver/authentication/user.js'
import {ApiClient, ApiClientError} from '../client/client.js'
import {ProxyConfigError} from '../proxy/node-rules.js'
import type {Clock} from '../util/clock.js'

export class NetworkCommandError extends Error {}

export async function withClusterReader<T>(environment: NodeJS.ProcessEnv, clusterName: string, work: (client: ApiClient, clock: Clock) => Promise<T>): Promise<T> {
  const [{openHost}, {KubernetesUnavailableError}] = await Promise.all([import('./host.js'), import('../apiserver/open.js')])
  const host = await openHost({environment, clusterName})
  try {
    await host.catchUp()
    return await work(new ApiClient(await host.kubernetes(), apiServerUser, 'kubemu'), host.clock)
  } catch (error) {
    if (error instanceof ApiClientError) throw new NetworkCommandError(`Error from server (${error.reason || error.code}): ${error.message}`)
    if (error instanceof KubernetesUnavailableError || error instanceof ProxyConfigError) throw new NetworkCommandError(error.message)
    throw error
  } finally {
    await host.close()
  }
}

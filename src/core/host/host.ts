// The one way every command reaches a cluster. Exactly one process drives the members at a time:
// while `kubemu up` runs, commands go through it (its loopback API and its control endpoints);
// otherwise a command runs the cluster in-process (one-shot), catches it up to now before it
// reads, and settles it after it changed something.
import {existingClusterFolder} from '../home.js'
import type {ClusterHost, HostOptions} from './cluster-host.js'
import {runningUp} from './up-marker.js'

export type {AdvanceResult, ClusterHost, FaultAction, FaultKind, FaultResult, HostOptions, KubernetesHandler, TimeReading} from './cluster-host.js'
export type {ClusterClock} from './clock.js'

export {ClusterNotFoundError} from '../home.js'

/** The host of the cluster the environment names: through `up` when it runs, one-shot otherwise. */
export async function openHost(options: HostOptions): Promise<ClusterHost> {
  const folder = existingClusterFolder(options.environment, options.clusterName)
  const up = runningUp(folder)
  if (up) {
    const {RemoteHost} = await import('./remote-host.js')
    return new RemoteHost(folder, up, options)
  }
  const {OneShotHost} = await import('./one-shot-host.js')
  return new OneShotHost(folder, options)
}


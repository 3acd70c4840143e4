// The one way every command reaches a cluster. Exactly one process drives the members at a time:
// while `kubemu up` runs, commands go through it (its loopback API and its control endpoints);
// otherwise a command runs the cluster in-process (one-shot), catches it up to now before it
// reads, and settles it after it changed something.
import {existsSync} from 'node:fs'
import {clusterFolder, defaultClusterName, kubemuHome} from '../home.js'
import type {ClusterHost, HostOptions} from './cluster-host.js'
import {runningUp} from './up-marker.js'

export type {AdvanceResult, ClusterHost, FaultAction, FaultKind, FaultResult, HostOptions, KubernetesHandler, TimeReading} from './cluster-host.js'
export type {ClusterClock} from './clock.js'

/** --cluster or KUBEMU_CLUSTER names a cluster that does not exist: only `kubemu up` makes a named one. */
export class ClusterNotFoundError extends Error {}

/** The host of the cluster the environment names: through `up` when it runs, one-shot otherwise. */
export async function openHost(options: HostOptions): Promise<ClusterHost> {
  const folder = clusterFolder(options.environment, options.clusterName)
  // The default cluster comes into being on first use; a named one must exist (a typo in a name
  // would otherwise make an empty cluster and answer from it).
  const named = options.clusterName ?? options.environment.KUBEMU_CLUSTER
  if (named && named !== defaultClusterName && !existsSync(folder)) {
    const source = options.clusterName !== undefined ? '--cluster' : 'KUBEMU_CLUSTER'
    throw new ClusterNotFoundError(`cluster "${named}" (${source}) does not exist in ${kubemuHome(options.environment)}; \`kubemu up\` creates it`)
  }
  const up = runningUp(folder)
  if (up) {
    const {RemoteHost} = await import('./remote-host.js')
    return new RemoteHost(folder, up, options)
  }
  const {OneShotHost} = await import('./one-shot-host.js')
  return new OneShotHost(folder, options)
}


import {existsSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

export const defaultClusterName = 'default'

/** KUBEMU_HOME names something that is not a folder. */
export class KubemuHomeError extends Error {}

/** Where kubemu keeps its clusters: $KUBEMU_HOME, or ~/.kubemu (a folder, made when first needed). */
export function kubemuHome(environment: NodeJS.ProcessEnv): string {
  const configured = environment.KUBEMU_HOME
  const home = configured && configured.length > 0 ? configured : join(homedir(), '.kubemu')
  const found = statSync(home, {throwIfNoEntry: false})
  if (found && !found.isDirectory()) {
    throw new KubemuHomeError(`${configured ? `KUBEMU_HOME (${home})` : home} is a file, not a folder: point KUBEMU_HOME at a folder for kubemu's clusters`)
  }
  return home
}

/** --cluster or KUBEMU_CLUSTER is not a cluster name. */
export class ClusterNameError extends Error {}

export function clusterFolder(environment: NodeJS.ProcessEnv, clusterName?: string): string {
  const name = clusterName ?? environment.KUBEMU_CLUSTER ?? defaultClusterName
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new ClusterNameError(`invalid cluster name "${name}": use lower-case letters, digits and '-'`)
  }
  return join(kubemuHome(environment), name)
}

/** --cluster or KUBEMU_CLUSTER names a cluster that does not exist: only `kubemu up` makes a named one. */
export class ClusterNotFoundError extends Error {}

/**
 * The folder of a cluster a command uses but does not create. The default cluster comes into
 * being on first use; a named one must exist (a typo in a name would otherwise make an empty
 * cluster and answer from it).
 */
export function existingClusterFolder(environment: NodeJS.ProcessEnv, clusterName?: string): string {
  const folder = clusterFolder(environment, clusterName)
  const named = clusterName ?? environment.KUBEMU_CLUSTER
  if (named && named !== defaultClusterName && !existsSync(folder)) {
    const source = clusterName !== undefined ? '--cluster' : 'KUBEMU_CLUSTER'
    throw new ClusterNotFoundError(`cluster "${named}" (${source}) does not exist in ${kubemuHome(environment)}; \`kubemu up\` creates it`)
  }
  return folder
}

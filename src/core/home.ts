import {statSync} from 'node:fs'
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

export function clusterFolder(environment: NodeJS.ProcessEnv, clusterName?: string): string {
  const name = clusterName ?? environment.KUBEMU_CLUSTER ?? defaultClusterName
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new Error(`invalid cluster name "${name}": use lower-case letters, digits and '-'`)
  }
  return join(kubemuHome(environment), name)
}

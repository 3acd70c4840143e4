import {homedir} from 'node:os'
import {join} from 'node:path'

export const defaultClusterName = 'default'

/** Where kubemu keeps its clusters: $KUBEMU_HOME, or ~/.kubemu. */
export function kubemuHome(environment: NodeJS.ProcessEnv): string {
  const configured = environment.KUBEMU_HOME
  return configured && configured.length > 0 ? configured : join(homedir(), '.kubemu')
}

export function clusterFolder(environment: NodeJS.ProcessEnv, clusterName?: string): string {
  const name = clusterName ?? environment.KUBEMU_CLUSTER ?? defaultClusterName
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new Error(`invalid cluster name "${name}": use lower-case letters, digits and '-'`)
  }
  return join(kubemuHome(environment), name)
}

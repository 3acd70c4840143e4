// The well-known users and groups of kube-apiserver (system:masters, the loopback user, …); the
// UserInfo shape itself (k8s.io/apiserver's user.Info) is in api/wire.ts.
import type {UserInfo} from '../../api/wire.js'

export const systemGroups = {
  masters: 'system:masters',
  authenticated: 'system:authenticated',
  unauthenticated: 'system:unauthenticated',
  serviceAccounts: 'system:serviceaccounts',
} as const

export const anonymousUser: UserInfo = {name: 'system:anonymous', groups: [systemGroups.unauthenticated]}

/** The API server's own identity, for the writes it makes itself (bootstrap, allocations). */
export const apiServerUser: UserInfo = {name: 'system:apiserver', uid: 'system:apiserver', groups: [systemGroups.masters, systemGroups.authenticated]}

export const serviceAccountUserPrefix = 'system:serviceaccount:'

export function serviceAccountUserName(namespace: string, name: string): string {
  return `${serviceAccountUserPrefix}${namespace}:${name}`
}

/** The namespace and name of a service account user name, or null for any other name. */
export function parseServiceAccountUserName(userName: string): {namespace: string; name: string} | null {
  if (!userName.startsWith(serviceAccountUserPrefix)) return null
  const parts = userName.slice(serviceAccountUserPrefix.length).split(':')
  if (parts.length !== 2 || parts[0]!.length === 0 || parts[1]!.length === 0) return null
  return {namespace: parts[0]!, name: parts[1]!}
}

export function serviceAccountGroups(namespace: string): string[] {
  return [systemGroups.serviceAccounts, `${systemGroups.serviceAccounts}:${namespace}`]
}

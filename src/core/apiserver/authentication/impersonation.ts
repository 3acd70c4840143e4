// kube-apiserver's impersonation filter: Impersonate-User, -Group, -Uid and -Extra-* headers
// replace the requester's identity after RBAC allows the "impersonate" verb on each of them.
import type {Attributes, Decision} from '../authorization/rbac.js'
import {forbiddenMessage} from '../authorization/rbac.js'
import type {ApiRequest, UserInfo} from '../../api/wire.js'
import {apiErrors} from '../api-errors.js'
import {parseServiceAccountUserName, serviceAccountGroups, systemGroups} from './user.js'

/** Impersonation headers beyond this many are refused (each is an authorization check). */
export const impersonationHeadersMax = 64

function values(request: ApiRequest, name: string): string[] {
  const value = request.headers?.[name]
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).map(String)
}

export async function impersonate(request: ApiRequest, requester: UserInfo, authorize: (attributes: Attributes) => Promise<Decision>): Promise<UserInfo> {
  const userName = values(request, 'impersonate-user')[0] ?? ''
  const groups = values(request, 'impersonate-group')
  const uid = values(request, 'impersonate-uid')[0] ?? ''
  const extra: Record<string, string[]> = {}
  for (const name of Object.keys(request.headers ?? {})) {
    if (!name.startsWith('impersonate-extra-')) continue
    extra[decodeURIComponent(name.slice('impersonate-extra-'.length))] = values(request, name)
  }
  if (userName.length === 0 && groups.length === 0 && uid.length === 0 && Object.keys(extra).length === 0) return requester
  if (userName.length === 0) {
    const requested = [...groups.map((group) => `{Group  ${group}  authentication.k8s.io/v1  }`)]
    throw apiErrors.badRequest(`requested [${requested.join(' ')}] without impersonating a user`)
  }
  if (groups.length + Object.keys(extra).length > impersonationHeadersMax) throw apiErrors.badRequest('too many impersonation headers')
  const check = async (resource: string, name: string, apiGroup = '', namespace = '', subresource = '') => {
    const attributes: Attributes = {user: requester, verb: 'impersonate', isResourceRequest: true, path: '', apiGroup, apiVersion: '', namespace, resource, subresource, name}
    const decision = await authorize(attributes)
    if (!decision.allowed) {
      const message = forbiddenMessage(attributes) + (decision.reason.length > 0 ? `: ${decision.reason}` : '')
      throw apiErrors.forbidden({group: apiGroup, resource}, name, message)
    }
  }
  const account = parseServiceAccountUserName(userName)
  let impersonatedGroups = [...groups]
  if (account) {
    await check('serviceaccounts', account.name, '', account.namespace)
    if (groups.length === 0) impersonatedGroups = serviceAccountGroups(account.namespace)
  } else {
    await check('users', userName)
  }
  for (const group of groups) await check('groups', group)
  if (uid.length > 0) await check('uids', uid, 'authentication.k8s.io')
  for (const [key, entries] of Object.entries(extra)) {
    for (const entry of entries) await check('userextras', entry, 'authentication.k8s.io', '', key)
  }
  if (userName !== 'system:anonymous') {
    if (!impersonatedGroups.some((group) => group === systemGroups.authenticated || group === systemGroups.unauthenticated)) {
      impersonatedGroups.push(systemGroups.authenticated)
    }
  } else if (!impersonatedGroups.includes(systemGroups.unauthenticated)) {
    impersonatedGroups.push(systemGroups.unauthenticated)
  }
  return {name: userName, uid: uid.length > 0 ? uid : undefined, groups: impersonatedGroups, extra: Object.keys(extra).length > 0 ? extra : undefined}
}

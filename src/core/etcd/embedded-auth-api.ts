// etcd's Auth service on one member of the embedded cluster: changes go through raft, queries read
// the member's auth store (the root role needed, except a user reading itself and its roles).
import {randomBytes} from 'node:crypto'
import {type AuthRequest, hashPassword} from '../mvcc/auth-store.js'
import {etcdErrors} from '../mvcc/errors.js'
import type {ResponseHeader} from '../mvcc/types.js'
import type {AuthApi} from './api.js'
import type {EtcdMember} from './member.js'
import type {MemberRequests} from './member-requests.js'

export function embeddedAuthApi(host: MemberRequests): AuthApi {
  /** Tokens this client handed out, counted. */
  let tokenCounter = 0
  const change = async (request: AuthRequest) => {
    const outcome = await host.submit({auth: request})
    return {header: host.header((outcome.response as {header: ResponseHeader}).header.revision)}
  }
  /** `ownedBy`: a user who may read it without the root role (etcd lets a user get itself and its roles). */
  const query = async <T>(read: (store: EtcdMember['stateMachine']['auth']) => T, ownedBy?: (user: string) => boolean): Promise<{header: ResponseHeader} & T> => {
    const member = await host.readyToServe()
    const user = host.user()
    if (user === undefined || !ownedBy?.(user)) member.stateMachine.auth.checkAdmin(user)
    return {header: host.header(member.stateMachine.kv.currentRevision()), ...read(member.stateMachine.auth)}
  }
  return {
    enable: () => change({enable: true}),
    disable: () => change({disable: true}),
    status: async () => {
      const member = await host.readyToServe()
      const status = member.stateMachine.auth.status()
      return {header: host.header(member.stateMachine.kv.currentRevision()), enabled: status.enabled, authRevision: status.revision}
    },
    authenticate: async (name, password) => {
      const member = await host.readyToServe()
      if (!member.stateMachine.auth.status().enabled) throw etcdErrors.authNotEnabled()
      if (!member.stateMachine.auth.authenticate(name, password)) throw etcdErrors.authFailed()
      // etcd's simple token: random letters, a dot, a counter; valid in this process only.
      const token = `${randomLetters(16)}.${++tokenCounter}`
      return {header: host.header(member.stateMachine.kv.currentRevision()), token}
    },
    userAdd: (name, password, options) => change({userAdd: {name, passwordHash: options?.noPassword ? '' : hashPassword(password)}}),
    userGet: (name) => query((store) => ({roles: [...store.user(name).roles]}), (user) => user === name),
    userList: () => query(() => ({users: host.serving().database.auth.users().map((user) => user.name)})),
    userDelete: (name) => change({userDelete: {name}}),
    userChangePassword: (name, password) => change({userChangePassword: {name, passwordHash: hashPassword(password)}}),
    userGrantRole: (user, role) => change({userGrantRole: {user, role}}),
    userRevokeRole: (user, role) => change({userRevokeRole: {user, role}}),
    roleAdd: (name) => change({roleAdd: {name}}),
    roleGet: (name) =>
      query(
        (store) => ({permissions: store.role(name).permissions.map((permission) => ({...permission}))}),
        (user) => host.serving().database.auth.user(user)?.roles.includes(name) ?? false,
      ),
    roleList: () => query(() => ({roles: host.serving().database.auth.roles().map((role) => role.name)})),
    roleDelete: (name) => change({roleDelete: {name}}),
    roleGrantPermission: (name, permission) => change({roleGrantPermission: {name, permission}}),
    roleRevokePermission: (name, key, rangeEnd) => change({roleRevokePermission: {name, key, rangeEnd}}),
  }
}

function randomLetters(count: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
  return Array.from(randomBytes(count), (byte) => letters[byte % letters.length]).join('')
}

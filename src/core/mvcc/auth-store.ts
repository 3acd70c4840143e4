// etcd's auth store: users, roles with key-range permissions, enable/disable, and the
// permission checks. Changes are applied from raft entries, so they are deterministic: a
// password arrives already hashed (salted by the proposer), as etcd hashes before proposing.
import {randomBytes, scryptSync, timingSafeEqual} from 'node:crypto'
import type {StoredPermission, StoredRole, StoredUser} from '../storage/auth-tables.js'
import type {MemberDatabase} from '../storage/member-database.js'
import {etcdErrors} from './errors.js'
import {compareBytes} from './key-range.js'

export const rootUser = 'root'
export const rootRole = 'root'
const metaAuth = 'auth'

export type PermissionType = StoredPermission['type']

export type AuthRequest =
  | {readonly enable: true}
  | {readonly disable: true}
  | {readonly userAdd: {readonly name: string; readonly passwordHash: string}}
  | {readonly userDelete: {readonly name: string}}
  | {readonly userChangePassword: {readonly name: string; readonly passwordHash: string}}
  | {readonly userGrantRole: {readonly user: string; readonly role: string}}
  | {readonly userRevokeRole: {readonly user: string; readonly role: string}}
  | {readonly roleAdd: {readonly name: string}}
  | {readonly roleDelete: {readonly name: string}}
  | {readonly roleGrantPermission: {readonly name: string; readonly permission: StoredPermission}}
  | {readonly roleRevokePermission: {readonly name: string; readonly key: Uint8Array; readonly rangeEnd: Uint8Array}}

interface AuthState {
  readonly enabled: boolean
  readonly revision: number
  /** Whether auth was ever enabled: etcd writes its enabled flag from then on. */
  readonly everEnabled?: boolean
  /** The auth revision auth was last enabled at: tokens issued before it are void. */
  readonly enabledRevision?: number
}

/** A salted scrypt hash, made by the proposer; applying it stores it as is. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16)
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`
}

export function passwordMatches(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length)
  return timingSafeEqual(actual, expected)
}

/**
 * One member's auth state. The state row (enabled, auth revision) is read on every request, so
 * it is kept in memory once read: this store writes it (and keeps its copy), and whoever changes
 * the file another way (a snapshot applied, a rolled-back transaction, another connection's
 * writes) calls reload().
 */
export class AuthStore {
  private cachedStatus: AuthState | null = null

  constructor(private readonly database: MemberDatabase) {}

  status(): AuthState {
    return (this.cachedStatus ??= this.readStatus())
  }

  /** Forgets the state row kept in memory: the next request reads it from the file. */
  reload(): void {
    this.cachedStatus = null
  }

  private readStatus(): AuthState {
    const text = this.database.getMeta(metaAuth)
    return text ? (JSON.parse(text) as AuthState) : {enabled: false, revision: 1}
  }

  private bump(change: Partial<AuthState> = {}): void {
    const state = this.status()
    const next: AuthState = {...state, ...change, revision: state.revision + 1}
    this.database.setMeta(metaAuth, JSON.stringify(next))
    this.cachedStatus = next
  }

  // ---- apply (inside a transaction) --------------------------------------------------------

  apply(request: AuthRequest): void {
    const tables = this.database.auth
    if ('enable' in request) {
      if (this.status().enabled) return
      const root = tables.user(rootUser)
      if (!root) throw etcdErrors.rootUserNotExist()
      if (!root.roles.includes(rootRole)) throw etcdErrors.rootRoleNotGranted()
      this.bump({enabled: true, everEnabled: true, enabledRevision: this.status().revision + 1})
      return
    }
    if ('disable' in request) {
      if (this.status().enabled) this.bump({enabled: false})
      return
    }
    if ('userAdd' in request) {
      const {name, passwordHash} = request.userAdd
      if (name.length === 0) throw etcdErrors.userEmpty()
      if (tables.user(name)) throw etcdErrors.userExists()
      tables.saveUser({name, passwordHash, roles: []})
    } else if ('userDelete' in request) {
      const {name} = request.userDelete
      if (this.status().enabled && name === rootUser) throw etcdErrors.invalidAuthManagement()
      if (!tables.user(name)) throw etcdErrors.userNotFound()
      tables.deleteUser(name)
    } else if ('userChangePassword' in request) {
      const user = this.requireUser(request.userChangePassword.name)
      tables.saveUser({...user, passwordHash: request.userChangePassword.passwordHash})
    } else if ('userGrantRole' in request) {
      const {user: name, role} = request.userGrantRole
      const user = this.requireUser(name)
      if (role !== rootRole && !tables.role(role)) throw etcdErrors.roleNotFound()
      // Granting a role the user has is ignored, as etcd does.
      if (user.roles.includes(role)) return
      tables.saveUser({...user, roles: [...user.roles, role].sort()})
    } else if ('userRevokeRole' in request) {
      const {user: name, role} = request.userRevokeRole
      if (this.status().enabled && name === rootUser && role === rootRole) throw etcdErrors.invalidAuthManagement()
      const user = this.requireUser(name)
      if (!user.roles.includes(role)) throw etcdErrors.roleNotGranted()
      tables.saveUser({...user, roles: user.roles.filter((granted) => granted !== role)})
    } else if ('roleAdd' in request) {
      const {name} = request.roleAdd
      if (name.length === 0) throw etcdErrors.roleEmpty()
      if (tables.role(name)) throw etcdErrors.roleExists()
      tables.saveRole({name, permissions: []})
    } else if ('roleDelete' in request) {
      const {name} = request.roleDelete
      if (this.status().enabled && name === rootRole) throw etcdErrors.invalidAuthManagement()
      if (!tables.role(name)) throw etcdErrors.roleNotFound()
      tables.deleteRole(name)
      for (const user of tables.users()) {
        if (user.roles.includes(name)) tables.saveUser({...user, roles: user.roles.filter((role) => role !== name)})
      }
    } else if ('roleGrantPermission' in request) {
      const role = this.requireRole(request.roleGrantPermission.name)
      const granted = request.roleGrantPermission.permission
      const existing = role.permissions.findIndex((permission) => sameRange(permission, granted.key, granted.rangeEnd))
      const permissions = [...role.permissions]
      if (existing >= 0) permissions[existing] = granted
      else permissions.push(granted)
      permissions.sort((a, b) => compareBytes(a.key, b.key))
      tables.saveRole({...role, permissions})
    } else {
      const {name, key, rangeEnd} = request.roleRevokePermission
      const role = this.requireRole(name)
      const remaining = role.permissions.filter((permission) => !sameRange(permission, key, rangeEnd))
      if (remaining.length === role.permissions.length) throw etcdErrors.permissionNotGranted()
      tables.saveRole({...role, permissions: remaining})
    }
    this.bump()
  }

  private requireUser(name: string): StoredUser {
    const user = this.database.auth.user(name)
    if (!user) throw etcdErrors.userNotFound()
    return user
  }

  private requireRole(name: string): StoredRole {
    const role = this.database.auth.role(name)
    if (!role) throw etcdErrors.roleNotFound()
    return role
  }

  // ---- queries and checks ------------------------------------------------------------------

  user(name: string): StoredUser {
    return this.requireUser(name)
  }

  role(name: string): StoredRole {
    if (name === rootRole && !this.database.auth.role(name)) return {name, permissions: []}
    return this.requireRole(name)
  }

  /** Checks a user's password; returns false for an unknown user or a wrong password. */
  authenticate(name: string, password: string): boolean {
    const user = this.database.auth.user(name)
    return user !== null && user.passwordHash !== '' && passwordMatches(password, user.passwordHash)
  }

  /**
   * What a user's simple tokens depend on (see AuthTokens): null while auth is disabled or when
   * the user does not exist; changes with the user's password and with each enabling of auth,
   * which void the tokens in etcd.
   */
  tokenStamp(name: string): string | null {
    const state = this.status()
    const user = this.database.auth.user(name)
    if (!state.enabled || !user) return null
    return `${state.enabledRevision ?? 0}:${user.passwordHash}`
  }

  /** etcd's IsAdminPermitted: throws "user name is empty" without a user, else "permission denied". */
  checkAdmin(user: string | undefined): void {
    if (!this.status().enabled) return
    if (!user) throw etcdErrors.userEmpty()
    if (!(this.database.auth.user(user)?.roles.includes(rootRole) ?? false)) throw etcdErrors.permissionDenied()
  }

  /** Throws etcd's error unless `user` may access [key, rangeEnd) for `type`. */
  checkRange(user: string | undefined, key: Uint8Array, rangeEnd: Uint8Array | undefined, type: 'READ' | 'WRITE'): void {
    if (!this.status().enabled) return
    if (!user) throw etcdErrors.userEmpty()
    const stored = this.database.auth.user(user)
    if (!stored) throw etcdErrors.permissionDenied()
    if (stored.roles.includes(rootRole)) return
    const intervals: Array<[Uint8Array, Uint8Array | null]> = []
    for (const roleName of stored.roles) {
      const role = this.database.auth.role(roleName)
      for (const permission of role?.permissions ?? []) {
        if (permission.type !== 'READWRITE' && permission.type !== type) continue
        intervals.push(intervalOf(permission.key, permission.rangeEnd))
      }
    }
    const [start, end] = intervalOf(key, rangeEnd ?? new Uint8Array())
    if (!covered(intervals, start, end)) throw etcdErrors.permissionDenied()
  }
}

function sameRange(permission: StoredPermission, key: Uint8Array, rangeEnd: Uint8Array): boolean {
  return compareBytes(permission.key, key) === 0 && compareBytes(permission.rangeEnd, rangeEnd) === 0
}

/** A key range as [start, end), end null for "to the end of the key space". */
function intervalOf(key: Uint8Array, rangeEnd: Uint8Array): [Uint8Array, Uint8Array | null] {
  if (rangeEnd.length === 0) {
    const next = new Uint8Array(key.length + 1)
    next.set(key)
    return [key, next]
  }
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return [key, null]
  return [key, rangeEnd]
}

/** Whether the union of `intervals` contains [start, end), as etcd's merged interval check. */
function covered(intervals: Array<[Uint8Array, Uint8Array | null]>, start: Uint8Array, end: Uint8Array | null): boolean {
  const sorted = [...intervals].sort((a, b) => compareBytes(a[0], b[0]))
  let reach: Uint8Array | null = start
  for (const [low, high] of sorted) {
    if (reach === null) return true
    if (compareBytes(low, reach) > 0) break
    if (high === null) return true
    if (compareBytes(high, reach) > 0) reach = high
  }
  if (reach === null) return true
  return end !== null && compareBytes(reach, end) >= 0
}


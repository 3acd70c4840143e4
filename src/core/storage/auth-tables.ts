import type Database from 'better-sqlite3'
import {guarded} from './errors.js'

export interface StoredUser {
  readonly name: string
  /** Empty for a user created with --no-password (it cannot authenticate with a password). */
  readonly passwordHash: string
  readonly roles: readonly string[]
}

export interface StoredPermission {
  readonly type: 'READ' | 'WRITE' | 'READWRITE'
  readonly key: Uint8Array
  /** Empty: the single key. [0]: every key from `key` on. */
  readonly rangeEnd: Uint8Array
}

export interface StoredRole {
  readonly name: string
  readonly permissions: readonly StoredPermission[]
}

interface PermissionJson {
  type: StoredPermission['type']
  key: string
  rangeEnd: string
}

/** The SQL of etcd's auth state: users and roles. */
export class AuthTables {
  private readonly statements

  constructor(
    db: Database.Database,
    private readonly path: string,
  ) {
    this.statements = guarded(path, () => ({
      user: db.prepare<[string], {name: string; password_hash: string; roles: string}>('SELECT name, password_hash, roles FROM auth_user WHERE name = ?'),
      users: db.prepare<[], {name: string; password_hash: string; roles: string}>('SELECT name, password_hash, roles FROM auth_user ORDER BY name'),
      saveUser: db.prepare(
        'INSERT INTO auth_user (name, password_hash, roles) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, roles = excluded.roles',
      ),
      deleteUser: db.prepare('DELETE FROM auth_user WHERE name = ?'),
      role: db.prepare<[string], {name: string; permissions: string}>('SELECT name, permissions FROM auth_role WHERE name = ?'),
      roles: db.prepare<[], {name: string; permissions: string}>('SELECT name, permissions FROM auth_role ORDER BY name'),
      saveRole: db.prepare('INSERT INTO auth_role (name, permissions) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET permissions = excluded.permissions'),
      deleteRole: db.prepare('DELETE FROM auth_role WHERE name = ?'),
    }))
  }

  user(name: string): StoredUser | null {
    return guarded(this.path, () => {
      const row = this.statements.user.get(name)
      return row ? {name: row.name, passwordHash: row.password_hash, roles: JSON.parse(row.roles) as string[]} : null
    })
  }

  users(): StoredUser[] {
    return guarded(this.path, () => this.statements.users.all().map((row) => ({name: row.name, passwordHash: row.password_hash, roles: JSON.parse(row.roles) as string[]})))
  }

  saveUser(user: StoredUser): void {
    this.statements.saveUser.run(user.name, user.passwordHash, JSON.stringify(user.roles))
  }

  deleteUser(name: string): void {
    this.statements.deleteUser.run(name)
  }

  role(name: string): StoredRole | null {
    return guarded(this.path, () => {
      const row = this.statements.role.get(name)
      return row ? {name: row.name, permissions: decodePermissions(row.permissions)} : null
    })
  }

  roles(): StoredRole[] {
    return guarded(this.path, () => this.statements.roles.all().map((row) => ({name: row.name, permissions: decodePermissions(row.permissions)})))
  }

  saveRole(role: StoredRole): void {
    const permissions: PermissionJson[] = role.permissions.map((permission) => ({
      type: permission.type,
      key: Buffer.from(permission.key).toString('base64'),
      rangeEnd: Buffer.from(permission.rangeEnd).toString('base64'),
    }))
    this.statements.saveRole.run(role.name, JSON.stringify(permissions))
  }

  deleteRole(name: string): void {
    this.statements.deleteRole.run(name)
  }
}

function decodePermissions(text: string): StoredPermission[] {
  return (JSON.parse(text) as PermissionJson[]).map((permission) => ({
    type: permission.type,
    key: new Uint8Array(Buffer.from(permission.key, 'base64')),
    rangeEnd: new Uint8Array(Buffer.from(permission.rangeEnd, 'base64')),
  }))
}

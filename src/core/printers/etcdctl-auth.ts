// etcdctl 3.4's output for auth, user and role: simple lines, the response as JSON, or the
// header (and a role's permissions) as fields.
import type {PermissionInfo} from '../etcd/api.js'
import {prefixEnd} from '../mvcc/key-range.js'
import type {ResponseHeader} from '../mvcc/types.js'
import {asBinary, headerOnlyMessage, namesMessage, roleGetMessage} from './protobuf.js'
import {type OutputFormat, fieldsHeader, goJson, goQuote, headerJson, refuseTable, refuseTableAndFields} from './etcdctl.js'

const permissionNumbers: Record<PermissionInfo['type'], number> = {READ: 0, WRITE: 1, READWRITE: 2}
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
const raw = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1')
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1')

/** A response that is only its header: `simple` is the sentence etcdctl prints for it. */
export function printAuthChange(header: ResponseHeader, simple: string, format: OutputFormat): string {
  refuseTable(format)
  if (format === 'protobuf') return asBinary(headerOnlyMessage(header))
  if (format === 'json') return utf8(`${goJson({header: headerJson(header)})}\n`)
  if (format === 'fields') return fieldsHeader(header)
  return utf8(`${simple}\n`)
}

export function printRoleGet(name: string, response: {header: ResponseHeader; permissions: readonly PermissionInfo[]}, format: OutputFormat): string {
  refuseTable(format)
  const permissions = response.permissions
  if (format === 'protobuf') return asBinary(roleGetMessage(response.header, permissions))
  if (format === 'json') {
    const perm = permissions.map((permission) => {
      const entry: Record<string, unknown> = {}
      if (permission.type !== 'READ') entry.permType = permissionNumbers[permission.type]
      if (permission.key.length > 0) entry.key = base64(permission.key)
      if (permission.rangeEnd.length > 0) entry.range_end = base64(permission.rangeEnd)
      return entry
    })
    return utf8(`${goJson({header: headerJson(response.header), ...(perm.length > 0 ? {perm} : {})})}\n`)
  }
  if (format === 'fields') {
    let text = fieldsHeader(response.header)
    for (const permission of permissions) {
      text += utf8(`"PermType" :  ${permission.type}\n"Key" : ${goQuote(permission.key)}\n"RangeEnd" : ${goQuote(permission.rangeEnd)}\n`)
    }
    return text
  }
  const line = (permission: PermissionInfo): string => {
    if (permission.rangeEnd.length === 0) return `\t${raw(permission.key)}\n`
    const openEnded = permission.rangeEnd.length === 1 && permission.rangeEnd[0] === 0
    let text = openEnded ? `\t[${raw(permission.key)}, <open ended>` : `\t[${raw(permission.key)}, ${raw(permission.rangeEnd)})`
    if (Buffer.from(prefixEnd(permission.key)).equals(Buffer.from(permission.rangeEnd))) text += ` (prefix ${raw(permission.key)})`
    return `${text}\n`
  }
  const reads = permissions.filter((permission) => permission.type !== 'WRITE').map(line).join('')
  const writes = permissions.filter((permission) => permission.type !== 'READ').map(line).join('')
  return `${utf8(`Role ${name}\n`)}KV Read:\n${reads}KV Write:\n${writes}`
}

export function printRoleList(response: {header: ResponseHeader; roles: readonly string[]}, format: OutputFormat): string {
  refuseTable(format)
  if (format === 'protobuf') return asBinary(namesMessage(response.header, response.roles))
  if (format === 'json') return utf8(`${goJson({header: headerJson(response.header), ...(response.roles.length > 0 ? {roles: response.roles} : {})})}\n`)
  if (format === 'fields') return `${fieldsHeader(response.header)}${utf8(`"Roles" :${response.roles.map((role) => ` ${goQuote(Buffer.from(role))}`).join('')}\n`)}`
  return utf8(response.roles.map((role) => `${role}\n`).join(''))
}

export function printUserGet(name: string, response: {header: ResponseHeader; roles: readonly string[]}, format: OutputFormat): string {
  refuseTableAndFields(format)
  if (format === 'protobuf') return asBinary(namesMessage(response.header, response.roles))
  if (format === 'json') return utf8(`${goJson({header: headerJson(response.header), ...(response.roles.length > 0 ? {roles: response.roles} : {})})}\n`)
  return utf8(`User: ${name}\nRoles:${response.roles.map((role) => ` ${role}`).join('')}\n`)
}

export function printUserList(response: {header: ResponseHeader; users: readonly string[]}, format: OutputFormat): string {
  refuseTableAndFields(format)
  if (format === 'protobuf') return asBinary(namesMessage(response.header, response.users))
  if (format === 'json') return utf8(`${goJson({header: headerJson(response.header), ...(response.users.length > 0 ? {users: response.users} : {})})}\n`)
  return utf8(response.users.map((user) => `${user}\n`).join(''))
}

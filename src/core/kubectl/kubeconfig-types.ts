// A kubeconfig entry as client-go's v1 types hold it: kubectl decodes a file into Go structs and
// writes them back, so fields it does not know are dropped, empty optional ones (omitempty) left
// out, and the fields without omitempty (a cluster's server, a context's cluster and user, an exec
// plugin's command, args, env and provideClusterInfo, an auth provider's name and config) always
// written. The fields come in the structs' order, which JSON output keeps.
import {isJsonObject} from '../api/object.js'

type Entry = Record<string, unknown>

/** Go's omitempty: false, 0, "", null, and empty lists and maps are left out. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return true
  if (Array.isArray(value)) return value.length === 0
  return isJsonObject(value) && Object.keys(value).length === 0
}

/** The fields `order` names, in that order: `always` ones even when empty (their zero value when missing). */
function struct(value: Entry, order: readonly string[], always: Readonly<Record<string, unknown>> = {}): Entry {
  const result: Entry = {}
  for (const field of order) {
    const item = value[field]
    if (field in always) result[field] = item === undefined ? always[field] : item
    else if (!isEmpty(item)) result[field] = item
  }
  return result
}

function execConfig(value: unknown): Entry | undefined {
  if (!isJsonObject(value)) return undefined
  const env = Array.isArray(value.env) ? value.env.filter(isJsonObject).map((variable) => ({name: String(variable.name ?? ''), value: String(variable.value ?? '')})) : null
  // client-go's SetDefaults_ExecConfig: the older plugin APIs default to IfAvailable (others must say).
  const olderApi = value.apiVersion === 'client.authentication.k8s.io/v1beta1' || value.apiVersion === 'client.authentication.k8s.io/v1alpha1'
  const interactiveMode = typeof value.interactiveMode === 'string' && value.interactiveMode !== '' ? value.interactiveMode : olderApi ? 'IfAvailable' : value.interactiveMode
  return struct({...value, env, interactiveMode}, ['command', 'args', 'env', 'apiVersion', 'installHint', 'provideClusterInfo', 'interactiveMode'], {command: '', args: null, env: null, provideClusterInfo: false})
}

function authProvider(value: unknown): Entry | undefined {
  if (!isJsonObject(value)) return undefined
  return struct(value, ['name', 'config'], {name: '', config: null})
}

export function goCluster(value: Entry): Entry {
  return struct(value, ['server', 'tls-server-name', 'insecure-skip-tls-verify', 'certificate-authority', 'certificate-authority-data', 'proxy-url', 'disable-compression', 'extensions'], {server: ''})
}

export function goUser(value: Entry): Entry {
  const user = struct(value, ['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile', 'as', 'as-uid', 'as-groups', 'as-user-extra', 'username', 'password', 'auth-provider', 'exec', 'extensions'])
  const provider = authProvider(user['auth-provider'])
  if (provider) user['auth-provider'] = provider
  const exec = execConfig(user.exec)
  if (exec) user.exec = exec
  return user
}

export function goContext(value: Entry): Entry {
  return struct(value, ['cluster', 'user', 'namespace', 'extensions'], {cluster: '', user: ''})
}

export function goPreferences(value: Entry): Entry {
  return struct(value, ['colors', 'extensions'])
}

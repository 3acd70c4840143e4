// A kubeconfig file read as clientcmd.Load reads it: the YAML's first document as go-yaml v2
// resolves it (YAML 1.1 booleans, octal …), turned into JSON (keys sorted; NaN and infinities
// refused), its apiVersion and kind checked against the one kind clientcmd's scheme knows, then
// decoded into client-go's v1.Config structs with Go's words for a value of the wrong type, and
// converted to clientcmd's maps (a name twice in one list is an error).
import {DecodeError, decodeObject} from '../api/decode.js'
import {isJsonObject} from '../api/object.js'
import {anyValue, arrayOf, boolean, bytesField, mapOf, object, string} from '../api/schema.js'
import {goJsonCompact} from '../util/go-json.js'
import {decodeGoBase64} from '../server/go-json.js'
import {goJsonUnsupportedValue} from './go-yaml-scalars.js'
import {readYamlDocument} from './yaml-faults.js'

const namedExtension = object('v1.NamedExtension', {name: string, extension: anyValue})
const extensions = arrayOf(namedExtension)
const cluster = object('v1.Cluster', {
  server: string,
  'tls-server-name': string,
  'insecure-skip-tls-verify': boolean,
  'certificate-authority': string,
  'certificate-authority-data': bytesField,
  'proxy-url': string,
  'disable-compression': boolean,
  extensions,
})
const execConfig = object('v1.ExecConfig', {
  command: string,
  args: arrayOf(string),
  env: arrayOf(object('v1.ExecEnvVar', {name: string, value: string})),
  apiVersion: string,
  installHint: string,
  provideClusterInfo: boolean,
  interactiveMode: string,
})
const authInfo = object('v1.AuthInfo', {
  'client-certificate': string,
  'client-certificate-data': bytesField,
  'client-key': string,
  'client-key-data': bytesField,
  token: string,
  tokenFile: string,
  as: string,
  'as-uid': string,
  'as-groups': arrayOf(string),
  'as-user-extra': mapOf(arrayOf(string)),
  username: string,
  password: string,
  'auth-provider': object('v1.AuthProviderConfig', {name: string, config: mapOf(string)}),
  exec: execConfig,
  extensions,
})
const context = object('v1.Context', {cluster: string, user: string, namespace: string, extensions})
const config = object('v1.Config', {
  kind: string,
  apiVersion: string,
  preferences: object('v1.Preferences', {colors: boolean, extensions}),
  clusters: arrayOf(object('v1.NamedCluster', {name: string, cluster})),
  users: arrayOf(object('v1.NamedAuthInfo', {name: string, user: authInfo})),
  contexts: arrayOf(object('v1.NamedContext', {name: string, context})),
  'current-context': string,
  extensions,
})

type Entry = Record<string, unknown>

/** A value with its keys sorted at every level, as the JSON sigs.k8s.io/yaml writes (an extension keeps those bytes). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys)
  if (!isJsonObject(value)) return value
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys(value[key])]))
}

const jsonTypeName = (value: unknown) => (Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value)

/** The Go type the runtime decoder reads apiVersion and kind into first. */
const typeMetaStruct = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'

/** The check of the runtime decoder before the struct: apiVersion and kind strings, defaulted to v1 Config, and no other. */
function checkTypeMeta(document: Entry): void {
  for (const field of ['apiVersion', 'kind']) {
    const value = document[field]
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new DecodeError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonTypeName(value)} into Go struct field .${field} of type string`)
    }
  }
  const version = typeof document.apiVersion === 'string' && document.apiVersion !== '' ? document.apiVersion : 'v1'
  const kind = typeof document.kind === 'string' && document.kind !== '' ? document.kind : 'Config'
  if (version !== 'v1' || kind !== 'Config') throw new DecodeError(`no kind "${kind}" is registered for version "${version}" in scheme "k8s.io/client-go/tools/clientcmd/api/latest/latest.go:50"`)
}

/** A decoded list of structs: a null item is the struct's zero value. */
const entriesOf = (list: unknown): Entry[] => (Array.isArray(list) ? list.map((entry) => (isJsonObject(entry) ? entry : {})) : [])

// Go's %v of the v1 structs, which the duplicate-name error prints.
const goBytes = (value: unknown) => (typeof value === 'string' ? `[${[...decodeGoBase64(value)].join(' ')}]` : '[]')
const goStrings = (value: unknown) => `[${Array.isArray(value) ? value.map((item) => String(item ?? '')).join(' ') : ''}]`
const goText = (value: unknown) => (typeof value === 'string' ? value : '')
const goBool = (value: unknown) => (value === true ? 'true' : 'false')
/** A pointer inside a struct prints as its address, which differs from run to run in kubectl too. */
const goPointer = (value: unknown) => (isJsonObject(value) ? '0xc000010000' : '<nil>')

function goExtensions(value: unknown): string {
  const list = entriesOf(value)
  const raw = (entry: Entry) => (entry.extension === undefined || entry.extension === null ? '[]' : `[${[...Buffer.from(goJsonCompact(entry.extension))].join(' ')}]`)
  return `[${list.map((entry) => `{${goText(entry.name)} {${raw(entry)} <nil>}}`).join(' ')}]`
}

function goUserExtra(value: unknown): string {
  if (!isJsonObject(value)) return 'map[]'
  return `map[${Object.keys(value).sort().map((key) => `${key}:${goStrings(value[key])}`).join(' ')}]`
}

const goStructs = {
  cluster: (value: Entry) =>
    [goText(value.server), goText(value['tls-server-name']), goBool(value['insecure-skip-tls-verify']), goText(value['certificate-authority']), goBytes(value['certificate-authority-data']), goText(value['proxy-url']), goBool(value['disable-compression']), goExtensions(value.extensions)].join(' '),
  user: (value: Entry) =>
    [
      goText(value['client-certificate']), goBytes(value['client-certificate-data']), goText(value['client-key']), goBytes(value['client-key-data']), goText(value.token), goText(value.tokenFile),
      goText(value.as), goText(value['as-uid']), goStrings(value['as-groups']), goUserExtra(value['as-user-extra']), goText(value.username), goText(value.password),
      goPointer(value['auth-provider']), goPointer(value.exec), goExtensions(value.extensions),
    ].join(' '),
  context: (value: Entry) => [goText(value.cluster), goText(value.user), goText(value.namespace), goExtensions(value.extensions)].join(' '),
}

/** clientcmd's conversion of a named list into its map: each entry's own extensions first, then the entry's name, which must be new. */
function checkNames(list: unknown, field: 'cluster' | 'user' | 'context', listType: string, mapType: string): void {
  const entries = entriesOf(list)
  const seen = new Set<string>()
  for (const entry of entries) {
    const value = isJsonObject(entry[field]) ? entry[field] : {}
    checkExtensionNames(value.extensions)
    const name = goText(entry.name)
    if (seen.has(name)) {
      const shown = entries.map((item) => `{${goText(item.name)} {${goStructs[field](isJsonObject(item[field]) ? item[field] : {})}}}`).join(' ')
      throw new DecodeError(`error converting *[]${listType} into *map[string]*api.${mapType}: duplicate name "${name}" in list: [${shown}]`)
    }
    seen.add(name)
  }
}

function checkExtensionNames(list: unknown): void {
  const present = new Set<string>()
  for (const entry of entriesOf(list)) {
    const name = goText(entry.name)
    // A null extension leaves its map entry nil, which the next one of that name may take.
    if (present.has(name)) throw new DecodeError(`error converting *[]NamedExtension into *map[string]runtime.Object: duplicate name "${name}" in list: ${goExtensions(list)}`)
    if (entry.extension !== undefined && entry.extension !== null) present.add(name)
  }
}

/** A []byte field as Go writes it back: its bytes in standard base64. */
function canonicalBytes(value: Entry, fields: readonly string[]): Entry {
  const copy = {...value}
  for (const field of fields) if (typeof copy[field] === 'string') copy[field] = decodeGoBase64(copy[field]).toString('base64')
  return copy
}

/** Named extensions as clientcmd's map gives them back: sorted by name, each value's keys sorted. */
export function namedExtensions(value: unknown): Entry[] {
  const byName = new Map<string, unknown>()
  for (const entry of entriesOf(value)) byName.set(goText(entry.name), entry.extension === undefined ? null : sortedKeys(entry.extension))
  return [...byName.keys()].sort().map((name) => ({name, extension: byName.get(name)}))
}

function withExtensions(value: Entry): Entry {
  return value.extensions === undefined ? value : {...value, extensions: namedExtensions(value.extensions)}
}

export interface DecodedKubeconfig {
  readonly clusters: Array<{name: string; value: Entry}>
  readonly users: Array<{name: string; value: Entry}>
  readonly contexts: Array<{name: string; value: Entry}>
  readonly currentContext: string
  readonly preferences: Entry
  readonly extensions: Entry[]
}

/** A kubeconfig file's text as clientcmd reads it; throws DecodeError with clientcmd's words (without the file's name). */
export function decodeKubeconfig(text: string): DecodedKubeconfig | null {
  const read = readYamlDocument(text)
  if ('fault' in read) throw new DecodeError(`yaml: ${read.fault}`)
  const document = read.value
  if (document === null || document === undefined) return null
  if (!isJsonObject(document)) {
    throw new DecodeError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonTypeName(document)} into Go value of type ${typeMetaStruct}`)
  }
  const unsupported = goJsonUnsupportedValue(document)
  if (unsupported !== null) throw new DecodeError(unsupported)
  checkTypeMeta(document)
  const checkBytes = (value: string) => {
    try {
      decodeGoBase64(value)
    } catch (error) {
      throw new DecodeError((error as Error).message)
    }
  }
  const decoded = decodeObject(config, sortedKeys(document), {checkBytes, keepEmpty: true}).value
  const preferences = isJsonObject(decoded.preferences) ? decoded.preferences : {}
  checkExtensionNames(preferences.extensions)
  checkNames(decoded.clusters, 'cluster', 'NamedCluster', 'Cluster')
  checkNames(decoded.users, 'user', 'NamedAuthInfo', 'AuthInfo')
  checkNames(decoded.contexts, 'context', 'NamedContext', 'Context')
  checkExtensionNames(decoded.extensions)
  const named = (list: unknown, field: string, bytes: readonly string[] = []) =>
    entriesOf(list).map((entry) => ({name: goText(entry.name), value: withExtensions(canonicalBytes(isJsonObject(entry[field]) ? entry[field] : {}, bytes))}))
  return {
    clusters: named(decoded.clusters, 'cluster', ['certificate-authority-data']),
    users: named(decoded.users, 'user', ['client-certificate-data', 'client-key-data']),
    contexts: named(decoded.contexts, 'context'),
    currentContext: goText(decoded['current-context']),
    preferences: withExtensions(preferences),
    extensions: namedExtensions(decoded.extensions),
  }
}

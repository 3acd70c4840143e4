// `kubectl config set PROPERTY_NAME PROPERTY_VALUE` and `kubectl config unset PROPERTY_NAME`: a
// dot-separated path walked through clientcmd's internal Config types as kubectl's reflection walks
// them (map keys may contain dots: a key runs until the next part that names a field of the map's
// values), with kubectl's errors, its Go panics included, for paths its walk cannot take.
import {decodeGoBase64, goQuote} from '../../server/go-json.js'
import {KubectlError, KubectlPanic} from '../errors.js'
import {kubectlHelp} from '../help/help.js'
import type {Kubeconfig, NamedEntry} from '../kubeconfig.js'
import type {KubectlSession} from '../session.js'
import type {KubectlVerb} from '../verb.js'

/** The Go types of clientcmd/api (the internal Config, not the file's v1), as the walk sees them. */
type GoType =
  | {readonly kind: 'struct'; readonly name: string; readonly fields: readonly GoField[]}
  | {readonly kind: 'map'; readonly name: string; readonly value: GoType}
  | {readonly kind: 'string' | 'bool' | 'bytes' | 'strings' | 'object'}
  | {readonly kind: 'pointer'; readonly name: 'auth-provider' | 'exec'}

interface GoField {
  /** The json tag the path names. */
  readonly tag: string
  /** Where the file's (v1) form keeps the value; null: never written (LocationOfOrigin). */
  readonly key: string | null
  readonly type: GoType
}

const string: GoType = {kind: 'string'}
const bool: GoType = {kind: 'bool'}
const bytes: GoType = {kind: 'bytes'}
const extensions: GoField = {tag: 'extensions', key: 'extensions', type: {kind: 'map', name: 'map[string]runtime.Object', value: {kind: 'object'}}}
const origin: GoField = {tag: '-', key: null, type: string}
const field = (tag: string, type: GoType, key = tag): GoField => ({tag, key, type})

const clusterType: GoType = {
  kind: 'struct',
  name: 'api.Cluster',
  fields: [origin, field('server', string), field('tls-server-name', string), field('insecure-skip-tls-verify', bool), field('certificate-authority', string), field('certificate-authority-data', bytes), field('proxy-url', string), field('disable-compression', bool), extensions],
}
const userType: GoType = {
  kind: 'struct',
  name: 'api.AuthInfo',
  fields: [
    origin, field('client-certificate', string), field('client-certificate-data', bytes), field('client-key', string), field('client-key-data', bytes), field('token', string), field('tokenFile', string),
    // The internal type's tags for impersonation; the file calls them as, as-uid, ….
    field('act-as', string, 'as'), field('act-as-uid', string, 'as-uid'), field('act-as-groups', {kind: 'strings'}, 'as-groups'),
    field('act-as-user-extra', {kind: 'map', name: 'map[string][]string', value: {kind: 'strings'}}, 'as-user-extra'),
    field('username', string), field('password', string), field('auth-provider', {kind: 'pointer', name: 'auth-provider'}), field('exec', {kind: 'pointer', name: 'exec'}), extensions,
  ],
}
const contextType: GoType = {kind: 'struct', name: 'api.Context', fields: [origin, field('cluster', string), field('user', string), field('namespace', string), extensions]}
const preferencesType: GoType = {kind: 'struct', name: 'api.Preferences', fields: [field('colors', bool), extensions]}
const configType: GoType = {
  kind: 'struct',
  name: 'api.Config',
  fields: [
    field('kind', string), field('apiVersion', string), field('preferences', preferencesType),
    field('clusters', {kind: 'map', name: 'map[string]*api.Cluster', value: clusterType}), field('users', {kind: 'map', name: 'map[string]*api.AuthInfo', value: userType}),
    field('contexts', {kind: 'map', name: 'map[string]*api.Context', value: contextType}), field('current-context', string), extensions,
  ],
}

/**
 * Where api.Preferences' type descriptor sits in kubectl 1.32's binary: kubectl prints the steps it
 * walked with %v, which shows a reflect.Type as that address (it differs between builds).
 */
const preferencesTypeAddress = '0x2038880'

interface Step {
  readonly name: string
  readonly type: GoType
}

/** newNavigationSteps: the path's parts grouped into steps, each with the type it reaches. */
function navigationSteps(path: string): Step[] {
  const parts = path.split('.')
  const steps: Step[] = []
  let type: GoType = configType
  let index = 0
  while (index < parts.length) {
    if (type.kind === 'map') {
      const value = type.value
      if (value.kind === 'object') throw new KubectlPanic('reflect: Elem of invalid type runtime.Object')
      if (value.kind !== 'struct') throw new KubectlError(`${value.kind === 'strings' ? 'string' : value.kind} is not of type struct`)
      const tags = new Set(value.fields.map((candidate) => candidate.tag))
      const rest = parts.slice(index)
      const known = rest.slice(1).findIndex((part) => tags.has(part))
      const name = rest.slice(0, known < 0 ? rest.length : known + 1).join('.')
      steps.push({name, type: value})
      index += name.split('.').length
      type = value
    } else if (type.kind === 'struct') {
      const part = parts[index]!
      const found = type.fields.find((candidate) => candidate.tag === part)
      if (!found) {
        const walked = steps.map((step) => `{${step.name} ${step.type === preferencesType ? preferencesTypeAddress : step.type.kind}}`).join(' ')
        throw new KubectlError(`unable to parse ${path} after [${walked}] at ${type.name}`)
      }
      steps.push({name: part, type: found.type})
      index += 1
      type = found.type
    } else {
      throw new KubectlError(`unable to parse one or more field values of ${path}`)
    }
  }
  return steps
}

/** The config as the walk sees it: maps of entries by name, the file's (v1) values within. */
interface Tree {
  kind: string
  apiVersion: string
  preferences: Record<string, unknown>
  clusters: Map<string, Record<string, unknown>>
  users: Map<string, Record<string, unknown>>
  contexts: Map<string, Record<string, unknown>>
  'current-context': string
}

const toMap = <T>(list: ReadonlyArray<NamedEntry<T>>) => new Map(list.map((entry) => [entry.name, {...(entry.value as Record<string, unknown>)}]))
const toList = <T>(map: Map<string, Record<string, unknown>>) => [...map].map(([name, value]) => ({name, value: value as T}))

/** Go's %v of a map value: its keys sorted, each entry a pointer (a fresh address per entry). */
function mapText(value: unknown): string {
  if (!(value instanceof Map) && (typeof value !== 'object' || value === null || Array.isArray(value))) return 'map[]'
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value)
  const shown = entries
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([key, item], index) => `${key}:${Array.isArray(item) ? `[${item.join(' ')}]` : `0xc000${(0x4e2000 + index * 0x100).toString(16)}`}`)
  return `map[${shown.join(' ')}]`
}

/** What Go's %v prints for the pointer the walk cannot step into (the types' String methods, which redact). */
function pointerText(type: 'auth-provider' | 'exec', value: unknown): string {
  if (typeof value !== 'object' || value === null) return '<nil>'
  const object = value as Record<string, unknown>
  if (type === 'auth-provider') return `api.AuthProviderConfig{Name: ${goQuote(String(object.name ?? ''))}, Config: map[string]string{--- REDACTED ---}}`
  const listed = (list: unknown) => Array.isArray(list) && list.length > 0
  const args = listed(object.args) ? '[]string{"--- REDACTED ---"}' : '[]string(nil)'
  const env = listed(object.env) ? '[]ExecEnvVar{--- REDACTED ---}' : '[]ExecEnvVar(nil)'
  return `api.ExecConfig{Command: ${goQuote(String(object.command ?? ''))}, Args: ${args}, Env: ${env}, APIVersion: ${goQuote(String(object.apiVersion ?? ''))}, ProvideClusterInfo: ${object.provideClusterInfo === true}, Config: runtime.Object(nil), StdinUnavailable: false}`
}

/** strconv.ParseBool, empty meaning false (kubectl's toBool). */
function goBool(value: string): boolean {
  if (value === '') return false
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  throw new KubectlError(`strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`)
}

interface Change {
  readonly steps: readonly Step[]
  readonly value: string
  readonly unset: boolean
  readonly rawBytes: boolean
}

/**
 * modifyConfig: the value at `holder[key]` (a struct's field or a map's entry) of type `type`,
 * `at` the index of the step after the one that named it.
 */
function modify(holder: Record<string, unknown>, key: string | null, type: GoType, change: Change, at: number): void {
  const get = () => (key === null ? undefined : holder[key])
  const put = (value: unknown) => {
    if (key === null) return
    if (value === undefined) delete holder[key]
    else holder[key] = value
  }
  switch (type.kind) {
    case 'map': {
      // The step here names the key (none when the path ends at the map).
      const step = change.steps[at]
      const more = at + 1 < change.steps.length
      const current = get()
      if (!more && !change.unset) throw new KubectlError(`can't set a map to a value: ${mapText(current)}`)
      const entries = current instanceof Map ? (current as Map<string, Record<string, unknown>>) : new Map<string, Record<string, unknown>>()
      put(entries)
      const name = step?.name ?? ''
      if (!more) {
        entries.delete(name)
        return
      }
      let entry = entries.get(name)
      if (entry === undefined) {
        if (change.unset) throw new KubectlError(`current map key \`${name}\` is invalid`)
        entry = {}
        entries.set(name, entry)
      }
      structStep(entry, type.value, change, at + 1)
      return
    }
    case 'string':
      put(change.value === '' ? undefined : change.value)
      return
    case 'strings':
      throw new KubectlError('unrecognized slice type. string')
    case 'bytes':
      if (change.unset) put(undefined)
      else if (change.rawBytes) put(Buffer.from(change.value, 'utf8').toString('base64'))
      else {
        let decoded: Buffer
        try {
          decoded = decodeGoBase64(change.value)
        } catch (error) {
          throw new KubectlError(`error decoding input value: ${(error as Error).message}`)
        }
        put(decoded.length > 0 ? decoded.toString('base64') : undefined)
      }
      return
    case 'bool':
      put(goBool(change.value) || undefined)
      return
    case 'pointer':
      throw new KubectlPanic(`unrecognized type: ${pointerText(type.name, get())}`)
    case 'struct': {
      let value = get()
      if (typeof value !== 'object' || value === null) {
        value = {}
        put(value)
      }
      structStep(value as Record<string, unknown>, type, change, at)
      return
    }
    case 'object':
      throw new KubectlPanic('reflect: Elem of invalid type runtime.Object')
  }
}

/** A struct: the field steps[at] names, back to its zero value when it ends an unset, else walked into. */
function structStep(value: Record<string, unknown>, type: GoType, change: Change, at: number): void {
  if (type.kind !== 'struct') throw new KubectlPanic(`unrecognized type: ${type.kind}`)
  const step = change.steps[at]
  const found = step ? type.fields.find((candidate) => candidate.tag === step.name) : undefined
  if (!found) {
    const shown = type === preferencesType ? `{${value.colors === true} ${mapText(value.extensions)}}` : '{}'
    throw new KubectlError(`unable to locate path config.navigationStep{stepValue:"", stepType:reflect.Type(nil)} under ${shown}`)
  }
  if (at + 1 >= change.steps.length && change.unset) {
    if (found.key !== null) delete value[found.key]
    return
  }
  modify(value, found.key, found.type, change, at + 1)
}

function changed(config: Kubeconfig, change: Change): Kubeconfig {
  const tree: Tree = {
    kind: '',
    apiVersion: '',
    preferences: {...config.preferences},
    clusters: toMap(config.clusters),
    users: toMap(config.users),
    contexts: toMap(config.contexts),
    'current-context': config.currentContext,
  }
  structStep(tree as unknown as Record<string, unknown>, configType, change, 0)
  const names = change.steps.map((step) => step.name).join('.')
  const mapOf = (value: unknown) => (value instanceof Map ? value : new Map<string, Record<string, unknown>>())
  return {
    clusters: toList(mapOf(tree.clusters)),
    users: toList(mapOf(tree.users)),
    contexts: toList(mapOf(tree.contexts)),
    currentContext: tree['current-context'] ?? '',
    preferences: tree.preferences ?? {},
    // Unsetting the preferences or their extensions leaves Go's nil map, unlike any file's.
    ...(change.unset && (names === 'preferences' || names === 'preferences.extensions') ? {preferencesReset: true} : {}),
  }
}

/** kubectl config's helpErrorf: the command's help on stdout, then the error. */
export function helpError(session: KubectlSession, path: string, message: string): never {
  session.io.stdout(kubectlHelp(path, session.io.environment) ?? '')
  throw new KubectlError(message)
}

function apply(session: KubectlSession, change: Omit<Change, 'steps'>, property: string): void {
  const files = session.kubeconfig(true)
  const steps = navigationSteps(property)
  session.saveKubeconfig(changed(files.config, {...change, steps}))
}

export const configSetVerbs: readonly KubectlVerb[] = [
  {
    name: 'set',
    flags: [{name: 'set-raw-bytes', kind: 'bool'}],
    run: async (session, args) => {
      if (args.length !== 2) helpError(session, 'config set', `Unexpected args: [${args.join(' ')}]`)
      const [property, value] = args as [string, string]
      if (value === '') throw new KubectlError('you cannot use set to unset a property')
      if (property === '') throw new KubectlError('you must specify a property')
      apply(session, {value, unset: false, rawBytes: session.flag('set-raw-bytes') === 'true'}, property)
      session.io.stdout(`Property ${goQuote(property)} set.\n`)
      return 0
    },
  },
  {
    name: 'unset',
    flags: [],
    run: async (session, args) => {
      if (args.length !== 1) helpError(session, 'config unset', `Unexpected args: [${args.join(' ')}]`)
      const property = args[0]!
      if (property === '') throw new KubectlError('you must specify a property')
      apply(session, {value: '', unset: true, rawBytes: true}, property)
      session.io.stdout(`Property ${goQuote(property)} unset.\n`)
      return 0
    },
  },
]

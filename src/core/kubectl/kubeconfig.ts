// kubeconfig loading as client-go's clientcmd does it: --kubeconfig alone, else the $KUBECONFIG
// list merged (the first file to set a name wins), else the cluster's own admin kubeconfig; the
// context from --context or current-context, then --cluster/--user/--namespace/--token on top.
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {delimiter, dirname, relative, resolve} from 'node:path'
import {goYaml} from '../printers/kubectl/go-yaml.js'
import {isJsonObject} from '../api/object.js'
import {DecodeError} from '../api/decode.js'
import {type DecodedKubeconfig, decodeKubeconfig, namedExtensions} from './kubeconfig-decode.js'
import {goCluster, goContext, goPreferences, goUser} from './kubeconfig-types.js'

export interface NamedEntry<T> {
  readonly name: string
  readonly value: T
}

export interface ClusterEntry {
  server?: string
  'certificate-authority-data'?: string
  'certificate-authority'?: string
  'insecure-skip-tls-verify'?: boolean
  [field: string]: unknown
}

export interface UserEntry {
  token?: string
  tokenFile?: string
  username?: string
  password?: string
  'client-certificate-data'?: string
  'client-key-data'?: string
  [field: string]: unknown
}

export interface ContextEntry {
  cluster?: string
  user?: string
  namespace?: string
  [field: string]: unknown
}

export interface Kubeconfig {
  clusters: Array<NamedEntry<ClusterEntry>>
  users: Array<NamedEntry<UserEntry>>
  contexts: Array<NamedEntry<ContextEntry>>
  currentContext: string
  preferences: Record<string, unknown>
  /** The file's named extensions ({name, extension}), sorted by name. */
  extensions?: Array<Record<string, unknown>>
  /**
   * The preferences' extensions were unset as a whole (`config unset preferences`): Go's nil map,
   * which equals no file's preferences (a file read always has a map), so the first file takes them.
   */
  preferencesReset?: boolean
}

export class KubeconfigError extends Error {}

export function byName<T extends {name: string}>(list: readonly T[]): T[] {
  return [...list].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
}

export const emptyKubeconfig = (): Kubeconfig => ({clusters: [], users: [], contexts: [], currentContext: '', preferences: {}})

export function parseKubeconfig(text: string, path: string): Kubeconfig {
  let decoded: DecodedKubeconfig | null
  try {
    decoded = decodeKubeconfig(text)
  } catch (error) {
    if (error instanceof DecodeError) throw new KubeconfigError(`error loading config file "${path}": ${error.message}`)
    throw error
  }
  if (decoded === null) return emptyKubeconfig()
  return {
    clusters: decoded.clusters as Array<NamedEntry<ClusterEntry>>,
    users: decoded.users as Array<NamedEntry<UserEntry>>,
    contexts: decoded.contexts as Array<NamedEntry<ContextEntry>>,
    currentContext: decoded.currentContext,
    preferences: decoded.preferences,
    ...(decoded.extensions.length > 0 ? {extensions: decoded.extensions} : {}),
  }
}

/** A context as clientcmd's Go type writes it: its cluster and user even when empty (they have no omitempty). */
export function withContextFields(entry: NamedEntry<ContextEntry>): NamedEntry<ContextEntry> {
  return {name: entry.name, value: goContext(entry.value)}
}

/** A cluster as clientcmd's Go type writes it: its server even when empty (it has no omitempty). */
export function withClusterFields(entry: NamedEntry<ClusterEntry>): NamedEntry<ClusterEntry> {
  return {name: entry.name, value: goCluster(entry.value)}
}

/** The YAML kubectl writes: keys sorted as sigs.k8s.io/yaml sorts them. */
export function formatKubeconfig(config: Kubeconfig): string {
  // clientcmd keeps each list as a map, so it writes entries sorted by name.
  const named = <T>(list: Array<NamedEntry<T>>, field: string) => byName(list).map((entry) => ({[field]: entry.value, name: entry.name}))
  // As go-yaml v2 writes it: YAML 1.1's booleans (`y`, `on`) quoted among the rest.
  return goYaml({
    apiVersion: 'v1',
    clusters: config.clusters.length > 0 ? named(config.clusters.map(withClusterFields), 'cluster') : null,
    contexts: config.contexts.length > 0 ? named(config.contexts.map(withContextFields), 'context') : null,
    'current-context': config.currentContext,
    ...(config.extensions && config.extensions.length > 0 ? {extensions: config.extensions} : {}),
    kind: 'Config',
    preferences: goPreferences(config.preferences),
    users: config.users.length > 0 ? named(config.users.map((entry) => ({name: entry.name, value: goUser(entry.value)})), 'user') : null,
  })
}

export interface KubeconfigFiles {
  /** The files read, in precedence order. */
  readonly paths: readonly string[]
  /** Whether --kubeconfig named the one file (else $KUBECONFIG's list or the default file). */
  readonly explicit: boolean
  readonly config: Kubeconfig
  /** For each entry, the file it came from (changes go back there). */
  readonly origins: Map<string, string>
}

/**
 * Where clientcmd writes a new entry (GetDefaultFilename): the --kubeconfig file; else, of several
 * $KUBECONFIG files, the first that exists, or the last when none does.
 */
export function defaultKubeconfigFile(files: KubeconfigFiles): string {
  if (files.explicit || files.paths.length === 1) return files.paths[0]!
  return files.paths.find((path) => existsSync(path)) ?? files.paths.at(-1)!
}

function merge(into: Kubeconfig, from: Kubeconfig, path: string, origins: Map<string, string>): void {
  const add = <T>(target: Array<NamedEntry<T>>, source: Array<NamedEntry<T>>, kind: string) => {
    for (const entry of source) {
      if (target.some((existing) => existing.name === entry.name)) continue
      target.push(entry)
      origins.set(`${kind}/${entry.name}`, path)
    }
  }
  add(into.clusters, from.clusters, 'cluster')
  add(into.users, from.users, 'user')
  add(into.contexts, from.contexts, 'context')
  if (into.currentContext === '' && from.currentContext !== '') {
    into.currentContext = from.currentContext
    origins.set('current-context', path)
  }
  // clientcmd merges the preferences field by field: colors when any file sets it, extensions by name.
  into.preferences = goPreferences({
    colors: into.preferences.colors === true || from.preferences.colors === true,
    extensions: firstByName(into.preferences.extensions, from.preferences.extensions),
  })
  const extensions = firstByName(into.extensions, from.extensions)
  if (extensions.length > 0) into.extensions = extensions
}

/** Named extensions of two files, a map by name where the first file to name one wins. */
function firstByName(first: unknown, second: unknown): Array<Record<string, unknown>> {
  const merged = namedExtensions(first)
  for (const entry of namedExtensions(second)) if (!merged.some((existing) => existing.name === entry.name)) merged.push(entry)
  return namedExtensions(merged)
}

/**
 * Loads the kubeconfig the flags and environment name (`fallback`: the cluster's own). A
 * --kubeconfig file that is not there fails, except for `config` commands (`missingIsEmpty`), which
 * start from an empty config and create the file when they write.
 */
export function loadKubeconfig(explicitPath: string, environment: NodeJS.ProcessEnv, fallback: () => string, missingIsEmpty = false): KubeconfigFiles {
  let paths: string[]
  if (explicitPath.length > 0) {
    if (!existsSync(explicitPath) && !missingIsEmpty) throw new KubeconfigError(`stat ${explicitPath}: no such file or directory`)
    paths = [explicitPath]
  } else if (environment.KUBECONFIG && environment.KUBECONFIG.length > 0) {
    paths = [...new Set(environment.KUBECONFIG.split(delimiter).filter((path) => path.length > 0))]
  } else {
    paths = [fallback()]
  }
  const config = emptyKubeconfig()
  const origins = new Map<string, string>()
  for (const path of paths) {
    if (!existsSync(path)) continue
    merge(config, parseKubeconfig(readFileSync(path, 'utf8'), path), path, origins)
  }
  return {paths, explicit: explicitPath.length > 0, config, origins}
}

/**
 * clientcmd's RelativizeClusterLocalPaths and RelativizeAuthInfoLocalPaths for an entry written to
 * `file`: its file paths (a cluster's CA, a user's certificate, key, token file, and an exec command
 * that names a path) resolved against the file's folder, then written relative to it when that
 * needs no `..`.
 */
function relativePaths(value: Record<string, unknown>, file: string): Record<string, unknown> {
  const base = resolve(dirname(file))
  const relativeTo = (path: string) => {
    const absolute = resolve(base, path)
    const relativePath = relative(base, absolute)
    if (relativePath === '..' || relativePath.startsWith('../')) return absolute
    return relativePath === '' ? '.' : relativePath
  }
  const copy = {...value}
  for (const field of ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile']) {
    if (typeof copy[field] === 'string' && copy[field] !== '') copy[field] = relativeTo(copy[field])
  }
  const exec = copy.exec
  if (isJsonObject(exec) && typeof exec.command === 'string' && exec.command.includes('/')) copy.exec = {...exec, command: relativeTo(exec.command)}
  return copy
}

const sameValue = (left: unknown, right: unknown) => JSON.stringify(left) === JSON.stringify(right)

/**
 * Writes a changed config back as clientcmd's ModifyConfig does: each changed or deleted entry in
 * the file it came from (a new one in the default file), the current context in the --kubeconfig
 * or default file (cleared where it was set), and files nothing changed in left as they are.
 */
export function saveKubeconfig(files: KubeconfigFiles, config: Kubeconfig, relativize = false): void {
  const start = files.config
  const read = new Map<string, Kubeconfig>()
  // Only the files something changes in are written.
  const changedFiles = new Set<string>()
  const fileConfig = (path: string, changing = true) => {
    let file = read.get(path)
    if (!file) {
      file = existsSync(path) ? parseKubeconfig(readFileSync(path, 'utf8'), path) : emptyKubeconfig()
      read.set(path, file)
    }
    if (changing) changedFiles.add(path)
    return file
  }
  const defaultFile = defaultKubeconfigFile(files)
  if (start.currentContext !== config.currentContext) {
    if (files.explicit || config.currentContext !== '') fileConfig(defaultFile).currentContext = config.currentContext
    else {
      const setting = files.paths.find((path) => existsSync(path) && fileConfig(path, false).currentContext !== '')
      if (setting === undefined) throw new KubeconfigError('no config found to write context')
      fileConfig(setting).currentContext = ''
    }
  }
  const preferences = goPreferences(config.preferences)
  if (config.preferencesReset || !sameValue(goPreferences(start.preferences), preferences)) {
    // clientcmd's writePreferences: the --kubeconfig file, else the first file whose preferences differ.
    const differs = (path: string) => config.preferencesReset || !sameValue(goPreferences(fileConfig(path, false).preferences), preferences)
    const target = files.explicit ? defaultFile : files.paths.find(differs)
    if (target === undefined) throw new KubeconfigError('no config found to write preferences')
    fileConfig(target).preferences = preferences
  }
  const place = <T>(kind: 'cluster' | 'user' | 'context', field: 'clusters' | 'users' | 'contexts') => {
    const before = start[field] as Array<NamedEntry<T>>
    const after = config[field] as Array<NamedEntry<T>>
    const fileOf = (name: string) => files.origins.get(`${kind}/${name}`) ?? defaultFile
    const target = (name: string) => fileConfig(fileOf(name))[field] as Array<NamedEntry<T>>
    for (let entry of after) {
      const previous = before.find((candidate) => candidate.name === entry.name)
      if (previous && sameValue(previous.value, entry.value)) continue
      if (relativize && kind !== 'context') entry = {name: entry.name, value: relativePaths(entry.value as Record<string, unknown>, fileOf(entry.name)) as T}
      const list = target(entry.name)
      const index = list.findIndex((candidate) => candidate.name === entry.name)
      if (index >= 0) list[index] = entry
      else list.push(entry)
    }
    for (const entry of before) {
      if (after.some((candidate) => candidate.name === entry.name)) continue
      const list = target(entry.name)
      const index = list.findIndex((candidate) => candidate.name === entry.name)
      if (index >= 0) list.splice(index, 1)
    }
  }
  place('cluster', 'clusters')
  place('user', 'users')
  place('context', 'contexts')
  for (const [path, file] of read) {
    if (!changedFiles.has(path)) continue
    // clientcmd's WriteToFile makes the file's folders first (a --kubeconfig in a folder not there yet).
    mkdirSync(dirname(path), {recursive: true, mode: 0o755})
    writeFileSync(path, formatKubeconfig(file), {mode: 0o600})
  }
}

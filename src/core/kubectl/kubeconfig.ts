// kubeconfig loading as client-go's clientcmd does it: --kubeconfig alone, else the $KUBECONFIG
// list merged (the first file to set a name wins), else the cluster's own admin kubeconfig; the
// context from --context or current-context, then --cluster/--user/--namespace/--token on top.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {delimiter} from 'node:path'
import {parse} from 'yaml'
import {goYaml} from '../printers/kubectl/go-yaml.js'
import {isJsonObject} from '../api/object.js'

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
}

export class KubeconfigError extends Error {}

export function byName<T extends {name: string}>(list: readonly T[]): T[] {
  return [...list].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
}

export const emptyKubeconfig = (): Kubeconfig => ({clusters: [], users: [], contexts: [], currentContext: '', preferences: {}})

function entries<T>(value: unknown, field: string): Array<NamedEntry<T>> {
  if (!Array.isArray(value)) return []
  return value.filter(isJsonObject).map((entry) => ({name: String(entry.name ?? ''), value: (isJsonObject(entry[field]) ? entry[field] : {}) as T}))
}

export function parseKubeconfig(text: string, path: string): Kubeconfig {
  let document: unknown
  try {
    document = parse(text)
  } catch (error) {
    throw new KubeconfigError(`error loading config file "${path}": ${(error as Error).message}`)
  }
  if (document === null || document === undefined) return emptyKubeconfig()
  if (!isJsonObject(document)) throw new KubeconfigError(`error loading config file "${path}": couldn't get version/kind; json parse error: json: cannot unmarshal string into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`)
  return {
    clusters: entries<ClusterEntry>(document.clusters, 'cluster'),
    users: entries<UserEntry>(document.users, 'user'),
    contexts: entries<ContextEntry>(document.contexts, 'context'),
    currentContext: typeof document['current-context'] === 'string' ? document['current-context'] : '',
    preferences: isJsonObject(document.preferences) ? document.preferences : {},
  }
}

/** A context as clientcmd's Go type writes it: its cluster and user even when empty (they have no omitempty). */
export function withContextFields(entry: NamedEntry<ContextEntry>): NamedEntry<ContextEntry> {
  return {name: entry.name, value: {cluster: '', user: '', ...entry.value}}
}

/** The YAML kubectl writes: keys sorted as sigs.k8s.io/yaml sorts them. */
export function formatKubeconfig(config: Kubeconfig): string {
  // clientcmd keeps each list as a map, so it writes entries sorted by name.
  const named = <T>(list: Array<NamedEntry<T>>, field: string) => byName(list).map((entry) => ({[field]: entry.value, name: entry.name}))
  // As go-yaml v2 writes it: YAML 1.1's booleans (`y`, `on`) quoted among the rest.
  return goYaml({
    apiVersion: 'v1',
    clusters: config.clusters.length > 0 ? named(config.clusters, 'cluster') : null,
    contexts: config.contexts.length > 0 ? named(config.contexts.map(withContextFields), 'context') : null,
    'current-context': config.currentContext,
    kind: 'Config',
    preferences: config.preferences,
    users: config.users.length > 0 ? named(config.users, 'user') : null,
  })
}

export interface KubeconfigFiles {
  /** The files read, in precedence order (the first one is where changes are written). */
  readonly paths: readonly string[]
  readonly config: Kubeconfig
  /** For each entry, the file it came from (changes go back there). */
  readonly origins: Map<string, string>
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
  if (Object.keys(into.preferences).length === 0) into.preferences = from.preferences
}

/** Loads the kubeconfig the flags and environment name (`fallback`: the cluster's own). */
export function loadKubeconfig(explicitPath: string, environment: NodeJS.ProcessEnv, fallback: () => string): KubeconfigFiles {
  let paths: string[]
  if (explicitPath.length > 0) {
    if (!existsSync(explicitPath)) throw new KubeconfigError(`stat ${explicitPath}: no such file or directory`)
    paths = [explicitPath]
  } else if (environment.KUBECONFIG && environment.KUBECONFIG.length > 0) {
    paths = environment.KUBECONFIG.split(delimiter).filter((path) => path.length > 0)
  } else {
    paths = [fallback()]
  }
  const config = emptyKubeconfig()
  const origins = new Map<string, string>()
  for (const path of paths) {
    if (!existsSync(path)) continue
    merge(config, parseKubeconfig(readFileSync(path, 'utf8'), path), path, origins)
  }
  return {paths, config, origins}
}

/** Writes a changed config back: each entry to the file it came from, new ones to the first file. */
export function saveKubeconfig(files: KubeconfigFiles, config: Kubeconfig): void {
  const target = (key: string) => files.origins.get(key) ?? files.paths[0]!
  const byFile = new Map<string, Kubeconfig>()
  for (const path of new Set(files.paths)) {
    byFile.set(path, existsSync(path) ? parseKubeconfig(readFileSync(path, 'utf8'), path) : emptyKubeconfig())
  }
  const place = <T>(kind: 'cluster' | 'user' | 'context', list: Array<NamedEntry<T>>, field: 'clusters' | 'users' | 'contexts') => {
    const wanted = new Set(list.map((entry) => entry.name))
    for (const file of byFile.values()) (file[field] as Array<NamedEntry<unknown>>) = (file[field] as Array<NamedEntry<unknown>>).filter((entry) => wanted.has(entry.name) || false)
    for (const entry of list) {
      const file = byFile.get(target(`${kind}/${entry.name}`)) ?? byFile.get(files.paths[0]!)!
      const existing = (file[field] as Array<NamedEntry<T>>).findIndex((candidate) => candidate.name === entry.name)
      if (existing >= 0) (file[field] as Array<NamedEntry<T>>)[existing] = entry
      else (file[field] as Array<NamedEntry<T>>).push(entry)
    }
  }
  place('cluster', config.clusters, 'clusters')
  place('user', config.users, 'users')
  place('context', config.contexts, 'contexts')
  const currentFile = byFile.get(target('current-context')) ?? byFile.get(files.paths[0]!)!
  currentFile.currentContext = config.currentContext
  for (const [path, file] of byFile) {
    if (!existsSync(path) && file.clusters.length + file.users.length + file.contexts.length === 0 && file.currentContext === '') continue
    writeFileSync(path, formatKubeconfig(file), {mode: 0o600})
  }
}

// kubectl's RESTMapper from discovery: a resource named as kubectl accepts it (plural, singular,
// short name or kind, any case, optionally qualified: deployments.apps, deploy.v1.apps), the
// resources of a category (`all`), and the resource of a kind in an apiVersion (for files).
import {isJsonObject} from '../api/object.js'
import type {DiscoveredGroup, Discovery, DiscoveryCacheAccess} from './discovery-cache.js'
import {ConnectionRefusedError, KubectlError, KubectlPlainError, listError, ServerError} from './errors.js'
import {type KubectlSession, listCaller, type RequestOptions} from './session.js'

export interface ApiResource {
  readonly group: string
  readonly version: string
  readonly resource: string
  readonly singular: string
  readonly kind: string
  readonly shortNames: readonly string[]
  readonly namespaced: boolean
  readonly verbs: readonly string[]
  readonly categories: readonly string[]
  /** The subresources discovery lists for it (`scale`, `status`), where it was discovered. */
  readonly subresources?: readonly string[]
}

/** `deployment.apps`, `pod`: how kubectl names a kind in messages and -o name. */
export function kindName(resource: ApiResource): string {
  return resource.group.length > 0 ? `${resource.kind.toLowerCase()}.${resource.group}` : resource.kind.toLowerCase()
}

export function groupVersionOf(resource: ApiResource): string {
  return resource.group.length > 0 ? `${resource.group}/${resource.version}` : resource.version
}

/** The URL path of a resource's collection (namespace '' for cluster scope or all namespaces). */
export function collectionPath(resource: ApiResource, namespace: string): string {
  // No version (an object without apiVersion, as kubectl maps it): the legacy prefix alone, a path the server does not serve.
  const base = resource.group.length > 0 ? `/apis/${resource.group}/${resource.version}` : resource.version ? `/api/${resource.version}` : '/api'
  return resource.namespaced && namespace.length > 0 ? `${base}/namespaces/${namespace}/${resource.resource}` : `${base}/${resource.resource}`
}

/** Lists a resource as kubectl's resource builder does: a refused list names the resource and the selectors. */
export async function requestList(
  session: KubectlSession,
  resource: ApiResource,
  namespace: string,
  options: RequestOptions & {readonly query?: {labelSelector?: string; fieldSelector?: string}; readonly chunkSize?: number} = {},
) {
  try {
    return await requestInChunks(session, collectionPath(resource, namespace), options, options.chunkSize ?? 0)
  } catch (error) {
    throw listError(error, resource, options.query ?? {})
  }
}

/** kubectl's --chunk-size default: objects per list request. */
export const defaultChunkSize = 500

/** --chunk-size as a number (0 disables chunking). */
export function chunkSizeOf(session: KubectlSession): number {
  const size = Number(session.flag('chunk-size') || defaultChunkSize)
  return Number.isFinite(size) ? size : defaultChunkSize
}

/** A chunked list asks for at most this many chunks (5 billion objects at kubectl's default 500). */
const listChunksMax = 10_000_000

/**
 * --chunk-size: the list in pages of `limit` objects, each continuing where the last ended, joined
 * into one list or one table (the first chunk's columns), as kubectl's resource builder reads them.
 */
export async function requestInChunks(session: KubectlSession, path: string, options: RequestOptions, chunkSize: number) {
  options = {caller: listCaller, ...options}
  if (chunkSize <= 0) return session.request('GET', path, options)
  const query: Record<string, string> = {...options.query, limit: String(chunkSize)}
  let first: Awaited<ReturnType<KubectlSession['request']>> | null = null
  const joined: unknown[] = []
  for (let chunk = 0; chunk < listChunksMax; chunk++) {
    const response = await session.request('GET', path, {...options, query})
    const body = isJsonObject(response.body) ? response.body : {}
    first ??= response
    const entries = Array.isArray(body.rows) ? body.rows : Array.isArray(body.items) ? body.items : []
    joined.push(...entries)
    const token = isJsonObject(body.metadata) && typeof body.metadata.continue === 'string' ? body.metadata.continue : ''
    if (token.length === 0) {
      if (chunk === 0) return response
      const field = Array.isArray(body.rows) ? 'rows' : 'items'
      return {...first, body: {...(first.body as object), [field]: joined, metadata: body.metadata}}
    }
    query.continue = token
  }
  throw new KubectlError(`the list at ${path} did not end within ${listChunksMax} chunks`)
}

export function objectPath(resource: ApiResource, namespace: string, name: string): string {
  return `${collectionPath(resource, resource.namespaced ? namespace : '')}/${encodeURIComponent(name)}`
}

/**
 * One named object as kubectl's resource builder reads it: an object the server does not find in
 * a namespace that does not exist either is the namespace's NotFound (kubectl asks for the
 * namespace after the object's 404, unless it is `default`).
 */
export async function requestNamed(session: KubectlSession, resource: ApiResource, namespace: string, name: string, options?: RequestOptions): Promise<Awaited<ReturnType<KubectlSession['request']>>> {
  try {
    return await session.request('GET', objectPath(resource, namespace, name), options)
  } catch (error) {
    // kubectl takes the default namespace to exist: it asks only for others.
    if (!(error instanceof ServerError) || error.code !== 404 || !resource.namespaced || namespace === '' || namespace === 'default') throw error
    try {
      await session.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`)
    } catch (namespaceError) {
      if (namespaceError instanceof ServerError && namespaceError.code === 404) throw namespaceError
    }
    throw error
  }
}

/** What discovery needs of a connection: kubectl's session, or any client of the API server. */
export interface DiscoveryClient {
  request(method: 'GET', path: string, options?: RequestOptions): Promise<{readonly body: unknown}>
  /** Where this connection keeps kubectl's discovery cache, or null when it keeps none. */
  discoveryCache?(): Promise<DiscoveryCacheAccess | null>
  /** Whether the command sends nothing (--local): its kinds are the built-in ones, with no server. */
  sendsNothing?(): boolean
  /** Logs discovery's attempts when nothing listens at the server's address (`shortcut`: the resource builder's shortcut expander logs its give-up too). */
  logRefusedDiscovery?(error: ConnectionRefusedError | ServerError, attempts: number, shortcut?: boolean): void
}

/**
 * A name the cached discovery does not know: the command runs again with discovery from the
 * server (kubectl's deferred RESTMapper resets and retries the same way), whose answer is final.
 * Not a KubectlError: verbs that report their objects' errors one by one must let it through.
 */
export class StaleDiscoveryError extends Error {}

/**
 * A refusal (401, 403) as client-go reports it where it cannot read the answer's Status
 * (aggregated discovery, the OpenAPI documents): its generic error for the code.
 */
export function genericRefusal(error: ServerError): ServerError {
  if (error.code !== 401 && error.code !== 403) return error
  return new ServerError({code: error.code, reason: error.status.reason, message: error.code === 401 ? 'the server has asked for the client to provide credentials' : 'unknown'})
}

/** Go's text for a request failure: a refusal's message, or the dial error of a closed port. */
export function requestFailureText(error: ServerError | ConnectionRefusedError): string {
  if (error instanceof ServerError) return error.status.message ?? error.message
  return error.request ? error.requestError(error.request.method, error.request.url) : error.message
}

/** What client-go's discovery asks /api and /apis for: the aggregated documents (v2, then v2beta1), else the legacy ones. */
export const aggregatedDiscoveryAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'
/** What it asks a group-version's legacy document for. */
const legacyResourcesAccept = 'application/json, */*'
/** client-go's discovery client waits this long for each answer when kubectl sets no --request-timeout (which then replaces it). */
const discoveryTimeoutQuery = {timeout: '32s'}

interface AggregatedResource {
  resource?: string
  responseKind?: {group?: string; version?: string; kind?: string}
  scope?: string
  singularResource?: string
  verbs?: string[]
  shortNames?: string[]
  categories?: string[]
  subresources?: Array<{subresource?: string; responseKind?: {group?: string; version?: string; kind?: string}; verbs?: string[]}>
}
interface AggregatedGroup {
  metadata?: {name?: string}
  versions?: Array<{version?: string; resources?: AggregatedResource[]; freshness?: string}>
}

/**
 * An APIGroupDiscoveryList as client-go reads it (aggregated_discovery.go): each group with its
 * versions in the server's order (the preferred first), each version's resources and their
 * subresources as a legacy APIResourceList; a version marked Stale is left out.
 */
function fromAggregated(list: {items?: AggregatedGroup[]}, core: boolean): Discovery {
  const groups: DiscoveredGroup[] = []
  const resourceLists = new Map<string, unknown>()
  for (const item of list.items ?? []) {
    const name = core ? '' : (item.metadata?.name ?? '')
    const versions = (item.versions ?? []).filter((entry) => entry.freshness !== 'Stale' && typeof entry.version === 'string')
    if (versions.length === 0) continue
    const named = versions.map((entry) => ({groupVersion: name.length > 0 ? `${name}/${entry.version}` : entry.version!, version: entry.version!}))
    groups.push({name, versions: named, preferredVersion: named[0]})
    for (const [index, entry] of versions.entries()) {
      const resources: unknown[] = []
      for (const resource of entry.resources ?? []) {
        const namespaced = resource.scope === 'Namespaced'
        const kind = resource.responseKind?.kind ?? ''
        resources.push({name: resource.resource, singularName: resource.singularResource ?? '', namespaced, kind, verbs: resource.verbs ?? [], ...(resource.shortNames?.length ? {shortNames: resource.shortNames} : {}), ...(resource.categories?.length ? {categories: resource.categories} : {})})
        for (const subresource of resource.subresources ?? []) {
          resources.push({name: `${resource.resource}/${subresource.subresource}`, singularName: '', namespaced, kind: subresource.responseKind?.kind ?? kind, verbs: subresource.verbs ?? []})
        }
      }
      resourceLists.set(named[index]!.groupVersion, {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: named[index]!.groupVersion, resources})
    }
  }
  return {groups, resourceLists}
}

/** The aggregated document in an answer (a body with a content type of its own comes as text), or null for a legacy one. */
function aggregatedOf(body: unknown): {items?: AggregatedGroup[]} | null {
  let value = body
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
    } catch {
      return null
    }
  }
  return isJsonObject(value) && value.kind === 'APIGroupDiscoveryList' ? (value as {items?: AggregatedGroup[]}) : null
}

/**
 * Discovery from the server as client-go's does it: /api and /apis asking for the aggregated
 * documents, which hold every resource; where the server answers with the legacy ones instead
 * (the groups only), each group-version's resources are asked for after. The core group first.
 */
async function discoverFromServer(session: DiscoveryClient, timeoutQuery: Record<string, string> = discoveryTimeoutQuery): Promise<Discovery> {
  const asked = {accept: aggregatedDiscoveryAccept, query: timeoutQuery}
  const coreBody = (await session.request('GET', '/api', {...asked, caller: 'discovery_client.go:253'})).body
  const namedBody = (await session.request('GET', '/apis', {...asked, caller: 'discovery_client.go:319'})).body
  const groups: DiscoveredGroup[] = []
  const resourceLists = new Map<string, unknown>()
  const legacyGroups: DiscoveredGroup[] = []
  const coreAggregated = aggregatedOf(coreBody)
  if (coreAggregated) {
    const found = fromAggregated(coreAggregated, true)
    groups.push(...found.groups)
    for (const [groupVersion, list] of found.resourceLists) resourceLists.set(groupVersion, list)
  } else {
    const versions = (coreBody as {versions?: string[]}).versions ?? []
    if (versions.length > 0) legacyGroups.push({name: '', versions: versions.map((version) => ({groupVersion: version, version})), preferredVersion: {groupVersion: versions[0]!, version: versions[0]!}})
    groups.push(...legacyGroups)
  }
  const namedAggregated = aggregatedOf(namedBody)
  if (namedAggregated) {
    const found = fromAggregated(namedAggregated, false)
    groups.push(...found.groups)
    for (const [groupVersion, list] of found.resourceLists) resourceLists.set(groupVersion, list)
  } else {
    const named = (namedBody as {groups?: DiscoveredGroup[]}).groups ?? []
    groups.push(...named)
    legacyGroups.push(...named)
  }
  for (const group of legacyGroups) {
    for (const {groupVersion} of group.versions) {
      const path = group.name.length > 0 ? `/apis/${groupVersion}` : `/api/${groupVersion}`
      resourceLists.set(groupVersion, (await session.request('GET', path, {accept: legacyResourcesAccept, query: timeoutQuery, caller: 'discovery_client.go:404'})).body)
    }
  }
  return {groups, resourceLists}
}

function resourcesOf(discovery: Discovery): ApiResource[] {
  const resources: ApiResource[] = []
  for (const group of discovery.groups) {
    for (const {groupVersion, version} of group.versions) {
      const body = discovery.resourceLists.get(groupVersion) as {resources?: unknown[]} | undefined
      const entries = (body?.resources ?? []).filter(isJsonObject)
      const subresources = new Map<string, string[]>()
      for (const entry of entries) {
        const [parent, subresource] = String(entry.name).split('/', 2)
        if (subresource !== undefined) subresources.set(parent!, [...(subresources.get(parent!) ?? []), subresource])
      }
      for (const entry of entries) {
        if (String(entry.name).includes('/')) continue
        resources.push({
          group: group.name,
          version,
          resource: String(entry.name),
          singular: String(entry.singularName ?? ''),
          kind: String(entry.kind),
          shortNames: Array.isArray(entry.shortNames) ? entry.shortNames.map(String) : [],
          namespaced: entry.namespaced === true,
          verbs: Array.isArray(entry.verbs) ? entry.verbs.map(String) : [],
          categories: Array.isArray(entry.categories) ? entry.categories.map(String) : [],
          subresources: subresources.get(String(entry.name)) ?? [],
        })
      }
    }
  }
  return resources
}

export class ResourceMapper {
  private constructor(
    readonly resources: readonly ApiResource[],
    /** Built from kubectl's discovery cache: a name it does not know may be new on the server. */
    private readonly cached: boolean,
  ) {}

  /** `refusedAttempts`: how many times the verb's kubectl tries discovery when nothing listens (each logs a line). */
  /**
   * `from`: kubectl's cached discovery client ('cache'), the same invalidated first ('server'), or
   * the clientset's plain one ('clientset': no cache, and no 32 s timeout of its own).
   */
  static async discover(session: Pick<KubectlSession, 'request' | 'discoveryCache' | 'sendsNothing' | 'logRefusedDiscovery'> | DiscoveryClient, refusedAttempts = 5, from: 'cache' | 'server' | 'clientset' = 'cache'): Promise<ResourceMapper> {
    if (session.sendsNothing?.()) return ResourceMapper.builtIn(true)
    const cache = from === 'clientset' ? null : ((await session.discoveryCache?.()) ?? null)
    const cached = from === 'cache' ? (cache?.read() ?? null) : null
    if (cached) return new ResourceMapper(resourcesOf(cached), true)
    let discovery: Discovery
    try {
      discovery = await discoverFromServer(session, from === 'clientset' ? {} : discoveryTimeoutQuery)
    } catch (error) {
      // api-versions (from the server) does not go through the shortcut expander.
      const shortcut = from !== 'server'
      if (error instanceof ConnectionRefusedError) session.logRefusedDiscovery?.(error, refusedAttempts, shortcut)
      if (error instanceof ServerError && (error.code === 401 || error.code === 403)) {
        // The aggregated discovery client cannot read the refusal's Status: client-go's generic
        // error for the code stands for it, in each attempt's log line and in the error.
        const refused = genericRefusal(error)
        session.logRefusedDiscovery?.(refused, refusedAttempts, shortcut)
        throw refused
      }
      throw error
    }
    cache?.write(discovery)
    return new ResourceMapper(resourcesOf(discovery), false)
  }

  /**
   * The built-in kinds as the API server's discovery lists them, for a command that needs no
   * server (--local, a generator's client dry run). `local`: a kind it does not know (a custom
   * resource in a file) is taken as the file names it, as kubectl's local builder takes it
   * without a mapping.
   */
  static async builtIn(local = false): Promise<ResourceMapper> {
    const [{discovery}, {builtinScheme}] = await Promise.all([import('../apiserver/discovery.js'), import('../api/resources.js')])
    const scheme = builtinScheme()
    const served = await discoverFromServer({request: async (_method, path) => ({body: discovery(scheme, path)})})
    const mapper = new ResourceMapper(resourcesOf(served), false)
    mapper.local = local
    return mapper
  }

  private local = false

  /** No resources at all: what a command that goes on without discovery (auth can-i refused it) maps with. */
  static none(): ResourceMapper {
    return new ResourceMapper([], false)
  }

  /** Nothing found for a name: from a cache, the server may know it since (the command runs again with fresh discovery). */
  private missed(text: string): void {
    if (this.cached) throw new StaleDiscoveryError(`the discovery cache has no resource type "${text}"`)
  }

  /** Preferred versions only (the first listed per group). */
  private preferred(): ApiResource[] {
    const seen = new Map<string, string>()
    return this.resources.filter((resource) => {
      const version = seen.get(resource.group)
      if (version === undefined) seen.set(resource.group, resource.version)
      return (version ?? resource.version) === resource.version
    })
  }

  resolve(text: string): ApiResource {
    const found = this.find(text)
    if (!found) this.missed(text)
    // kubectl names the resource without the group it was looked up in.
    if (!found) throw new KubectlError(`the server doesn't have a resource type "${text.split('.')[0]}"`)
    return found
  }

  /** resolve, whose failure kubectl prints bare (explain, events --for: the mapper's error as it is). */
  resolveBare(text: string): ApiResource {
    const found = this.find(text)
    if (!found) this.missed(text)
    if (!found) throw new KubectlPlainError(`the server doesn't have a resource type "${text.split('.')[0]}"`)
    return found
  }

  find(text: string): ApiResource | null {
    const lowered = text.toLowerCase()
    const matchesName = (resource: ApiResource, name: string) =>
      resource.resource === name || resource.singular === name || resource.shortNames.includes(name) || resource.kind.toLowerCase() === name
    const dot = lowered.indexOf('.')
    if (dot > 0) {
      const name = lowered.slice(0, dot)
      const rest = lowered.slice(dot + 1)
      const [maybeVersion, ...groupParts] = rest.split('.')
      const versioned = this.resources.find((resource) => matchesName(resource, name) && resource.version === maybeVersion && resource.group === groupParts.join('.'))
      if (versioned) return versioned
      const grouped = this.preferred().find((resource) => matchesName(resource, name) && resource.group === rest)
      if (grouped) return grouped
    }
    const found = this.preferred().find((resource) => matchesName(resource, lowered)) ?? null
    // A category (`all`) is no resource, and no sign of a stale cache either.
    if (!found && this.category(lowered).length === 0) this.missed(text)
    return found
  }

  category(name: string): ApiResource[] {
    return this.preferred().filter((resource) => resource.categories.includes(name))
  }

  forKind(apiVersion: string, kind: string): ApiResource | null {
    const slash = apiVersion.indexOf('/')
    const group = slash < 0 ? '' : apiVersion.slice(0, slash)
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1)
    const found = this.resources.find((resource) => resource.group === group && resource.version === version && resource.kind === kind) ?? null
    if (!found) this.missed(`${kind}.${apiVersion}`)
    if (!found && this.local && kind.length > 0) {
      const lowered = kind.toLowerCase()
      return {group, version, resource: `${lowered}s`, singular: lowered, kind, shortNames: [], namespaced: true, verbs: [], categories: []}
    }
    return found
  }
}

// kube-aggregator's proxy handler and its part of discovery, for the APIServices that name a
// Service. kubemu runs no aggregated API server's process (no simulated container serves an API),
// so such an APIService is never served: its requests are answered as kube-aggregator answers
// them when the backend cannot be reached (503 `service unavailable` while the APIService is not
// Available, `error trying to reach service` once a client has marked it Available), the legacy
// discovery lists its group as kube-aggregator's /apis handler does (from the APIServices, whatever
// their availability), and the aggregated discovery marks its version Stale without resources, as
// kube-aggregator's discovery manager does when the backend's discovery fails.
import {isJsonObject} from '../api/object.js'
import type {Scheme} from '../api/scheme.js'
import {objects, str} from '../api/strategies/json-fields.js'
import type {ApiResponse} from '../api/wire.js'
import {etcdFailure} from './api-errors.js'
import {apiServiceGroupPriority, locallyServedGroups} from './api-services.js'
import type {CachedChangesFeed} from './cached-changes.js'
import {discovery} from './discovery.js'
import {listPrefix} from './keys.js'
import type {Registry} from './registry.js'
import {objectFromStored} from './stored-objects.js'
import {StoreReadMemo} from './store-read-memo.js'

/** kube-aggregator's own group: never proxied. */
const aggregatorGroup = 'apiregistration.k8s.io'

/**
 * The groups kubemu answers itself whatever their APIServices name: kube-apiserver's own, and the
 * metrics API, for which kubemu's metrics stand in for metrics-server (whose manifest, applied as
 * HPA tutorials do, points v1beta1.metrics.k8s.io at a Service no simulated container serves:
 * `top`, HorizontalPodAutoscalers and namespace deletion would otherwise stop working).
 */
const servedHere: ReadonlySet<string> = new Set([...locallyServedGroups, 'metrics.k8s.io'])
/** Where APIServices are stored. */
export const apiServicesKeyPrefix = `/registry/${aggregatorGroup}/apiservices/`

/** An APIService that names a Service, as stored. */
export interface RemoteApiService {
  readonly name: string
  readonly group: string
  readonly version: string
  readonly groupPriorityMinimum: number
  readonly versionPriority: number
  /** Its Available condition is True (only a client can have written that: no backend ever answers). */
  readonly available: boolean
  readonly service: {readonly namespace: string; readonly name: string; readonly port: number}
}

/** The group and version a path is under (`/apis/GROUP/VERSION…`), or null for any other path. */
export function pathGroupVersion(path: string): {group: string; version: string} | null {
  const match = /^\/apis\/([^/]+)\/([^/]+)(?:\/|$)/.exec(path)
  return match ? {group: match[1]!, version: match[2]!} : null
}

function remoteOf(body: Record<string, unknown>): RemoteApiService | null {
  const metadata = isJsonObject(body.metadata) ? body.metadata : {}
  const spec = isJsonObject(body.spec) ? body.spec : {}
  if (!isJsonObject(spec.service)) return null
  const status = isJsonObject(body.status) ? body.status : {}
  const available = objects(status.conditions).some((condition) => condition.type === 'Available' && condition.status === 'True')
  return {
    name: str(metadata.name),
    group: str(spec.group),
    version: str(spec.version),
    groupPriorityMinimum: typeof spec.groupPriorityMinimum === 'number' ? spec.groupPriorityMinimum : 0,
    versionPriority: typeof spec.versionPriority === 'number' ? spec.versionPriority : 0,
    available,
    service: {namespace: str(spec.service.namespace), name: str(spec.service.name), port: typeof spec.service.port === 'number' ? spec.service.port : 443},
  }
}

/** Versions in kube-aggregator's order: by versionPriority, highest first, then by name. */
function byVersionPriority(left: RemoteApiService, right: RemoteApiService): number {
  return right.versionPriority - left.versionPriority || (left.version < right.version ? -1 : left.version > right.version ? 1 : 0)
}

export class ApiAggregation {
  /** The APIServices as last read, kept until one is written (kube-aggregator's informer). */
  private readonly memo: StoreReadMemo

  constructor(
    private readonly scheme: Scheme,
    private readonly registry: Registry,
    changes?: CachedChangesFeed,
  ) {
    this.memo = new StoreReadMemo(registry.store, [apiServicesKeyPrefix], 1, changes)
    // Discovery reads them on every request: kept current, it needs no etcd.
    this.memo.keepCurrent('remote', () => this.readRemote())
  }

  /** The stored APIServices that name a Service (those of the built-in groups and of kube-aggregator's own excluded). */
  async remote(): Promise<readonly RemoteApiService[]> {
    return this.memo.read('remote', () => this.readRemote())
  }

  private async readRemote(): Promise<readonly RemoteApiService[]> {
    const definition = this.scheme.preferredResource(aggregatorGroup, 'apiservices')
    if (!definition) return []
    const {objects: stored} = await this.registry.store.list(listPrefix(definition, null))
    return stored
      .map((entry) => remoteOf(objectFromStored(entry) as unknown as Record<string, unknown>))
      .filter((remote): remote is RemoteApiService => remote !== null && remote.group !== '' && remote.group !== aggregatorGroup && !servedHere.has(remote.group))
  }

  /** The proxy handler's answer for a request under a group version a remote APIService holds; null when none does. */
  async proxied(path: string): Promise<ApiResponse | null> {
    const target = pathGroupVersion(path)
    // The built-in groups' APIServices are Local (one a client points at a Service is not followed: kubemu's own loops use those groups).
    if (!target || target.group === aggregatorGroup || servedHere.has(target.group)) return null
    const remote = (await this.remote()).find((entry) => entry.group === target.group && entry.version === target.version)
    if (!remote) return null
    // http.Error's plain text: the message and a newline.
    if (!remote.available) return {status: 503, body: 'service unavailable\n', contentType: 'text/plain; charset=utf-8', warnings: []}
    const host = await this.serviceHost(remote)
    return {status: 503, body: `error trying to reach service: dial tcp ${host}:${remote.service.port}: connect: connection refused\n`, contentType: 'text/plain; charset=utf-8', warnings: []}
  }

  /** Where kube-aggregator's cluster IP resolver sends a request: the Service's cluster IP (or external name). */
  private async serviceHost(remote: RemoteApiService): Promise<string> {
    const services = this.scheme.preferredResource('', 'services')!
    try {
      const service = await this.registry.get(services, remote.service.namespace, remote.service.name)
      const spec = isJsonObject(service.spec) ? service.spec : {}
      return str(spec.type) === 'ExternalName' ? str(spec.externalName) : str(spec.clusterIP)
    } catch {
      return remote.service.name
    }
  }

  /** The remote APIServices for discovery: none while etcd cannot be read (discovery still answers, from what is served here). */
  private async remoteForDiscovery(): Promise<readonly RemoteApiService[]> {
    try {
      return await this.remote()
    } catch (error) {
      if (etcdFailure(error)) return []
      throw error
    }
  }

  /** A legacy discovery document (null where there is none), with the groups kube-aggregator lists from the APIServices that name a Service. */
  async legacyDiscovery(path: string): Promise<unknown> {
    const body = discovery(this.scheme, path)
    const clean = path.replace(/\/+$/, '')
    if (clean === '/apis') return this.withRemoteGroups(body as {groups: Array<{name: string}>})
    const group = /^\/apis\/([^/]+)$/.exec(clean)?.[1]
    return body ?? (group ? this.remoteGroup(group) : null)
  }

  /** The legacy /apis document with the groups only remote APIServices hold, as kube-aggregator's /apis handler lists them. */
  private async withRemoteGroups(list: {groups: Array<{name: string}>}): Promise<unknown> {
    const remotes = await this.remoteForDiscovery()
    const groups = [...list.groups]
    for (const [name, versions] of remoteGroups(remotes)) {
      if (groups.some((group) => group.name === name)) continue
      insertByPriority(groups, {name, ...legacyGroup(name, versions)}, groupPriority(versions))
    }
    return {...list, groups}
  }

  /** The legacy /apis/GROUP document of a group only remote APIServices hold (null for any other group). */
  private async remoteGroup(group: string): Promise<unknown> {
    const versions = remoteGroups(await this.remoteForDiscovery()).get(group)
    return versions ? {kind: 'APIGroup', apiVersion: 'v1', name: group, ...legacyGroup(group, versions)} : null
  }

  /** An aggregated document; /apis with each remote APIService's version marked Stale and without resources. */
  async withStaleVersions(path: string, document: unknown): Promise<unknown> {
    if (path.replace(/\/+$/, '') !== '/apis') return document
    const list = document as {items: Array<{metadata: {name?: string}; versions: Array<{version: string}>}>}
    const remotes = await this.remoteForDiscovery()
    if (remotes.length === 0) return list
    const items = list.items.map((item) => ({...item, versions: [...item.versions]}))
    for (const [name, versions] of remoteGroups(remotes)) {
      let item = items.find((entry) => entry.metadata.name === name)
      if (!item) {
        item = {metadata: {name, creationTimestamp: null} as {name: string}, versions: []}
        insertByPriority(items, item, groupPriority(versions))
      }
      for (const remote of versions) {
        const index = item.versions.findIndex((entry) => entry.version === remote.version)
        const stale = {version: remote.version, freshness: 'Stale'}
        if (index >= 0) item.versions[index] = stale
        else item.versions.push(stale)
      }
    }
    return {...list, items}
  }
}

/** The remote APIServices by group, each group's in version priority order. */
function remoteGroups(remotes: readonly RemoteApiService[]): Map<string, RemoteApiService[]> {
  const byGroup = new Map<string, RemoteApiService[]>()
  for (const remote of remotes) byGroup.set(remote.group, [...(byGroup.get(remote.group) ?? []), remote])
  for (const versions of byGroup.values()) versions.sort(byVersionPriority)
  return byGroup
}

function legacyGroup(group: string, versions: readonly RemoteApiService[]): {versions: unknown[]; preferredVersion: unknown} {
  const listed = versions.map((remote) => ({groupVersion: `${group}/${remote.version}`, version: remote.version}))
  return {versions: listed, preferredVersion: listed[0]}
}

/** A group's priority in discovery: the highest groupPriorityMinimum of its APIServices. */
function groupPriority(versions: readonly RemoteApiService[]): number {
  return Math.max(...versions.map((remote) => remote.groupPriorityMinimum))
}

/** Puts a group before the first one of lower priority (kube's discovery order: group priority, highest first, then name). */
function insertByPriority<T extends {name?: string; metadata?: {name?: string}}>(groups: T[], group: T, priority: number): void {
  const nameOf = (entry: T) => entry.name ?? entry.metadata?.name ?? ''
  const index = groups.findIndex((entry) => {
    const other = apiServiceGroupPriority(nameOf(entry))
    return other < priority || (other === priority && nameOf(entry) > nameOf(group))
  })
  if (index < 0) groups.push(group)
  else groups.splice(index, 0, group)
}

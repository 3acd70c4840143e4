// kubectl's RESTMapper from discovery: a resource named as kubectl accepts it (plural, singular,
// short name or kind, any case, optionally qualified: deployments.apps, deploy.v1.apps), the
// resources of a category (`all`), and the resource of a kind in an apiVersion (for files).
import {isJsonObject} from '../api/object.js'
import {KubectlError} from './errors.js'
import type {KubectlSession} from './session.js'

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
  const base = resource.group.length > 0 ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`
  return resource.namespaced && namespace.length > 0 ? `${base}/namespaces/${namespace}/${resource.resource}` : `${base}/${resource.resource}`
}

export function objectPath(resource: ApiResource, namespace: string, name: string): string {
  return `${collectionPath(resource, resource.namespaced ? namespace : '')}/${encodeURIComponent(name)}`
}

/** What discovery needs of a connection: kubectl's session, or any client of the API server. */
export interface DiscoveryClient {
  request(method: 'GET', path: string): Promise<{readonly body: unknown}>
}

export class ResourceMapper {
  private constructor(readonly resources: readonly ApiResource[]) {}

  static async discover(session: Pick<KubectlSession, 'request'> | DiscoveryClient): Promise<ResourceMapper> {
    const resources: ApiResource[] = []
    const read = async (path: string, group: string, version: string) => {
      const response = await session.request('GET', path)
      const body = response.body as {resources?: unknown[]}
      for (const entry of body.resources ?? []) {
        if (!isJsonObject(entry) || String(entry.name).includes('/')) continue
        resources.push({
          group,
          version,
          resource: String(entry.name),
          singular: String(entry.singularName ?? ''),
          kind: String(entry.kind),
          shortNames: Array.isArray(entry.shortNames) ? entry.shortNames.map(String) : [],
          namespaced: entry.namespaced === true,
          verbs: Array.isArray(entry.verbs) ? entry.verbs.map(String) : [],
          categories: Array.isArray(entry.categories) ? entry.categories.map(String) : [],
        })
      }
    }
    await read('/api/v1', '', 'v1')
    const groups = (await session.request('GET', '/apis')).body as {groups?: Array<{name: string; versions: Array<{version: string}>; preferredVersion?: {version: string}}>}
    for (const group of groups.groups ?? []) {
      for (const version of group.versions) await read(`/apis/${group.name}/${version.version}`, group.name, version.version)
    }
    return new ResourceMapper(resources)
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
    // kubectl names the resource without the group it was looked up in.
    if (!found) throw new KubectlError(`the server doesn't have a resource type "${text.split('.')[0]}"`)
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
    return this.preferred().find((resource) => matchesName(resource, lowered)) ?? null
  }

  category(name: string): ApiResource[] {
    return this.preferred().filter((resource) => resource.categories.includes(name))
  }

  forKind(apiVersion: string, kind: string): ApiResource | null {
    const slash = apiVersion.indexOf('/')
    const group = slash < 0 ? '' : apiVersion.slice(0, slash)
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1)
    return this.resources.find((resource) => resource.group === group && resource.version === version && resource.kind === kind) ?? null
  }
}

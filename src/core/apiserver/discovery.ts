// Discovery documents (/api, /apis, /api/v1, /apis/<group>[/<version>], /version), built from
// the scheme as kube-apiserver builds them from its installed resources. /api and /apis are also
// served aggregated (apidiscovery.k8s.io, GA in 1.30), which kubectl 1.32 asks for first: every
// group's versions and resources in one answer, so a client discovers the cluster in two requests
// instead of one per group version.
import {groupVersion, type Scheme} from '../api/scheme.js'
import {subresourceNames, subresourceOf} from './subresources.js'

export const kubernetesVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T17:59:15Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
}

interface LegacyResource {
  readonly name: string
  readonly singularName: string
  readonly namespaced: boolean
  readonly group?: string
  readonly version?: string
  readonly kind: string
  readonly verbs: readonly string[]
  readonly shortNames?: readonly string[]
  readonly categories?: readonly string[]
}

function resourceList(scheme: Scheme, group: string, version: string): {kind: 'APIResourceList'; apiVersion: 'v1'; groupVersion: string; resources: LegacyResource[]} {
  const resources: LegacyResource[] = []
  const definitions = scheme.all().filter((definition) => definition.group === group && definition.version === version)
  definitions.sort((left, right) => (left.resource < right.resource ? -1 : left.resource > right.resource ? 1 : 0))
  for (const definition of definitions) {
    resources.push({
      name: definition.resource,
      singularName: definition.singular,
      namespaced: definition.namespaced,
      kind: definition.kind,
      verbs: definition.verbs,
      ...(definition.shortNames.length > 0 ? {shortNames: definition.shortNames} : {}),
      ...(definition.categories.length > 0 ? {categories: definition.categories} : {}),
    })
    for (const subresource of subresourceNames(definition)) {
      const name = `${definition.resource}/${subresource}`
      const entry = subresourceOf(definition, subresource)!
      resources.push({
        name,
        singularName: '',
        namespaced: definition.namespaced,
        ...(entry.group ? {group: entry.group, version: entry.version} : {}),
        kind: entry.kind ?? definition.kind,
        verbs: entry.verbs,
      })
    }
  }
  return {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({group, version}), resources}
}

function apiGroup(group: string, versions: string[]): unknown {
  const list = versions.map((version) => ({groupVersion: `${group}/${version}`, version}))
  return {name: group, versions: list, preferredVersion: list[0]}
}

/** The discovery document at `path`, or null when there is none. */
export function discovery(scheme: Scheme, path: string): unknown {
  const clean = path.replace(/\/+$/, '') || '/'
  if (clean === '/version') return kubernetesVersion
  if (clean === '/api') return {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443'}]}
  if (clean === '/api/v1') return resourceList(scheme, '', 'v1')
  const groups = scheme.groups().filter((entry) => entry.group.length > 0)
  if (clean === '/apis') return {kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((entry) => apiGroup(entry.group, entry.versions))}
  const match = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(clean)
  if (!match) return null
  const found = groups.find((entry) => entry.group === match[1])
  if (!found) return null
  if (!match[2]) return {kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(found.group, found.versions) as object)}
  return found.versions.includes(match[2]) ? resourceList(scheme, found.group, match[2]) : null
}

/** The aggregated discovery versions kube-apiserver 1.32 serves (v2, and v2beta1 for clients of 1.26–1.29). */
const aggregatedVersions = ['v2', 'v2beta1'] as const
type AggregatedVersion = (typeof aggregatedVersions)[number]

/**
 * Which aggregated document an Accept header asks for first (JSON only: kubemu serves no protobuf),
 * or null for the legacy one. The media ranges are taken as kube's negotiation takes them
 * (goautoneg): by quality, then the more specific first (type/subtype, type/*, then *\/*), and in
 * the header's order when those tie.
 */
export function aggregatedDiscoveryAsked(accept: string): AggregatedVersion | null {
  const ranges = accept
    .split(',')
    .map((text, order) => {
      const [mediaType = '', ...parameterTexts] = text.split(';').map((part) => part.trim())
      const parameters = new Map(parameterTexts.map((parameter) => parameter.split('=').map((part) => part.trim()) as [string, string]))
      const quality = Number(parameters.get('q') ?? '1')
      const [type, subtype] = mediaType.split('/')
      const specificity = type === '*' ? 0 : subtype === '*' ? 1 : 2
      return {mediaType, parameters, quality: Number.isFinite(quality) ? quality : 0, specificity, order}
    })
    .filter((range) => range.mediaType.length > 0 && range.quality > 0)
    .sort((left, right) => right.quality - left.quality || right.specificity - left.specificity || left.order - right.order)
  for (const {mediaType, parameters} of ranges) {
    if (parameters.get('g') === undefined) {
      // A plain type this server serves (application/json, */*) ends the search: the legacy document.
      if (mediaType === 'application/json' || mediaType === '*/*' || mediaType === 'application/*') return null
      continue
    }
    if (mediaType !== 'application/json' || parameters.get('g') !== 'apidiscovery.k8s.io' || parameters.get('as') !== 'APIGroupDiscoveryList') continue
    const version = parameters.get('v')
    if (version === 'v2' || version === 'v2beta1') return version
  }
  return null
}

/** An APIResourceList's entries as one version of an APIGroupDiscovery, converted as kube-apiserver converts them: subresources under their resource. */
function versionDiscovery(version: string, list: readonly LegacyResource[]): unknown {
  const resources: Array<Record<string, unknown> & {subresources?: unknown[]}> = []
  const byName = new Map<string, (typeof resources)[number]>()
  const scope = (resource: LegacyResource) => (resource.namespaced ? 'Namespaced' : 'Cluster')
  for (const resource of list) {
    if (resource.name.includes('/')) continue
    const entry: (typeof resources)[number] = {
      resource: resource.name,
      responseKind: {group: resource.group ?? '', version: resource.version ?? '', kind: resource.kind},
      scope: scope(resource),
      singularResource: resource.singularName,
      verbs: resource.verbs,
      ...(resource.shortNames ? {shortNames: resource.shortNames} : {}),
      ...(resource.categories ? {categories: resource.categories} : {}),
    }
    resources.push(entry)
    byName.set(resource.name, entry)
  }
  for (const resource of list) {
    const slash = resource.name.indexOf('/')
    if (slash < 0) continue
    const parent = byName.get(resource.name.slice(0, slash))
    if (!parent) throw new Error(`assertion failed: subresource ${resource.name} without its resource`)
    parent.subresources ??= []
    parent.subresources.push({
      subresource: resource.name.slice(slash + 1),
      responseKind: {group: resource.group ?? '', version: resource.version ?? '', kind: resource.kind},
      verbs: resource.verbs,
    })
  }
  return {version, resources, freshness: 'Current'}
}

/** The aggregated document at /api or /apis with its content type, or null for any other path. */
export function aggregatedDiscovery(scheme: Scheme, path: string, version: AggregatedVersion): {body: unknown; contentType: string} | null {
  const clean = path.replace(/\/+$/, '') || '/'
  if (clean !== '/api' && clean !== '/apis') return null
  const items =
    clean === '/api'
      ? [{metadata: {creationTimestamp: null}, versions: [versionDiscovery('v1', resourceList(scheme, '', 'v1').resources)]}]
      : scheme
          .groups()
          .filter((entry) => entry.group.length > 0)
          .map((entry) => ({
            metadata: {name: entry.group, creationTimestamp: null},
            versions: entry.versions.map((groupVersion) => versionDiscovery(groupVersion, resourceList(scheme, entry.group, groupVersion).resources)),
          }))
  return {
    body: {kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items},
    contentType: `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
  }
}

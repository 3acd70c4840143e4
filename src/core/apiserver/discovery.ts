// Discovery documents (/api, /apis, /api/v1, /apis/<group>[/<version>], /version), built from
// the scheme as kube-apiserver builds them from its installed resources.
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

function resourceList(scheme: Scheme, group: string, version: string): unknown {
  const resources: unknown[] = []
  const definitions = scheme.all().filter((definition) => definition.group === group && definition.version === version)
  definitions.sort((left, right) => (left.resource < right.resource ? -1 : left.resource > right.resource ? 1 : 0))
  for (const definition of definitions) {
    const entry: Record<string, unknown> = {name: definition.resource, singularName: definition.singular, namespaced: definition.namespaced, kind: definition.kind, verbs: definition.verbs}
    if (definition.shortNames.length > 0) entry.shortNames = definition.shortNames
    if (definition.categories.length > 0) entry.categories = definition.categories
    resources.push(entry)
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

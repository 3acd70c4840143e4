// One object on its way through a kustomization, with the names it had before prefixes,
// suffixes and hashes renamed it: references to any of those names are rewritten to its
// final name at the end of the build.
import {isJsonObject, type JsonObject} from '../../api/object.js'

export interface KustomizeResource {
  object: JsonObject
  /** Every name it has had, oldest first; the last is its current name. */
  readonly names: string[]
  /** Every namespace it has had, oldest first. */
  readonly namespaces: string[]
  /** Generated ConfigMaps and Secrets get their content's hash appended to their name. */
  needsHash: boolean
}

export function newResource(object: JsonObject, needsHash = false): KustomizeResource {
  return {object, names: [nameOf(object)], namespaces: [namespaceOf(object)], needsHash}
}

export function metadataOf(object: JsonObject): JsonObject {
  if (!isJsonObject(object.metadata)) object.metadata = {}
  return object.metadata as JsonObject
}

export function nameOf(object: JsonObject): string {
  const name = isJsonObject(object.metadata) ? object.metadata.name : undefined
  return typeof name === 'string' ? name : ''
}

export function namespaceOf(object: JsonObject): string {
  const namespace = isJsonObject(object.metadata) ? object.metadata.namespace : undefined
  return typeof namespace === 'string' ? namespace : ''
}

export function kindOf(object: JsonObject): string {
  return typeof object.kind === 'string' ? object.kind : ''
}

/** The group and version of apiVersion (`apps/v1` → apps, v1; `v1` → '', v1). */
export function groupVersionOf(object: JsonObject): {group: string; version: string} {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : ''
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? {group: '', version: apiVersion} : {group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1)}
}

export function rename(resource: KustomizeResource, name: string): void {
  metadataOf(resource.object).name = name
  resource.names.push(name)
}

export function moveToNamespace(resource: KustomizeResource, namespace: string): void {
  metadataOf(resource.object).namespace = namespace
  resource.namespaces.push(namespace)
}

/** kustomize's id for messages: `Deployment.v1.apps/web.default`, `ConfigMap.v1.[noGrp]/c.[noNs]`. */
export function resourceIdText(object: JsonObject): string {
  const {group, version} = groupVersionOf(object)
  return `${kindOf(object)}.${version || '[noVer]'}.${group || '[noGrp]'}/${nameOf(object) || '[noName]'}.${namespaceOf(object) || '[noNs]'}`
}

/** The same id as Go's %#v prints a kustomize ResId. */
export function resourceIdGoText(object: JsonObject): string {
  const {group, version} = groupVersionOf(object)
  return `resid.ResId{Gvk:resid.Gvk{Group:${JSON.stringify(group)}, Version:${JSON.stringify(version)}, Kind:${JSON.stringify(kindOf(object))}, isClusterScoped:false}, Name:${JSON.stringify(nameOf(object))}, Namespace:${JSON.stringify(namespaceOf(object))}}`
}

// Patches: strategic merge patches (matched by the patch's own kind and name, or by a target
// selector) and JSON 6902 patches (always with a target), inline or from files, in the three
// forms a kustomization may give them (patches, patchesStrategicMerge, patchesJson6902).
import {readFileSync} from 'node:fs'
import {isJsonObject, type JsonObject} from '../../api/object.js'
import {builtinScheme} from '../../api/resources.js'
import {matchesLabels, parseLabelSelector} from '../../api/selectors.js'
import {applyJsonPatch, JsonPatchError} from '../../api/json-patch.js'
import {jsonPatchPanic} from '../local-patch.js'
import {readYamlDocument} from '../yaml-faults.js'
import {KustomizeError} from './errors.js'
import type {PatchEntry, Selector} from './kustomization.js'
import {type LoadRoot, resolveInRoot} from './paths.js'
import {strategicMerge} from './strategic-merge.js'
import {yamlDocuments} from './yaml-documents.js'
import {groupVersionOf, kindOf, type KustomizeResource, metadataOf, nameOf, namespaceOf, resourceIdText} from './resource.js'

function regexMatches(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined || pattern === '') return true
  try {
    return new RegExp(`^(?:${pattern})$`).test(value)
  } catch {
    return pattern === value
  }
}

function mapOf(object: JsonObject, field: 'labels' | 'annotations'): Record<string, string> {
  const value = isJsonObject(object.metadata) ? object.metadata[field] : undefined
  return isJsonObject(value) ? (value as Record<string, string>) : {}
}

export function selected(selector: Selector, resource: KustomizeResource): boolean {
  const object = resource.object
  const {group, version} = groupVersionOf(object)
  if (!regexMatches(selector.group, group) || !regexMatches(selector.version, version) || !regexMatches(selector.kind, kindOf(object))) return false
  if (selector.name && !resource.names.some((name) => regexMatches(selector.name, name))) return false
  if (selector.namespace && !regexMatches(selector.namespace, namespaceOf(object))) return false
  if (selector.labelSelector && !matchesLabels(parseLabelSelector(selector.labelSelector), mapOf(object, 'labels'))) return false
  return !selector.annotationSelector || matchesLabels(parseLabelSelector(selector.annotationSelector), mapOf(object, 'annotations'))
}

function schemaOf(object: JsonObject) {
  const {group, version} = groupVersionOf(object)
  return builtinScheme().kind(group, version, kindOf(object))?.schema ?? null
}

/** Merges one strategic merge patch into a resource; `$patch: delete` at the top drops it. */
function mergeInto(resource: KustomizeResource, patch: JsonObject, keepIdentity: boolean, resources: KustomizeResource[]): void {
  const body = structuredClone(patch)
  if (keepIdentity) {
    body.apiVersion = resource.object.apiVersion
    body.kind = resource.object.kind
    const metadata = metadataOf(body)
    metadata.name = nameOf(resource.object)
    if (namespaceOf(resource.object)) metadata.namespace = namespaceOf(resource.object)
    else delete metadata.namespace
  }
  const merged = strategicMerge(resource.object, body, schemaOf(resource.object))
  if (merged === undefined) {
    resources.splice(resources.indexOf(resource), 1)
    return
  }
  resource.object = merged as JsonObject
}

/** The resources a strategic merge patch names by its own kind, name and namespace. */
function patchTargets(patch: JsonObject, resources: readonly KustomizeResource[]): KustomizeResource[] {
  const {group, version} = groupVersionOf(patch)
  const name = nameOf(patch)
  const namespace = namespaceOf(patch)
  const found = resources.filter((resource) => {
    const ids = groupVersionOf(resource.object)
    if (kindOf(resource.object) !== kindOf(patch) || ids.group !== group || (version !== '' && ids.version !== version)) return false
    if (!resource.names.includes(name)) return false
    if (namespace === '' || namespace === 'default') return resource.namespaces.some((candidate) => candidate === '' || candidate === 'default')
    return resource.namespaces.includes(namespace)
  })
  if (found.length === 0) {
    const id = resourceIdText(patch)
    throw new KustomizeError(`no resource matches strategic merge patch "${id}": no matches for Id ${id}; failed to find unique target for patch ${id}`)
  }
  return found
}

function applyStrategicMerge(patches: readonly unknown[], target: Selector | undefined, options: PatchEntry['options'], resources: KustomizeResource[]): void {
  for (const patch of patches) {
    if (!isJsonObject(patch)) throw new KustomizeError(`a strategic merge patch must be a map`)
    const targets = target ? resources.filter((resource) => selected(target, resource)) : patchTargets(patch, resources)
    const keepIdentity = target !== undefined && !options?.allowNameChange && !options?.allowKindChange
    for (const resource of targets) mergeInto(resource, patch, keepIdentity, resources)
  }
}

/**
 * A JSON patch's operations as kustomize reads them: text that starts with `[` as JSON, anything
 * else converted from YAML by sigs.k8s.io/yaml (YAML 1.1, so `yes` is true), not by kyaml.
 */
function json6902Operations(text: string, read: unknown): unknown {
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown
    } catch {
      return read
    }
  }
  const converted = readYamlDocument(text)
  return 'value' in converted ? converted.value : read
}

function applyJson6902(operations: unknown, target: Selector, resources: readonly KustomizeResource[]): void {
  for (const resource of resources.filter((candidate) => selected(target, candidate))) {
    const before = resource.object
    try {
      resource.object = applyJsonPatch(structuredClone(resource.object), operations) as JsonObject
    } catch (error) {
      if (!(error instanceof JsonPatchError)) throw error
      // kustomize applies evanphx's JSON patch and passes its error on as it is; a Go panic ends it with status 2.
      if (error.fault === 'panic') throw jsonPatchPanic(error, before, operations)
      throw new KustomizeError(error.message)
    }
    if (!isJsonObject(resource.object)) throw new KustomizeError(`a JSON patch left ${resourceIdText(resource.object)} without an object`)
  }
}

function configError(transformer: string, config: string, cause: KustomizeError): KustomizeError {
  return cause.wrapped(`trouble configuring builtin ${transformer} with config: \`\n${config}\`: `)
}

/** The text of a patch given inline or in a file. */
function patchText(root: LoadRoot, entry: PatchEntry): string {
  if (entry.patch !== undefined && entry.path !== undefined) throw new KustomizeError('patch and path can\'t be set at the same time')
  if (entry.patch !== undefined) return entry.patch
  if (entry.path === undefined) throw new KustomizeError('must specify one of patch and path in\n')
  try {
    return readFileSync(resolveInRoot(root, entry.path), 'utf8')
  } catch (error) {
    if (error instanceof KustomizeError) throw configError('PatchTransformer', `path: ${entry.path}\n`, error.wrapped(`failed to get the patch file from path(${entry.path}): `))
    throw error
  }
}

/** `patches:` — a list of operations is a JSON patch, anything else a strategic merge patch. */
export function applyPatches(root: LoadRoot, entries: readonly PatchEntry[], resources: KustomizeResource[]): void {
  for (const entry of entries) {
    const text = patchText(root, entry)
    const documents = yamlDocuments(text, entry.path ?? 'patch')
    if (documents.length === 1 && Array.isArray(documents[0])) {
      if (!entry.target) throw new KustomizeError(`must specify a target for JSON patch [patch: ${JSON.stringify(text)}]`)
      applyJson6902(json6902Operations(text, documents[0]), entry.target, resources)
      continue
    }
    applyStrategicMerge(documents, entry.target, entry.options, resources)
  }
}

/** `patchesStrategicMerge:` — each entry a file or an inline patch. */
export function applyStrategicMergeEntries(root: LoadRoot, entries: readonly string[], resources: KustomizeResource[]): void {
  for (const entry of entries) {
    const inline = entry.includes('\n') || /^\s*[{[]/.test(entry) || /^\s*apiVersion:|^\s*kind:/m.test(entry)
    let text = entry
    if (!inline) {
      try {
        text = readFileSync(resolveInRoot(root, entry), 'utf8')
      } catch (error) {
        if (error instanceof KustomizeError) throw configError('PatchStrategicMergeTransformer', `paths:\n${entries.map((path) => `- ${path}\n`).join('')}`, error)
        throw error
      }
    }
    applyStrategicMerge(yamlDocuments(text, entry), undefined, undefined, resources)
  }
}

/** `patchesJson6902:` — each entry a target and its operations, inline or in a file. */
export function applyJson6902Entries(root: LoadRoot, entries: readonly PatchEntry[], resources: KustomizeResource[]): void {
  for (const entry of entries) {
    if (!entry.target) throw new KustomizeError('must specify the target field in patchesJson6902')
    const text = patchText(root, entry)
    const documents = yamlDocuments(text, entry.path ?? 'patch')
    applyJson6902(json6902Operations(text, documents[0] ?? []), entry.target, resources)
  }
}

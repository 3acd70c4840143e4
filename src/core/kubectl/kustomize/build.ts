// `kubectl kustomize DIR`: a kustomization built as kustomize v5.5 builds it. Each level
// accumulates its resources (files, and other kustomizations built first, in order), runs its
// generators, then its transformers in kustomize's fixed order; once, at the top, generated
// names get their content hash and every reference to a renamed object is rewritten.
import {readFileSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {isJsonObject, type JsonObject} from '../../api/object.js'
import {emitResources} from './emitter.js'
import {goQuoted, KustomizeError, withPrefix} from './errors.js'
import {contentHash, generateConfigMap, generateSecret, mergedOptions} from './generators.js'
import {type GeneratorArgs, type Kustomization, loadKustomization} from './kustomization.js'
import {fixNameReferences} from './name-references.js'
import {ordered} from './ordering.js'
import {applyReplacements} from './replacements.js'
import {applyJson6902Entries, applyPatches, applyStrategicMergeEntries} from './patches.js'
import {isWithin, type LoadRoot, realPathOf} from './paths.js'
import {kindOf, type KustomizeResource, nameOf, namespaceOf, newResource, rename, resourceIdGoText, resourceIdText} from './resource.js'
import {yamlDocuments} from './yaml-documents.js'
import {addNameAffixes, setAnnotations, setImages, setLabels, setNamespace, setReplicas} from './transformers.js'

/** Bases nested deeper than this are refused (a guard against runaway recursion). */
export const kustomizationDepthMax = 64

export interface KustomizeBuild {
  readonly resources: KustomizeResource[]
  /** The top kustomization's sortOptions order. */
  readonly sortOrder: 'legacy' | 'fifo'
}

/** Resources kustomize would fetch over the network (git repositories, URLs). */
const remoteResource = /^(?:https?|git|ssh|file):\/\/|^git@|^(?:github\.com|gitlab\.com|bitbucket\.org)\//

/** Go's %v of a map[string]string: `map[a:b c:d]`, keys sorted. */
function goMap(value: unknown): string {
  const entries = isJsonObject(value) ? Object.keys(value).sort().map((key) => `${key}:${String(value[key])}`) : []
  return `map[${entries.join(' ')}]`
}

function checkIdentity(object: JsonObject): void {
  if (kindOf(object) !== '') return
  const metadata = isJsonObject(object.metadata) ? object.metadata : {}
  const text = (value: unknown) => (typeof value === 'string' ? value : '')
  throw new KustomizeError(`missing kind in object {{${text(object.apiVersion)} } {{${text(metadata.name)} ${text(metadata.namespace)}} ${goMap(metadata.labels)} ${goMap(metadata.annotations)}}}`)
}

function objectsOfFile(path: string, shown: string): JsonObject[] {
  const objects: JsonObject[] = []
  for (const value of yamlDocuments(readFileSync(path, 'utf8'), shown)) {
    if (!isJsonObject(value)) throw new KustomizeError(`wrong node kind: expected MappingNode but got SequenceNode: node contents:\n${JSON.stringify(value)}\n in File: ${shown}`)
    if (kindOf(value).endsWith('List') && Array.isArray(value.items)) {
      for (const item of value.items) if (isJsonObject(item)) objects.push(item)
      continue
    }
    objects.push(value)
  }
  return objects
}

function sameId(left: JsonObject, right: JsonObject): boolean {
  return left.apiVersion === right.apiVersion && kindOf(left) === kindOf(right) && nameOf(left) === nameOf(right) && (namespaceOf(left) || 'default') === (namespaceOf(right) || 'default')
}

class Builder {
  /** `warn` gets each deprecation warning as kustomize prints it on stderr, as it is read. */
  constructor(
    private readonly warn: (text: string) => void,
    private readonly rootOnly: boolean,
  ) {}

  /** The top kustomization's sortOptions order, once it is read. */
  sortOrder: 'legacy' | 'fifo' | undefined

  /**
   * Builds one kustomization folder (a real path) into `accumulated`: its resources, generators,
   * components (each applied in turn to everything accumulated so far), then its transformers.
   * A Component's level builds into the resources of the kustomization including it.
   */
  level(root: string, kustomization: Kustomization, visited: readonly string[], accumulated: KustomizeResource[] = []): KustomizeResource[] {
    if (visited.length >= kustomizationDepthMax) throw new KustomizeError(`kustomizations nested more than ${kustomizationDepthMax} deep under '${visited[0]}'`)
    const inner = [...visited, root]
    withPrefix('accumulating resources: ', () => {
      for (const entry of kustomization.resources) this.add(root, entry, accumulated, this.entry(root, entry, inner))
    })
    const loadRoot = {folder: root, rootOnly: this.rootOnly}
    this.generate(loadRoot, kustomization, accumulated)
    withPrefix('accumulating components: ', () => {
      for (const component of kustomization.components) this.component(root, component, inner, accumulated)
    })
    this.transform(loadRoot, kustomization, accumulated)
    return accumulated
  }

  /** A kustomization file as kustomize's loader reads it; `real` is its folder's real path. */
  read(real: string): Kustomization {
    const kustomization = loadKustomization(real, this.warn)
    if (this.sortOrder === undefined) this.sortOrder = kustomization.sortOrder
    return kustomization
  }

  /** One `components:` entry: a folder whose kustomization is a Component, applied to `accumulated`. */
  private component(root: string, entry: string, visited: readonly string[], accumulated: KustomizeResource[]): void {
    let real: string
    try {
      real = this.folderOf(root, entry, visited)
    } catch (error) {
      if (error instanceof KustomizeError) throw new KustomizeError(`loader.New ${goQuoted(error.message)}`)
      throw error
    }
    try {
      this.directory(real, visited, accumulated)
    } catch (error) {
      if (error instanceof KustomizeError) throw new KustomizeError(`accumulateDirectory: ${goQuoted(error.message)}`)
      throw error
    }
  }

  /**
   * A base (into a fresh list, returned) or, given the including kustomization's resources, a
   * component (built into them); each kind refuses the other as kustomize does.
   */
  private directory(real: string, visited: readonly string[], component?: KustomizeResource[]): KustomizeResource[] {
    const kustomization = withPrefix(`couldn't make target for path '${real}': `, () => this.read(real))
    if (component !== undefined && kustomization.kind !== 'Component') throw new KustomizeError(`expected kind 'Component' for path '${real}' but got '${kustomization.kind}'`)
    if (component === undefined && kustomization.kind === 'Component') throw new KustomizeError(`expected kind != 'Component' for path '${real}'`)
    return withPrefix(`recursed accumulation of path '${real}': `, () => this.level(real, kustomization, visited, component))
  }

  /** A base or component folder as kustomize's loader opens it: real, a folder, and not one being built. */
  private folderOf(root: string, entry: string, visited: readonly string[]): string {
    const real = withPrefix('must build at directory: not a valid directory: ', () => realPathOf(root, entry))
    if (!statSync(real).isDirectory()) throw new KustomizeError(`must build at directory: '${real}': file is not directory`)
    const cycle = visited.find((seen) => isWithin(real, seen))
    if (cycle !== undefined) throw new KustomizeError(`cycle detected: candidate root '${real}' contains visited root '${cycle}'`)
    return real
  }

  /** Adds one entry's objects; an object already there is kustomize's merge error. */
  private add(root: string, entry: string, resources: KustomizeResource[], added: readonly KustomizeResource[]): void {
    for (const resource of added) {
      if (resources.some((existing) => sameId(existing.object, resource.object))) {
        const file = resolve(root, entry)
        const duplicate = `may not add resource with an already registered id: ${resourceIdText(resource.object)}`
        if (statSync(file).isDirectory()) throw new KustomizeError(`accumulation err='accumulating resources from '${entry}': '${file}' must resolve to a file': recursed merging from path '${realPathOf(root, entry)}': ${duplicate}`)
        throw new KustomizeError(`accumulation err='merging resources from '${entry}': ${duplicate}': must build at directory: '${file}': file is not directory`)
      }
      resources.push(resource)
    }
  }

  /** One `resources:` entry: a file of objects or a folder with a kustomization. */
  private entry(root: string, entry: string, visited: readonly string[]): KustomizeResource[] {
    if (remoteResource.test(entry)) {
      throw new KustomizeError(`accumulation err='accumulating resources from '${entry}': kubemu builds kustomizations from local files only; remote resources are not fetched'`)
    }
    const absolute = resolve(root, entry)
    let real: string
    try {
      real = realPathOf(root, entry)
    } catch (error) {
      if (!(error instanceof KustomizeError)) throw error
      throw new KustomizeError(`accumulation err='accumulating resources from '${entry}': ${error.message}': must build at directory: not a valid directory: ${error.message}`)
    }
    if (statSync(real).isDirectory()) {
      const fileError = `'${absolute}' must resolve to a file`
      try {
        this.folderOf(root, entry, visited)
        return this.directory(real, visited)
      } catch (error) {
        if (!(error instanceof KustomizeError)) throw error
        throw new KustomizeError(`accumulation err='accumulating resources from '${entry}': ${fileError}': ${error.message}`)
      }
    }
    try {
      if (this.rootOnly && !isWithin(root, real)) throw new KustomizeError(`security; file '${real}' is not in or below '${root}'`)
      const objects = objectsOfFile(real, entry)
      for (const object of objects) checkIdentity(object)
      return objects.map((object) => newResource(object))
    } catch (error) {
      if (!(error instanceof KustomizeError)) throw error
      if (error.message.startsWith('MalformedYAMLError')) throw error.wrapped(`accumulating resources from '${entry}': `)
      throw new KustomizeError(`accumulation err='accumulating resources from '${entry}': ${error.message}': must build at directory: '${real}': file is not directory`)
    }
  }

  private generate(root: LoadRoot, kustomization: Kustomization, resources: KustomizeResource[]): void {
    const kinds: Array<[GeneratorArgs[], typeof generateConfigMap]> = [
      [kustomization.configMapGenerator, generateConfigMap],
      [kustomization.secretGenerator, generateSecret],
    ]
    for (const [entries, generate] of kinds) {
      for (const args of entries) {
        const options = mergedOptions(kustomization.generatorOptions, args.options)
        const object = generate(root, args, options)
        const behavior = args.behavior
        const existing = resources.find((resource) => kindOf(resource.object) === object.kind && resource.names.includes(nameOf(object)) && (namespaceOf(object) === '' || resource.namespaces.includes(namespaceOf(object))))
        // kustomize prints the generator's address here; a fixed one keeps the text stable.
        const failure = (reason: string) => new KustomizeError(`merging from generator &{0xc000000000 <nil>}: id ${resourceIdGoText(object)} ${reason}`)
        if (behavior !== 'merge' && behavior !== 'replace') {
          if (existing) throw failure('exists; behavior must be merge or replace')
          resources.push(newResource(object, !options.disableNameSuffixHash))
          continue
        }
        if (!existing) throw failure('does not exist; cannot merge or replace')
        this.mergeGenerated(existing, object, behavior, options.disableNameSuffixHash === true)
      }
    }
  }

  /** behavior merge (data and metadata maps joined, the new values winning) or replace. */
  private mergeGenerated(existing: KustomizeResource, generated: JsonObject, behavior: 'merge' | 'replace', disableHash: boolean): void {
    const target = existing.object
    const metadata = isJsonObject(target.metadata) ? target.metadata : (target.metadata = {})
    const generatedMetadata = generated.metadata as JsonObject
    for (const field of ['labels', 'annotations'] as const) {
      if (!isJsonObject(generatedMetadata[field])) continue
      metadata[field] = {...(isJsonObject(metadata[field]) ? metadata[field] : {}), ...generatedMetadata[field]}
    }
    for (const field of ['data', 'binaryData']) {
      if (behavior === 'replace') {
        if (generated[field] === undefined) delete target[field]
        else target[field] = generated[field]
      } else if (generated[field] !== undefined) {
        target[field] = {...(isJsonObject(target[field]) ? target[field] : {}), ...(generated[field] as JsonObject)}
      }
    }
    if (disableHash) existing.needsHash = false
  }

  private transform(root: LoadRoot, kustomization: Kustomization, resources: KustomizeResource[]): void {
    applyStrategicMergeEntries(root, kustomization.patchesStrategicMerge, resources)
    applyPatches(root, kustomization.patches, resources)
    if (kustomization.namespace) setNamespace(resources, kustomization.namespace)
    if (kustomization.namePrefix || kustomization.nameSuffix) addNameAffixes(resources, kustomization.namePrefix ?? '', kustomization.nameSuffix ?? '')
    setLabels(resources, kustomization)
    setAnnotations(resources, kustomization.commonAnnotations ?? {})
    applyJson6902Entries(root, kustomization.patchesJson6902, resources)
    setReplicas(resources, kustomization.replicas)
    setImages(resources, kustomization.images)
    applyReplacements(root, kustomization.replacements, resources)
  }
}

export interface BuildOptions {
  /** Gets each deprecation warning as kustomize prints it on stderr, as it is read. */
  readonly warn: (text: string) => void
  /** Files (not bases) must stay inside their kustomization's folder: LoadRestrictionsRootOnly. */
  readonly rootOnly: boolean
}

/** Builds the kustomization in `folder` (as given on the command line). */
export function buildKustomization(folder: string, options: BuildOptions): KustomizeBuild {
  let root: string
  try {
    root = realPathOf(process.cwd(), folder)
  } catch (error) {
    if (!(error instanceof KustomizeError)) throw error
    throw new KustomizeError(`must build at directory: not a valid directory: ${error.message.replace(`evalsymlink failure on '${resolve(folder)}'`, `evalsymlink failure on '${folder}'`)}`)
  }
  if (!statSync(root).isDirectory()) throw new KustomizeError(`must build at directory: '${folder}': file is not directory`)
  const builder = new Builder(options.warn, options.rootOnly)
  const resources = builder.level(root, builder.read(root), [])
  for (const resource of resources) {
    if (resource.needsHash) rename(resource, `${nameOf(resource.object)}-${contentHash(resource.object)}`)
  }
  fixNameReferences(resources)
  const sortOrder = builder.sortOrder ?? 'legacy'
  return {resources: ordered(resources, sortOrder), sortOrder}
}

/** The build's text, as `kubectl kustomize` prints it. */
export function kustomizeText(folder: string, options: BuildOptions): string {
  return emitResources(buildKustomization(folder, options).resources)
}

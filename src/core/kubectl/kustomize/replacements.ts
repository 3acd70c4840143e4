// `replacements:`: copy one field of one object (the source) into fields of other objects (the
// targets), as kustomize's ReplacementTransformer does, last among a level's transformers.
// Entries are inline or files holding one replacement or a list of them.
import {readFileSync} from 'node:fs'
import {parse} from 'yaml'
import {isJsonObject, type JsonObject} from '../../api/object.js'
import {matchesLabels, parseLabelSelector} from '../../api/selectors.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {KustomizeError} from './errors.js'
import type {FieldOptions, Replacement, ReplacementEntry, ReplacementSource, Selector} from './kustomization.js'
import {type LoadRoot, resolveInRoot} from './paths.js'
import {splitFieldPath, type FieldSlot, lookupField, matchFieldSlots, setSlotValue, slotValue} from './field-paths.js'
import {groupVersionOf, kindOf, type KustomizeResource} from './resource.js'

/** A replacement file larger than this is refused (they hold a few selectors). */
export const replacementFileBytesMax = 1024 * 1024

const defaultFieldPath = 'metadata.name'

/** The replacements an entry list names, files read; kustomize configures them all before any runs. */
function loadReplacements(root: LoadRoot, entries: readonly ReplacementEntry[]): Replacement[] {
  const replacements: Replacement[] = []
  const failure = (reason: string) => new KustomizeError(`trouble configuring builtin ReplacementTransformer with config: \`\n${goYaml({Replacements: entries})}\`: ${reason}`)
  for (const entry of entries) {
    if (entry.path === undefined || entry.path === '') {
      // Inline entries reach kustomize re-encoded with empty lists left out: `targets: []` is no targets.
      replacements.push(entry.targets?.length === 0 ? {source: entry.source} : entry)
      continue
    }
    if (entry.source !== undefined || (entry.targets?.length ?? 0) > 0) throw failure('cannot specify both path and inline replacement')
    let text: string
    try {
      const file = resolveInRoot(root, entry.path)
      text = readFileSync(file, 'utf8')
      if (text.length > replacementFileBytesMax) throw new KustomizeError(`${file} is larger than ${replacementFileBytesMax} bytes`)
    } catch (error) {
      if (error instanceof KustomizeError) throw failure(error.message)
      throw error
    }
    const content: unknown = parse(text)
    if (Array.isArray(content)) replacements.push(...(content.filter(isJsonObject) as Replacement[]))
    else if (isJsonObject(content)) replacements.push(content as Replacement)
    else throw failure(`unsupported replacement type encountered within replacement path: ${content === null || content === undefined ? 'invalid' : typeof content}`)
  }
  return replacements
}

interface ResId {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly name: string
  readonly namespace: string
}

/** The ids an object answers to: its current one and those before renames and moves. */
function idsOf(resource: KustomizeResource): ResId[] {
  const {group, version} = groupVersionOf(resource.object)
  const kind = kindOf(resource.object)
  const ids: ResId[] = []
  for (const name of [...resource.names].reverse()) {
    for (const namespace of [...resource.namespaces].reverse()) ids.push({group, version, kind, name, namespace})
  }
  return ids
}

/** kustomize's IsSelectedBy: every field the selector sets is equal (an empty namespace is `default`). */
function isSelectedBy(id: ResId, selector: Selector): boolean {
  const effective = (namespace: string) => namespace || 'default'
  return (!selector.name || selector.name === id.name) && (!selector.namespace || effective(selector.namespace) === effective(id.namespace)) && (!selector.group || selector.group === id.group) && (!selector.version || selector.version === id.version) && (!selector.kind || selector.kind === id.kind)
}

/** kustomize's text for an id: `Deployment.v1.apps/web.default`, with `[noKind]`-style blanks. */
function resIdText(selector: Selector): string {
  return `${selector.kind || '[noKind]'}.${selector.version || '[noVer]'}.${selector.group || '[noGrp]'}/${selector.name || '[noName]'}.${selector.namespace || '[noNs]'}`
}

function optionsText(options: FieldOptions | undefined): string {
  if (!options || (!options.delimiter && !options.create)) return ''
  return `${options.delimiter ?? ''}(${options.index ?? 0}), create=${options.create === true}`
}

function sourceText(source: ReplacementSource): string {
  return [resIdText(source), source.fieldPath ?? '', optionsText(source.options)].filter((part) => part !== '').join(':')
}

function isEmptyValue(value: unknown | undefined): boolean {
  if (value === undefined || value === null) return true
  if (Array.isArray(value)) return value.length === 0
  return isJsonObject(value) && Object.keys(value).length === 0
}

const isScalar = (value: unknown | undefined) => value === null || (typeof value !== 'object' && value !== undefined)
const scalarText = (value: unknown | undefined) => (value === null || value === undefined || typeof value === 'object' ? '' : String(value))

function sourceValue(source: ReplacementSource, resources: readonly KustomizeResource[]): unknown {
  const matches = resources.filter((resource) => idsOf(resource).some((id) => isSelectedBy(id, source)))
  if (matches.length > 1) throw new KustomizeError(`multiple matches for selector ${sourceText(source)}`)
  if (matches.length === 0) throw new KustomizeError(`nothing selected by ${sourceText(source)}`)
  const fieldPath = source.fieldPath || defaultFieldPath
  const value = lookupField(matches[0]!.object, splitFieldPath(fieldPath))
  if (isEmptyValue(value)) throw new KustomizeError(`fieldPath \`${fieldPath}\` is missing for replacement source ${resIdText(source)}`)
  const options = source.options
  if (!options?.delimiter) return structuredClone(value!)
  if (!isScalar(value)) throw new KustomizeError('delimiter option can only be used with scalar nodes')
  const parts = scalarText(value).split(options.delimiter)
  const index = options.index ?? 0
  if (index >= parts.length || index < 0) throw new KustomizeError(`options.index ${index} is out of bounds for value ${scalarText(value)}`)
  return typeof value === 'string' ? parts[index]! : (parse(parts[index]!) as unknown)
}

/** Text written into a scalar field keeps the field's type, as kustomize copies only the value. */
function typedLike(existing: unknown, text: string): unknown {
  if (typeof existing === 'string') return text
  const resolved: unknown = parse(text === '' ? '""' : text)
  if (typeof existing === 'number' && typeof resolved === 'number') return resolved
  if (typeof existing === 'boolean' && typeof resolved === 'boolean') return resolved
  if (existing === null && typeof resolved !== 'object') return resolved as unknown
  return text
}

function setField(slot: FieldSlot, value: unknown, options: FieldOptions | undefined): void {
  const existing = slotValue(slot)
  let written = value
  if (options?.delimiter) {
    if (!isScalar(existing)) throw new KustomizeError('delimiter option can only be used with scalar nodes')
    const parts = scalarText(existing).split(options.delimiter)
    const index = options.index ?? 0
    const text = scalarText(value)
    if (index < 0) parts.unshift(text)
    else if (index >= parts.length) parts.push(text)
    else parts[index] = text
    written = parts.join(options.delimiter)
  }
  if (slot.created && isScalar(written)) setSlotValue(slot, typedLike(null, scalarText(written)))
  else if (isScalar(existing) && !slot.created) setSlotValue(slot, isScalar(written) ? typedLike(existing!, scalarText(written)) : typedLike(existing!, ''))
  else setSlotValue(slot, structuredClone(written))
}

function metadataMap(object: JsonObject, field: 'labels' | 'annotations'): Record<string, string> {
  const value = isJsonObject(object.metadata) ? object.metadata[field] : undefined
  return isJsonObject(value) ? (value as Record<string, string>) : {}
}

function matchesLabelsAndAnnotations(object: JsonObject, selector: Selector): boolean {
  if (selector.labelSelector && !matchesLabels(parseLabelSelector(selector.labelSelector), metadataMap(object, 'labels'))) return false
  return !selector.annotationSelector || matchesLabels(parseLabelSelector(selector.annotationSelector), metadataMap(object, 'annotations'))
}

const identityFields = ['group', 'version', 'kind', 'name', 'namespace'] as const

function applyReplacement(replacement: Replacement, resources: readonly KustomizeResource[]): void {
  if (replacement.source === undefined || replacement.source === null || replacement.targets === undefined || replacement.targets === null) {
    throw new KustomizeError('replacements must specify a source and at least one target')
  }
  const value = sourceValue(replacement.source, resources)
  for (const target of replacement.targets) {
    const select = target.select
    if (select === undefined || select === null) throw new KustomizeError('target must specify resources to select')
    const rejects = target.reject ?? []
    const fieldPaths = target.fieldPaths?.length ? target.fieldPaths : [defaultFieldPath]
    for (const resource of resources) {
      if (!matchesLabelsAndAnnotations(resource.object, select)) continue
      if (rejects.some((reject) => (reject.labelSelector || reject.annotationSelector) && matchesLabelsAndAnnotations(resource.object, reject))) continue
      const ids = idsOf(resource)
      const rejected = rejects.some((reject) => identityFields.some((field) => reject[field]) && ids.some((id) => isSelectedBy(id, reject)))
      if (rejected || !ids.some((id) => isSelectedBy(id, select))) continue
      for (const fieldPath of fieldPaths) {
        const create = target.options?.create === true
        const retrieval = `unable to find ${create ? 'or create ' : ''}field ${JSON.stringify(fieldPath)} in replacement target`
        let slots: FieldSlot[]
        try {
          slots = matchFieldSlots(resource.object, splitFieldPath(fieldPath), create ? value : undefined)
        } catch (error) {
          if (error instanceof KustomizeError) throw error.wrapped(`${retrieval}: `)
          throw error
        }
        if (slots.length === 0) throw new KustomizeError(retrieval)
        for (const slot of slots) setField(slot, value, target.options)
      }
    }
  }
}

/** Runs a level's replacements, in order, on its accumulated resources. */
export function applyReplacements(root: LoadRoot, entries: readonly ReplacementEntry[], resources: readonly KustomizeResource[]): void {
  if (entries.length === 0) return
  for (const replacement of loadReplacements(root, entries)) applyReplacement(replacement, resources)
}

// Reading a kustomization file: which of kustomize's three file names a folder holds, the
// strict decoding kustomize does (an unknown field is an error, as Go's DisallowUnknownFields
// reports it), and the deprecation warnings kustomize prints for the old field names.
import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {parseDocument, type Tags} from 'yaml'
import {isJsonObject, type JsonObject} from '../../api/object.js'
import {KustomizeError} from './errors.js'
import {goYamlFault} from './yaml-errors.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'

export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const

/** A kustomization file larger than this is refused (they are a few hundred bytes in practice). */
export const kustomizationFileBytesMax = 1024 * 1024

export interface Selector {
  readonly group?: string
  readonly version?: string
  readonly kind?: string
  readonly name?: string
  readonly namespace?: string
  readonly labelSelector?: string
  readonly annotationSelector?: string
}

export interface GeneratorOptions {
  readonly labels?: Record<string, string>
  readonly annotations?: Record<string, string>
  readonly disableNameSuffixHash?: boolean
  readonly immutable?: boolean
}

export interface GeneratorArgs {
  readonly name?: string
  readonly namespace?: string
  readonly behavior?: string
  readonly literals?: string[]
  readonly files?: string[]
  readonly envs?: string[]
  readonly env?: string
  readonly type?: string
  readonly options?: GeneratorOptions
}

export interface PatchEntry {
  readonly path?: string
  readonly patch?: string
  readonly target?: Selector
  readonly options?: {allowNameChange?: boolean; allowKindChange?: boolean}
}

export interface LabelEntry {
  readonly pairs?: Record<string, string>
  readonly includeSelectors?: boolean
  readonly includeTemplates?: boolean
}

export interface ImageEntry {
  readonly name?: string
  readonly newName?: string
  readonly newTag?: string
  readonly digest?: string
  readonly tagSuffix?: string
}

export interface FieldOptions {
  readonly delimiter?: string
  readonly index?: number
  readonly encoding?: string
  readonly create?: boolean
}

/** A replacement's source: one object (group, version, kind, name, namespace all exact) and a field. */
export interface ReplacementSource extends Selector {
  readonly fieldPath?: string
  readonly options?: FieldOptions
}

export interface ReplacementTarget {
  readonly select?: Selector
  readonly reject?: Selector[]
  readonly fieldPaths?: string[]
  readonly options?: FieldOptions
}

export interface Replacement {
  readonly source?: ReplacementSource
  readonly targets?: ReplacementTarget[]
}

/** A `replacements:` entry: inline, or a file holding one replacement or a list of them. */
export interface ReplacementEntry extends Replacement {
  readonly path?: string
}

export interface Kustomization {
  /** Kustomization, or Component (applied to the resources of the kustomization including it). */
  readonly kind: 'Kustomization' | 'Component'
  readonly resources: string[]
  readonly components: string[]
  readonly namespace?: string
  readonly namePrefix?: string
  readonly nameSuffix?: string
  readonly commonLabels?: Record<string, string>
  readonly labels: LabelEntry[]
  readonly commonAnnotations?: Record<string, string>
  readonly images: ImageEntry[]
  readonly replicas: Array<{name?: string; count?: number}>
  readonly configMapGenerator: GeneratorArgs[]
  readonly secretGenerator: GeneratorArgs[]
  readonly generatorOptions?: GeneratorOptions
  readonly patches: PatchEntry[]
  /** Each entry a file path or an inline patch. */
  readonly patchesStrategicMerge: string[]
  readonly patchesJson6902: PatchEntry[]
  readonly replacements: ReplacementEntry[]
  readonly sortOrder: 'legacy' | 'fifo'
}

type FieldType = 'string' | 'bool' | 'int' | 'strings' | 'stringMap' | 'list' | 'object' | 'any'

interface Shape {
  readonly goType: string
  readonly fields: Record<string, FieldType | Shape | {list: Shape}>
}

const stringMapShape = 'stringMap' as const
const selectorShape: Shape = {goType: 'Selector', fields: {group: 'string', version: 'string', kind: 'string', name: 'string', namespace: 'string', labelSelector: 'string', annotationSelector: 'string'}}
const optionsShape: Shape = {goType: 'GeneratorOptions', fields: {labels: stringMapShape, annotations: stringMapShape, disableNameSuffixHash: 'bool', immutable: 'bool'}}
const generatorShape: Shape = {
  goType: 'ConfigMapArgs',
  fields: {name: 'string', namespace: 'string', behavior: 'string', literals: 'strings', files: 'strings', envs: 'strings', env: 'string', type: 'string', options: optionsShape, kvSources: 'any'},
}
const patchShape: Shape = {goType: 'Patch', fields: {path: 'string', patch: 'string', target: selectorShape, options: {goType: 'map', fields: {allowNameChange: 'bool', allowKindChange: 'bool'}}}}

/** The Kustomization type's fields (kustomize v5), with the shapes kubemu checks. */
const kustomizationShape: Shape = {
  goType: 'Kustomization',
  fields: {
    apiVersion: 'string', kind: 'string', metadata: 'any', openapi: 'any',
    namePrefix: 'string', nameSuffix: 'string', namespace: 'string',
    commonLabels: stringMapShape, labels: {list: {goType: 'Label', fields: {pairs: stringMapShape, includeSelectors: 'bool', includeTemplates: 'bool', fields: 'any'}}},
    commonAnnotations: stringMapShape,
    patchesStrategicMerge: 'strings', patchesJson6902: {list: patchShape}, patches: {list: patchShape},
    images: {list: {goType: 'Image', fields: {name: 'string', newName: 'string', newTag: 'string', digest: 'string', tagSuffix: 'string'}}},
    // kustomize decodes replacements leniently: unknown fields in them are ignored.
    imageTags: 'list', replacements: 'list', replicas: {list: {goType: 'Replica', fields: {name: 'string', count: 'int'}}},
    vars: 'list', sortOptions: 'any', resources: 'strings', crds: 'strings', bases: 'strings', components: 'strings',
    configMapGenerator: {list: generatorShape}, secretGenerator: {list: {...generatorShape, goType: 'SecretArgs'}},
    helmGlobals: 'any', helmCharts: 'list', helmChartInflationGenerator: 'list', generatorOptions: optionsShape,
    configurations: 'strings', generators: 'strings', transformers: 'strings', validators: 'strings', buildMetadata: 'strings',
  },
}

/** Fields kustomize knows that kubemu does not build yet: refused rather than ignored. */
const unsupportedFields = ['openapi', 'imageTags', 'vars', 'crds', 'helmGlobals', 'helmCharts', 'helmChartInflationGenerator', 'configurations', 'generators', 'transformers', 'validators']

const deprecations: ReadonlyArray<readonly [string, string]> = [
  ['bases', 'resources'],
  ['commonLabels', 'labels'],
  ['imageTags', 'images'],
  ['patchesJson6902', 'patches'],
  ['patchesStrategicMerge', 'patches'],
  ['vars', 'replacements'],
]

function goTypeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'object'
  return typeof value === 'boolean' ? 'bool' : typeof value
}

function checkShape(value: unknown, shape: Shape, path: string): void {
  if (!isJsonObject(value)) throw new KustomizeError(`json: cannot unmarshal ${goTypeOf(value)} into Go ${path ? `struct field ${path}` : 'value'} of type types.${shape.goType}`)
  for (const [name, field] of Object.entries(value)) {
    const type = shape.fields[name]
    if (type === undefined) throw new KustomizeError(`json: unknown field ${JSON.stringify(name)}`)
    const where = `${shape.goType}.${path ? `${path.split('.').slice(1).join('.')}${path.includes('.') ? '.' : ''}` : ''}${name}`
    if (field === null || field === undefined) continue
    const mismatch = (goType: string) => new KustomizeError(`json: cannot unmarshal ${goTypeOf(field)} into Go struct field ${where} of type ${goType}`)
    if (typeof type === 'object' && 'list' in type) {
      if (!Array.isArray(field)) throw mismatch(`[]types.${type.list.goType}`)
      for (const item of field) checkShape(item, type.list, where)
    } else if (typeof type === 'object') {
      checkShape(field, type, where)
    } else if (type === 'string' && typeof field !== 'string') throw mismatch('string')
    else if (type === 'bool' && typeof field !== 'boolean') throw mismatch('bool')
    else if (type === 'int' && !Number.isInteger(field)) throw mismatch('int64')
    else if (type === 'strings' && (!Array.isArray(field) || field.some((item) => typeof item !== 'string'))) throw mismatch('[]string')
    else if (type === 'list' && !Array.isArray(field)) throw mismatch('[]interface {}')
    else if (type === 'stringMap' && !isJsonObject(field)) throw mismatch('map[string]string')
    else if (type === 'stringMap') {
      const wrong = Object.values(field as JsonObject).find((item) => item !== null && typeof item !== 'string')
      if (wrong !== undefined) throw new KustomizeError(`json: cannot unmarshal ${goTypeOf(wrong)} into Go struct field ${where} of type string`)
    }
  }
}

/** YAML 1.1's floats as go-yaml reads them: a lone `.` (a delimiter, say) is a string, not a float. */
function floatsWithDigits(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== 'object' || tag.tag !== 'tag:yaml.org,2002:float' || !('test' in tag) || !tag.test?.test('.')) return tag
    return {...tag, test: new RegExp(`^(?=[-+]?\\.?[0-9])${tag.test.source.slice(1)}`)}
  })
}

/** The kustomization file of a folder, or an error naming the three names kustomize looks for. */
export function kustomizationFileOf(folder: string): string {
  const present = kustomizationFileNames.filter((name) => existsSync(join(folder, name)))
  if (present.length === 0) throw new KustomizeError(`unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '${folder}'`)
  if (present.length > 1) throw new KustomizeError(`Found multiple kustomization files under: ${folder}\n`)
  return join(folder, present[0]!)
}

/** A string map as kustomize decodes it: a null value is the empty string. */
function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isJsonObject(value)) return undefined
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, item === null ? '' : String(item)]))
}

/** kustomize's checks after decoding: something besides apiVersion and kind, and a kind and version it builds. */
function checkTypeMeta(folder: string, fields: JsonObject): void {
  const typeMeta = ['apiVersion', 'kind']
  if (Object.entries(fields).every(([name, value]) => typeMeta.includes(name) || value === null)) throw new KustomizeError('kustomization.yaml is empty')
  const kind = typeof fields.kind === 'string' ? fields.kind : ''
  const apiVersion = typeof fields.apiVersion === 'string' ? fields.apiVersion : ''
  const problems: string[] = []
  if (kind !== '' && kind !== 'Kustomization' && kind !== 'Component') problems.push('kind should be Kustomization or Component')
  const requiredVersion = kind === 'Component' ? 'kustomize.config.k8s.io/v1alpha1' : 'kustomize.config.k8s.io/v1beta1'
  if (apiVersion !== '' && apiVersion !== requiredVersion) problems.push(`apiVersion for ${kind} should be ${requiredVersion}`)
  if (problems.length > 0) throw new KustomizeError(`Failed to read kustomization file under ${folder}:\n${problems.join('\n')}`)
}

/** Reads a folder's kustomization; `warn` gets each deprecation warning, printed before later checks fail. */
export function loadKustomization(folder: string, warn: (text: string) => void): Kustomization {
  const file = kustomizationFileOf(folder)
  if (statSync(file).size > kustomizationFileBytesMax) throw new KustomizeError(`${file} is larger than ${kustomizationFileBytesMax} bytes`)
  const text = readFileSync(file, 'utf8')
  // kustomize decodes its own file as YAML 1.1 (yes, on, y are booleans; 0755 is octal).
  const document = parseDocument(text, {uniqueKeys: false, version: '1.1', customTags: floatsWithDigits})
  const error = document.errors[0]
  if (error !== undefined) {
    const fault = goYamlFault(text, {code: error.code, message: error.message, offset: error.pos[0]})
    throw new KustomizeError(`invalid Kustomization: ${fault !== undefined ? `yaml: ${fault}` : error.message.split('\n')[0]}`)
  }
  const raw: unknown = document.toJS() ?? {}
  try {
    checkShape(raw, kustomizationShape, '')
  } catch (error) {
    if (error instanceof KustomizeError) throw error.wrapped('invalid Kustomization: ')
    throw error
  }
  const fields = raw as JsonObject
  for (const [name, instead] of deprecations) {
    if (fields[name] !== undefined) warn(`# Warning: '${name}' is deprecated. Please use '${instead}' instead. Run 'kustomize edit fix' to update your Kustomization automatically.\n`)
  }
  checkTypeMeta(folder, fields)
  // kustomize configures its helm generator before anything runs, and refuses it unless helm is enabled.
  const chart = Array.isArray(fields.helmCharts) ? fields.helmCharts[0] : undefined
  if (chart !== undefined) throw new KustomizeError(`trouble configuring builtin HelmChartInflationGenerator with config: \`\n${goYaml(chart)}\`: must specify --enable-helm`)
  for (const name of unsupportedFields) {
    if (fields[name] !== undefined && fields[name] !== null) throw new KustomizeError(`kustomization field '${name}' is not supported by kubemu's kustomize`)
  }
  const list = <T>(name: string) => (Array.isArray(fields[name]) ? (fields[name] as T[]) : [])
  const sortOptions = isJsonObject(fields.sortOptions) ? fields.sortOptions : {}
  const sortOrder = sortOptions.order === 'fifo' ? 'fifo' : 'legacy'
  const options = (value: unknown) => (isJsonObject(value) ? {...value, labels: stringMap(value.labels), annotations: stringMap(value.annotations)} : undefined)
  const generators = (name: string) => list<JsonObject>(name).map((entry) => ({...entry, options: options(entry.options)}) as GeneratorArgs)
  return {
    kind: fields.kind === 'Component' ? 'Component' : 'Kustomization',
    components: list<string>('components'),
    replacements: list<ReplacementEntry>('replacements'),
    resources: [...list<string>('resources'), ...list<string>('bases')],
    namespace: typeof fields.namespace === 'string' && fields.namespace !== '' ? fields.namespace : undefined,
    namePrefix: typeof fields.namePrefix === 'string' ? fields.namePrefix : undefined,
    nameSuffix: typeof fields.nameSuffix === 'string' ? fields.nameSuffix : undefined,
    commonLabels: stringMap(fields.commonLabels),
    labels: list<JsonObject>('labels').map((entry) => ({...entry, pairs: stringMap(entry.pairs)})),
    commonAnnotations: stringMap(fields.commonAnnotations),
    images: list<ImageEntry>('images'),
    replicas: list<{name?: string; count?: number}>('replicas'),
    configMapGenerator: generators('configMapGenerator'),
    secretGenerator: generators('secretGenerator'),
    generatorOptions: options(fields.generatorOptions),
    patches: list<PatchEntry>('patches'),
    patchesStrategicMerge: list<string>('patchesStrategicMerge'),
    patchesJson6902: list<PatchEntry>('patchesJson6902'),
    sortOrder,
  }
}

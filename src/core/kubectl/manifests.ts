// What -f reads, as kubectl's resource builder reads it: files, folders (-R for subfolders;
// .json, .yaml and .yml only), or stdin with `-`; YAML streams of several documents and List
// objects are split into their items. Errors read as kubectl's.
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {isJsonObject, type KubeObject} from '../api/object.js'
import {KubectlError} from './errors.js'
import {goJsonStreamError} from './go-json-syntax.js'
import {readYamlDocument, yamlDocumentTexts} from './yaml-faults.js'
import {goJsonUnsupportedValue} from './go-yaml-scalars.js'

/** A folder walk stops after this many files (a guard against pointing -f at `/`). */
export const manifestFilesMax = 10_000

export interface Manifest {
  readonly object: KubeObject
  /** The file it came from ("STDIN" for -). */
  readonly source: string
}

const manifestExtensions = ['.json', '.yaml', '.yml']

/** The items of a v1 List: kubectl validates them itself, since no API path serves that kind. */
const listItems = new WeakSet<KubeObject>()

export function isListItem(object: KubeObject): boolean {
  return listItems.has(object)
}

function filesOf(path: string, recursive: boolean, found: string[]): void {
  for (const entry of readdirSync(path, {withFileTypes: true}).sort((left, right) => (left.name < right.name ? -1 : 1))) {
    if (found.length >= manifestFilesMax) throw new KubectlError(`more than ${manifestFilesMax} files under ${path}`)
    const child = join(path, entry.name)
    if (entry.isDirectory()) {
      if (recursive) filesOf(child, recursive, found)
    } else if (manifestExtensions.some((extension) => entry.name.endsWith(extension))) {
      found.push(child)
    }
  }
}

/** The bytes a JSON document was read from: a decoder's error quotes them as they came (a YAML one as its JSON, keys sorted). */
const jsonTexts = new WeakMap<object, string>()

/**
 * A stream that begins with `{` read as kubectl's YAMLOrJSONDecoder reads it: JSON objects one
 * after another (adjacent or whitespace between), not YAML. null when it is not such a stream, so
 * the YAML reader takes it and reports what is wrong in its words.
 */
function concatenatedJsonObjects(text: string): unknown[] | null {
  if (!text.trimStart().startsWith('{')) return null
  const values: unknown[] = []
  let start = -1
  let depth = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!
    if (inString) {
      if (character === '\\') index++
      else if (character === '"') inString = false
      continue
    }
    if (character === '"') inString = true
    else if (character === '{' || character === '[') {
      if (depth === 0) {
        if (character === '[') return null
        start = index
      }
      depth++
    } else if (character === '}' || character === ']') {
      depth--
      if (depth < 0) return null
      if (depth === 0) {
        try {
          const raw = text.slice(start, index + 1)
          const value: unknown = JSON.parse(raw)
          if (isJsonObject(value)) jsonTexts.set(value, raw)
          values.push(value)
        } catch {
          return null
        }
      }
    } else if (depth === 0 && !/\s/.test(character)) return null
  }
  return depth === 0 && !inString ? values : null
}

/**
 * A stream's documents as kubectl decodes them one after another: the values before the first
 * syntax fault (each is checked before the fault is met), and the fault's error line.
 */
function documentValues(text: string, source: string): {values: unknown[]; fault: string | null} {
  if (text.trimStart().startsWith('{')) {
    // kubectl reads a stream that begins with `{` as JSON values one after another.
    const fault = goJsonStreamError(text)
    if (fault !== null) {
      const values = concatenatedJsonObjects(text.slice(0, fault.wholeValuesEnd)) ?? []
      return {values, fault: `error parsing ${source}: ${fault.offset === null ? fault.message : `json: offset ${fault.offset}: ${fault.message}`}`}
    }
  }
  const json = concatenatedJsonObjects(text)
  if (json) return {values: json, fault: null}
  const values: unknown[] = []
  for (const document of yamlDocumentTexts(text)) {
    if (typeof document !== 'string') return {values, fault: `error parsing ${source}: ${document.separatorFault}`}
    const read = readYamlDocument(document)
    if ('fault' in read) return {values, fault: `error parsing ${source}: error converting YAML to JSON: yaml: ${read.fault}`}
    const unsupported = read.unsupported ?? goJsonUnsupportedValue(read.value)
    if (unsupported !== null) return {values, fault: `error parsing ${source}: error converting YAML to JSON: ${unsupported}`}
    values.push(read.value)
  }
  return {values, fault: null}
}

/** Go's JSON name of a value's kind, as its UnmarshalTypeError words it. */
export function goJsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'object') return 'object'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return 'number'
  return 'string'
}

/** The Go type of each ObjectMeta field kubectl's decoder checks (the rest are left to the server). */
const objectMetaFieldTypes: Record<string, string> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'types.UID',
  resourceVersion: 'string',
  generation: 'int64',
  deletionGracePeriodSeconds: 'int64',
  labels: 'map[string]string',
  annotations: 'map[string]string',
  finalizers: '[]string',
}

/**
 * The first type error of decoding an object's metadata into ObjectMeta, as Go's json words it
 * (kubectl decodes every object's metadata so before it sends anything), or null.
 */
function metadataDecodeError(metadata: unknown): string | null {
  const at = (field: string, actual: string, type: string) => `json: cannot unmarshal ${actual} into Go struct field ObjectMeta.metadata.${field} of type ${type}`
  if (metadata === null || metadata === undefined) return null
  if (!isJsonObject(metadata)) return `json: cannot unmarshal ${goJsonKind(metadata)} into Go struct field metadataOnlyObject.metadata of type v1.ObjectMeta`
  for (const [field, value] of Object.entries(metadata)) {
    // Own fields only: `__proto__` or `constructor` is no ObjectMeta field (kubectl leaves it to the server).
    const type = Object.hasOwn(objectMetaFieldTypes, field) ? objectMetaFieldTypes[field] : undefined
    if (type === undefined || value === null) continue
    const kind = goJsonKind(value)
    if (type === 'string' || type === 'types.UID') {
      if (kind !== 'string') return at(field, kind, type)
    } else if (type === 'int64') {
      if (kind !== 'number') return at(field, kind, type)
      if (!Number.isInteger(value)) return at(field, `number ${String(value)}`, type)
    } else if (type === 'map[string]string') {
      if (kind !== 'object') return at(field, kind, type)
      for (const entry of Object.values(value as Record<string, unknown>)) if (entry !== null && goJsonKind(entry) !== 'string') return at(field, goJsonKind(entry), 'string')
    } else {
      if (kind !== 'array') return at(field, kind, type)
      for (const entry of value as unknown[]) if (entry !== null && goJsonKind(entry) !== 'string') return at(field, goJsonKind(entry), 'string')
    }
  }
  return null
}

export function checkDecodable(object: Record<string, unknown>, source: string): void {
  const error = metadataDecodeError(object.metadata)
  if (error !== null) throw new KubectlError(`unable to decode "${source}": ${error}`)
}

/**
 * kubectl's schema validation of a v1 List before anything else: items must be an array of
 * objects, each with a string apiVersion and kind (getObjectKind's errors, each told once).
 */
function listKindErrors(items: unknown): string[] {
  if (!Array.isArray(items)) return ['invalid object to validate']
  const errors = new Set<string>()
  for (const item of items) {
    if (!isJsonObject(item)) {
      errors.add('invalid object to validate')
      continue
    }
    if (item.apiVersion === undefined || item.apiVersion === null) errors.add('apiVersion not set')
    else if (typeof item.apiVersion !== 'string') errors.add("apiVersion isn't string type")
    if (item.kind === undefined || item.kind === null) errors.add('kind not set')
    else if (typeof item.kind !== 'string') errors.add("kind isn't string type")
  }
  return [...errors]
}

/** Go's json.Marshal of a decoded document: keys sorted, no spaces, <, > and & escaped. */
function goCompactJson(value: unknown): string {
  const sorted = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sorted)
    if (isJsonObject(node)) return Object.fromEntries(Object.keys(node).sort().map((key) => [key, sorted(node[key])]))
    return node
  }
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Deeper than this a document is not reordered (the YAML and JSON readers bound nesting well below it). */
const reorderDepthMax = 10_000

/**
 * An unstructured object as Go holds it, a map: its keys come out sorted wherever it is encoded
 * (a request's body too, so the server meets its fields, and their faults, in that order). The
 * keys are put in order in place: what is known of the object by its identity stays known.
 */
function sortKeysInPlace(node: unknown, depth: number): void {
  if (depth > reorderDepthMax) return
  if (Array.isArray(node)) {
    for (const item of node) sortKeysInPlace(item, depth + 1)
    return
  }
  if (!isJsonObject(node)) return
  const keys = Object.keys(node)
  const sorted = [...keys].sort()
  if (sorted.some((key, index) => key !== keys[index])) {
    for (const key of sorted) {
      const item = node[key]
      delete node[key]
      // Defined, not assigned: a `__proto__` key assigned would set the object's prototype (and be lost).
      Object.defineProperty(node, key, {value: item, writable: true, enumerable: true, configurable: true})
    }
  }
  for (const key of sorted) sortKeysInPlace(node[key], depth + 1)
}

/**
 * What kubectl's decoder says of a document its validation let through (or --validate=false left
 * unchecked): a value that is not an object, or one without a kind, cannot be decoded. null when it decodes.
 */
function decodeError(value: unknown, decoding: Decoding): string | null {
  if (!isJsonObject(value)) return `json: cannot unmarshal ${goJsonKind(value)} into Go value of type unstructured.detector`
  const quoted = () => jsonTexts.get(value) ?? goCompactJson(value)
  if (typeof value.kind !== 'string' || value.kind.length === 0) return `Object 'Kind' is missing in '${quoted()}'`
  // A typed decoder needs the version to pick the Go type; the unstructured one maps what it gets.
  if (decoding === 'typed' && (typeof value.apiVersion !== 'string' || value.apiVersion.length === 0)) return `Object 'apiVersion' is missing in '${quoted()}'`
  if (value.apiVersion !== undefined && value.apiVersion !== null && typeof value.apiVersion !== 'string') return `json: cannot unmarshal ${goJsonKind(value.apiVersion)} into Go struct field metadataOnlyObject.apiVersion of type string`
  return null
}

/**
 * How a verb's resource builder decodes what it reads: into unstructured objects (most verbs), or
 * into kubectl's Go types (`WithScheme`: rollout, set, expose, debug), which refuse an object
 * without an apiVersion.
 */
export type Decoding = 'unstructured' | 'typed'

const isV1List = (value: unknown) => isJsonObject(value) && value.kind === 'List' && value.apiVersion === 'v1'

/**
 * What one document of a stream gave: an object, or an error kubectl's resource builder reports
 * after the objects before it were acted on (it reads the stream one document at a time).
 */
export type ManifestEntry = Manifest | {readonly error: KubectlError; readonly source: string}

export function isManifest(entry: ManifestEntry): entry is Manifest {
  return 'object' in entry
}

export function validationError(source: string, invalid: readonly string[]): KubectlError {
  return new KubectlError(`error validating "${source}": error validating data: ${invalid.length === 1 ? invalid[0] : `[${invalid.join(', ')}]`}; if you choose to ignore these errors, turn validation off with --validate=false`)
}

/**
 * A stream's entries in kubectl's order: a syntax fault or a failed validation ends the stream
 * (its objects before it stay), a document that cannot be decoded is an error and the stream
 * goes on. `validate` false (--validate=false) leaves out kubectl's checks before the decoder's.
 */
export function parseManifestEntries(text: string, source: string, validate = true, decoding: Decoding = 'unstructured', unverifiable: string | null = null): ManifestEntry[] {
  return manifestEntriesOf(documentValues(text, source), source, validate, decoding, unverifiable)
}

/**
 * Whether validating the stream asks the server's OpenAPI: kubectl asks when a document passes the
 * kind checks and is not a v1 List (whose items are checked on their own), before the first
 * document that fails them (validation stops there). Empty streams and bad YAML ask nothing.
 */
function validationAsksServer({values}: ReturnType<typeof documentValues>): boolean {
  for (const value of values) {
    if (value === null || value === undefined) continue
    if (listKindErrors([value]).length > 0) return false
    if (!isV1List(value)) return true
  }
  return false
}

/**
 * `unsupportedKind`: called for each document validated whose kind takes no server-side field
 * validation (a List: no API path has it), where kubectl's --validate=warn logs that it skips it.
 */
function manifestEntriesOf({values, fault}: ReturnType<typeof documentValues>, source: string, validate: boolean, decoding: Decoding, unverifiable: string | null, unsupportedKind?: () => void): ManifestEntry[] {
  const entries: ManifestEntry[] = []
  const failed = (error: KubectlError) => entries.push({error, source})
  for (const value of values) {
    if (value === null || value === undefined) continue
    if (validate) {
      const invalid = listKindErrors([value])
      // A v1 List is validated by its items (validateListItems): the server is not asked about it.
      if (invalid.length === 0 && unverifiable !== null && !isV1List(value)) invalid.push(unverifiable)
      if (invalid.length > 0) {
        failed(validationError(source, invalid))
        return entries
      }
      if (unsupportedKind && isJsonObject(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) unsupportedKind()
    }
    const error = decodeError(value, decoding)
    if (error !== null) {
      failed(new KubectlError(`unable to decode "${source}": ${error}`))
      continue
    }
    if (!isJsonObject(value) || typeof value.kind !== 'string') continue
    if (decoding === 'unstructured') sortKeysInPlace(value, 0)
    const list = isV1List(value)
    if (list) {
      const invalid = listKindErrors(value.items)
      if (invalid.length > 0) {
        failed(validationError(source, invalid))
        return entries
      }
    }
    if (value.kind.endsWith('List') && Array.isArray(value.items)) {
      for (const item of value.items) {
        if (!isJsonObject(item)) continue
        // A v1 List's items are validated against the schema first (validateListItems), then decoded.
        if (list) listItems.add(item as KubeObject)
        else {
          const itemError = metadataDecodeError(item.metadata)
          if (itemError !== null) {
            failed(new KubectlError(`unable to decode "${source}": ${itemError}`))
            continue
          }
        }
        entries.push({object: item as KubeObject, source})
      }
      continue
    }
    const metadataError = metadataDecodeError(value.metadata)
    if (metadataError !== null) {
      failed(new KubectlError(`unable to decode "${source}": ${metadataError}`))
      continue
    }
    entries.push({object: value as KubeObject, source})
  }
  if (fault !== null) failed(new KubectlError(fault))
  return entries
}

/** A stream's objects, or its first error (for readers that act on nothing before they have all). */
export function parseManifests(text: string, source: string, validate = true): KubeObject[] {
  return parseManifestEntries(text, source, validate).map((entry) => {
    if (!isManifest(entry)) throw entry.error
    return entry.object
  })
}

/** How many file visitors kubectl's builder makes of the -f sources: one a file, stdin or URL, one each manifest file of a folder. */
export function fileVisitorCount(paths: readonly string[], recursive: boolean): number {
  let count = 0
  for (const path of paths) {
    if (path === '-' || /^https?:\/\//.test(path) || !existsSync(path) || !statSync(path).isDirectory()) {
      count++
      continue
    }
    const files: string[] = []
    filesOf(path, recursive, files)
    count += files.length
  }
  return count
}

/**
 * Every entry of every -f source in kubectl's order: each file's stream ends at its own fault and
 * the next file is still read. A path that does not exist is an error before anything is read.
 */
export async function readManifestEntries(paths: readonly string[], recursive: boolean, readStdin: () => Promise<string>, validate = true, decoding: Decoding = 'unstructured', verify?: () => Promise<string | null>, unsupportedKind?: () => void): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = []
  // Asked once, when the first stream is read (kubectl keeps its OpenAPI clients' answers).
  let verified: Promise<string | null> | null = null
  const unverifiable = () => (validate && verify ? (verified ??= verify()) : null)
  const entriesOfText = async (text: string, source: string) => {
    const parsed = documentValues(text, source)
    return manifestEntriesOf(parsed, source, validate, decoding, validationAsksServer(parsed) ? await unverifiable() : null, unsupportedKind)
  }
  for (const path of paths) {
    if (path === '-') {
      entries.push(...(await entriesOfText(await readStdin(), 'STDIN')))
      continue
    }
    if (/^https?:\/\//.test(path)) throw new KubectlError(`unable to read URL "${path}": kubemu reads local files and stdin only`)
    if (!existsSync(path)) throw new KubectlError(`the path "${path}" does not exist`)
    const files: string[] = []
    if (statSync(path).isDirectory()) {
      filesOf(path, recursive, files)
      // A folder with no manifest file (by its extension) is kubectl's error before anything is read.
      if (files.length === 0) throw new KubectlError(`error reading [${path}]: recognized file extensions are [.json .yaml .yml]`)
    } else files.push(path)
    for (const file of files) {
      for (const entry of await entriesOfText(readFileSync(file, 'utf8'), file)) {
        if (isManifest(entry) && !isJsonObject(entry.object.metadata)) entry.object.metadata = {}
        entries.push(entry)
      }
    }
  }
  return entries
}

/** Every object of the -f sources, or the first error met; none at all is kubectl's `no objects passed to VERB`. */
export async function readManifests(paths: readonly string[], recursive: boolean, readStdin: () => Promise<string>, verb: string, validate = true, decoding: Decoding = 'unstructured'): Promise<Manifest[]> {
  const manifests: Manifest[] = []
  for (const entry of await readManifestEntries(paths, recursive, readStdin, validate, decoding)) {
    if (!isManifest(entry)) throw entry.error
    manifests.push(entry)
  }
  if (manifests.length === 0) throw new KubectlError(`no objects passed to ${verb}`)
  return manifests
}

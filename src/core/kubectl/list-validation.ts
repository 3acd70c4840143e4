// kubectl's client-side validation, which kubectl 1.32 still runs where the server cannot validate
// fields itself: the items of a `kind: List` (no API path has that kind). Each item is checked
// against the server's /openapi/v2 definitions as kube-openapi's validator does: unknown fields,
// wrong types and missing required fields, each a `ValidationError(<item path>): …`, all of them
// before anything is written.
import type {KubeObject} from '../api/object.js'
import {fieldAt, isJsonObject} from '../api/object.js'
import {validationError} from './manifests.js'
import type {KubectlSession} from './session.js'

type Schema = Record<string, unknown>

/** The document's definitions, each a schema when the server's document is well formed (checked where read). */
interface Definitions {
  readonly definitions: Record<string, unknown>
}

/** Nesting deeper than this in an object is not validated further (a manifest is user input). */
const itemDepthMax = 100
/** Errors collected from one file at most; kubectl prints them all, a bound keeps the line finite. */
const validationErrorsMax = 1000

/** What kube-openapi calls a value's kind in its errors. */
function itemKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'object') return 'map'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

class Validator {
  readonly errors: string[] = []

  constructor(private readonly document: Definitions) {}

  private add(itemPath: string, message: string): void {
    if (this.errors.length < validationErrorsMax) this.errors.push(`ValidationError(${itemPath}): ${message}`)
  }

  /** A schema with its references followed, and the path kube-openapi names it by. */
  private resolve(schema: Schema, schemaPath: string): {schema: Schema; schemaPath: string} | null {
    let current = schema
    let path = schemaPath
    for (let hops = 0; typeof current.$ref === 'string'; hops++) {
      const name = current.$ref.replace(/^#\/definitions\//, '')
      const target = this.document.definitions[name]
      if (!isJsonObject(target) || hops > itemDepthMax) return null
      current = target
      path = name
    }
    return {schema: current, schemaPath: path}
  }

  validate(value: unknown, given: Schema, givenPath: string, itemPath: string, depth: number): void {
    if (value === null || value === undefined || depth > itemDepthMax) return
    const resolved = this.resolve(given, givenPath)
    if (!resolved) return
    const {schema, schemaPath} = resolved
    const kind = itemKind(value)
    const properties = isJsonObject(schema.properties) ? schema.properties : null
    const type = typeof schema.type === 'string' ? schema.type : undefined
    if (properties && (type === undefined || type === 'object')) {
      if (!isJsonObject(value)) return this.add(itemPath, `invalid type for ${schemaPath}: got "${kind}", expected "map"`)
      for (const key of Object.keys(value).sort()) {
        const field = Object.hasOwn(properties, key) ? properties[key] : undefined
        if (!field) this.add(itemPath, `unknown field "${key}" in ${schemaPath}`)
        else if (isJsonObject(field)) this.validate(value[key], field, `${schemaPath}.${key}`, `${itemPath}.${key}`, depth + 1)
      }
      const requiredFields = Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : []
      for (const required of requiredFields) {
        if (!(required in value)) this.add(itemPath, `missing required field "${required}" in ${schemaPath}`)
      }
      return
    }
    if (type === undefined) return
    if (type === 'object') {
      if (!isJsonObject(value)) return this.add(itemPath, `invalid type for ${schemaPath}: got "${kind}", expected "map"`)
      const values = schema.additionalProperties
      if (!isJsonObject(values)) return
      for (const [key, child] of Object.entries(value)) this.validate(child, values, schemaPath, `${itemPath}.${key}`, depth + 1)
      return
    }
    if (type === 'array') {
      if (!Array.isArray(value)) return this.add(itemPath, `invalid type for ${schemaPath}: got "${kind}", expected "array"`)
      const items = schema.items
      if (!isJsonObject(items)) return
      value.forEach((child, index) => this.validate(child, items, schemaPath, `${itemPath}[${index}]`, depth + 1))
      return
    }
    // A string takes any value; a number takes an integer; otherwise the kinds must agree.
    if (type === 'string' || kind === type || (type === 'number' && kind === 'integer') || (type === 'integer' && kind === 'number')) return
    this.add(itemPath, `invalid type for ${schemaPath}: got "${kind}", expected "${type}"`)
  }

  /** The definition of a group-version-kind (its x-kubernetes-group-version-kind), if the document has one. */
  definitionOf(apiVersion: string, kind: string): {schema: Schema; name: string} | null {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion]
    for (const [name, schema] of Object.entries(this.document.definitions)) {
      if (!isJsonObject(schema)) continue
      const kinds = schema['x-kubernetes-group-version-kind']
      if (Array.isArray(kinds) && kinds.some((entry) => isJsonObject(entry) && entry.group === group && entry.version === version && entry.kind === kind)) return {schema, name}
    }
    return null
  }
}

/**
 * Validates the items of the v1 Lists among the manifests, as kubectl does with --validate=strict;
 * refuses the first file whose items have errors with kubectl's line.
 */
export async function validateListItems(session: KubectlSession, manifests: readonly {object: KubeObject; source: string}[], isListItem: (object: KubeObject) => boolean): Promise<void> {
  const listed = manifests.filter((manifest) => isListItem(manifest.object))
  if (listed.length === 0) return
  const response = await session.request('GET', '/openapi/v2')
  const definitions = fieldAt(response.body, 'definitions')
  if (response.status !== 200 || !isJsonObject(definitions)) return
  const validator = new Validator({definitions})
  const bySource = new Map<string, string[]>()
  for (const {object, source} of listed) {
    const found = validator.definitionOf(object.apiVersion ?? '', object.kind ?? '')
    if (!found) continue
    const before = validator.errors.length
    validator.validate(object, found.schema, found.name, object.kind ?? '', 0)
    const errors = validator.errors.slice(before)
    if (errors.length > 0) bySource.set(source, [...(bySource.get(source) ?? []), ...errors])
  }
  for (const [source, errors] of bySource) throw validationError(source, errors)
}

// OpenAPI v3 documents, one per group-version, as kube-apiserver serves them under /openapi/v3:
// the schemas of Kubernetes 1.32's types with their descriptions (data/openapi-descriptions.json,
// see scripts/generate-api-descriptions.mjs), paths that tie each resource to its kind, and the
// openAPIV3Schema of custom resources. `kubectl explain` reads them, ours and the real one.
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {type ResourceDefinition, type Scheme} from './scheme.js'
import {resolve, type Schema} from './schema.js'

type FieldEntry = [description: string, type: string, required: 0 | 1]
type ClassEntry = [schemaName: string, description: string, fields: Record<string, FieldEntry>]

export type OpenApiSchema = Record<string, unknown>

export interface OpenApiDocument {
  readonly openapi: string
  readonly info: {title: string; version: string}
  readonly paths: Record<string, unknown>
  readonly components: {schemas: Record<string, OpenApiSchema>}
}

/** Nesting deeper than this in a schema is a cycle the descriptions data should not have. */
const schemaDepthMax = 64

const intOrStringDescription =
  'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.'

let dataset: Record<string, ClassEntry> | null = null

function classes(): Record<string, ClassEntry> {
  // The same relative path from src/core/api (tests) and dist/core/api (the built CLI).
  dataset ??= JSON.parse(readFileSync(new URL('../../../data/openapi-descriptions.json', import.meta.url), 'utf8')) as Record<string, ClassEntry>
  return dataset
}

let requiredBySchema: Map<string, ReadonlySet<string>> | null = null

/**
 * The fields a Kubernetes 1.32 type marks required, by its OpenAPI name
 * (io.k8s.api.apps.v1.DaemonSetStatus): Go writes them even when zero (no `omitempty`).
 */
export function requiredFieldsOfSchema(schemaName: string): ReadonlySet<string> {
  requiredBySchema ??= new Map(Object.values(classes()).map(([name, , fields]) => [name, new Set(Object.keys(fields).filter((field) => fields[field]![2] === 1))]))
  return requiredBySchema.get(schemaName) ?? new Set()
}

/** client-node's model name of a kind: V1Deployment, CoreV1Event, AuthenticationV1TokenRequest. */
function rootClass(definition: ResourceDefinition): string | null {
  const version = definition.version.charAt(0).toUpperCase() + definition.version.slice(1)
  const groupWord = definition.group === '' ? 'core' : definition.group.split('.')[0]!
  const prefix = groupWord.charAt(0).toUpperCase() + groupWord.slice(1)
  for (const name of [`${prefix}${version}${definition.kind}`, `${version}${definition.kind}`]) if (classes()[name]) return name
  return null
}

/** The /openapi/v3 paths this scheme serves: api/v1, apis/apps/v1, … */
export function openApiGroupVersions(scheme: Scheme): string[] {
  return scheme.groups().flatMap(({group, versions}) => versions.map((version) => (group === '' ? `api/${version}` : `apis/${group}/${version}`)))
}

class DocumentBuilder {
  readonly schemas: Record<string, OpenApiSchema> = {}

  private reference(name: string, description: string): OpenApiSchema {
    const target = {$ref: `#/components/schemas/${name}`}
    return description.length > 0 ? {allOf: [target], description} : target
  }

  /** Builds a named schema once; the placeholder first stops a type that refers to itself. */
  private named(name: string, build: () => OpenApiSchema): string {
    if (!this.schemas[name]) {
      this.schemas[name] = {}
      this.schemas[name] = build()
    }
    return name
  }

  addClass(className: string, depth = 0): string {
    if (depth > schemaDepthMax) throw new Error(`openapi: schema nesting beyond ${schemaDepthMax} at ${className}`)
    const [schemaName, description, fields] = classes()[className]!
    return this.named(schemaName, () => {
      const properties: Record<string, OpenApiSchema> = {}
      const required: string[] = []
      for (const name of Object.keys(fields).sort()) {
        const [fieldDescription, type, isRequired] = fields[name]!
        properties[name] = this.fieldSchema(type, fieldDescription, depth)
        if (isRequired) required.push(name)
      }
      return {description, type: 'object', properties, ...(required.length > 0 ? {required} : {})}
    })
  }

  private fieldSchema(type: string, description: string, depth: number): OpenApiSchema {
    const withDescription = (schema: OpenApiSchema) => (description.length > 0 ? {...schema, description} : schema)
    if (type.startsWith('[]')) return withDescription({type: 'array', items: this.fieldSchema(type.slice(2), '', depth)})
    if (type.startsWith('{}')) return withDescription({type: 'object', additionalProperties: this.fieldSchema(type.slice(2), '', depth)})
    if (type.startsWith('@')) return this.reference(this.addClass(type.slice(1), depth + 1), description)
    const [base, format] = type.split(':')
    switch (base) {
      case 'string':
      case 'boolean':
        return withDescription({type: base})
      case 'integer':
      case 'number':
        return withDescription({type: base, format})
      case 'Time':
      case 'MicroTime':
      case 'Quantity': {
        const [schemaName, typeDescription] = classes()[`#${base}`]!
        const shape = base === 'Quantity' ? {oneOf: [{type: 'string'}, {type: 'number'}]} : {type: 'string', format: 'date-time'}
        return this.reference(this.named(schemaName, () => ({description: typeDescription, ...shape})), description)
      }
      case 'IntOrString':
        return this.reference(
          this.named('io.k8s.apimachinery.pkg.util.intstr.IntOrString', () => ({description: intOrStringDescription, format: 'int-or-string', oneOf: [{type: 'integer'}, {type: 'string'}]})),
          description,
        )
      default:
        return withDescription({})
    }
  }

  /** A kind kubemu models but the 1.32 data does not name: from its structural schema, without descriptions. */
  addStructural(schema: Schema, depth = 0): OpenApiSchema {
    if (depth > schemaDepthMax) return {}
    const resolved = resolve(schema)
    switch (resolved.type) {
      case 'object': {
        const properties: Record<string, OpenApiSchema> = {}
        for (const [name, child] of Object.entries(resolved.properties)) properties[name] = this.addStructural(child, depth + 1)
        return {type: 'object', properties}
      }
      case 'array':
        return {type: 'array', items: this.addStructural(resolved.items, depth + 1)}
      case 'map':
        return {type: 'object', additionalProperties: this.addStructural(resolved.values, depth + 1)}
      case 'integer':
        return {type: 'integer', format: resolved.format}
      case 'string':
      case 'number':
      case 'boolean':
        return {type: resolved.type}
      default:
        return {}
    }
  }

  /** A custom resource: its openAPIV3Schema, with metadata as ObjectMeta as kube-apiserver publishes it. */
  addCustom(definition: ResourceDefinition): string {
    const name = `${definition.group.split('.').reverse().join('.')}.${definition.version}.${definition.kind}`
    const schema = {...(definition.openApiSchema ?? {type: 'object', 'x-kubernetes-preserve-unknown-fields': true})} as OpenApiSchema
    const properties = {...((schema.properties as Record<string, OpenApiSchema> | undefined) ?? {})}
    properties.metadata = this.reference(this.addClass('V1ObjectMeta', 1), "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")
    properties.apiVersion ??= {type: 'string', description: classes().V1Pod![2].apiVersion![0]}
    properties.kind ??= {type: 'string', description: classes().V1Pod![2].kind![0]}
    this.schemas[name] = {...schema, properties}
    return name
  }
}

/** The document of one group-version, or null when the scheme serves no such group-version. */
const queryParameter = (name: string, type: 'string' | 'boolean') => ({name, in: 'query', schema: {type, uniqueItems: true}})
/**
 * The query parameters of kube-apiserver's writes. kubectl looks for fieldValidation on a PATCH
 * of the kind before it validates server-side (QueryParamVerifierV3); without it, it asks for
 * /openapi/v2, which kubemu does not serve.
 */
const writeParameters: Record<string, unknown[]> = {
  post: [queryParameter('dryRun', 'string'), queryParameter('fieldManager', 'string'), queryParameter('fieldValidation', 'string')],
  put: [queryParameter('dryRun', 'string'), queryParameter('fieldManager', 'string'), queryParameter('fieldValidation', 'string')],
  patch: [queryParameter('dryRun', 'string'), queryParameter('fieldManager', 'string'), queryParameter('fieldValidation', 'string'), queryParameter('force', 'boolean')],
}

export function openApiDocument(scheme: Scheme, group: string, version: string): OpenApiDocument | null {
  const definitions = scheme.all().filter((definition) => definition.group === group && definition.version === version)
  if (definitions.length === 0) return null
  const builder = new DocumentBuilder()
  const paths: Record<string, unknown> = {}
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`
  for (const definition of [...definitions].sort((left, right) => (left.resource < right.resource ? -1 : 1))) {
    const gvk = {group, kind: definition.kind, version}
    let name: string
    const className = definition.custom ? null : rootClass(definition)
    if (definition.custom) name = builder.addCustom(definition)
    else if (className) name = builder.addClass(className)
    else {
      name = `io.k8s.kubemu.${definition.version}.${definition.kind}`
      builder.schemas[name] = builder.addStructural(definition.schema)
    }
    builder.schemas[name] = {...builder.schemas[name], 'x-kubernetes-group-version-kind': [gvk]}
    const scoped = definition.namespaced ? `${prefix}/namespaces/{namespace}/${definition.resource}` : `${prefix}/${definition.resource}`
    const operation = (action: string) => ({
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      ...(writeParameters[action] ? {parameters: writeParameters[action]} : {}),
      responses: {'200': {description: 'OK'}},
    })
    const verbs = new Set(definition.verbs)
    const collection: Record<string, unknown> = {}
    if (verbs.has('list')) collection.get = operation('list')
    if (verbs.has('create')) collection.post = operation('post')
    if (Object.keys(collection).length > 0) paths[scoped] = collection
    const item: Record<string, unknown> = {}
    if (verbs.has('get')) item.get = operation('get')
    if (verbs.has('update')) item.put = operation('put')
    if (verbs.has('patch')) item.patch = operation('patch')
    if (verbs.has('delete')) item.delete = operation('delete')
    if (Object.keys(item).length > 0) paths[`${scoped}/{name}`] = item
  }
  return {openapi: '3.0.0', info: {title: 'Kubernetes', version: 'v1.32.0'}, paths, components: {schemas: builder.schemas}}
}

/** kube-apiserver's document hash: SHA-512 of the document, upper-case hex. */
export function openApiHash(document: OpenApiDocument): string {
  return createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase()
}

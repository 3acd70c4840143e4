// The OpenAPI v2 (Swagger 2.0) document kube-apiserver serves at /openapi/v2: every group-version
// in one document, built from the same schemas as the /openapi/v3 documents. The real kubectl
// reads it for client-side validation (`create -f` of a `kind: List`, `--validate=strict` where
// the server cannot validate) and for `explain --output=plaintext-openapiv2`.
import type {OpenApiDocument, OpenApiSchema} from './openapi.js'

export interface OpenApiV2Document {
  readonly swagger: '2.0'
  readonly info: {title: string; version: string}
  readonly paths: Record<string, Record<string, unknown>>
  readonly definitions: Record<string, OpenApiSchema>
}

/** Nesting deeper than this in a schema is not converted further (custom resources are user input). */
const schemaDepthMax = 64

const v3Reference = '#/components/schemas/'
const v2Reference = '#/definitions/'

/**
 * One schema in v2's form: a reference carries its description beside `$ref` (v3 wraps it in
 * allOf); Quantity and IntOrString, which v3 states as oneOf, are strings, as kube-apiserver
 * publishes them in v2; v2 has no `nullable`, so a nullable field loses its type (any value).
 * A level of a custom resource that keeps unknown fields is published without its properties,
 * since v2 validation would refuse the fields the schema does not list.
 */
export function toV2Schema(schema: OpenApiSchema, depth = 0): OpenApiSchema {
  if (depth > schemaDepthMax) return {}
  const reference = referenceOf(schema)
  if (reference !== null) return {...(typeof schema.description === 'string' ? {description: schema.description} : {}), $ref: reference}
  const converted: OpenApiSchema = {}
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case 'oneOf':
      case 'anyOf':
      case 'allOf':
      case 'not':
      case 'nullable':
        break
      case 'properties':
        if (schema['x-kubernetes-preserve-unknown-fields'] === true) break
        converted.properties = Object.fromEntries(Object.entries(value as Record<string, OpenApiSchema>).map(([name, child]) => [name, toV2Schema(child, depth + 1)]))
        break
      case 'items':
        converted.items = toV2Schema(value as OpenApiSchema, depth + 1)
        break
      case 'additionalProperties':
        converted.additionalProperties = typeof value === 'boolean' ? value : toV2Schema(value as OpenApiSchema, depth + 1)
        break
      default:
        converted[key] = value
    }
  }
  if (converted.type === undefined && Array.isArray(schema.oneOf) && schema.oneOf.some((choice) => (choice as OpenApiSchema).type === 'string')) converted.type = 'string'
  if (schema.nullable === true) delete converted.type
  return converted
}

/** The v2 reference of a schema that is only a reference (`$ref`, or v3's allOf of one `$ref`). */
function referenceOf(schema: OpenApiSchema): string | null {
  const target = typeof schema.$ref === 'string' ? schema.$ref : Array.isArray(schema.allOf) && schema.allOf.length === 1 ? (schema.allOf[0] as OpenApiSchema).$ref : undefined
  if (typeof target !== 'string') return null
  return target.startsWith(v3Reference) ? v2Reference + target.slice(v3Reference.length) : target
}

/** A v3 operation's query parameter in v2's form: the type beside the name, not in a schema. */
function toV2Parameter(parameter: Record<string, unknown>): Record<string, unknown> {
  const {schema, ...rest} = parameter as {schema?: Record<string, unknown>}
  return {...rest, ...(schema ?? {})}
}

/**
 * The operations of the v3 paths in v2's form. They name no `consumes`: kubemu's schemas carry
 * no patch strategies (x-kubernetes-patch-merge-key), so kubectl must not compute a strategic
 * merge patch from this document; without `consumes` it uses the patch metadata compiled into it,
 * the same as kube-apiserver's document states.
 */
function toV2PathItem(item: Record<string, unknown>): Record<string, unknown> {
  const converted: Record<string, unknown> = {}
  for (const [method, operation] of Object.entries(item)) {
    const {parameters, ...rest} = operation as {parameters?: Record<string, unknown>[]}
    converted[method] = {...rest, ...(parameters ? {parameters: parameters.map(toV2Parameter)} : {}), produces: ['application/json', 'application/yaml'], schemes: ['https']}
  }
  return converted
}

/** The one v2 document of all group-versions, from their v3 documents. */
export function openApiV2Document(documents: readonly OpenApiDocument[], version: string): OpenApiV2Document {
  const paths: Record<string, Record<string, unknown>> = {}
  const definitions: Record<string, OpenApiSchema> = {}
  for (const document of documents) {
    for (const [path, item] of Object.entries(document.paths)) paths[path] = toV2PathItem(item as Record<string, unknown>)
    for (const [name, schema] of Object.entries(document.components.schemas)) definitions[name] ??= toV2Schema(schema)
  }
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((path) => [path, paths[path]!]))
  const sortedDefinitions = Object.fromEntries(Object.keys(definitions).sort().map((name) => [name, definitions[name]!]))
  return {swagger: '2.0', info: {title: 'Kubernetes', version}, paths: sortedPaths, definitions: sortedDefinitions}
}

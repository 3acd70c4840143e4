// Custom resources as apiextensions-apiserver serves them: a CustomResourceDefinition becomes one
// resource definition per served version (etcd prefix /registry/<group>/<plural>); objects are
// unstructured JSON (keys sorted, as Go maps marshal), pruned of fields their structural schema
// does not declare, and validated against openAPIV3Schema with kube-openapi's messages.
import {FieldPath, fieldError, type FieldError} from './field-errors.js'
import {isJsonObject, type JsonObject, type KubeObject} from './object.js'
import {anyValue, object, string} from './schema.js'
import type {ResourceDefinition} from './scheme.js'
import {standardVerbs} from './scheme.js'
import {objectMeta} from './types/meta.js'

/** A nested schema deeper than this is not followed (a CRD may not recurse, but stay safe). */
export const schemaDepthMax = 64

type SchemaProps = JsonObject

const unstructuredSchema = object('unstructured.Unstructured', {kind: string, apiVersion: string, metadata: objectMeta, spec: anyValue, status: anyValue})

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** The resource definitions a CRD serves, one per served version. */
export function definitionsFromCrd(crd: KubeObject): ResourceDefinition[] {
  const spec = isJsonObject(crd.spec) ? crd.spec : {}
  const names = isJsonObject(spec.names) ? spec.names : {}
  const group = text(spec.group)
  const plural = text(names.plural)
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : []
  return versions
    .filter((version) => version.served === true)
    .map((version) => {
      const subresources = isJsonObject(version.subresources) ? version.subresources : {}
      const scale = isJsonObject(subresources.scale) ? subresources.scale : null
      const schema = isJsonObject(version.schema) && isJsonObject(version.schema.openAPIV3Schema) ? version.schema.openAPIV3Schema : undefined
      return {
        group,
        version: text(version.name),
        kind: text(names.kind),
        resource: plural,
        singular: text(names.singular) || text(names.kind).toLowerCase(),
        shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
        namespaced: spec.scope !== 'Cluster',
        verbs: [...standardVerbs],
        categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
        etcdPrefix: `${group}/${plural}`,
        schema: unstructuredSchema,
        subresources: {
          status: subresources.status !== undefined,
          ...(scale
            ? {scale: {specReplicasPath: text(scale.specReplicasPath), statusReplicasPath: text(scale.statusReplicasPath), ...(scale.labelSelectorPath ? {labelSelectorPath: text(scale.labelSelectorPath)} : {})}}
            : {}),
        },
        custom: true,
        openApiSchema: schema,
        printerColumns: (Array.isArray(version.additionalPrinterColumns) ? version.additionalPrinterColumns.filter(isJsonObject) : []).map((printerColumn) => ({
          name: text(printerColumn.name),
          type: text(printerColumn.type),
          ...(printerColumn.format ? {format: text(printerColumn.format)} : {}),
          ...(printerColumn.description ? {description: text(printerColumn.description)} : {}),
          ...(typeof printerColumn.priority === 'number' ? {priority: printerColumn.priority} : {}),
          jsonPath: text(printerColumn.jsonPath),
        })),
      } satisfies ResourceDefinition
    })
}

/** Go's json.Marshal of a map: keys sorted at every level. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (!isJsonObject(value)) return value
  const sorted: JsonObject = {}
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key])
  return sorted
}

const preservesUnknown = (schema: SchemaProps) => schema['x-kubernetes-preserve-unknown-fields'] === true

/**
 * Removes what the structural schema does not declare (apiVersion, kind and metadata are always
 * kept at the root) and returns the removed paths, as "unknown field" warnings name them.
 */
export function pruneUnknownFields(schema: SchemaProps | undefined, value: unknown, path = '', depth = 0): string[] {
  if (!schema || depth > schemaDepthMax || preservesUnknown(schema)) return []
  const unknown: string[] = []
  if (Array.isArray(value)) {
    const items = isJsonObject(schema.items) ? schema.items : undefined
    value.forEach((item, index) => unknown.push(...pruneUnknownFields(items, item, `${path}[${index}]`, depth + 1)))
    return unknown
  }
  if (!isJsonObject(value)) return unknown
  const properties = isJsonObject(schema.properties) ? schema.properties : null
  const additional = isJsonObject(schema.additionalProperties) ? schema.additionalProperties : null
  for (const key of Object.keys(value)) {
    const childPath = path.length > 0 ? `${path}.${key}` : key
    if (depth === 0 && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue
    // Own properties only: `__proto__` is no declared field because Object.prototype is an object.
    if (properties && Object.hasOwn(properties, key) && isJsonObject(properties[key])) {
      unknown.push(...pruneUnknownFields(properties[key] as SchemaProps, value[key], childPath, depth + 1))
    } else if (additional) {
      unknown.push(...pruneUnknownFields(additional, value[key], childPath, depth + 1))
    } else if (schema.additionalProperties === true) {
      continue
    } else {
      delete value[key]
      unknown.push(childPath)
    }
  }
  return unknown
}

function typeMatches(type: string, value: unknown, schema: SchemaProps): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) return typeof value === 'string' || Number.isInteger(value)
  switch (type) {
    case 'object':
      return isJsonObject(value)
    case 'array':
      return Array.isArray(value)
    case 'string':
      return typeof value === 'string'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'number':
      return typeof value === 'number'
    case 'boolean':
      return typeof value === 'boolean'
    default:
      return true
  }
}

function goTypeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (isJsonObject(value)) return 'object'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

/** Validates a value against an openAPIV3Schema, as the CRD validator reports errors. */
export function validateAgainstSchema(schema: SchemaProps | undefined, value: unknown, path: FieldPath, depth = 0): FieldError[] {
  if (!schema || depth > schemaDepthMax) return []
  const errors: FieldError[] = []
  const field = String(path)
  const badValue = (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : {goString: goTypeName(value)}) as never
  const type = text(schema.type)
  if (value === null) {
    if (schema.nullable !== true && type.length > 0) errors.push(fieldError.invalid(path, 'null', `${field} in body must be of type ${type}: "null"`))
    return errors
  }
  if (type.length > 0 && !typeMatches(type, value, schema)) {
    errors.push(fieldError.invalid(path, goTypeName(value), `${field} in body must be of type ${type}: "${goTypeName(value)}"`))
    return errors
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((candidate) => JSON.stringify(candidate) === JSON.stringify(value))) {
    errors.push(fieldError.notSupported(path, badValue, schema.enum.map((candidate) => (typeof candidate === 'string' ? candidate : JSON.stringify(candidate)))))
  }
  if (typeof value === 'number') {
    if (typeof schema.maximum === 'number') {
      const exclusive = schema.exclusiveMaximum === true
      if (exclusive ? value >= schema.maximum : value > schema.maximum) {
        errors.push(fieldError.invalid(path, value, `${field} in body should be less than ${exclusive ? '' : 'or equal to '}${schema.maximum}`))
      }
    }
    if (typeof schema.minimum === 'number') {
      const exclusive = schema.exclusiveMinimum === true
      if (exclusive ? value <= schema.minimum : value < schema.minimum) {
        errors.push(fieldError.invalid(path, value, `${field} in body should be greater than ${exclusive ? '' : 'or equal to '}${schema.minimum}`))
      }
    }
    if (typeof schema.multipleOf === 'number' && value % schema.multipleOf !== 0) {
      errors.push(fieldError.invalid(path, value, `${field} in body should be a multiple of ${schema.multipleOf}`))
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) {
      errors.push(fieldError.tooLong(path, schema.maxLength))
    }
    if (typeof schema.minLength === 'number' && length < schema.minLength) {
      errors.push(fieldError.invalid(path, value, `${field} in body should be at least ${schema.minLength} chars long`))
    }
    if (typeof schema.pattern === 'string') {
      let pattern: RegExp | null = null
      try {
        pattern = new RegExp(schema.pattern, 'u')
      } catch {
        pattern = null
      }
      if (pattern && !pattern.test(value)) errors.push(fieldError.invalid(path, value, `${field} in body should match '${schema.pattern}'`))
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(fieldError.tooMany(path, value.length, schema.maxItems))
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      errors.push(fieldError.invalid(path, value.length, `${field} in body should have at least ${schema.minItems} items`))
    }
    const items = isJsonObject(schema.items) ? schema.items : undefined
    value.forEach((item, index) => errors.push(...validateAgainstSchema(items, item, path.index(index), depth + 1)))
  }
  if (isJsonObject(value)) {
    const properties = isJsonObject(schema.properties) ? schema.properties : {}
    for (const required of Array.isArray(schema.required) ? schema.required.map(String) : []) {
      if (value[required] === undefined) errors.push(fieldError.required(path.child(required)))
    }
    for (const [key, child] of Object.entries(value)) {
      if (Object.hasOwn(properties, key) && isJsonObject(properties[key])) errors.push(...validateAgainstSchema(properties[key] as SchemaProps, child, path.child(key), depth + 1))
      else if (isJsonObject(schema.additionalProperties)) errors.push(...validateAgainstSchema(schema.additionalProperties, child, path.key(key), depth + 1))
    }
    const count = Object.keys(value).length
    if (typeof schema.maxProperties === 'number' && count > schema.maxProperties) errors.push(fieldError.tooMany(path, count, schema.maxProperties))
  }
  return errors
}

/** The validation errors of a custom object, apiVersion/kind/metadata left to ObjectMeta checks. */
export function validateCustomObject(definition: ResourceDefinition, object: KubeObject): FieldError[] {
  const schema = definition.openApiSchema
  if (!schema) return []
  const {apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...rest} = object
  const properties = isJsonObject(schema.properties) ? schema.properties : {}
  const errors: FieldError[] = []
  for (const required of Array.isArray(schema.required) ? schema.required.map(String) : []) {
    if (!['apiVersion', 'kind', 'metadata'].includes(required) && rest[required] === undefined) errors.push(fieldError.required(FieldPath.root(required)))
  }
  for (const [key, value] of Object.entries(rest)) {
    if (Object.hasOwn(properties, key) && isJsonObject(properties[key])) errors.push(...validateAgainstSchema(properties[key] as SchemaProps, value, FieldPath.root(key), 1))
  }
  return errors
}

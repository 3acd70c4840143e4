// The structural schema of each kind: what fields exist and their types. From one description
// come strict decoding (unknown fields, Go's type errors), pruning, strategic-merge keys and
// `kubectl explain`, as the Go structs and their tags give them to kube-apiserver.

export type Schema =
  | {readonly type: 'string'; readonly format?: 'date-time' | 'byte'; readonly description?: string}
  | {readonly type: 'integer'; readonly format: 'int32' | 'int64'; readonly description?: string}
  | {readonly type: 'number'; readonly description?: string}
  | {readonly type: 'boolean'; readonly description?: string}
  | {readonly type: 'int-or-string'; readonly description?: string}
  | {readonly type: 'quantity'; readonly description?: string}
  /** Any JSON, kept as it is (RawExtension, fields kubemu does not model). */
  | {readonly type: 'any'; readonly description?: string}
  | ObjectSchema
  | {readonly type: 'map'; readonly values: Schema; readonly description?: string}
  | ArraySchema
  | {readonly type: 'ref'; readonly target: () => Schema; readonly description?: string}

export interface ObjectSchema {
  readonly type: 'object'
  /** The Go type's name, which Go's JSON errors print. */
  readonly goType: string
  readonly properties: Readonly<Record<string, Schema>>
  readonly description?: string
}

export interface ArraySchema {
  readonly type: 'array'
  readonly items: Schema
  /** patchMergeKey: strategic merge patch merges list items with the same value of this field. */
  readonly mergeKey?: string
  /** patchStrategy: 'merge' merges lists (of maps by mergeKey, of scalars as sets). */
  readonly patchStrategy?: 'merge' | 'retainKeys'
  readonly description?: string
}

export const string: Schema = {type: 'string'}
export const dateTime: Schema = {type: 'string', format: 'date-time'}
export const bytesField: Schema = {type: 'string', format: 'byte'}
export const int32: Schema = {type: 'integer', format: 'int32'}
export const int64: Schema = {type: 'integer', format: 'int64'}
export const number: Schema = {type: 'number'}
export const boolean: Schema = {type: 'boolean'}
export const intOrString: Schema = {type: 'int-or-string'}
export const quantity: Schema = {type: 'quantity'}
export const anyValue: Schema = {type: 'any'}
export const stringMap: Schema = {type: 'map', values: string}

export function object(goType: string, properties: Record<string, Schema>): ObjectSchema {
  return {type: 'object', goType, properties}
}

export function arrayOf(items: Schema, merge: {mergeKey?: string; patchStrategy?: 'merge' | 'retainKeys'} = {}): ArraySchema {
  return {type: 'array', items, ...merge}
}

export function mapOf(values: Schema): Schema {
  return {type: 'map', values}
}

/** A schema defined later or recursively. */
export function ref(target: () => Schema): Schema {
  return {type: 'ref', target}
}

export function resolve(schema: Schema): Exclude<Schema, {type: 'ref'}> {
  let current = schema
  for (let depth = 0; current.type === 'ref'; depth++) {
    if (depth > 16) throw new Error('schema reference cycle')
    current = current.target()
  }
  return current
}

/**
 * The schema of an object schema's field; undefined when the struct has no such field. Only the
 * struct's own fields count: a key such as `__proto__` or `constructor` names no field.
 */
export function propertyOf(resolved: ObjectSchema, name: string): Schema | undefined {
  return Object.hasOwn(resolved.properties, name) ? resolved.properties[name] : undefined
}

/** The schema of one field of an object or map schema; null when unknown. */
export function fieldSchema(schema: Schema | null, name: string): Schema | null {
  if (!schema) return null
  const resolved = resolve(schema)
  if (resolved.type === 'object') return propertyOf(resolved, name) ?? null
  if (resolved.type === 'map') return resolved.values
  return null
}

/** The schema of a field path (names only, list items transparent); null when unknown. */
export function schemaAt(root: Schema, path: readonly string[]): Schema | null {
  let current: Schema = root
  for (const name of path) {
    let resolved = resolve(current)
    while (resolved.type === 'array') resolved = resolve(resolved.items)
    if (resolved.type === 'object') {
      const next = propertyOf(resolved, name)
      if (!next) return null
      current = next
    } else if (resolved.type === 'map') current = resolved.values
    else return null
  }
  return current
}

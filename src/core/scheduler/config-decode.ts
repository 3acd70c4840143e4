// Reading a KubeSchedulerConfiguration's JSON as kube-scheduler's strict decoder does: every field
// must be one the Go type has (`strict decoding error: unknown field "…"`), and each value must
// have the field's type (`json: cannot unmarshal …`). The readers return the typed value or throw.

/** The configuration cannot be used: kube-scheduler's own words, and kubemu's `up` refuses to start. */
export class SchedulerConfigurationError extends Error {}

type Json = unknown

const goTypeOf = (value: Json): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value)

/** What a struct reader needs: the Go struct's name (for type errors) and where the value is. */
export interface DecodeContext {
  readonly struct: string
  readonly path: string
}

function typeError(value: Json, context: DecodeContext, field: string, goType: string): SchedulerConfigurationError {
  return new SchedulerConfigurationError(`json: cannot unmarshal ${goTypeOf(value)} into Go struct field ${context.struct}.${context.path ? `${context.path}.` : ''}${field} of type ${goType}`)
}

/** A JSON object whose fields are all in `allowed`; null or absent reads as empty. */
export function strictObject(value: Json, context: DecodeContext, allowed: readonly string[], goType: string): Record<string, Json> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    const lastDot = context.path.lastIndexOf('.')
    throw typeError(value, {struct: context.struct, path: lastDot < 0 ? '' : context.path.slice(0, lastDot)}, context.path.slice(lastDot + 1), goType)
  }
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key))
  if (unknown.length > 0) throw new SchedulerConfigurationError(`strict decoding error: ${unknown.map((key) => `unknown field "${context.path ? `${context.path}.` : ''}${key}"`).join(', ')}`)
  return value as Record<string, Json>
}

export function optionalString(object: Record<string, Json>, field: string, context: DecodeContext): string | undefined {
  const value = object[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw typeError(value, context, field, 'string')
  return value
}

/** An int32 field (kube's config integers are int32). */
export function optionalInteger(object: Record<string, Json>, field: string, context: DecodeContext, goType = 'int32'): number | undefined {
  const value = object[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number') throw typeError(value, context, field, goType)
  if (!Number.isInteger(value) || Math.abs(value) > 2_147_483_647) throw new SchedulerConfigurationError(`json: cannot unmarshal number ${value} into Go struct field ${context.struct}.${context.path ? `${context.path}.` : ''}${field} of type ${goType}`)
  return value
}

export function optionalBoolean(object: Record<string, Json>, field: string, context: DecodeContext): boolean | undefined {
  const value = object[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw typeError(value, context, field, 'bool')
  return value
}

/** A list field, each element read by `read` with its index. */
export function optionalList<T>(object: Record<string, Json>, field: string, context: DecodeContext, goType: string, read: (element: Json, path: string) => T): T[] | undefined {
  const value = object[field]
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value)) throw typeError(value, context, field, goType)
  const base = context.path ? `${context.path}.${field}` : field
  return value.map((element, index) => read(element, `${base}[${index}]`))
}

export const childPath = (context: DecodeContext, field: string): string => (context.path ? `${context.path}.${field}` : field)

// Reading and defaulting fields of loosely typed JSON objects, shared by the strategies.
import {isJsonObject, type JsonObject, type KubeObject} from '../object.js'

export type Json = JsonObject

/** A string field, or '' when absent or not a string. */
export const str = (value: unknown): string => (typeof value === 'string' ? value : '')

/** The objects of a list field (anything else in it is skipped). */
export const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isJsonObject) : [])

/** The object's spec, created empty when missing. */
export function spec(object: KubeObject): Json {
  if (!isJsonObject(object.spec)) object.spec = {}
  return object.spec as Json
}

export function setDefault(object: Json, field: string, value: unknown): void {
  if (object[field] === undefined) object[field] = value
}

/** The object in `field`, created empty when missing. */
export function child(object: Json, field: string): Json {
  if (!isJsonObject(object[field])) object[field] = {}
  return object[field] as Json
}

// Kubernetes objects as JSON values, with typed access to the metadata every kind shares.

export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  /** null is Go's zero time as JSON: objects kubectl's generators build, manifests that say so. */
  creationTimestamp?: string | null
  deletionTimestamp?: string
  deletionGracePeriodSeconds?: number
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerReference[]
  finalizers?: string[]
  managedFields?: unknown[]
  [field: string]: unknown
}

export interface KubeObject {
  kind?: string
  apiVersion?: string
  metadata: ObjectMeta
  [field: string]: unknown
}

/**
 * An object of any kind as a client hands it to the API server: a typed kind (an interface, which
 * has no index signature) fits it as it is, without a cast to KubeObject.
 */
export interface ObjectToWrite {
  readonly kind?: string
  readonly apiVersion?: string
  readonly metadata: Pick<ObjectMeta, 'name' | 'namespace'>
}

export type JsonObject = Record<string, unknown>

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Whether each named field of an object is absent or a JSON object: the shallow check a kind's guard makes of its optional parts. */
export function areObjectsOrAbsent(object: JsonObject, ...fields: readonly string[]): boolean {
  return fields.every((field) => object[field] === undefined || isJsonObject(object[field]))
}

/** Whether untyped JSON (a watch event's object, a parsed body) is an object with its metadata. */
export function isKubeObject(value: unknown): value is KubeObject {
  return isJsonObject(value) && isJsonObject(value.metadata)
}

/**
 * A deep copy of a JSON value (objects, arrays, strings, numbers, booleans, null; properties that
 * are undefined kept). Written out by hand: structuredClone goes through V8's serializer and took
 * 5-9x as long for a pod, on every update the API server makes (and it nests no less deep before
 * the stack runs out). Anything that is not a plain object or array (a byte array, a Date) is left
 * to structuredClone.
 */
export function cloneJson<T>(value: T): T {
  return copyJson(value) as T
}

function copyJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length)
    for (let index = 0; index < value.length; index++) copy[index] = copyJson(value[index])
    return copy
  }
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value)
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(value)) setOwn(copy, key, copyJson((value as Record<string, unknown>)[key]))
  return copy
}

/** Sets a field of a copy or a decoded map: JSON.parse makes "__proto__" an own property, where an assignment would set the prototype. */
export function setOwn(copy: Record<string, unknown>, key: string, child: unknown): void {
  if (key === '__proto__') Object.defineProperty(copy, key, {value: child, enumerable: true, writable: true, configurable: true})
  else copy[key] = child
}

/** Met by jsonRoundTrip's copy where JSON would change the value: the copy goes through the JSON text instead. */
const notPlainJson = new Error('not plain JSON data')

/**
 * What JSON.parse(JSON.stringify(value)) returns, made without the text when the value is plain
 * JSON data (the API server's stored forms are): a third of the time of parsing the JSON. A value
 * JSON would change (undefined, -0, a number that is not finite, a class instance, a toJSON)
 * sends it the long way, so the result is always the round trip's.
 */
export function jsonRoundTrip<T>(value: T): T {
  try {
    return copyPlainJson(value) as T
  } catch (error) {
    if (error !== notPlainJson) throw error
    return JSON.parse(JSON.stringify(value)) as T
  }
}

function copyPlainJson(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) throw notPlainJson
      return value
    case 'object': {
      if (value === null) return null
      if (Array.isArray(value)) {
        const copy = new Array<unknown>(value.length)
        for (let index = 0; index < value.length; index++) copy[index] = copyPlainJson(value[index])
        return copy
      }
      const prototype = Object.getPrototypeOf(value)
      if ((prototype !== Object.prototype && prototype !== null) || typeof (value as {toJSON?: unknown}).toJSON === 'function') throw notPlainJson
      const copy: Record<string, unknown> = {}
      for (const key of Object.keys(value)) setOwn(copy, key, copyPlainJson((value as Record<string, unknown>)[key]))
      return copy
    }
    default:
      throw notPlainJson
  }
}

/** Field at a dotted path (`spec.template.metadata.labels`), or undefined. */
export function fieldAt(object: unknown, path: string): unknown {
  let current = object
  for (const name of path.split('.').filter((part) => part.length > 0)) {
    if (!isJsonObject(current)) return undefined
    current = current[name]
  }
  return current
}

/** The object at a dotted path, created on the way when missing. */
export function objectAt(object: JsonObject, path: string): JsonObject {
  let current = object
  for (const name of path.split('.').filter((part) => part.length > 0)) {
    const next = current[name]
    if (isJsonObject(next)) current = next
    else {
      const created: JsonObject = {}
      current[name] = created
      current = created
    }
  }
  return current
}

/** JSON with keys sorted and undefined members left out: the same text for the same value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object).sort().filter((key) => (value as Record<string, unknown>)[key] !== undefined).map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** Whether two values would be stored as the same JSON (undefined members count as absent). */
export function sameJson(left: unknown, right: unknown): boolean {
  return canonicalJson(left) === canonicalJson(right)
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true
  if (Array.isArray(left)) {
    return Array.isArray(right) && left.length === right.length && left.every((item, index) => jsonEqual(item, right[index]))
  }
  if (isJsonObject(left) && isJsonObject(right)) {
    const leftKeys = Object.keys(left)
    if (leftKeys.length !== Object.keys(right).length) return false
    return leftKeys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && jsonEqual(left[key], right[key]))
  }
  return false
}

/** The last second formatTimestamp formatted, and its text: the API server stamps many writes within one second. */
let lastFormatted = {second: Number.NaN, text: ''}

/** RFC 3339 with seconds, as metav1.Time marshals. */
export function formatTimestamp(milliseconds: number): string {
  const second = Math.floor(milliseconds / 1000)
  if (second !== lastFormatted.second) lastFormatted = {second, text: new Date(second * 1000).toISOString().replace('.000Z', 'Z')}
  return lastFormatted.text
}

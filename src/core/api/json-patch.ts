// JSON patch (RFC 6902) as kubectl 1.32 and kube-apiserver apply it: with evanphx/json-patch v4,
// whose rules differ from the RFC's in ways scripts meet. A replace of a missing key adds it; a
// copy from a missing key copies null; negative array indices count from the end; an index is
// read as Go's strconv.Atoi reads it (leading zeros, a sign); a path without a leading slash drops
// its first token; a replace of the whole document with a scalar changes nothing. Every failure
// is worded as the library words it. Where the library dereferences a nil node (a test of a
// missing key without a value, arrays holding nulls compared, a path through a null the patch
// added) the Go program panics: a JsonPatchError with fault 'panic' says so, and each caller
// answers as its Go counterpart ends (kubectl exits 2, kube-apiserver answers 500).
import {setOwn} from './object.js'
import {goJsonCompact} from '../util/go-json.js'

/** How a patch failed: its document is not a patch, an operation failed, or the library panicked. */
export type JsonPatchFault = 'decode' | 'apply' | 'panic'

/**
 * Where the Go library panicked, as its goroutine trace names it: the operation (and which of its
 * paths) that reached findObject through a null, the map write into a copied null, the test or
 * replace of a missing value, or lazyNode.equal meeting a nil node (`fault` names what the node
 * compared was: nil itself, nil meeting nil, a scalar, a map or an array meeting nil), `through` the maps and
 * arrays it recursed into on the way, outermost first.
 */
export type JsonPatchPanicSite =
  | {readonly at: 'test-missing-value' | 'replace-root'}
  | {readonly at: 'find-object'; readonly caller: FindObjectCaller}
  | {readonly at: 'nil-map'; readonly operation: 'add' | 'replace' | 'move' | 'copy'}
  | {readonly at: 'equal'; readonly fault: 'self' | 'both' | 'scalar' | 'map' | 'array'; readonly through: ReadonlyArray<'map' | 'array'>; readonly from: 'test-root' | 'test-value'}

/** The operation (and, for move and copy, which of its two paths) whose findObject panicked. */
export type FindObjectCaller = 'add' | 'remove' | 'replace' | 'move-from' | 'move-path' | 'copy-from' | 'copy-path' | 'test'

export class JsonPatchError extends Error {
  constructor(
    message: string,
    readonly fault: JsonPatchFault,
    /** Where a panic happened (fault 'panic' only). */
    readonly site?: JsonPatchPanicSite,
  ) {
    super(message)
    this.name = 'JsonPatchError'
  }
}

/** The Go runtime's words for the nil dereference the library panics with. */
export const nilDereferencePanic = 'runtime error: invalid memory address or nil pointer dereference'
const nilMapPanic = 'assignment to entry in nil map'

export interface JsonPatchLimits {
  /** kube-apiserver refuses a patch of more operations (kubectl applies any number). */
  readonly operationsMax?: number
  /** kube-apiserver's bound on what copy operations add, in bytes of JSON (kubectl has none). */
  readonly copiedBytesMax?: number
}

/** kube-apiserver's limits: maxJSONPatchOperations, and --json-patch-max-copy-bytes' default (3 MiB). */
export const apiServerJsonPatchLimits: JsonPatchLimits = {operationsMax: 10_000, copiedBytesMax: 3 * 1024 * 1024}

/**
 * A null the patch itself brought: Go keeps `"value": null` as a node without bytes (`added`),
 * and a copy of that as a node whose bytes are `null` (`copied`); both differ from a null read
 * from the document (a nil node, JavaScript's null here). All three print as null.
 */
class PatchNull {
  constructor(readonly copied: boolean) {}
}
const addedNull = new PatchNull(false)
const copiedNull = new PatchNull(true)

type Operation = Readonly<Record<string, unknown>>
type Container = {kind: 'map'; map: Record<string, unknown> | null} | {kind: 'array'; array: unknown[]}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PatchNull)
const has = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key)
const panic = (message: string, site: JsonPatchPanicSite) => new JsonPatchError(message, 'panic', site)
const missing = 'missing value'

/** Go's name of a JSON value's kind in an UnmarshalTypeError. */
function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return 'number'
  return typeof value === 'string' ? 'string' : 'object'
}

/** strconv.Quote for the ASCII a path token usually holds. */
function goQuote(text: string): string {
  return JSON.stringify(text).replace(/\\u00([0-9a-f]{2})/g, '\\x$1').replace(/\x7f/g, '\\x7f')
}

/** strconv.Atoi: an optional sign and decimal digits that fit 64 bits, or its error. */
function atoi(token: string): bigint | string {
  if (!/^[+-]?\d+$/.test(token)) return `strconv.Atoi: parsing ${goQuote(token)}: invalid syntax`
  const value = BigInt(token)
  if (value > 9223372036854775807n || value < -9223372036854775808n) return `strconv.Atoi: parsing ${goQuote(token)}: value out of range`
  return value
}

const invalidIndex = (index: bigint) => `Unable to access invalid index: ${index}: invalid index referenced`

/** An index into `length` items, negative ones counted from the end; a message when out of range. */
function arrayIndex(index: bigint, length: number): number | string {
  let place = index
  if (place < 0n) {
    if (place < -BigInt(length)) return invalidIndex(place)
    place += BigInt(length)
  }
  if (place >= BigInt(length)) return invalidIndex(place)
  return Number(place)
}

// The four operations of a container, each returning an error text (or the value read).
function get(container: Container, key: string): {value: unknown} | {error: string} {
  if (container.kind === 'map') return {value: container.map !== null && has(container.map, key) ? container.map[key] : null}
  const index = atoi(key)
  if (typeof index === 'string') return {error: index}
  const place = arrayIndex(index, container.array.length)
  return typeof place === 'string' ? {error: place} : {value: container.array[place]}
}

type NilMapCaller = Extract<JsonPatchPanicSite, {at: 'nil-map'}>['operation']

function set(container: Container, key: string, value: unknown, caller: NilMapCaller): string | null {
  if (container.kind === 'map') {
    if (container.map === null) throw panic(nilMapPanic, {at: 'nil-map', operation: caller})
    setOwn(container.map, key, value)
    return null
  }
  const index = atoi(key)
  if (typeof index === 'string') return index
  const place = arrayIndex(index, container.array.length)
  if (typeof place === 'string') return place
  container.array[place] = value
  return null
}

function add(container: Container, key: string, value: unknown, caller: NilMapCaller): string | null {
  if (container.kind === 'map') return set(container, key, value, caller)
  if (key === '-') {
    container.array.push(value)
    return null
  }
  const index = atoi(key)
  if (typeof index === 'string') return `value was not a proper array index: '${key}': ${index}`
  // An index may be the length itself (the end); negative ones count from one past the end.
  const place = arrayIndex(index, container.array.length + 1)
  if (typeof place === 'string') return place
  container.array.splice(place, 0, value)
  return null
}

function remove(container: Container, key: string): string | null {
  if (container.kind === 'map') {
    if (container.map === null || !has(container.map, key)) return `Unable to remove nonexistent key: ${key}: ${missing}`
    delete container.map[key]
    return null
  }
  const index = atoi(key)
  if (typeof index === 'string') return index
  const place = arrayIndex(index, container.array.length)
  if (typeof place === 'string') return place
  container.array.splice(place, 1)
  return null
}

const unescape = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~')

/**
 * The container a path's last token is in, and that token; null when a token before it names
 * nothing or a scalar. The path is split on every slash and its first piece ignored, so a path
 * must have a slash, and "a/b" reaches "b" at the top.
 */
function containerOf(root: Container, path: string, caller: FindObjectCaller): {container: Container; key: string} | null {
  const tokens = path.split('/')
  if (tokens.length < 2) return null
  let container = root
  for (const token of tokens.slice(1, -1)) {
    const read = get(container, unescape(token))
    if ('error' in read || read.value === null || read.value === undefined) return null
    const next = read.value
    if (next === addedNull) throw panic(nilDereferencePanic, {at: 'find-object', caller})
    if (next === copiedNull) container = {kind: 'map', map: null}
    else if (Array.isArray(next)) container = {kind: 'array', array: next}
    else if (isMap(next)) container = {kind: 'map', map: next}
    else return null
  }
  return {container, key: unescape(tokens[tokens.length - 1]!)}
}

/** A string field of an operation, or the error Go's decoder gives (null counts as absent). */
function stringField(operation: Operation, field: string, absent: string): {text: string} | {error: string} {
  const value = operation[field]
  if (value === undefined || value === null) return {error: `${absent}: ${missing}`}
  if (typeof value !== 'string') return {error: `json: cannot unmarshal ${goKind(value)} into Go value of type string`}
  return {text: value}
}

/** The operation's value as a node: undefined when it has none (a nil node), addedNull for null. */
function valueOf(operation: Operation): unknown {
  if (!has(operation, 'value')) return undefined
  return operation.value === null ? addedNull : structuredClone(operation.value)
}

/** A value as stored: a missing value is a nil node, which the document holds as null. */
const stored = (value: unknown) => (value === undefined ? null : value)

/** Go's deepCopy: the node marshalled and read back, so nulls inside become plain nulls. */
function deepCopy(value: unknown): {value: unknown; bytes: number} {
  if (value === null || value === undefined) return {value: null, bytes: 0}
  if (value instanceof PatchNull) return {value: copiedNull, bytes: 4}
  const plain = plainJson(value)
  return {value: structuredClone(plain), bytes: new TextEncoder().encode(goJsonCompact(plain)).length}
}

type EqualCaller = Extract<JsonPatchPanicSite, {at: 'equal'}>['from']

/** lazyNode.equal: maps by keys, arrays by items, scalars by their JSON text; a nil node panics. */
function nodesEqual(left: unknown, right: unknown, from: EqualCaller, through: ReadonlyArray<'map' | 'array'> = []): boolean {
  const nil = (fault: 'self' | 'both' | 'scalar' | 'map' | 'array') => panic(nilDereferencePanic, {at: 'equal', fault, through, from})
  if (left === null || left === undefined) throw nil(right === null || right === undefined ? 'both' : 'self')
  const leftMap = left === copiedNull ? {} : isMap(left) ? left : null
  if (leftMap !== null) {
    if (right === null || right === undefined) throw nil('map')
    const rightMap = right === copiedNull ? {} : isMap(right) ? right : null
    if (rightMap === null || Object.keys(leftMap).length !== Object.keys(rightMap).length) return false
    for (const [key, value] of Object.entries(leftMap)) {
      if (!has(rightMap, key)) return false
      const other = rightMap[key]
      const leftNil = value === null
      if (leftNil !== (other === null)) return false
      if (!leftNil && !nodesEqual(value, other, from, [...through, 'map'])) return false
    }
    return true
  }
  if (Array.isArray(left)) {
    if (right === null || right === undefined) throw nil('array')
    if (!Array.isArray(right) || left.length !== right.length) return false
    return left.every((item, index) => nodesEqual(item, right[index], from, [...through, 'array']))
  }
  if (right === null || right === undefined) throw nil('scalar')
  // A null the patch added has no bytes: equal only to another such null.
  if (left === addedNull || right === addedNull) return left === right
  if (typeof right === 'object') return false
  return goJsonCompact(left) === goJsonCompact(right)
}

/** The document as plain JSON: the patch's own nulls become null. */
function plainJson(value: unknown): unknown {
  if (value instanceof PatchNull || value === undefined) return null
  if (Array.isArray(value)) return value.map(plainJson)
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plainJson(item)]))
  return value
}

/** jsonpatch.DecodePatch: a list of objects (null is an empty patch, a null item an empty operation). */
export function decodeJsonPatch(patch: unknown, limits: JsonPatchLimits = {}): Operation[] {
  if (patch === null) return []
  if (!Array.isArray(patch)) throw new JsonPatchError(`json: cannot unmarshal ${goKind(patch)} into Go value of type jsonpatch.Patch`, 'decode')
  const stray = patch.find((operation) => operation !== null && !isMap(operation))
  if (stray !== undefined) throw new JsonPatchError(`json: cannot unmarshal ${goKind(stray)} into Go value of type jsonpatch.Operation`, 'decode')
  if (limits.operationsMax !== undefined && patch.length > limits.operationsMax) {
    throw new JsonPatchError(`The allowed maximum operations in a JSON patch is ${limits.operationsMax}, got ${patch.length}`, 'decode')
  }
  return patch.map((operation) => (operation ?? {}) as Operation)
}

/** Applies a decoded patch to a document (an object or a list), which is left as it was. */
export function applyJsonPatch(document: unknown, patch: unknown, limits: JsonPatchLimits = {}): unknown {
  const operations = decodeJsonPatch(patch, limits)
  let root: Container = Array.isArray(document) ? {kind: 'array', array: structuredClone(document)} : {kind: 'map', map: structuredClone(document) as Record<string, unknown>}
  const copied = {bytes: 0}
  for (const operation of operations) {
    const failure = applyOperation(root, operation, limits, copied)
    if (typeof failure === 'string') throw new JsonPatchError(failure, 'apply')
    if (failure !== null) root = failure
  }
  return plainJson(root.kind === 'array' ? root.array : root.map)
}

/** One operation: an error text, a new root (a replace of the whole document), or null. */
function applyOperation(root: Container, operation: Operation, limits: JsonPatchLimits, copied: {bytes: number}): string | Container | null {
  const kind = typeof operation.op === 'string' ? operation.op : 'unknown'
  switch (kind) {
    case 'add':
    case 'remove': {
      const path = stringField(operation, 'path', 'operation missing path field')
      if ('error' in path) return `${kind} operation failed to decode path: ${missing}`
      const target = containerOf(root, path.text, kind)
      if (!target) return `${kind} operation does not apply: doc is missing path: "${path.text}": ${missing}`
      const error = kind === 'add' ? add(target.container, target.key, stored(valueOf(operation)), 'add') : remove(target.container, target.key)
      return error === null ? null : `error in ${kind} for path: '${path.text}': ${error}`
    }
    case 'replace': {
      const path = stringField(operation, 'path', 'operation missing path field')
      if ('error' in path) return `replace operation failed to decode path: ${path.error}`
      const value = valueOf(operation)
      if (path.text === '') {
        if (value === undefined) throw panic(nilDereferencePanic, {at: 'replace-root'})
        // The library wraps a nil error here, so a scalar for the whole document changes nothing.
        if (Array.isArray(value)) return {kind: 'array', array: value}
        return isMap(value) ? {kind: 'map', map: value} : null
      }
      const target = containerOf(root, path.text, 'replace')
      if (!target) return `replace operation does not apply: doc is missing path: ${path.text}: ${missing}`
      if ('error' in get(target.container, target.key)) return `replace operation does not apply: doc is missing key: ${path.text}: ${missing}`
      const error = set(target.container, target.key, stored(value), 'replace')
      return error === null ? null : `error in remove for path: '${path.text}': ${error}`
    }
    case 'move': {
      const from = stringField(operation, 'from', 'operation, missing from field')
      if ('error' in from) return `move operation failed to decode from: ${from.error}`
      const source = containerOf(root, from.text, 'move-from')
      if (!source) return `move operation does not apply: doc is missing from path: ${from.text}: ${missing}`
      const read = get(source.container, source.key)
      if ('error' in read) return `error in move for path: '${source.key}': ${read.error}`
      const removed = remove(source.container, source.key)
      if (removed !== null) return `error in move for path: '${source.key}': ${removed}`
      const path = stringField(operation, 'path', 'operation missing path field')
      if ('error' in path) return `move operation failed to decode path: ${path.error}`
      const target = containerOf(root, path.text, 'move-path')
      if (!target) return `move operation does not apply: doc is missing destination path: ${path.text}: ${missing}`
      const error = add(target.container, target.key, read.value, 'move')
      return error === null ? null : `error in move for path: '${path.text}': ${error}`
    }
    case 'copy': {
      const from = stringField(operation, 'from', 'operation, missing from field')
      if ('error' in from) return `copy operation failed to decode from: ${from.error}`
      const source = containerOf(root, from.text, 'copy-from')
      if (!source) return `copy operation does not apply: doc is missing from path: ${from.text}: ${missing}`
      const read = get(source.container, source.key)
      if ('error' in read) return `error in copy for from: '${from.text}': ${read.error}`
      const path = stringField(operation, 'path', 'operation missing path field')
      if ('error' in path) return `copy operation failed to decode path: ${missing}`
      const target = containerOf(root, path.text, 'copy-path')
      if (!target) return `copy operation does not apply: doc is missing destination path: ${path.text}: ${missing}`
      const copy = deepCopy(read.value)
      copied.bytes += copy.bytes
      if (limits.copiedBytesMax !== undefined && copied.bytes > limits.copiedBytesMax) {
        return `Unable to complete the copy, the accumulated size increase of copy is ${copied.bytes}, exceeding the limit ${limits.copiedBytesMax}`
      }
      const error = add(target.container, target.key, copy.value, 'copy')
      return error === null ? null : `error while adding value during copy: ${error}`
    }
    case 'test': {
      const path = stringField(operation, 'path', 'operation missing path field')
      if ('error' in path) return `test operation failed to decode path: ${path.error}`
      const value = valueOf(operation)
      const failed = `testing value ${path.text} failed: test failed`
      if (path.text === '') {
        const self = root.kind === 'array' ? root.array : (root.map ?? {})
        return nodesEqual(self, value, 'test-root') ? null : failed
      }
      const target = containerOf(root, path.text, 'test')
      if (!target) return `test operation does not apply: is missing path: ${path.text}: ${missing}`
      const read = get(target.container, target.key)
      if ('error' in read) return `error in test for path: '${path.text}': ${read.error}`
      if (read.value === null || read.value === undefined) {
        // A missing key and a null both read as a nil node, which only a null value matches.
        if (value === undefined) throw panic(nilDereferencePanic, {at: 'test-missing-value'})
        return value === addedNull ? null : failed
      }
      if (value === undefined) return failed
      return nodesEqual(read.value, value, 'test-value') ? null : failed
    }
    default:
      return `Unexpected kind: ${kind}`
  }
}

/** Go's json.Marshal of a patched document, as the library returns it (keys sorted, HTML escaped). */
export function jsonPatchResultText(document: unknown): string {
  return goJsonCompact(document)
}

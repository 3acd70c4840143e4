// A patch kubectl applies itself rather than sending it (`patch --dry-run=client`, `--local`, and
// the --overrides of run and expose), as the Go libraries it uses apply it: evanphx's JSON patch
// and merge patch, apimachinery's strategic merge guided by the kind's Go type. Each library
// names a patch it cannot read its own way; kubemu's patch algorithms are the API server's.
import {builtinScheme} from '../api/resources.js'
import {applyJsonPatch, JsonPatchError} from '../api/json-patch.js'
import {applyMergePatch, applyStrategicMergePatch} from '../api/patch.js'
import {isJsonObject} from '../api/object.js'
import {goJsonCompact} from '../util/go-json.js'
import {KubectlError, KubectlPanic} from './errors.js'
import {goJsonStreamError} from './go-json-syntax.js'
import {type JsonPatchCaller, jsonPatchPanicTrace} from './go-traces.js'

export type LocalPatchType = 'json' | 'merge' | 'strategic'

/** The kind a strategic merge needs, as the builtin scheme knows it (none for a custom resource). */
export interface PatchedKind {
  readonly group: string
  readonly version: string
  readonly resource: string
  readonly kind: string
}

/** Go's name of a value's JSON type in an unmarshal error. */
const goJsonType = (value: unknown) => (Array.isArray(value) ? 'array' : isJsonObject(value) ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value)

/** The object with the patch (its JSON text) applied; a fault in the words of the library that reads it. */
export function patchLocally(object: unknown, patchText: string, type: LocalPatchType, kind: PatchedKind, command?: JsonPatchCaller): unknown {
  let patch: unknown
  try {
    patch = JSON.parse(patchText)
  } catch {
    if (type === 'merge') throw new KubectlError('Invalid JSON Patch')
    if (type === 'strategic') throw new KubectlError('invalid JSON document')
    // json.Unmarshal's words: a document cut short is "unexpected end of JSON input".
    const fault = goJsonStreamError(patchText)
    throw new KubectlError(fault && fault.offset !== null ? fault.message : 'unexpected end of JSON input')
  }
  if (type === 'merge') {
    // The merge patch library takes an object or a list (a list replaces the object), nothing else.
    if (!isJsonObject(patch) && !Array.isArray(patch)) throw new KubectlError('Invalid JSON Patch')
    return applyMergePatch(object, patch)
  }
  if (type === 'strategic') {
    const schema = builtinScheme().resource(kind.group, kind.version, kind.resource)?.schema
    if (!schema) throw new KubectlError(`strategic merge patch is not supported for ${kind.group}/${kind.version}, Kind=${kind.kind} locally, try --type merge`)
    if (!isJsonObject(patch)) throw new KubectlError('invalid JSON document')
    return applyStrategicMergePatch(object, patch, schema)
  }
  return decodedUnstructured(patchedJson(object, patch, command))
}

/** evanphx's JSON patch as kubectl calls it, with kubectl's own words for a missing key. */
function patchedJson(object: unknown, patch: unknown, command?: JsonPatchCaller): unknown {
  try {
    return applyJsonPatch(object, patch)
  } catch (error) {
    if (!(error instanceof JsonPatchError)) throw error
    // A Go panic ends kubectl with status 2; its first line says what happened.
    if (error.fault === 'panic') throw jsonPatchPanic(error, object, patch, command)
    const key = error.message.indexOf('doc is missing key: ')
    if (key >= 0) throw new KubectlError(`Object to be patched is missing field (${error.message.slice(key + 'doc is missing key: '.length)})`)
    throw new KubectlError(error.message)
  }
}

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length

/**
 * The panic kubectl dies of when evanphx's library panics on `patch` applied to `document`: the
 * library is handed the document as kubectl encodes it (Go's JSON and a newline) and the patch
 * as kubectl re-encodes it (Go's JSON), whose sizes show in the trace.
 */
export function jsonPatchPanic(error: JsonPatchError, document: unknown, patch: unknown, command?: JsonPatchCaller): KubectlPanic {
  if (!error.site) return new KubectlPanic(error.message)
  const call = {documentBytes: utf8Bytes(goJsonCompact(document)) + 1, patchBytes: utf8Bytes(goJsonCompact(patch)), operations: Array.isArray(patch) ? patch.length : 0}
  return new KubectlPanic(error.message, jsonPatchPanicTrace(error.site, call, command))
}

/**
 * The patched document as kubectl decodes it again (unstructured): an object with a kind, and one
 * with `items` a list, whose items are objects, given the list's kind (less "List") and
 * apiVersion when they have neither.
 */
function decodedUnstructured(document: unknown): unknown {
  if (!isJsonObject(document)) throw new KubectlError(`json: cannot unmarshal ${goJsonType(document)} into Go value of type unstructured.detector`)
  let decoded = document
  if (Object.prototype.hasOwnProperty.call(document, 'items')) {
    const items = document.items
    if (items !== null && !Array.isArray(items)) throw new KubectlError(`json: cannot unmarshal ${goJsonType(items)} into Go struct field decodeList.items of type []json.RawMessage`)
    const stray = (items ?? []).find((item) => item !== null && !isJsonObject(item))
    if (stray !== undefined) throw new KubectlError(`json: cannot unmarshal ${goJsonType(stray)} into Go value of type map[string]interface {}`)
    const listKind = typeof document.kind === 'string' ? document.kind : ''
    const listApiVersion = typeof document.apiVersion === 'string' ? document.apiVersion : ''
    const typedItem = (item: unknown) => {
      const object = isJsonObject(item) ? item : {}
      const named = (field: string) => typeof object[field] === 'string' && object[field] !== ''
      return named('kind') || named('apiVersion') ? object : {...object, kind: listKind.replace(/List$/, ''), apiVersion: listApiVersion}
    }
    decoded = {...document, items: (items ?? []).map(typedItem)}
  }
  if (typeof document.kind !== 'string' || document.kind === '') throw new KubectlError(`Object 'Kind' is missing in '${goJsonCompact(document)}'`)
  return decoded
}

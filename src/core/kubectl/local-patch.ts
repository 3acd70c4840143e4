// A patch kubectl applies itself rather than sending it (`patch --dry-run=client`, `--local`, and
// the --overrides of run and expose), as the Go libraries it uses apply it: evanphx's JSON patch
// and merge patch, apimachinery's strategic merge guided by the kind's Go type. Each library
// names a patch it cannot read its own way; kubemu's patch algorithms are the API server's.
import {builtinScheme} from '../api/resources.js'
import {applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError} from '../api/patch.js'
import {isJsonObject} from '../api/object.js'
import {KubectlError} from './errors.js'
import {goJsonStreamError} from './go-json-syntax.js'

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
export function patchLocally(object: unknown, patchText: string, type: LocalPatchType, kind: PatchedKind): unknown {
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
  // JSON patch's decoder: a list of objects.
  if (!Array.isArray(patch) && patch !== null) throw new KubectlError(`json: cannot unmarshal ${goJsonType(patch)} into Go value of type jsonpatch.Patch`)
  const stray = (patch ?? []).find((operation: unknown) => !isJsonObject(operation) && operation !== null)
  if (stray !== undefined) throw new KubectlError(`json: cannot unmarshal ${goJsonType(stray)} into Go value of type jsonpatch.Operation`)
  try {
    return applyJsonPatch(object, patch ?? [])
  } catch (error) {
    if (error instanceof PatchError) throw new KubectlError(error.message)
    throw error
  }
}

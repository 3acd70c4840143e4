// The JSONPatch a mutating webhook answers with, applied as kube-apiserver's mutating dispatcher
// applies it: with the same JSON patch library as PATCH (json-patch.ts) and the API server's
// limits, to the object in the version the webhook was sent. A patch that does not decode, fails
// or leaves no object with metadata is an internal error of the request, as the dispatcher words it.
import {apiServerJsonPatchLimits, applyJsonPatch, JsonPatchError} from '../../api/json-patch.js'
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {apiErrors} from '../api-errors.js'

/** The object with the webhook's patch applied; `object` is left as it was. */
export function webhookPatched(object: KubeObject, patch: unknown): KubeObject {
  let patched: unknown
  try {
    patched = applyJsonPatch(object, patch, apiServerJsonPatchLimits)
  } catch (error) {
    if (error instanceof JsonPatchError) throw apiErrors.internal(error.message)
    throw error
  }
  if (!isJsonObject(patched) || !isJsonObject(patched.metadata)) throw apiErrors.internal('the patched object is not an object with metadata')
  return patched as KubeObject
}

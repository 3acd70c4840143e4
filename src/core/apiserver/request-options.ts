// What a request asks for beyond its body: its headers, ?fieldValidation=, a list or watch's
// query, a DELETE's options (query and body), and the document a PATCH makes of the current one.
import {isJsonObject} from '../api/object.js'
import {apiServerJsonPatchLimits, applyJsonPatch, JsonPatchError} from '../api/json-patch.js'
import {applyMergePatch, applyStrategicMergePatch} from '../api/patch.js'
import {qualifiedResource, type ResourceDefinition} from '../api/scheme.js'
import {parseFieldSelector, parseLabelSelector, SelectorError} from '../api/selectors.js'
import type {ApiRequest} from '../api/wire.js'
import {ApiError, apiErrors} from './api-errors.js'
import {bodyText, type FieldValidation, parseBody} from './body.js'
import {goJsonSyntaxError} from './stored-decode.js'
import type {ListQuery} from './list-watch.js'
import type {DeleteOptions} from './registry.js'
import type {RequestInfo} from './request.js'

const patchContentTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']

export function header(request: ApiRequest, name: string): string {
  const value = request.headers?.[name]
  return Array.isArray(value) ? String(value[0] ?? '') : typeof value === 'string' ? value : ''
}

export function fieldValidationOf(request: ApiRequest): FieldValidation {
  const value = request.query?.fieldValidation ?? 'Warn'
  if (value !== 'Strict' && value !== 'Warn' && value !== 'Ignore') {
    throw apiErrors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${value}"`)
  }
  return value
}

function integerQuery(request: ApiRequest, name: string): number | undefined {
  const value = request.query?.[name]
  if (value === undefined || value === '') return undefined
  if (!/^-?\d+$/.test(value)) throw apiErrors.badRequest(`invalid ${name}: ${value}`)
  return Number(value)
}

export function listQueryOf(request: ApiRequest, definition: ResourceDefinition, info: RequestInfo): ListQuery {
  try {
    return {
      namespace: definition.namespaced && info.namespace.length > 0 ? info.namespace : null,
      labelSelector: parseLabelSelector(request.query?.labelSelector ?? ''),
      fieldSelector: parseFieldSelector(request.query?.fieldSelector ?? ''),
      limit: integerQuery(request, 'limit'),
      continueToken: request.query?.continue || undefined,
      resourceVersion: request.query?.resourceVersion || undefined,
      resourceVersionMatch: request.query?.resourceVersionMatch || undefined,
    }
  } catch (error) {
    if (error instanceof SelectorError) throw apiErrors.badRequest(error.message)
    throw error
  }
}

/** A watch's timeoutSeconds (kube-apiserver ignores `timeout` on a watch: only this ends it). */
export function watchTimeoutSecondsOf(request: ApiRequest): number | undefined {
  return integerQuery(request, 'timeoutSeconds')
}

export function deleteOptionsOf(request: ApiRequest): DeleteOptions {
  const text = bodyText(request.body).trim()
  const body = text.length > 0 ? parseBody(text, header(request, 'content-type')) : {}
  const options = isJsonObject(body) ? body : {}
  const grace = integerQuery(request, 'gracePeriodSeconds') ?? (typeof options.gracePeriodSeconds === 'number' ? options.gracePeriodSeconds : undefined)
  const policy = request.query?.propagationPolicy ?? (typeof options.propagationPolicy === 'string' ? options.propagationPolicy : undefined)
  if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
    throw apiErrors.invalid({group: 'meta.k8s.io', kind: 'DeleteOptions'}, '', [
      {type: 'FieldValueNotSupported', field: 'propagationPolicy', value: policy, detail: 'supported values: "Foreground", "Background", "Orphan", "nil"'},
    ])
  }
  const orphan = options.orphanDependents === true || request.query?.orphanDependents === 'true'
  const dryRun = request.query?.dryRun === 'All' || (Array.isArray(options.dryRun) && options.dryRun.includes('All'))
  return {
    dryRun,
    gracePeriodSeconds: grace,
    propagationPolicy: (policy ?? (orphan ? 'Orphan' : undefined)) as DeleteOptions['propagationPolicy'],
    preconditions: isJsonObject(options.preconditions) ? (options.preconditions as DeleteOptions['preconditions']) : undefined,
  }
}

/** What a PATCH names: the resource's definition and the object's name. */
export interface PatchTarget {
  readonly definition: ResourceDefinition
  readonly name: string
}

/** What a patch made of a document. */
export interface PatchedDocument {
  readonly result: unknown
  /** Whether the patch itself names a resourceVersion (a precondition). */
  readonly pinsVersion: boolean
  /** A JSON patch's operations' fields the handler does not know (`json patch unknown field "x"`). */
  readonly strictErrors: readonly string[]
}

/** The patched document. */
export function patchedDocument(request: ApiRequest, current: unknown, schema: ResourceDefinition['schema'], target: PatchTarget): PatchedDocument {
  const contentType = header(request, 'content-type').split(';')[0]!.trim()
  if (!patchContentTypes.includes(contentType)) throw apiErrors.unsupportedMediaType(patchContentTypes)
  if (contentType === 'application/json-patch+json') {
    const patch = jsonPatchOf(request)
    const pinsVersion = Array.isArray(patch) && patch.some((operation) => isJsonObject(operation) && operation.path === '/metadata/resourceVersion' && operation.op !== 'test')
    const strictErrors = fieldValidationOf(request) === 'Ignore' ? [] : unknownOperationFields(patch)
    return {result: jsonPatched(current, patch, target), pinsVersion, strictErrors}
  }
  const patch = parseBody(bodyText(request.body), contentType === 'application/apply-patch+yaml' ? 'yaml' : 'json')
  const pinsVersion = isJsonObject(patch) && isJsonObject(patch.metadata) && typeof patch.metadata.resourceVersion === 'string'
  if (contentType === 'application/merge-patch+json') return {result: applyMergePatch(current, patch), pinsVersion, strictErrors: []}
  if (contentType === 'application/strategic-merge-patch+json') return {result: applyStrategicMergePatch(current, patch, schema), pinsVersion, strictErrors: []}
  throw apiErrors.unsupportedMediaType(patchContentTypes.slice(0, 3))
}

/**
 * A JSON patch body as the patch handler reads it. Unless fieldValidation=Ignore, it is first
 * decoded strictly as a list of {op, path, from, value}, and a fault is a 400 "error decoding
 * patch"; then the library decodes it, a fault of which is a 400 with its own words.
 */
export function jsonPatchOf(request: ApiRequest): unknown {
  const text = bodyText(request.body)
  const strict = fieldValidationOf(request) !== 'Ignore'
  const syntax = goJsonSyntaxError(new TextEncoder().encode(text))
  if (syntax !== null) throw apiErrors.badRequest(strict ? `error decoding patch: ${syntax}` : syntax)
  const patch = JSON.parse(text) as unknown
  const fault = strict ? strictJsonPatchFault(patch) : null
  if (fault !== null) throw apiErrors.badRequest(`error decoding patch: ${fault}`)
  return patch
}

/** The fields of a JSON patch's operations beyond op, path, from and value, as the strict decoder names them. */
function unknownOperationFields(patch: unknown): string[] {
  if (!Array.isArray(patch)) return []
  const known = new Set(['op', 'path', 'from', 'value'])
  return patch.flatMap((operation) => (isJsonObject(operation) ? Object.keys(operation).filter((field) => !known.has(field)).map((field) => `json patch unknown field ${JSON.stringify(field)}`) : []))
}

/** Go's decoder's first type error for a JSON patch read into the handler's []jsonPatchOp. */
function strictJsonPatchFault(patch: unknown): string | null {
  const kind = (value: unknown) => (Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? 'number' : typeof value === 'string' ? 'string' : 'object')
  if (patch === null) return null
  if (!Array.isArray(patch)) return `json: cannot unmarshal ${kind(patch)} into Go value of type []handlers.jsonPatchOp`
  for (const operation of patch) {
    if (operation === null) continue
    if (!isJsonObject(operation)) return `json: cannot unmarshal ${kind(operation)} into Go value of type handlers.jsonPatchOp`
    for (const field of ['op', 'path', 'from']) {
      const value = operation[field]
      if (value !== undefined && value !== null && typeof value !== 'string') return `json: cannot unmarshal ${kind(value)} into Go struct field jsonPatchOp.${field} of type string`
    }
  }
  return null
}

/** kube-apiserver's answer when a handler panics: a 500 with this text, not a Status. */
const apiServerPanicText = 'This request caused apiserver to panic. Look in the logs for details.'

/**
 * A JSON patch applied as kube-apiserver applies it: too many operations is a 413, a failing
 * operation a 422 with the library's words as its cause. Where the library panics the API server
 * answers 500 with a line of text, which clients (client-go) turn into the Status given here.
 */
export function jsonPatched(current: unknown, patch: unknown, target: PatchTarget): unknown {
  try {
    return applyJsonPatch(current, patch, apiServerJsonPatchLimits)
  } catch (error) {
    if (!(error instanceof JsonPatchError)) throw error
    if (error.fault === 'panic') {
      const on = `patch ${qualifiedResource(target.definition)} ${target.name}`
      throw new ApiError(500, 'InternalError', `an error on the server (${JSON.stringify(apiServerPanicText)}) has prevented the request from succeeding (${on})`, {causes: [{reason: 'UnexpectedServerResponse', message: apiServerPanicText}]})
    }
    if (error.fault === 'decode') {
      if (error.message.startsWith('The allowed maximum operations')) throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: ${error.message}`)
      throw apiErrors.badRequest(error.message)
    }
    throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {causes: [{reason: 'UnexpectedServerResponse', message: error.message}]})
  }
}

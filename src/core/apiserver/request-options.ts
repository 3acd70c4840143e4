// What a request asks for beyond its body: its headers, ?fieldValidation=, a list or watch's
// query, a DELETE's options (query and body), and the document a PATCH makes of the current one.
import {isJsonObject} from '../api/object.js'
import {applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError} from '../api/patch.js'
import type {ResourceDefinition} from '../api/scheme.js'
import {parseFieldSelector, parseLabelSelector, SelectorError} from '../api/selectors.js'
import type {ApiRequest} from '../api/wire.js'
import {ApiError, apiErrors} from './api-errors.js'
import {bodyText, type FieldValidation, parseBody} from './body.js'
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

/** The patched document, and whether the patch itself names a resourceVersion (a precondition). */
export function patchedDocument(request: ApiRequest, current: unknown, schema: ResourceDefinition['schema']): {result: unknown; pinsVersion: boolean} {
  const contentType = header(request, 'content-type').split(';')[0]!.trim()
  if (!patchContentTypes.includes(contentType)) throw apiErrors.unsupportedMediaType(patchContentTypes)
  const patch = parseBody(bodyText(request.body), contentType === 'application/apply-patch+yaml' ? 'yaml' : 'json')
  const pinsVersion = Array.isArray(patch)
    ? patch.some((operation) => isJsonObject(operation) && operation.path === '/metadata/resourceVersion' && operation.op !== 'test')
    : isJsonObject(patch) && isJsonObject(patch.metadata) && typeof patch.metadata.resourceVersion === 'string'
  try {
    if (contentType === 'application/json-patch+json') return {result: applyJsonPatch(current, patch), pinsVersion}
    if (contentType === 'application/merge-patch+json') return {result: applyMergePatch(current, patch), pinsVersion}
    if (contentType === 'application/strategic-merge-patch+json') return {result: applyStrategicMergePatch(current, patch, schema), pinsVersion}
  } catch (error) {
    if (error instanceof PatchError) {
      throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {causes: [{reason: 'UnexpectedServerResponse', message: error.message}]})
    }
    throw error
  }
  throw apiErrors.unsupportedMediaType(patchContentTypes.slice(0, 3))
}

// A version served from another version's storage (autoscaling/v1 HorizontalPodAutoscalers kept
// as autoscaling/v2): requests in the served version are converted to the stored one on the way
// in and answers back on the way out, as kube-apiserver converts through its internal version.
// The stored version's strategy (defaults, validation) decides, so both versions behave alike.
import {isJsonObject, type KubeObject} from '../api/object.js'
import {groupVersion, type ResourceDefinition, type Scheme, type VersionConversion} from '../api/scheme.js'
import type {ApiRequest, ApiResponse, UserInfo} from '../api/wire.js'
import {bodyText, decodeBody, parseBody} from './body.js'
import {type ResourceHandlers, typed} from './handlers.js'
import {fieldValidationOf, header, jsonPatched, jsonPatchOf} from './request-options.js'
import {applyMergePatch, applyStrategicMergePatch} from '../api/patch.js'
import type {Registry} from './registry.js'
import type {AdmissionTrail} from './change-trail.js'
import type {RequestInfo} from './request.js'
import {ApiError, apiErrors} from './api-errors.js'

/** A patch in the served version is retried this often when the object changes under it. */
export const convertedPatchAttemptsMax = 8

export class VersionConversionHandlers {
  constructor(
    private readonly scheme: Scheme,
    private readonly registry: Registry,
    private readonly handlers: ResourceHandlers,
  ) {}

  async serve(request: ApiRequest, info: RequestInfo, served: ResourceDefinition, user: UserInfo, trail: AdmissionTrail | null = null): Promise<ApiResponse> {
    const conversion = served.conversion!
    const stored = this.scheme.resource(served.group, conversion.storageVersion, served.resource)!
    const bodyVerb = info.verb === 'create' || info.verb === 'update'
    if (info.verb === 'patch') return this.convertAnswer(await this.patch(request, info, served, stored, user, trail), served, conversion)
    if (!bodyVerb) return this.convertAnswer(await this.handlers.serve(request, info, stored, user, trail), served, conversion)
    const {object, warnings} = decodeBody(this.scheme, served, bodyText(request.body), header(request, 'content-type'), fieldValidationOf(request))
    const converted = this.storedRequest(request, conversion.toStorage(object))
    const response = await this.handlers.serve(converted, info, stored, user, trail)
    return this.convertAnswer({...response, warnings: [...warnings, ...response.warnings]}, served, conversion)
  }

  private storedRequest(request: ApiRequest, object: KubeObject, contentType = 'application/json'): ApiRequest {
    return {...request, headers: {...(request.headers ?? {}), 'content-type': contentType}, body: JSON.stringify(object)}
  }

  /**
   * A patch applies to the object as the served version shows it; the result goes back as an
   * update pinned to the version it was read at (server-side apply converts the applied
   * configuration instead).
   */
  private async patch(request: ApiRequest, info: RequestInfo, served: ResourceDefinition, stored: ResourceDefinition, user: UserInfo, trail: AdmissionTrail | null): Promise<ApiResponse> {
    const conversion = served.conversion!
    const contentType = header(request, 'content-type').split(';')[0]!.trim()
    if (contentType === 'application/apply-patch+yaml') {
      const applied = parseBody(bodyText(request.body), 'yaml')
      if (!isJsonObject(applied)) return this.handlers.serve(request, info, stored, user, trail)
      const object = conversion.toStorage({...applied, metadata: isJsonObject(applied.metadata) ? applied.metadata : {}} as KubeObject)
      return this.handlers.serve(this.storedRequest(request, object, contentType), info, stored, user, trail)
    }
    const patch = contentType === 'application/json-patch+json' ? jsonPatchOf(request) : parseBody(bodyText(request.body), 'json')
    const namespace = stored.namespaced ? info.namespace : ''
    for (let attempt = 1; ; attempt++) {
      const current = typed(conversion.fromStorage(await this.registry.get(stored, namespace, info.name)), served)
      let result: unknown
      if (contentType === 'application/json-patch+json') result = jsonPatched(current, patch, {definition: served, name: info.name})
      else if (contentType === 'application/merge-patch+json') result = applyMergePatch(current, patch)
      else if (contentType === 'application/strategic-merge-patch+json') result = applyStrategicMergePatch(current, patch, served.schema)
      else throw apiErrors.unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'])
      const {object} = decodeBody(this.scheme, served, JSON.stringify(result), 'application/json', fieldValidationOf(request))
      const pinned = isJsonObject(patch) && isJsonObject(patch.metadata) && typeof patch.metadata.resourceVersion === 'string'
      const update = conversion.toStorage(object)
      if (!pinned) update.metadata = {...update.metadata, resourceVersion: current.metadata.resourceVersion}
      try {
        return await this.handlers.serve({...this.storedRequest(request, update), method: 'PUT'}, {...info, verb: 'update'}, stored, user, trail)
      } catch (error) {
        if (pinned || attempt >= convertedPatchAttemptsMax || !(error instanceof ApiError && error.code === 409)) throw error
      }
    }
  }

  private convertAnswer(response: ApiResponse, served: ResourceDefinition, conversion: VersionConversion): ApiResponse {
    const convert = (object: unknown): unknown => {
      if (!isJsonObject(object) || object.kind !== served.kind || !isJsonObject(object.metadata)) return object
      return typed(conversion.fromStorage(object as KubeObject), served)
    }
    if (response.watch) {
      const watch = response.watch
      return {
        ...response,
        watch: {
          cancel: () => watch.cancel(),
          next: async () => {
            const events = await watch.next()
            return events === null ? null : events.map((event) => ({...event, object: (event.type === 'BOOKMARK' ? {...event.object, apiVersion: groupVersion(served)} : convert(event.object)) as Record<string, unknown>}))
          },
        },
      }
    }
    const body = response.body
    if (isJsonObject(body) && Array.isArray(body.items) && body.kind === `${served.kind}List`) {
      return {...response, body: {...body, apiVersion: groupVersion(served), items: body.items.map(convert)}}
    }
    return {...response, body: convert(body)}
  }
}

// The AdmissionReview v1 kube-apiserver sends a webhook, and the checks it makes of the answer
// (webhook/request's VerifyAdmissionResponse), with its error texts.
import {randomUUID} from 'node:crypto'
import type {KubeObject} from '../../api/object.js'
import {isJsonObject} from '../../api/object.js'
import type {AdmissionAttributes} from './chain.js'
import type {GroupVersionResource} from './webhook-matching.js'
import {WebhookCallError} from './webhook-call.js'
import {goJsonSyntaxError} from '../stored-decode.js'

const reviewApiVersion = 'admission.k8s.io/v1'
const optionsKinds = {CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions'} as const

export interface AdmissionReviewRequest {
  readonly uid: string
  readonly body: string
}

export interface AdmissionResult {
  readonly allowed: boolean
  readonly status: Record<string, unknown> | null
  /** The JSON patch, decoded; null without one. */
  readonly patch: unknown
  readonly warnings: readonly string[]
}

const apiVersionOf = (group: string, version: string) => (group.length > 0 ? `${group}/${version}` : version)

/** The object as the webhook's version shows it (kubemu serves one version of each kind). */
function versioned(object: KubeObject | null, target: GroupVersionResource, kind: string): KubeObject | null {
  if (!object) return null
  const {apiVersion: _apiVersion, kind: _kind, ...rest} = object
  return {apiVersion: apiVersionOf(target.group, target.version), kind, ...rest} as KubeObject
}

/** The request for one call: `target` is the group/version/resource the webhook's rule matched. */
export function admissionReviewRequest(attributes: AdmissionAttributes, target: GroupVersionResource, object: KubeObject | null, old: KubeObject | null): AdmissionReviewRequest {
  const uid = randomUUID()
  const request = admissionRequest(uid, attributes, target, object, old)
  return {uid, body: JSON.stringify({kind: 'AdmissionReview', apiVersion: reviewApiVersion, request})}
}

/** An AdmissionRequest as kube-apiserver builds it, for a webhook and for CEL's `request`. */
export function admissionRequest(uid: string, attributes: AdmissionAttributes, target: GroupVersionResource, object: KubeObject | null, old: KubeObject | null): Record<string, unknown> {
  const {definition, user} = attributes
  const optionsKind = attributes.operation === 'CONNECT' ? null : optionsKinds[attributes.operation]
  const request: Record<string, unknown> = {
    uid,
    kind: {group: target.group, version: target.version, kind: definition.kind},
    resource: {group: target.group, version: target.version, resource: target.resource},
    ...(attributes.subresource ? {subResource: attributes.subresource} : {}),
    requestKind: {group: definition.group, version: definition.version, kind: definition.kind},
    requestResource: {group: definition.group, version: definition.version, resource: definition.resource},
    ...(attributes.subresource ? {requestSubResource: attributes.subresource} : {}),
    ...(attributes.name ? {name: attributes.name} : {}),
    ...(attributes.namespace ? {namespace: attributes.namespace} : {}),
    operation: attributes.operation,
    userInfo: {
      username: user.name,
      ...(user.uid ? {uid: user.uid} : {}),
      ...(user.groups.length > 0 ? {groups: user.groups} : {}),
      ...(user.extra && Object.keys(user.extra).length > 0 ? {extra: user.extra} : {}),
    },
    object: versioned(object, target, definition.kind),
    oldObject: versioned(old, target, definition.kind),
    dryRun: attributes.dryRun,
    options: optionsKind ? {kind: optionsKind, apiVersion: 'meta.k8s.io/v1', ...(attributes.dryRun ? {dryRun: ['All']} : {})} : null,
  }
  return request
}

/** Go's encoding/json error for text that is not JSON (its scanner's words, at the byte it stops on). */
function goJsonError(text: string): string {
  return goJsonSyntaxError(new TextEncoder().encode(text)) ?? 'unexpected end of JSON input'
}

/**
 * The answer's result. A body that does not decode fails the call ("failed to call webhook");
 * one that decodes but is not a valid answer fails as "received invalid webhook response".
 */
export function admissionResult(text: string, uid: string, mutating: boolean): AdmissionResult {
  let review: unknown
  try {
    review = JSON.parse(text)
  } catch {
    throw new WebhookCallError(`couldn't get version/kind; json parse error: ${goJsonError(text)}`)
  }
  if (!isJsonObject(review)) throw new WebhookCallError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(review) ? 'array' : typeof review} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`)
  if (typeof review.kind !== 'string' || review.kind.length === 0) throw new WebhookCallError(`Object 'Kind' is missing in '${text.trim()}'`)
  const invalid = (message: string) => new InvalidResponseError(message)
  const response = review.response
  if (!isJsonObject(response)) throw invalid('webhook response was absent')
  const answeredUid = typeof response.uid === 'string' ? response.uid : ''
  if (answeredUid !== uid) throw invalid(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(answeredUid)}`)
  const [group, version] = typeof review.apiVersion === 'string' && review.apiVersion.includes('/') ? review.apiVersion.split('/', 2) : ['', String(review.apiVersion ?? '')]
  if (review.apiVersion !== reviewApiVersion || review.kind !== 'AdmissionReview') {
    throw invalid(`expected webhook response of ${reviewApiVersion}, Kind=AdmissionReview, got ${group}/${version}, Kind=${review.kind}`)
  }
  const patchType = typeof response.patchType === 'string' ? response.patchType : ''
  const patchText = typeof response.patch === 'string' ? response.patch : ''
  if (patchText.length > 0 && patchType.length === 0) throw invalid('webhook returned response.patch but not response.patchType')
  if (patchType.length > 0 && patchType !== 'JSONPatch') throw invalid(`webhook returned invalid response.patchType of ${JSON.stringify(patchType)}`)
  if (patchType.length > 0 && !mutating) throw invalid(`validating webhook may not return response.patchType`)
  let patch: unknown = null
  if (patchText.length > 0) {
    try {
      patch = JSON.parse(Buffer.from(patchText, 'base64').toString('utf8'))
    } catch {
      throw invalid(`webhook returned response.patch that is not JSON: ${goJsonError(Buffer.from(patchText, 'base64').toString('utf8'))}`)
    }
  }
  return {
    allowed: response.allowed === true,
    status: isJsonObject(response.status) ? response.status : null,
    patch,
    warnings: Array.isArray(response.warnings) ? response.warnings.filter((warning): warning is string => typeof warning === 'string') : [],
  }
}

/** An answer that decoded but breaks the protocol; `message` follows "received invalid webhook response: ". */
export class InvalidResponseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidResponseError'
  }
}

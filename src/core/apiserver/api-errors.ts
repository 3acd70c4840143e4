// API errors as kube-apiserver returns them: a metav1.Status with code, reason, message and
// details, built by the same constructors (k8s.io/apimachinery/pkg/api/errors) with their texts.
import {aggregateText, errorBody, type FieldError} from '../api/field-errors.js'
import {qualifiedKind, qualifiedResource} from '../api/scheme.js'
import {EtcdError} from '../mvcc/errors.js'
import {StorageError} from '../storage/errors.js'
import type {Status, StatusCause, StatusDetails, StatusReason} from '../api/wire.js'

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    /** The Status's list metadata: a 410 for a compacted continue hands out the token that carries on. */
    readonly listContinue?: string,
    /** Answered as this plain text, not a Status: what the kubelet says when it refuses a stream (kube-apiserver passes it through). */
    readonly plainText?: boolean,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** Warning headers the answer carries (a deprecated API's, set on every answer about it). */
  warnings: readonly string[] = []

  toStatus(): Status {
    // Key order as kube-apiserver writes a Status.
    const status: Partial<Status> = {kind: 'Status', apiVersion: 'v1', metadata: this.listContinue ? {continue: this.listContinue} : {}, status: 'Failure', message: this.message}
    if (this.reason !== '') status.reason = this.reason
    if (this.details) status.details = this.details
    status.code = this.code
    return status as Status
  }
}

interface Resource {
  group: string
  resource: string
}

interface Kind {
  group: string
  kind: string
}

const goQuote = (text: string) => JSON.stringify(text)

function details(resource: Resource, name: string): StatusDetails {
  const result: StatusDetails = {}
  if (name.length > 0) result.name = name
  if (resource.group.length > 0) result.group = resource.group
  result.kind = resource.resource
  return result
}

export const apiErrors = {
  notFound: (resource: Resource, name: string) =>
    new ApiError(404, 'NotFound', `${qualifiedResource(resource)} ${goQuote(name)} not found`, details(resource, name)),

  alreadyExists: (resource: Resource, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualifiedResource(resource)} ${goQuote(name)} already exists`, details(resource, name)),

  conflict: (resource: Resource, name: string, cause: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(resource)} ${goQuote(name)}: ${cause}`, details(resource, name)),

  /** The optimistic-concurrency conflict of an update at a stale resourceVersion. */
  modified: (resource: Resource, name: string) =>
    apiErrors.conflict(resource, name, 'the object has been modified; please apply your changes to the latest version and try again'),

  invalid: (kind: Kind, name: string, errors: readonly FieldError[]) => {
    const causes = errors.map((error) => ({reason: error.type, message: errorBody(error), field: error.field}))
    const statusDetails: StatusDetails = {}
    if (name.length > 0) statusDetails.name = name
    if (kind.group.length > 0) statusDetails.group = kind.group
    statusDetails.kind = kind.kind
    statusDetails.causes = causes
    return new ApiError(422, 'Invalid', `${qualifiedKind(kind)} ${goQuote(name)} is invalid: ${aggregateText(errors)}`, statusDetails)
  },

  forbidden: (resource: Resource | null, name: string, cause: string) => {
    let message: string
    if (!resource || resource.resource.length === 0) message = `forbidden: ${cause}`
    else if (name.length === 0) message = `${qualifiedResource(resource)} is forbidden: ${cause}`
    else message = `${qualifiedResource(resource)} ${goQuote(name)} is forbidden: ${cause}`
    return new ApiError(403, 'Forbidden', message, resource ? details(resource, name) : {})
  },

  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),

  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),

  /** 410 for a watch or list from a compacted resourceVersion. */
  expired: (message: string) => new ApiError(410, 'Expired', message),
  /** A compacted continue: the Status carries the token that lists the rest at the newest revision. */
  expiredContinue: (token: string, message: string) => new ApiError(410, 'Expired', message, undefined, token),

  methodNotSupported: (resource: Resource, action: string) =>
    new ApiError(405, 'MethodNotAllowed', `${action} is not supported on resources of kind ${goQuote(qualifiedResource(resource))}`, details(resource, '')),

  /**
   * A verb the resource's REST storage does not implement. kube-apiserver registers no route for
   * it, and go-restful's 405 becomes a generic Status; only a watch of a resource that lists (the
   * list route asked with watch=true) is refused by name.
   */
  unsupportedVerb: (resource: Resource & {verbs: readonly string[]}, verb: string) =>
    verb === 'watch' && resource.verbs.includes('list')
      ? apiErrors.methodNotSupported(resource, verb)
      : new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}),

  /** The kubelet refused to start a stream (exec into a container it does not run): a 500 with its text, which kube-apiserver's proxy passes on. */
  kubeletRefused: (message: string) => new ApiError(500, 'InternalError', message, undefined, undefined, true),

  /** An error that is not a Status (a failed dial to a kubelet): kube-apiserver answers it as a 500 without a reason. */
  notStatus: (message: string) => new ApiError(500, '', message),

  notAcceptable: (message: string) => new ApiError(406, 'NotAcceptable', message),

  unsupportedMediaType: (accepted: readonly string[]) =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`),

  requestEntityTooLarge: (limitBytes: number) =>
    new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`),

  internal: (message: string) =>
    new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, {causes: [{reason: '', message}]}),

  /** An error from etcd passed through as kube-apiserver does (e.g. a request over etcd's size limit). */
  storage: (message: string) => new ApiError(500, '', message),

  pathNotFound: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}),

  timeout: (message: string) => new ApiError(504, 'Timeout', message),

  tooManyRequests: (message: string, retryAfterSeconds: number, causes: StatusCause[] = []) => {
    const statusDetails: StatusDetails = {}
    if (causes.length > 0) statusDetails.causes = causes
    if (retryAfterSeconds > 0) statusDetails.retryAfterSeconds = retryAfterSeconds
    return new ApiError(429, 'TooManyRequests', message, statusDetails)
  },
}

/**
 * A failure of etcd as kube-apiserver answers it: its storage layer passes etcd's error up as it
 * is, and responsewriters.ErrorToAPIStatus makes any such error a 500 with no reason and etcd's
 * text ("etcdserver: request timed out" without a quorum, "etcdserver: permission denied" for a
 * user without the role), which kubectl prints as `Error from server: <text>`. A failure of the
 * embedded members' files (a writer lock held too long, a damaged file) is an internal error
 * naming the file. Null for other errors.
 */
export function etcdFailure(error: unknown): ApiError | null {
  if (error instanceof EtcdError || (error instanceof Error && error.message.startsWith('etcdserver: '))) return apiErrors.storage(error.message)
  if (error instanceof StorageError) return apiErrors.internal(error.message)
  return null
}

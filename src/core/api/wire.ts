// The shapes that cross the Kubernetes API between the API server and its clients (the control
// plane's client, the kubectl clone, up's front door): a request and its answer, a watch and its
// events, a metav1.Status, the user a request acts as, an exec's answer. The server and every
// client import them from here, so a client never reaches into the API server to know a shape.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface ApiRequest {
  readonly method: HttpMethod
  readonly path: string
  readonly query?: Readonly<Record<string, string>>
  /** Header names in lower case: authorization, content-type, impersonate-user, impersonate-group. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>
  readonly body?: Uint8Array | string
  /** The certificate (PEM) a TLS client presented; the API server's x509 authentication verifies it. */
  readonly clientCertificate?: string
}

/**
 * A request as an in-process caller hands it to the API server (the control plane's clients, the
 * API server on its own behalf): it carries its user instead of credentials.
 */
export interface TrustedRequest extends ApiRequest {
  readonly user?: UserInfo
  /**
   * The caller changes nothing in a watch's event objects (an informer, which keeps frozen copies
   * of its own; the HTTP front door, which writes them out as JSON): their parts may be the API
   * server's own copy of what it wrote, instead of a copy per watcher.
   */
  readonly readOnlyWatch?: boolean
}

/**
 * Whether a request's query asks for a watch, as kube-apiserver decodes the `watch` parameter
 * (any value but `0` or `false`, in any case; present and empty counts). A named object's path
 * with it is still a get: only a collection's becomes a watch.
 */
export function watchAsked(query: Readonly<Record<string, string>> | undefined): boolean {
  const value = query?.watch
  return value !== undefined && value !== '0' && value.toLowerCase() !== 'false'
}

/**
 * Whether an API path names a collection (`/api/v1/namespaces/NS/pods`, `/apis/G/V/nodes`) rather
 * than one object (`…/pods/NAME`, `/api/v1/namespaces/NS`) or a subresource, as kube-apiserver's
 * request info reads the segments after the version.
 */
export function namesCollection(path: string): boolean {
  const segments = path.split('/').filter((segment) => segment.length > 0)
  const afterVersion = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : null
  if (afterVersion === null || afterVersion.length === 0) return false
  const resourceParts = afterVersion[0] === 'namespaces' && afterVersion.length >= 3 ? afterVersion.slice(2) : afterVersion
  return resourceParts.length === 1
}

export interface ApiResponse {
  readonly status: number
  readonly body: unknown
  /** Set when the body is not JSON (pods/log answers text/plain). */
  readonly contentType?: string
  /** Headers besides content type and warnings (Retry-After of a 429). */
  readonly headers?: Readonly<Record<string, string>>
  readonly warnings: readonly string[]
  /** Set for a watch: the events follow. */
  readonly watch?: ApiWatch
  /** Set for a followed text body (pods/log?follow=true): more text follows the body, as it is written. */
  readonly textFollow?: TextFollow
}

/** The rest of a followed text body. */
export interface TextFollow {
  /** The next text (possibly empty); null once the body has ended. */
  next(): Promise<string | null>
  cancel(): void
}

/** One exchange of pods/NAME/portforward?ports=N (apiserver/port-forward-exchange.ts): the pod's server's bytes in base64, or why it refused. */
export interface PortForwardAnswer {
  readonly refusal?: string
  readonly data: string
  readonly consumedBytes: number
  readonly closes: boolean
}

/** What an exec in a container gave: its output and exit status, or that its program was not found. */
export interface ExecAnswer {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
  readonly notFound: boolean
}

/** An exec with stdin run as its input comes (`session=open`, then `session=ID` with each piece): what it printed, in order, and its exit once it ended. */
export interface ExecSessionAnswer {
  readonly session: string
  readonly output: ReadonlyArray<{readonly stream: 'stdout' | 'stderr'; readonly text: string}>
  /** null while the command runs (it waits for more input). */
  readonly exitCode: number | null
  /** The runtime could not start the program (exec's OCI error); no session then. */
  readonly notFound: boolean
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'

export interface WatchEvent {
  readonly type: WatchEventType
  readonly object: Record<string, unknown>
}

export interface ApiWatch {
  /** The next events; null when the watch ended. */
  next(): Promise<WatchEvent[] | null>
  cancel(): void
}

export interface UserInfo {
  readonly name: string
  readonly uid?: string
  readonly groups: readonly string[]
  readonly extra?: Readonly<Record<string, readonly string[]>>
}

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Forbidden'
  | 'Unauthorized'
  | 'BadRequest'
  | 'Expired'
  | 'Gone'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'InternalError'
  | 'Timeout'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | ''

export interface StatusCause {
  reason?: string
  message: string
  field?: string
}

export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: StatusCause[]
  retryAfterSeconds?: number
}

export interface Status {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: {continue?: string}
  status: 'Success' | 'Failure'
  message?: string
  reason?: StatusReason
  details?: StatusDetails
  code: number
}

// The API client of the control-plane components (client-go's role): every read and write of the
// scheduler, the controllers and the kubelets goes through the API server's request pipeline as
// one user, never to the store. It remembers the newest resourceVersion it wrote per resource,
// so an informer can wait until its watch has shown the component its own writes.
import type {KubeObject, ObjectToWrite} from '../api/object.js'
import type {ApiResponse, ApiWatch, TrustedRequest, UserInfo} from '../api/wire.js'
import {genericServerResponse, requestTargetOf, unstructuredErrorText} from '../api/generic-response.js'

export interface ResourceRef {
  readonly group: string
  readonly version: string
  readonly resource: string
  readonly namespaced: boolean
}

export interface RequestHandler {
  handle(request: TrustedRequest): Promise<ApiResponse>
}

export class ApiClientError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiClientError'
  }
}

export const isNotFound = (error: unknown): boolean => error instanceof ApiClientError && error.code === 404
export const isConflict = (error: unknown): boolean => error instanceof ApiClientError && error.code === 409
export const isAlreadyExists = (error: unknown): boolean => error instanceof ApiClientError && error.reason === 'AlreadyExists'
export const isForbidden = (error: unknown): boolean => error instanceof ApiClientError && error.code === 403
export const isGone = (error: unknown): boolean => error instanceof ApiClientError && error.code === 410

export function resourceKey(resource: ResourceRef): string {
  return resource.group ? `${resource.resource}.${resource.group}` : resource.resource
}

/** `namespace/name`, or `name` for a cluster-scoped object: the key of informer caches and work queues. */
export function objectKey(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : String(object.metadata.name)
}

export function splitKey(key: string): {namespace: string; name: string} {
  const slash = key.indexOf('/')
  return slash < 0 ? {namespace: '', name: key} : {namespace: key.slice(0, slash), name: key.slice(slash + 1)}
}

export interface ListResult<T> {
  readonly items: T[]
  readonly resourceVersion: string
  /** The token of the next page when the list was asked for with a limit and there is more. */
  readonly continue?: string
}

export class ApiClient {
  constructor(
    private readonly server: RequestHandler,
    readonly user: UserInfo,
    /** The component's name: its user agent, hence the field manager of its writes (kube-scheduler, kubelet…). */
    readonly component = 'kubemu',
    /** The newest revision written per resource; shared by the clients of one component (see forUser). */
    private readonly writtenRevisions = new Map<string, number>(),
    /** A loop of the component (deployment-controller), added to the user agent as client-go's AddUserAgent does. */
    private readonly loop = '',
  ) {}

  /** The same component as one of its loops: kube-controller-manager's clients say which controller writes. */
  forLoop(loop: string): ApiClient {
    return new ApiClient(this.server, this.user, this.component, this.writtenRevisions, loop)
  }

  /**
   * The same component as another user (each kubelet is its node's user), whose writes count as
   * this client's: one `writtenRevision` tells what the component as a whole has written.
   */
  forUser(user: UserInfo): ApiClient {
    return new ApiClient(this.server, user, this.component, this.writtenRevisions, this.loop)
  }

  static collectionPath(resource: ResourceRef, namespace: string): string {
    const base = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`
    return resource.namespaced && namespace ? `${base}/namespaces/${namespace}/${resource.resource}` : `${base}/${resource.resource}`
  }

  static objectPath(resource: ResourceRef, namespace: string, name: string, subresource = ''): string {
    return `${ApiClient.collectionPath(resource, namespace)}/${name}${subresource ? `/${subresource}` : ''}`
  }

  /** The newest resourceVersion this client wrote for the resource (0 when none). */
  writtenRevision(resource: ResourceRef): number {
    return this.writtenRevisions.get(resourceKey(resource)) ?? 0
  }

  async request(method: TrustedRequest['method'], path: string, options: {query?: Record<string, string>; body?: unknown; contentType?: string; accept?: string; readOnlyWatch?: boolean} = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {'user-agent': `${this.component}/v1.32.0 (linux/amd64) kubernetes/kubemu${this.loop ? `/${this.loop}` : ''}`}
    if (options.accept) headers.accept = options.accept
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json'
    const response = await this.server.handle({method, path, query: options.query, headers, user: this.user, body: options.body === undefined ? undefined : JSON.stringify(options.body), ...(options.readOnlyWatch ? {readOnlyWatch: true} : {})})
    if (response.status >= 400) {
      const body = response.body as {kind?: unknown; reason?: string; message?: string} | null
      if (body !== null && typeof body === 'object' && body.kind === 'Status') throw new ApiClientError(response.status, body.reason ?? '', body.message ?? '')
      // A body that is no Status (an aggregated API's `service unavailable`): client-go's words for the request.
      const generic = genericServerResponse(response.status, method, unstructuredErrorText(response.body, response.contentType), requestTargetOf(path))
      throw new ApiClientError(generic.code, generic.reason, generic.message)
    }
    return response
  }

  private remember(resource: ResourceRef, body: unknown): void {
    const version = Number((body as Partial<KubeObject> | null)?.metadata?.resourceVersion ?? 0)
    const key = resourceKey(resource)
    if (version > (this.writtenRevisions.get(key) ?? 0)) this.writtenRevisions.set(key, version)
  }

  async list<T extends KubeObject>(resource: ResourceRef, namespace = '', query: Record<string, string> = {}): Promise<ListResult<T>> {
    const body = (await this.request('GET', ApiClient.collectionPath(resource, namespace), {query})).body as {items: T[]; metadata: {resourceVersion: string; continue?: string}}
    return {items: body.items, resourceVersion: body.metadata.resourceVersion, ...(body.metadata.continue ? {continue: body.metadata.continue} : {})}
  }

  /** A watch whose events' objects the caller does not change (an informer's: it keeps frozen copies of its own). */
  async watch(resource: ResourceRef, resourceVersion: string, namespace = ''): Promise<ApiWatch> {
    const response = await this.request('GET', ApiClient.collectionPath(resource, namespace), {query: {watch: 'true', resourceVersion}, readOnlyWatch: true})
    if (!response.watch) throw new Error(`assertion failed: a watch of ${resourceKey(resource)} returned no event stream`)
    return response.watch
  }

  async get<T extends KubeObject>(resource: ResourceRef, namespace: string, name: string): Promise<T> {
    return (await this.request('GET', ApiClient.objectPath(resource, namespace, name))).body as T
  }

  async create<T extends KubeObject>(resource: ResourceRef, object: ObjectToWrite | KubeObject, subresource = ''): Promise<T> {
    const namespace = object.metadata.namespace ?? ''
    const path = subresource ? ApiClient.objectPath(resource, namespace, String(object.metadata.name), subresource) : ApiClient.collectionPath(resource, namespace)
    const body = (await this.request('POST', path, {body: object})).body as T
    this.remember(resource, body)
    return body
  }

  async update<T extends KubeObject>(resource: ResourceRef, object: ObjectToWrite | KubeObject, subresource = ''): Promise<T> {
    const body = (await this.request('PUT', ApiClient.objectPath(resource, object.metadata.namespace ?? '', String(object.metadata.name), subresource), {body: object})).body as T
    this.remember(resource, body)
    return body
  }

  async patch<T extends KubeObject>(resource: ResourceRef, namespace: string, name: string, patch: unknown, options: {subresource?: string; type?: 'merge' | 'strategic' | 'json'} = {}): Promise<T> {
    const contentTypes = {merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', json: 'application/json-patch+json'}
    const body = (await this.request('PATCH', ApiClient.objectPath(resource, namespace, name, options.subresource ?? ''), {body: patch, contentType: contentTypes[options.type ?? 'merge']})).body as T
    this.remember(resource, body)
    return body
  }

  async delete(resource: ResourceRef, namespace: string, name: string, options: {gracePeriodSeconds?: number; propagationPolicy?: string; preconditions?: {uid?: string; resourceVersion?: string}} = {}): Promise<KubeObject | null> {
    const body = (await this.request('DELETE', ApiClient.objectPath(resource, namespace, name), {body: {kind: 'DeleteOptions', apiVersion: 'v1', ...options}})).body as KubeObject
    this.remember(resource, body)
    return body?.metadata ? body : null
  }
}

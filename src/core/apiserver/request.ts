// Requests in the shape kube-apiserver receives them (method, path, query, headers, body), and
// the request info it derives from the path: API group, version, namespace, resource, name,
// subresource and verb.
import {apiErrors} from './api-errors.js'
import {type ApiRequest, type HttpMethod, watchAsked} from '../api/wire.js'

export interface RequestInfo {
  readonly isResourceRequest: boolean
  readonly path: string
  readonly verb: string
  readonly apiPrefix: string
  readonly group: string
  readonly version: string
  readonly namespace: string
  readonly resource: string
  readonly name: string
  readonly subresource: string
}

/** Paths deeper than this are not resources (as kube-apiserver's parser refuses them). */
export const pathSegmentsMax = 8

function verbOf(method: HttpMethod, name: string, watch: boolean): string {
  switch (method) {
    case 'GET':
      // As kube-apiserver's RequestInfoFactory: a named GET is a get, whatever ?watch says.
      return name.length > 0 ? 'get' : watch ? 'watch' : 'list'
    case 'POST':
      return 'create'
    case 'PUT':
      return 'update'
    case 'PATCH':
      return 'patch'
    case 'DELETE':
      return name.length > 0 ? 'delete' : 'deletecollection'
  }
}

export function requestInfo(request: ApiRequest): RequestInfo {
  const segments = request.path.split('/').filter((segment) => segment.length > 0).map(decodeURIComponent)
  const watch = watchAsked(request.query)
  const nonResource = {
    isResourceRequest: false, path: request.path, verb: request.method.toLowerCase(), apiPrefix: '', group: '', version: '', namespace: '', resource: '', name: '', subresource: '',
  }
  if (segments.length > pathSegmentsMax) throw apiErrors.pathNotFound()
  let rest: string[]
  let apiPrefix: string
  let group = ''
  let version: string
  if (segments[0] === 'api' && segments.length >= 3) {
    apiPrefix = 'api'
    version = segments[1]!
    rest = segments.slice(2)
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    apiPrefix = 'apis'
    group = segments[1]!
    version = segments[2]!
    rest = segments.slice(3)
  } else {
    return nonResource
  }
  // As kube-apiserver's RequestInfoFactory: namespaces/{ns}/... scopes what follows, except the
  // namespace's own subresources (status, finalize).
  let namespace = ''
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]!
    if (rest.length > 2 && !['status', 'finalize'].includes(rest[2]!)) rest = rest.slice(2)
  }
  if (rest.length > 3) throw apiErrors.pathNotFound()
  const resource = rest[0] ?? ''
  const name = rest[1] ?? ''
  const subresource = rest[2] ?? ''
  return {
    isResourceRequest: true,
    path: request.path,
    verb: verbOf(request.method, name, watch),
    apiPrefix,
    group,
    version,
    namespace,
    resource,
    name,
    subresource,
  }
}

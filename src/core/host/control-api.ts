// The control endpoints of a running `kubemu up`, beside the Kubernetes API on its loopback port:
// what commands other than kubectl ask of the process that drives the cluster (move the clock,
// stop and start members and masters). One module for both sides: `up` serves these paths, the
// remote host calls them. Only the cluster's admin (its token) may use them.
import {timingSafeEqual} from 'node:crypto'
import type {ApiResponse, TrustedRequest} from '../api/wire.js'
import {ApiError} from '../apiserver/api-errors.js'
import {anonymousUser} from '../apiserver/authentication/user.js'
import type {AdvanceResult, AuthenticatingHandler, FaultAction, FaultKind, FaultResult, KubernetesHandler, TimeReading} from './cluster-host.js'

export const controlPathPrefix = '/kubemu/v1/'
/** A control request's body (a duration, a name) is small. */
export const controlBodyBytesMax = 4096

/** What `up` does for the control endpoints. Each throws HostRequestError for a refusal. */
export interface HostOperations {
  /** The cluster folder `up` drives: how a copy of its kubeconfig, used from another home, finds the cluster. */
  folder(): string
  time(): TimeReading
  advance(milliseconds: number): Promise<AdvanceResult>
  fault(kind: FaultKind, name: string, action: FaultAction, force: boolean): Promise<FaultResult>
}

/** A request the host refuses (unknown name, bad duration, a quorum at stake): the message is for the user. */
export class HostRequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

function reply(status: number, body: unknown): ApiResponse {
  return {status, body, warnings: []}
}

function bodyOf(request: TrustedRequest): Record<string, unknown> {
  const raw = request.body
  if (raw === undefined) return {}
  const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8')
  if (text.length > controlBodyBytesMax) throw new HostRequestError('request body too large', 413)
  try {
    const parsed = JSON.parse(text || '{}') as unknown
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>
  } catch {
    // answered below
  }
  throw new HostRequestError('request body must be a JSON object')
}

async function route(operations: HostOperations, request: TrustedRequest, path: string): Promise<ApiResponse> {
  if (path === 'folder' && request.method === 'GET') return reply(200, {folder: operations.folder()})
  if (path === 'time' && request.method === 'GET') return reply(200, operations.time())
  if (path === 'time/advance' && request.method === 'POST') {
    const milliseconds = bodyOf(request).milliseconds
    if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds) || milliseconds < 0) throw new HostRequestError('milliseconds must be a number, not negative')
    return reply(200, await operations.advance(milliseconds))
  }
  const fault = /^(members|masters)\/([^/]+)\/(stop|start)$/.exec(path)
  if (fault && request.method === 'POST') {
    const force = bodyOf(request).force === true
    const name = decodeURIComponent(fault[2]!)
    const action = fault[3] as FaultAction
    return reply(200, await operations.fault(fault[1] as FaultKind, name, action, force))
  }
  return reply(404, {message: `no such control endpoint: ${request.method} ${controlPathPrefix}${path}`})
}

/** The Kubernetes API with the control endpoints in front (admin only). */
export function withControlEndpoints(api: KubernetesHandler, operations: HostOperations, adminToken: () => string): KubernetesHandler {
  return {
    async handle(request) {
      if (!request.path.startsWith(controlPathPrefix)) return api.handle(request)
      if (request.headers?.authorization !== `Bearer ${adminToken()}`) return reply(401, {message: 'Unauthorized: the control endpoints take the cluster admin\'s token'})
      try {
        return await route(operations, request, request.path.slice(controlPathPrefix.length))
      } catch (error) {
        if (error instanceof HostRequestError) return reply(error.status, {message: error.message})
        throw error
      }
    },
  }
}

/** Compares a presented credential with the expected one in constant time. */
function sameSecret(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)]
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The Kubernetes API with the folder endpoint alone in front, for the secure port kubeconfigs name:
 * a copy of `up`'s kubeconfig used from another home, or a kubeconfig of any user of the cluster,
 * asks it which cluster it is with the credentials its requests carry (a token, a client
 * certificate); any other request, and this one without credentials the API server takes, is the
 * API server's. The credentials are checked by the API server's authentication step alone (no
 * request of the user's: nothing in the audit log, the metrics or the loops' wake-ups); when no
 * API server can tell (every master stopped, no quorum), the answer is the failure any request of
 * the user's meets then, which the kubectl that asked prints as its own.
 */
export function withFolderEndpoint(api: AuthenticatingHandler, folder: string, adminToken: () => string): KubernetesHandler {
  const authenticated = async (request: TrustedRequest): Promise<boolean> => {
    const user = await api.authenticatedUser(request)
    return user !== null && user.name !== anonymousUser.name
  }
  return {
    async handle(request, trace) {
      if (request.path !== `${controlPathPrefix}folder` || request.method !== 'GET' || request.user !== undefined) return api.handle(request, trace)
      try {
        // The admin's token is known here: its copies work even while no API server can answer.
        if (sameSecret(String(request.headers?.authorization ?? ''), `Bearer ${adminToken()}`) || (await authenticated(request))) return reply(200, {folder})
      } catch (error) {
        if (error instanceof ApiError) return {status: error.code, body: error.toStatus(), warnings: []}
        throw error
      }
      return api.handle(request, trace)
    },
  }
}

/** Calls a control endpoint of the `up` at `url`; a refusal comes back as HostRequestError. */
export async function callControl<T>(url: string, adminToken: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response
  try {
    response = await fetch(new URL(`${controlPathPrefix}${path}`, url), {
      method,
      headers: {authorization: `Bearer ${adminToken}`, 'content-type': 'application/json'},
      ...(body === undefined ? {} : {body: JSON.stringify(body)}),
    })
  } catch (error) {
    throw new HostRequestError(`kubemu up at ${url} does not answer (${error instanceof Error ? error.message : String(error)})`, 503)
  }
  const text = await response.text()
  let parsed: unknown = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    parsed = {message: text}
  }
  if (!response.ok) throw new HostRequestError((parsed as {message?: string} | null)?.message ?? `kubemu up answered ${response.status}`, response.status)
  return parsed as T
}

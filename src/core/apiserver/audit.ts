// The audit log: one audit.k8s.io/v1 Event per request at the Metadata level (who, what verb,
// which object, the response code), written as JSON lines like kube-apiserver's
// --audit-log-path, so a user can see who did what.
import {appendFileSync} from 'node:fs'
import {formatTimestamp, isJsonObject} from '../api/object.js'
import type {ApiRequest, ApiResponse, UserInfo} from '../api/wire.js'
import type {RequestInfo} from './request.js'

export type AuditSink = (event: Record<string, unknown>) => void

function userJson(user: UserInfo): Record<string, unknown> {
  const json: Record<string, unknown> = {username: user.name}
  if (user.uid) json.uid = user.uid
  json.groups = [...user.groups]
  if (user.extra) json.extra = user.extra
  return json
}

/** Microsecond timestamps, as audit events carry them. */
function microTime(milliseconds: number): string {
  return formatTimestamp(milliseconds).replace('Z', `.${String(milliseconds % 1000).padStart(3, '0')}000Z`)
}

export function auditEvent(input: {
  auditId: string
  request: ApiRequest
  response: ApiResponse
  user: UserInfo | null
  impersonator: UserInfo | null
  info: RequestInfo | null
  decision: string | null
  receivedMilliseconds: number
  completedMilliseconds: number
}): Record<string, unknown> {
  const {request, response, info} = input
  const query = new URLSearchParams(request.query ?? {}).toString()
  const event: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: input.auditId,
    stage: 'ResponseComplete',
    requestURI: query.length > 0 ? `${request.path}?${query}` : request.path,
    verb: info?.verb ?? request.method.toLowerCase(),
    user: input.impersonator ? userJson(input.impersonator) : input.user ? userJson(input.user) : {},
  }
  if (input.impersonator && input.user) event.impersonatedUser = userJson(input.user)
  event.sourceIPs = ['127.0.0.1']
  const userAgent = request.headers?.['user-agent']
  if (typeof userAgent === 'string') event.userAgent = userAgent
  if (info?.isResourceRequest && info.resource.length > 0) {
    const objectRef: Record<string, string> = {resource: info.resource}
    if (info.namespace.length > 0) objectRef.namespace = info.namespace
    if (info.name.length > 0) objectRef.name = info.name
    if (info.group.length > 0) objectRef.apiGroup = info.group
    objectRef.apiVersion = info.version
    if (info.subresource.length > 0) objectRef.subresource = info.subresource
    event.objectRef = objectRef
  }
  const responseStatus: Record<string, unknown> = {metadata: {}, code: response.status}
  if (response.status >= 300 && isJsonObject(response.body)) {
    const body = response.body
    if (body.status !== undefined) responseStatus.status = body.status
    if (body.message !== undefined) responseStatus.message = body.message
    if (body.reason !== undefined) responseStatus.reason = body.reason
  }
  event.responseStatus = responseStatus
  event.requestReceivedTimestamp = microTime(input.receivedMilliseconds)
  event.stageTimestamp = microTime(input.completedMilliseconds)
  if (input.decision) event.annotations = {'authorization.k8s.io/decision': input.decision, 'authorization.k8s.io/reason': ''}
  return event
}

/** Appends each event as one JSON line to `path`. */
export function auditLogFile(path: string): AuditSink {
  return (event) => appendFileSync(path, `${JSON.stringify(event)}\n`)
}

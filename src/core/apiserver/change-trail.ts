// What `kubemu trace` needs of each write the API server answers: who (the component's user),
// what (verb, resource, subresource, object), the admission plugins that changed or checked it,
// the answer's code, the etcd key and the revision it landed at, on the cluster clock. The API
// server hands one record per successful write to a sink; nothing is kept when there is none.
import {isJsonObject, isKubeObject, type KubeObject} from '../api/object.js'
import type {RaftPosition} from '../etcd/api.js'
import type {UserInfo} from '../api/wire.js'
import type {RequestInfo} from './request.js'

export interface ChangeRecord {
  /** Cluster time of the answer (milliseconds). */
  readonly time: number
  readonly user: string
  /** The client's User-Agent product (kubectl, kube-scheduler, kube-controller-manager/deployment-controller …), when it sent one. */
  readonly agent?: string
  readonly verb: string
  readonly group: string
  readonly resource: string
  readonly subresource?: string
  readonly namespace?: string
  readonly name: string
  readonly uid: string
  readonly code: number
  /** The etcd key and the revision the write landed at (the object's resourceVersion; 0 when the answer did not say, as a binding's). */
  readonly key: string
  readonly revision: number
  /** The raft entry that committed the write (its term and index), when the members run in the API server's process. */
  readonly raftTerm?: number
  readonly raftIndex?: number
  /** The uids of the object's owners (so a trace can walk Deployment → ReplicaSet → Pod). */
  readonly owners?: readonly string[]
  /** Admission plugins that changed the object, then those that checked it. */
  readonly mutatedBy?: readonly string[]
  readonly validatedBy?: readonly string[]
  /** For an Event: the uid of the object it is about, its reason and message. */
  readonly about?: string
  readonly reason?: string
  readonly message?: string
}

export interface ChangeSink {
  record(change: ChangeRecord): void
}

/** The verbs whose successful answers are changes. */
const writeVerbs = new Set(['create', 'update', 'patch', 'delete'])
/** Writes too frequent and too far from any chain to keep: heartbeats and leader-election renewals. */
const unrecordedResources = new Set(['leases', 'tokenreviews', 'subjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews'])

/** The admission plugins a request went through, gathered while it is served. */
export interface AdmissionTrail {
  readonly mutatedBy: string[]
  readonly validatedBy: string[]
}

/** `kube-controller-manager/deployment-controller` from client-go's user agent (product, then the loop AddUserAgent appended). */
function productOf(userAgent: unknown): string | undefined {
  if (typeof userAgent !== 'string' || userAgent.length === 0) return undefined
  const product = userAgent.split('/')[0]
  const loop = /\) kubernetes\/[^/\s]+\/(\S+)$/.exec(userAgent)?.[1]
  return loop ? `${product}/${loop}` : product
}

/** The record of a request's answer, or null when it changed nothing worth keeping. */
export function changeRecordOf(input: {
  info: RequestInfo | null
  user: UserInfo | null
  status: number
  body: unknown
  userAgent: unknown
  trail: AdmissionTrail | null
  key: (info: RequestInfo, name: string) => string | null
  /** The raft entry of a revision, where the store can tell. */
  raftPosition: (revision: number) => RaftPosition | null
  now: number
}): ChangeRecord | null {
  const {info, status, body} = input
  if (!info?.isResourceRequest || !writeVerbs.has(info.verb) || status >= 300 || unrecordedResources.has(info.resource)) return null
  // A node's heartbeat (its status every 10 s) is not part of any object's story.
  if (info.resource === 'nodes' && info.subresource === 'status') return null
  if (!isJsonObject(body)) return null
  // A binding answers with a Status, not the pod: its record names the pod by key, at no known revision.
  const answered = isKubeObject(body) && body.kind !== 'Status' ? body : null
  if (!answered && !info.subresource) return null
  const object: KubeObject = answered ?? {metadata: {name: info.name}}
  const revision = Number(object.metadata.resourceVersion ?? 0)
  const name = String(object.metadata.name ?? info.name)
  const key = input.key(info, name)
  if (!key || !Number.isFinite(revision) || revision < 0) return null
  const owners = (object.metadata.ownerReferences ?? []).map((reference) => reference.uid)
  const record: {-readonly [field in keyof ChangeRecord]: ChangeRecord[field]} = {
    time: input.now,
    user: input.user?.name ?? '',
    verb: info.verb,
    group: info.group,
    resource: info.resource,
    name,
    uid: String(object.metadata.uid ?? ''),
    code: status,
    key,
    revision,
  }
  // A delete answers with the object as it was stored before: its revision is not the delete's.
  const position = revision > 0 && info.verb !== 'delete' ? input.raftPosition(revision) : null
  if (position) {
    record.raftTerm = position.term
    record.raftIndex = position.index
  }
  const agent = productOf(input.userAgent)
  if (agent) record.agent = agent
  if (info.subresource) record.subresource = info.subresource
  if (info.namespace) record.namespace = info.namespace
  if (owners.length > 0) record.owners = owners
  if (input.trail && input.trail.mutatedBy.length > 0) record.mutatedBy = [...new Set(input.trail.mutatedBy)]
  if (input.trail && input.trail.validatedBy.length > 0) record.validatedBy = [...new Set(input.trail.validatedBy)]
  if (info.resource === 'events' && isJsonObject(body.involvedObject)) {
    record.about = String(body.involvedObject.uid ?? '')
    record.reason = String(body.reason ?? '')
    record.message = String(body.message ?? '')
  }
  return record
}

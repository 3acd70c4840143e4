// `kubemu trace KIND/NAME`: the chain of writes that made an object what it is and what it
// caused, from the API server's change log: its owners up the chain (Deployment → ReplicaSet),
// the object, what it owns down the chain (ReplicaSet → Pods), and the events about them, in the
// order the API server answered, each with its component, request, admission, key and revision.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import type {ChangeRecord} from '../apiserver/change-trail.js'

/** A trace shows at most this many steps (the newest; it says how many it left out). */
export const traceStepsMax = 400
/** How far down the ownership chain a trace follows (Deployment → ReplicaSet → Pod is 2). */
export const traceDepthMax = 4

export interface TraceStep {
  readonly time: string
  /** The component as a person names it (kubectl, deployment-controller, kube-scheduler, kubelet on worker-1). */
  readonly component: string
  readonly user: string
  /** `create`, `update`, `patch`, `delete`, or `event` for an Event about an object of the chain. */
  readonly verb: string
  /** `deployments/web`, `pods/web-1/binding`. */
  readonly target: string
  readonly namespace: string | null
  readonly code: number | null
  readonly key: string | null
  /** The revision the write landed at (null when the answer did not say, as a binding's). */
  readonly revision: number | null
  /** The raft entry that committed it (null when the process that wrote it did not run the members). */
  readonly raft: {readonly term: number; readonly index: number} | null
  readonly mutatedBy: readonly string[]
  readonly validatedBy: readonly string[]
  /** How the component learnt of the step before it: the watch event it was carried by. */
  readonly via: string | null
  /** An event's reason and message. */
  readonly reason?: string
  readonly message?: string
}

export interface Trace {
  readonly object: string
  readonly namespace: string | null
  readonly uid: string
  readonly steps: readonly TraceStep[]
  /** Steps left out (older than the ones shown). */
  readonly omitted: number
}

/** The component behind a user name, as the seeds name the components. */
export function componentOf(user: string, agent?: string): string {
  const serviceAccount = /^system:serviceaccount:kube-system:(.+)$/.exec(user)
  if (serviceAccount) return serviceAccount[1]!
  const node = /^system:node:(.+)$/.exec(user)
  if (node) return `kubelet on ${node[1]}`
  if (user === 'system:kube-scheduler') return 'kube-scheduler'
  // kube-controller-manager's clients name their controller in the user agent.
  if (user === 'system:kube-controller-manager') return agent?.startsWith('kube-controller-manager/') ? agent.slice('kube-controller-manager/'.length) : 'kube-controller-manager'
  if (user === 'system:apiserver' || user === 'system:kube-apiserver') return 'kube-apiserver'
  if (user === 'system:kube-proxy') return 'kube-proxy'
  return agent ? `${agent} (${user})` : user
}

function stepOf(record: ChangeRecord, via: string | null): TraceStep {
  const isEvent = record.resource === 'events' && record.about !== undefined
  return {
    time: formatTimestamp(record.time).replace('Z', `.${String(record.time % 1000).padStart(3, '0')}Z`),
    component: componentOf(record.user, record.agent),
    user: record.user,
    verb: isEvent ? 'event' : record.verb,
    target: `${record.resource}/${record.name}${record.subresource ? `/${record.subresource}` : ''}`,
    namespace: record.namespace ?? null,
    code: record.code,
    key: record.key,
    revision: record.revision > 0 ? record.revision : null,
    raft: record.raftTerm !== undefined && record.raftIndex !== undefined ? {term: record.raftTerm, index: record.raftIndex} : null,
    mutatedBy: record.mutatedBy ?? [],
    validatedBy: record.validatedBy ?? [],
    via,
    ...(isEvent ? {reason: record.reason ?? '', message: record.message ?? ''} : {}),
  }
}

/**
 * The chain through `object`: its recorded owners up the chain, itself, and what it owns down to
 * traceDepthMax, then every recorded write to them and every event about them, in answer order.
 */
export function traceOf(object: KubeObject, label: string, changes: readonly ChangeRecord[]): Trace {
  const uid = String(object.metadata.uid ?? '')
  const ownersOf = new Map<string, Set<string>>()
  const childrenOf = new Map<string, Set<string>>()
  const add = (map: Map<string, Set<string>>, key: string, value: string) => {
    const set = map.get(key) ?? new Set<string>()
    set.add(value)
    map.set(key, set)
  }
  for (const change of changes) {
    for (const owner of change.owners ?? []) {
      add(ownersOf, change.uid, owner)
      add(childrenOf, owner, change.uid)
    }
  }
  for (const reference of object.metadata.ownerReferences ?? []) add(ownersOf, uid, reference.uid)
  const chain = new Set<string>([uid])
  // Up: the owners' owners (bounded: an ownership chain has no cycles, but a log might).
  let frontier = [uid]
  for (let depth = 0; depth < traceDepthMax && frontier.length > 0; depth++) {
    frontier = frontier.flatMap((member) => [...(ownersOf.get(member) ?? [])]).filter((owner) => !chain.has(owner))
    for (const owner of frontier) chain.add(owner)
  }
  // Down: what the object owns, and what that owns.
  frontier = [uid]
  for (let depth = 0; depth < traceDepthMax && frontier.length > 0; depth++) {
    frontier = frontier.flatMap((member) => [...(childrenOf.get(member) ?? [])]).filter((child) => !chain.has(child))
    for (const child of frontier) chain.add(child)
  }
  // Writes answered without the object (a binding) belong by key to objects of the chain.
  const keys = new Set(changes.filter((change) => chain.has(change.uid)).map((change) => change.key))
  const inChain = changes.filter((change) =>
    change.resource === 'events' ? change.about !== undefined && chain.has(change.about) : chain.has(change.uid) || (change.uid === '' && keys.has(change.key)),
  )
  // Which objects of the chain are related to which (the same, an owner, or owned, at any depth).
  const lineage = (of: string): string[] => {
    const related: string[] = []
    let up = [of]
    let down = [of]
    for (let depth = 0; depth < traceDepthMax; depth++) {
      up = up.flatMap((member) => [...(ownersOf.get(member) ?? [])])
      down = down.flatMap((member) => [...(childrenOf.get(member) ?? [])])
      related.push(...down, ...up)
    }
    return related
  }
  const uidOf = (change: ChangeRecord) => (change.uid !== '' ? change.uid : changes.find((other) => other.key === change.key && other.uid !== '')?.uid ?? '')
  const steps: TraceStep[] = []
  const written: ChangeRecord[] = []
  for (const change of inChain) {
    if (change.resource === 'events') {
      steps.push(stepOf(change, null))
      continue
    }
    // A hand-off: another component wrote last. What this one saw is the newest change by another
    // component to the same object, else to what it owns, else to its owners: a watch carried it.
    let via: string | null = null
    const last = written.at(-1)
    const component = componentOf(change.user, change.agent)
    const byOther = (other: ChangeRecord) => componentOf(other.user, other.agent) !== component
    if (last && byOther(last)) {
      const self = uidOf(change)
      const others = written.filter(byOther)
      const related = lineage(self)
      const cause = others.filter((other) => uidOf(other) === self).at(-1) ?? others.filter((other) => related.includes(uidOf(other))).at(-1) ?? last
      via = `watch ${cause.resource}${cause.subresource ? ` (${cause.subresource})` : ''}${cause.revision > 0 ? ` @ revision ${cause.revision}` : ''}`
    }
    steps.push(stepOf(change, via))
    written.push(change)
  }
  const omitted = Math.max(0, steps.length - traceStepsMax)
  return {object: label, namespace: object.metadata.namespace ? String(object.metadata.namespace) : null, uid, steps: steps.slice(omitted), omitted}
}

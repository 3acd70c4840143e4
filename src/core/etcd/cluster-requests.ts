// Requests through the embedded cluster: proposals (group-committed) and linearizable reads,
// each driven until the member it went through has applied it, or its deadline passes.
import {EtcdError, etcdErrors} from '../mvcc/errors.js'
import {type ApplyOutcome, type InternalRequest, encodeRequest} from '../mvcc/state-machine.js'
import {RaftError} from '../raft/types.js'
import {nextMacrotask} from '../util/macrotask.js'
import type {EtcdMember} from './member.js'
import {requestTrace} from './request-trace.js'

/** Proposals handed to raft in one message. */
export const proposalsPerBatchMax = 4096

/** What a request needs of the cluster: its driver loop, and which members run in this process. */
export interface RequestDriver {
  driveUntil(attempt: () => boolean, timeoutMilliseconds: number, answered?: () => boolean): Promise<boolean>
  memberById(id: string): EtcdMember | null
}

/**
 * A proposal's deadline passed before raft took it (no member knew a leader): it is in no log,
 * so another member may retry it without applying it twice. etcdctl sees etcd's client timeout.
 */
export class UnproposedError extends EtcdError {
  constructor() {
    super('DeadlineExceeded', etcdErrors.deadlineExceeded().message)
  }
}

let requestCounter = 0

/** A request ID unique across processes: the pid and start time tell processes apart. */
export function nextRequestId(): string {
  requestCounter++
  return `${process.pid.toString(36)}-${processStart.toString(36)}-${requestCounter.toString(36)}`
}
const processStart = Date.now()

/**
 * Proposes requests through `member` and waits until it has applied all of them. Group
 * commit: the requests go to raft at once, then the caller lets every other request already
 * on its way propose too before anyone drives, so that one Ready (one fsync per member, one
 * transaction of applies) carries all of them.
 */
export async function proposeThrough(cluster: RequestDriver, member: EtcdMember, requests: readonly InternalRequest[], timeoutMilliseconds: number): Promise<ApplyOutcome[]> {
  const outcomes = new Map<string, ApplyOutcome>()
  for (const request of requests) member.awaitApply(request.id, (outcome) => outcomes.set(request.id, outcome))
  if (requestTrace) for (const request of requests) requestTrace.started(request.id, member.layout.name)
  const unproposed = requests.map((request) => ({id: request.id, data: encodeRequest(request)}))
  const proposeRest = (): boolean => {
    // A follower would forward to a leader that is not running here: the message would be lost.
    // Hold the proposals until an election names a leader that can take them.
    if (unproposed.length > 0 && !leadRuns(cluster, member)) return false
    while (unproposed.length > 0) {
      const batch = unproposed.slice(0, proposalsPerBatchMax)
      try {
        member.raft.proposeBatch(batch.map((item) => item.data))
        if (requestTrace) for (const item of batch) requestTrace.proposed(item.id)
        unproposed.splice(0, batch.length)
      } catch (error) {
        if (error instanceof RaftError) return false
        throw error
      }
    }
    return true
  }
  let done: boolean
  try {
    if (proposeRest()) await nextMacrotask()
    done = await cluster.driveUntil(() => proposeRest() && outcomes.size === requests.length, timeoutMilliseconds, () => outcomes.size === requests.length)
  } finally {
    // However the drive ends (a closed cluster throws), the trace lets go of the requests.
    if (requestTrace) for (const request of requests) requestTrace.finished(request.id)
  }
  if (!done) {
    for (const request of requests) member.forgetRequest(request.id)
    member.metrics.proposalsFailed += requests.length
    throw unproposed.length === requests.length ? new UnproposedError() : etcdErrors.deadlineExceeded()
  }
  return requests.map((request) => outcomes.get(request.id)!)
}

/** Whether the leader `member` knows of (if any) runs in this process. */
function leadRuns(cluster: RequestDriver, member: EtcdMember): boolean {
  const lead = member.raft.lead
  return lead === '' || lead === member.id || cluster.memberById(lead) !== null
}

/** ReadIndex through `member`: returns once it has applied everything committed before the call. */
export async function readThrough(cluster: RequestDriver, member: EtcdMember, timeoutMilliseconds: number): Promise<void> {
  const context = nextRequestId()
  let readIndex = -1
  let asked = false
  const ask = () => {
    member.awaitReadIndex(context, (index) => (readIndex = index))
    member.raft.readIndex(context)
    asked = true
  }
  // Like proposals: reads on their way together share one round of heartbeats.
  ask()
  await nextMacrotask()
  const done = await cluster.driveUntil(() => {
    if (readIndex > 0) return member.appliedIndex() >= readIndex
    if (readIndex === 0) {
      // No leader could confirm the read yet; ask again after the next tick.
      readIndex = -1
      asked = false
      return false
    }
    if (!asked) ask()
    return false
  }, timeoutMilliseconds)
  if (!done) {
    member.forgetRead(context)
    throw etcdErrors.deadlineExceeded()
  }
}

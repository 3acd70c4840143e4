import type {MemberDatabase} from '../storage/member-database.js'
import {decodeValue, encodeValue} from '../util/codec.js'
import {EtcdError, etcdErrors} from './errors.js'
import {decodeRequestBytes, encodeRequestBytes} from './request-codec.js'
import {KvStore, revisionHeader} from './kv-store.js'
import {type AuthRequest, AuthStore} from './auth-store.js'
import {Lessor} from './lessor.js'
import type {CompactionRequest, DeleteRangeRequest, PutRequest, RequestOp, TxnRequest, AppliedChange} from './types.js'

export type AlarmType = 'NOSPACE' | 'CORRUPT'

/**
 * What a raft entry carries: one client request, stamped by its proposer with an ID and, when
 * auth is on, the authenticated user whose permissions the apply checks.
 */
export type InternalRequest = {readonly id: string; readonly user?: string} & (
  | {readonly put: PutRequest}
  | {readonly deleteRange: DeleteRangeRequest}
  | {readonly txn: TxnRequest}
  | {readonly compaction: CompactionRequest}
  | {readonly leaseGrant: {readonly id: bigint; readonly ttl: number; readonly nowMilliseconds: number}}
  /**
   * A client's revoke, or the leader's sweep of an expired lease (`expiredAtMilliseconds`: the
   * sweep's clock). A sweep is decided on the leader's applied state, which may lag a keep-alive
   * already committed; applying it only if the lease is still expired then keeps the renewal.
   */
  | {readonly leaseRevoke: {readonly id: bigint; readonly expiredAtMilliseconds?: number}}
  | {readonly leaseKeepAlive: {readonly id: bigint; readonly nowMilliseconds: number}}
  | {readonly alarm: {readonly action: 'activate' | 'deactivate'; readonly memberId: string; readonly alarm: AlarmType}}
  | {readonly auth: AuthRequest}
)

export type ApplyOutcome =
  | {readonly ok: true; readonly response: unknown; readonly events: readonly AppliedChange[]; readonly revision: number}
  | {readonly ok: false; readonly error: EtcdError}

const metaAppliedIndex = 'applied_index'
/** Metadata that is part of the replicated state (the rest, like identity, is per member). */
export const replicatedMeta = ['revision', 'compact_revision', 'members', 'auth'] as const

interface SnapshotContent {
  readonly tables: Record<string, unknown[]>
  readonly meta: Record<string, string | null>
}

export function encodeRequest(request: InternalRequest): Uint8Array {
  return encodeRequestBytes(request)
}

/**
 * Requests decoded, by the bytes of their entry: the members of one process share an entry's
 * bytes (the transport hands them over as they are), so each entry is parsed once, not once per
 * member. Held weakly: an entry's request goes when its bytes do. Requests are read-only.
 */
const decodedRequests = new WeakMap<Uint8Array, InternalRequest>()

export function decodeRequest(data: Uint8Array): InternalRequest {
  let request = decodedRequests.get(data)
  if (!request) {
    request = decodeRequestBytes<InternalRequest>(data)
    decodedRequests.set(data, request)
  }
  return request
}

/**
 * The replicated state machine of one member: applies committed requests to its MVCC store.
 * Everything here is deterministic, so every member that applies the same entries ends equal.
 */
export class StateMachine {
  readonly kv: KvStore
  readonly lessor: Lessor
  readonly auth: AuthStore
  private appliedIndexInMemory: number | null = null
  /** Whether a NOSPACE alarm is raised, as last read (null: read it again): every put asks. */
  private noSpaceRaised: boolean | null = null

  constructor(readonly database: MemberDatabase) {
    this.kv = new KvStore(database, true)
    this.lessor = new Lessor(this.kv)
    this.auth = new AuthStore(database)
  }

  appliedIndex(): number {
    // Only the writer builds a state machine, so the value on disk changes only through here.
    this.appliedIndexInMemory ??= Number(this.database.getMeta(metaAppliedIndex) ?? 0)
    return this.appliedIndexInMemory
  }

  /** Records the applied index (and the revision); call in the transaction of the applies. */
  setAppliedIndex(index: number): void {
    this.kv.flush()
    this.database.setMeta(metaAppliedIndex, String(index))
    this.appliedIndexInMemory = index
  }

  /** Forgets what is cached in memory, after a transaction of applies was rolled back. */
  reload(): void {
    this.appliedIndexInMemory = null
    this.noSpaceRaised = null
    this.kv.reload()
    this.lessor.reload()
    this.auth.reload()
  }

  /**
   * Applies one request; a failed request changes nothing. Requests that can fail after a
   * first write (txn, lease revoke) run in a savepoint; the others check before they write.
   */
  apply(request: InternalRequest): ApplyOutcome {
    try {
      if ('txn' in request || 'leaseRevoke' in request || 'auth' in request) return this.database.transaction(() => this.dispatch(request))
      return this.dispatch(request)
    } catch (error) {
      if (error instanceof EtcdError) return {ok: false, error}
      throw error
    }
  }

  private dispatch(request: InternalRequest): ApplyOutcome {
    this.checkPermission(request)
    if ('auth' in request) {
      this.auth.apply(request.auth)
      const revision = this.kv.currentRevision()
      return {ok: true, response: {header: revisionHeader(revision)}, events: [], revision}
    }
    if ('put' in request) {
      this.refuseWritesWithoutSpace()
      const {response, events} = this.kv.put(request.put)
      return {ok: true, response, events, revision: response.header.revision}
    }
    if ('deleteRange' in request) {
      const {response, events} = this.kv.deleteRange(request.deleteRange)
      return {ok: true, response, events, revision: response.header.revision}
    }
    if ('txn' in request) {
      if (hasPuts(request.txn.success) || hasPuts(request.txn.failure)) this.refuseWritesWithoutSpace()
      const {response, events} = this.kv.txn(request.txn)
      return {ok: true, response, events, revision: response.header.revision}
    }
    if ('compaction' in request) {
      const response = this.kv.compact(request.compaction.revision)
      return {ok: true, response, events: [], revision: response.header.revision}
    }
    if ('leaseGrant' in request) {
      this.refuseWritesWithoutSpace()
      const granted = this.lessor.grant(request.leaseGrant.id, request.leaseGrant.ttl, request.leaseGrant.nowMilliseconds)
      const revision = this.kv.currentRevision()
      return {ok: true, response: {header: revisionHeader(revision), id: granted.id, ttl: granted.ttl, error: ''}, events: [], revision}
    }
    if ('leaseRevoke' in request) {
      const {id, expiredAtMilliseconds} = request.leaseRevoke
      if (expiredAtMilliseconds !== undefined && !this.lessor.isExpired(id, expiredAtMilliseconds)) {
        const current = this.kv.currentRevision()
        return {ok: true, response: {header: revisionHeader(current)}, events: [], revision: current}
      }
      const {revision, events} = this.lessor.revoke(id)
      return {ok: true, response: {header: revisionHeader(revision)}, events, revision}
    }
    if ('leaseKeepAlive' in request) {
      const ttl = this.lessor.renew(request.leaseKeepAlive.id, request.leaseKeepAlive.nowMilliseconds)
      const revision = this.kv.currentRevision()
      return {ok: true, response: {header: revisionHeader(revision), id: request.leaseKeepAlive.id, ttl}, events: [], revision}
    }
    const {action, memberId, alarm} = request.alarm
    this.noSpaceRaised = null
    if (action === 'activate') this.database.kv.addAlarm(memberId, alarm)
    else this.database.kv.removeAlarm(memberId, alarm)
    const revision = this.kv.currentRevision()
    return {ok: true, response: {header: revisionHeader(revision), alarms: [{memberId, alarm}]}, events: [], revision}
  }

  /** etcd checks permissions where it applies, against the replicated auth state. */
  private checkPermission(request: InternalRequest): void {
    const auth = this.auth
    if (!auth.status().enabled) return
    // etcd 3.4 checks no permission on compaction, alarms or lease grants.
    if ('auth' in request) {
      auth.checkAdmin(request.user)
    } else if ('put' in request) {
      auth.checkRange(request.user, request.put.key, undefined, 'WRITE')
    } else if ('deleteRange' in request) {
      auth.checkRange(request.user, request.deleteRange.key, request.deleteRange.rangeEnd, 'WRITE')
    } else if ('txn' in request) {
      checkTxnPermissions(auth, request.user, request.txn)
    } else if ('leaseRevoke' in request && request.leaseRevoke.expiredAtMilliseconds === undefined) {
      // The lessor's own sweep runs as root, as etcd's revokeExpiredLeases does; a client's revoke needs write access to the keys.
      for (const key of this.database.kv.keysWithLease(request.leaseRevoke.id)) auth.checkRange(request.user, key, undefined, 'WRITE')
    }
  }

  private refuseWritesWithoutSpace(): void {
    // Alarms change only through this state machine's applies (or a snapshot it installs).
    this.noSpaceRaised ??= this.database.kv.alarms().some((entry) => entry.alarm === 'NOSPACE')
    if (this.noSpaceRaised) throw etcdErrors.noSpace()
  }

  /** The whole state machine as bytes, for a raft snapshot. */
  exportSnapshot(): Uint8Array {
    this.kv.flush()
    const meta: Record<string, string | null> = {}
    for (const name of replicatedMeta) meta[name] = this.database.getMeta(name)
    return encodeValue({tables: this.database.kv.exportTables(), meta} satisfies SnapshotContent)
  }

  /** Replaces the state machine with a snapshot's; inside a transaction. */
  importSnapshot(data: Uint8Array, appliedIndex: number): void {
    const content = decodeValue<SnapshotContent>(data)
    this.noSpaceRaised = null
    this.kv.reload()
    this.lessor.reload()
    this.auth.reload()
    this.database.kv.importTables(content.tables as Record<string, Array<Record<string, unknown>>>)
    for (const name of replicatedMeta) {
      const value = content.meta[name]
      if (value === null || value === undefined) this.database.deleteMeta(name)
      else this.database.setMeta(name, value)
    }
    this.setAppliedIndex(appliedIndex)
  }
}

function checkTxnPermissions(auth: AuthStore, user: string | undefined, txn: TxnRequest): void {
  for (const compare of txn.compare) auth.checkRange(user, compare.key, compare.rangeEnd, 'READ')
  for (const operation of [...txn.success, ...txn.failure]) {
    if ('requestRange' in operation) auth.checkRange(user, operation.requestRange.key, operation.requestRange.rangeEnd, 'READ')
    else if ('requestPut' in operation) auth.checkRange(user, operation.requestPut.key, undefined, 'WRITE')
    else if ('requestDeleteRange' in operation) auth.checkRange(user, operation.requestDeleteRange.key, operation.requestDeleteRange.rangeEnd, 'WRITE')
    else checkTxnPermissions(auth, user, operation.requestTxn)
  }
}

function hasPuts(operations: readonly RequestOp[]): boolean {
  return operations.some((operation) => 'requestPut' in operation || ('requestTxn' in operation && (hasPuts(operation.requestTxn.success) || hasPuts(operation.requestTxn.failure))))
}

// An etcd member's SQLite work in a thread of its own, beside the event loop.
//
// Why: under `kubemu up` one event loop carries the three members, the etcd front door and the
// API servers, where etcd runs three multi-threaded processes. Measured, kubemu spends about
// etcd's CPU per put, and about half of it in the members' SQLite transactions (persisting a
// Ready's raft state, applying its committed entries); fsyncs and WAL checkpoints already ran
// off the loop. Moving each member's transactions to its own worker lets the members and the
// front door use every core.
//
// The design chosen: raft stays on the event loop, each member's writer connection moves to its
// thread ("shape b"). The other shape, a whole member per worker (raft and SQLite, raft messages
// between workers over MessagePorts), was weighed and set aside for now because:
// - raft is cheap (a small share of the CPU) and synchronous answers about it are read all over
//   the host: leader(), terms and indexes for status, `trace` and /metrics, leadership moves,
//   member faults, the seeded transport's faults and partitions. With raft here they all stay as
//   they are, and a seeded run stays in-process and deterministic without a second code path;
// - reads need no thread: every member keeps a connection on the event loop that reads its file
//   (WAL lets readers run beside the writer), as the lock-free reader view already does, so
//   ranges, auth checks, lease lookups and raft snapshots to send cost no message round trip;
// - the same code persists and applies in both modes (ready-writer.ts), so a file written by a
//   thread is the file an in-process member writes, and either mode opens the other's files.
//
// The protocol, one MessagePort per member, in order both ways:
//   driver → thread: `write` (one Ready's raft state and committed entries, with the
//   configurations raft computed for its configuration changes), `sync` (fsync everything
//   written so far), `compact` (cut the raft log at a local snapshot), `mark` (the clean-stop
//   marker), `close`.
//   thread → driver: `applied` for each write, in order (outcomes of waited requests, watch events,
//   the raft position of each revision), `synced` for each sync, `failed` once.
// The ordering rule is DurableOutputs' and unchanged: a Ready's messages that need its raft state
// on disk (a follower's acknowledgements and votes, the leader's own count toward the commit)
// wait for a `synced` that covers its write; answers and watch events go out when `applied`
// arrives (their entries are committed, so on a majority's disks already), in Ready order.
//
// Bounds: writes in flight per member are capped (memberThreadWritesInFlightMax): past it the
// driver leaves the member's next Ready in raft (whose own limits bound it) until answers come.
// A thread that dies is a member that crashed: its waiters fail, the cluster carries on with the
// others, a log line says so, and `kubemu member start` runs it again.
//
// Behind a switch: KUBEMU_MEMBER_THREADS=1 for `kubemu up` (memberThreadsVariable). Measured on 2
// shared cores with no core to spare (README, 7 December 2026), the threads lost load m's
// throughput and slowest request and cost a quarter more CPU per write; they win a big
// DeleteRange's stall (the loop stays free while each member applies it). One-shot commands and
// seeded clusters always run their members in-process.
import {createRequire} from 'node:module'
import type {Worker} from 'node:worker_threads'
import {EtcdError, type GrpcCode} from '../mvcc/errors.js'
import type {ApplyOutcome} from '../mvcc/state-machine.js'
import type {AppliedChange} from '../mvcc/types.js'
import type {Snapshot} from '../raft/types.js'
import {StorageError} from '../storage/errors.js'
import type {CleanShutdown} from './cluster-files.js'
import type {AppliedBatch, ReadyWrite} from './ready-writer.js'

/** The environment variable that runs `kubemu up`'s members in threads ("1"). */
export const memberThreadsVariable = 'KUBEMU_MEMBER_THREADS'
/** Ready writes one member's thread holds unanswered at most; the driver waits past it. */
export const memberThreadWritesInFlightMax = 256
/** How long closing a member waits for its thread to sync and close its file. */
export const memberThreadCloseWaitMillisecondsMax = 10_000

let memberThreadsWanted = false
let memberCrashLog: ((line: string) => void) | null = null

/** `up` asks for member threads (KUBEMU_MEMBER_THREADS=1) before it opens the cluster, and says where a member's crash is told. */
export function enableMemberThreads(log?: (line: string) => void): void {
  memberThreadsWanted = true
  memberCrashLog = log ?? null
}

export function memberThreadsEnabled(): boolean {
  return memberThreadsWanted
}

/** Where `up` wants a member's crash told (null: standard error). */
export function memberThreadsLog(): ((line: string) => void) | null {
  return memberCrashLog
}

/** An outcome as it crosses threads: an EtcdError loses its class on the way, so it goes as its code and text. */
export type OutcomeOnWire =
  | {readonly ok: true; readonly response: unknown; readonly events: readonly AppliedChange[]; readonly revision: number}
  | {readonly ok: false; readonly grpcCode: GrpcCode; readonly message: string}

export type ToMemberThread =
  | {readonly type: 'write'; readonly work: ReadyWrite; readonly wantOutcomes: boolean}
  | {readonly type: 'sync'}
  | {readonly type: 'compact'; readonly snapshot: Snapshot}
  | {readonly type: 'mark'; readonly marker: CleanShutdown}
  | {readonly type: 'close'; readonly done: SharedArrayBuffer}

export interface AppliedOnWire {
  readonly outcomes: ReadonlyArray<readonly [string, OutcomeOnWire]>
  readonly events: AppliedBatch['events']
  readonly revision: number
  readonly positions: AppliedBatch['positions']
  /** The index of the last entry applied (0: none in this write). */
  readonly appliedIndex: number
  /** How long the write's transaction took (etcd's backend commit). */
  readonly milliseconds: number
  readonly committed: boolean
  /** A lease was granted or a snapshot installed: what the driver's connection cached of leases is old. */
  readonly leasesChanged: boolean
  /** An auth change applied or a snapshot installed: what the driver's connection cached of the auth state is old. */
  readonly authChanged: boolean
}

export type FromMemberThread =
  | {readonly type: 'applied'; readonly applied: AppliedOnWire}
  | {readonly type: 'synced'; readonly error: string | null}
  | {readonly type: 'failed'; readonly message: string}

export function outcomeToWire(outcome: ApplyOutcome): OutcomeOnWire {
  if (outcome.ok) return outcome
  return {ok: false, grpcCode: outcome.error.grpcCode, message: outcome.error.message}
}

/** Bytes cross threads as plain Uint8Arrays; the rest of kubemu reads keys and values as Buffers, as SQLite gives them. */
const revivedDepthMax = 64

function revive(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (depth >= revivedDepthMax || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    for (let position = 0; position < value.length; position++) value[position] = revive(value[position], depth + 1)
    return value
  }
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) record[key] = revive(record[key], depth + 1)
  return record
}

export function outcomeFromWire(outcome: OutcomeOnWire): ApplyOutcome {
  if (!outcome.ok) return {ok: false, error: new EtcdError(outcome.grpcCode, outcome.message)}
  return {ok: true, response: revive(outcome.response), events: revive(outcome.events) as readonly AppliedChange[], revision: outcome.revision}
}

export interface MemberThreadEvents {
  /** One write's applies, in the order of the writes. */
  readonly applied: (batch: AppliedBatch, applied: AppliedOnWire) => void
  /** The thread ended without being asked (a crash): the member is down. */
  readonly exited: (reason: string) => void
}

/** Where the thread's code is: beside this module in dist/ (tests run the sources, so they find the build). */
function threadScript(): URL {
  const here = import.meta.url
  if (here.endsWith('/src/core/etcd/member-thread.ts')) return new URL(here.replace(/\/src\/core\/etcd\/member-thread\.ts$/, '/dist/core/etcd/member-thread-main.js'))
  return new URL('./member-thread-main.js', here)
}

/** The driver's end of one member's thread (see the top of this file). */
export class MemberThread {
  private writesInFlight = 0
  /**
   * Messages of this turn of the loop, sent together at its end: one postMessage costs tens of
   * microseconds on each side, more than a small Ready's transaction. Bounded by the writes in flight.
   */
  private outbox: ToMemberThread[] = []
  private readonly syncsWaiting: Array<(error: StorageError | null) => void> = []
  private ended = false

  private constructor(
    private readonly worker: Worker,
    private readonly path: string,
    private readonly events: MemberThreadEvents,
  ) {
    worker.on('message', (messages: FromMemberThread[]) => {
      for (const message of messages) this.received(message)
    })
    worker.on('error', (error) => this.end(`its thread failed: ${error.message}`))
    worker.on('exit', (code) => this.end(`its thread exited with code ${code}`))
  }

  /** Starts the thread that takes over the writes of the member database at `path`. */
  static start(path: string, memberName: string, events: MemberThreadEvents): MemberThread {
    // worker_threads loads only when member threads are on, not for a one-shot command.
    const {Worker} = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')
    const worker = new Worker(threadScript(), {workerData: {path, memberName}})
    // The thread never keeps the process alive by itself; closing the member ends it.
    worker.unref()
    return new MemberThread(worker, path, events)
  }

  /** Whether the thread holds as many writes as it may: the driver waits for answers first. */
  get full(): boolean {
    return this.writesInFlight >= memberThreadWritesInFlightMax
  }

  /** Writes sent and not yet answered. */
  get busy(): boolean {
    return this.writesInFlight > 0
  }

  get running(): boolean {
    return !this.ended
  }

  write(work: ReadyWrite, wantOutcomes: boolean): void {
    if (this.ended) return
    this.writesInFlight++
    this.post({type: 'write', work, wantOutcomes})
  }

  /** DurableOutputs' sync: `done` runs once everything written before the call is on disk. */
  sync(done: (error: StorageError | null) => void): void {
    if (this.ended) {
      queueMicrotask(() => done(new StorageError('IO', `${this.path}: the member's thread is gone`, this.path)))
      return
    }
    this.syncsWaiting.push(done)
    this.post({type: 'sync'})
  }

  compactRaftLog(snapshot: Snapshot): void {
    this.post({type: 'compact', snapshot})
  }

  markCleanShutdown(marker: CleanShutdown): void {
    this.post({type: 'mark', marker})
  }

  /** Lets the thread sync and close its file, waiting (bounded) until it has; then ends it. */
  close(): void {
    if (this.ended) return
    this.ended = true
    const done = new SharedArrayBuffer(4)
    this.outbox.push({type: 'close', done})
    this.flush()
    Atomics.wait(new Int32Array(done), 0, 0, memberThreadCloseWaitMillisecondsMax)
    void this.worker.terminate()
  }

  /** Ends the thread as a crash would (a fault to inject): what it held unsynced may be lost. */
  crash(): void {
    void this.worker.terminate()
  }

  private post(message: ToMemberThread): void {
    if (this.ended) return
    this.outbox.push(message)
    if (this.outbox.length === 1) queueMicrotask(() => this.flush())
  }

  private flush(): void {
    if (this.outbox.length === 0) return
    const messages = this.outbox
    this.outbox = []
    this.worker.postMessage(messages)
  }

  private received(message: FromMemberThread): void {
    if (message.type === 'applied') {
      this.writesInFlight--
      const {applied} = message
      const batch: AppliedBatch = {
        outcomes: applied.outcomes.map(([id, outcome]) => [id, outcomeFromWire(outcome)] as const),
        events: revive(applied.events) as AppliedBatch['events'],
        revision: applied.revision,
        positions: applied.positions,
      }
      this.events.applied(batch, applied)
    } else if (message.type === 'synced') {
      const done = this.syncsWaiting.shift()
      done?.(message.error === null ? null : new StorageError('IO', message.error, this.path))
    } else {
      this.end(message.message)
    }
  }

  private end(reason: string): void {
    if (this.ended) return
    this.ended = true
    void this.worker.terminate()
    const error = new StorageError('IO', `${this.path}: ${reason}`, this.path)
    for (const done of this.syncsWaiting.splice(0)) done(error)
    this.events.exited(reason)
  }
}

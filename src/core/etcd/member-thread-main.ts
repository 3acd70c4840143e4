// The code of one member's thread (see member-thread.ts): it owns the member's writer connection
// and runs, in the order they come, the writes, syncs, raft log cuts and clean-stop markers the
// driver sends. Any failure ends the thread: to the driver, the member crashed.
import {parentPort, workerData} from 'node:worker_threads'
import {StateMachine, decodeRequest} from '../mvcc/state-machine.js'
import {type Entry, EntryType} from '../raft/types.js'
import {MemberDatabase} from '../storage/member-database.js'
import type {StorageError} from '../storage/errors.js'
import {type AppliedOnWire, type FromMemberThread, type ToMemberThread, outcomeToWire} from './member-thread.js'
import {ReadyWriter} from './ready-writer.js'

interface ThreadData {
  readonly path: string
  readonly memberName: string
}

const port = parentPort!
const {path, memberName} = workerData as ThreadData
const database = MemberDatabase.open(path)
const writer = new ReadyWriter(database, new StateMachine(database), memberName)

/** fsyncs run one at a time (MemberDatabase.syncWal); what asks meanwhile waits for the next. */
const syncsWaiting: Array<() => void> = []
let syncing = false

/** Replies of this turn, sent together (see MemberThread's outbox); at most one per message handled. */
let outbox: FromMemberThread[] = []
/**
 * The replies of a batch that asks for an fsync and waits on no outcome here (a follower's) wait
 * for that fsync's reply and go with it: one crossing instead of two. Its messages wait for the
 * fsync anyway; only its watch events and applied index come an fsync later.
 */
let repliesWaitForSync = false

let flushScheduled = false

function reply(message: FromMemberThread): void {
  outbox.push(message)
  if (repliesWaitForSync || flushScheduled) return
  flushScheduled = true
  queueMicrotask(flush)
}

function flush(): void {
  flushScheduled = false
  if (outbox.length === 0) return
  const messages = outbox
  outbox = []
  port.postMessage(messages)
}

function sync(done: (error: StorageError | null) => void): void {
  syncsWaiting.push(() => database.syncWal(done))
  if (!syncing) nextSync()
}

function nextSync(): void {
  const start = syncsWaiting.shift()
  if (!start) return
  syncing = true
  start()
}

function synced(): void {
  syncing = false
  nextSync()
}

/** Whether a request of this kind is among the committed entries. */
function appliesAny(entries: readonly Entry[], kind: 'leaseGrant' | 'auth'): boolean {
  return entries.some((entry) => entry.type === EntryType.Normal && entry.data.length > 0 && kind in decodeRequest(entry.data))
}

function handle(message: ToMemberThread): void {
  switch (message.type) {
    case 'write': {
      const started = performance.now()
      const {work, wantOutcomes} = message
      const batch = writer.write(work, () => wantOutcomes)
      const last = work.committedEntries[work.committedEntries.length - 1]
      const applied: AppliedOnWire = {
        outcomes: batch.outcomes.map(([id, outcome]) => [id, outcomeToWire(outcome)] as const),
        events: batch.events,
        revision: batch.revision,
        positions: batch.positions,
        appliedIndex: last?.index ?? work.snapshot?.metadata.index ?? 0,
        milliseconds: performance.now() - started,
        committed: work.committedEntries.length > 0,
        leasesChanged: work.snapshot !== null || appliesAny(work.committedEntries, 'leaseGrant'),
        authChanged: work.snapshot !== null || appliesAny(work.committedEntries, 'auth'),
      }
      reply({type: 'applied', applied})
      return
    }
    case 'sync':
      sync((error) => {
        reply({type: 'synced', error: error ? error.message : null})
        synced()
      })
      return
    case 'compact':
      writer.compactRaftLog(message.snapshot)
      return
    case 'mark':
      writer.markCleanShutdown(message.marker)
      return
    case 'close': {
      const done = new Int32Array(message.done)
      sync(() => {
        try {
          database.close()
        } finally {
          Atomics.store(done, 0, 1)
          Atomics.notify(done, 0)
          port.close()
        }
      })
      return
    }
  }
}

port.on('message', (messages: ToMemberThread[]) => {
  try {
    repliesWaitForSync = outbox.length === 0 && messages.some((message) => message.type === 'sync') && !messages.some((message) => message.type === 'write' && message.wantOutcomes)
    for (const message of messages) handle(message)
    repliesWaitForSync = false
  } catch (error) {
    repliesWaitForSync = false
    reply({type: 'failed', message: `${memberName}'s thread failed: ${error instanceof Error ? error.message : String(error)}`})
    flush()
    process.exit(1)
  }
})

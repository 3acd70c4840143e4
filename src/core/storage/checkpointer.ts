import {createRequire} from 'node:module'
import type {Worker} from 'node:worker_threads'

/**
 * Checkpoints the members' WAL files from a worker thread. A checkpoint copies the WAL's pages
 * into the database file and fsyncs it: run by SQLite's autocheckpoint it happens inside some
 * commit on the event loop, tens to hundreds of milliseconds per member, and every request
 * waits. A PASSIVE checkpoint from another connection never blocks the writer, so the event
 * loop only appends to the WAL; durability is unchanged (SQLite orders the checkpoint's writes
 * and fsyncs itself).
 *
 * A PASSIVE checkpoint alone never lets the WAL start over while the writer keeps writing: SQLite
 * rewinds it only when a write begins with every frame already copied, and frames come in while
 * the checkpoint syncs. The WAL then grew to the autocheckpoint's size and the writer's own
 * checkpoint stalled the event loop after all. So each round ends with a RESTART checkpoint that
 * does not wait: between two of the writer's transactions it takes the write lock, copies the few
 * frames written since the PASSIVE one, syncs, and lets the next write rewind the WAL. The writer
 * does not wait for it either (MemberDatabase.tryBeginWrite): its Ready waits for the next turn.
 * The worker starts only for a database that keeps writing (a long-running `up`), so that a
 * one-shot command pays nothing for it.
 */

/**
 * How often the worker checkpoints every database it watches. Each checkpoint fsyncs the WAL and
 * the database file, and a page written many times in between is copied once: at 50 ms the three
 * members' checkpoints took more CPU than their commits under load. The WAL grows by at most one
 * interval's writes (the writer's autocheckpoint bounds it should the worker fall behind).
 */
export const checkpointIntervalMilliseconds = 1000
/**
 * The WAL frames past which the worker restarts the WAL of a database whose writes requests wait
 * on (the leader's): each RESTART holds the write lock through an fsync, and while the leader
 * waits for it nothing commits, so its WAL restarts only now and then, well before the writer's
 * own autocheckpoint. The others' restart every round (a quorum goes on without one of them).
 */
export const walRestartFramesWhenAwaited = 8192
/** The WAL size at which the writer still checkpoints itself, should the worker fall behind. */
export const walAutocheckpointPagesMax = 16_384
/** Write transactions a database commits before its checkpoints move to the worker. */
export const commitsBeforeBackgroundCheckpoints = 256
/** How long closing a database waits for the worker to let go of the file. */
export const releaseWaitMillisecondsMax = 2000

const workerSource = `
const {parentPort, workerData} = require('node:worker_threads')
const Database = require(workerData.sqliteModule)
const databases = new Map()
parentPort.on('message', (message) => {
  if (message.type === 'watch') {
    try {
      const db = new Database(message.path, {fileMustExist: true})
      db.pragma('busy_timeout = 0')
      databases.set(message.path, {db, awaited: message.awaited})
    } catch {}
  } else if (message.type === 'awaited') {
    const watched = databases.get(message.path)
    if (watched) watched.awaited = message.awaited
  } else if (message.type === 'release') {
    const watched = databases.get(message.path)
    databases.delete(message.path)
    try { watched?.db.close() } catch {}
    const slot = new Int32Array(message.done)
    Atomics.store(slot, 0, 1)
    Atomics.notify(slot, 0)
  }
})
setInterval(() => {
  for (const {db, awaited} of databases.values()) {
    // Busy (the writer checkpoints itself or is in a transaction, or a restart is under way):
    // the next round retries. The PASSIVE checkpoint copies the bulk without the write lock.
    try {
      const [{log}] = db.pragma('wal_checkpoint(PASSIVE)')
      if (!awaited || log >= workerData.restartFramesWhenAwaited) db.pragma('wal_checkpoint(RESTART)')
    } catch {}
  }
}, workerData.intervalMilliseconds)
`

let worker: Worker | null = null

function theWorker(): Worker {
  if (!worker) {
    // worker_threads loads only for a database that keeps writing, not for a command that reads.
    const {Worker} = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')
    worker = new Worker(workerSource, {
      eval: true,
      workerData: {
        sqliteModule: createRequire(import.meta.url).resolve('better-sqlite3'),
        intervalMilliseconds: checkpointIntervalMilliseconds,
        restartFramesWhenAwaited: walRestartFramesWhenAwaited,
      },
    })
    // The worker never keeps the process alive; it goes when the process does.
    worker.unref()
    worker.on('error', () => (worker = null))
  }
  return worker
}

/** Hands a database file's checkpoints to the worker; `awaited`: see walRestartFramesWhenAwaited. */
export function watchCheckpoints(path: string, awaited: boolean): void {
  theWorker().postMessage({type: 'watch', path, awaited})
}

/** Tells the worker whether requests wait on a watched file's writes (see walRestartFramesWhenAwaited). */
export function checkpointsAwaited(path: string, awaited: boolean): void {
  worker?.postMessage({type: 'awaited', path, awaited})
}

/** Makes the worker close its connection to a file, waiting (bounded) until it has. */
export function releaseCheckpoints(path: string): void {
  if (!worker) return
  const done = new SharedArrayBuffer(4)
  worker.postMessage({type: 'release', path, done})
  Atomics.wait(new Int32Array(done), 0, 0, releaseWaitMillisecondsMax)
}

// Maintenance.Snapshot as etcd streams it, for both the gRPC port and the JSON gateway: the
// member's snapshot file in 32 KiB blobs, each with the bytes still to come, then its SHA-256
// (which etcdctl keeps at the end of the file, for restore to check; kubemu's snapshot files read
// the same with it).
import {createHash} from 'node:crypto'
import {closeSync, mkdtempSync, openSync, readSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {EmbeddedClient} from '../etcd/embedded-client.js'
import type {Wire} from './etcd-messages.js'

/** etcd's snapshotSendBufferSize. */
export const snapshotBlobBytes = 32 * 1024

/**
 * The snapshot's messages, one blob at a time (the file is read as the consumer asks, so a slow
 * client holds one blob). The temporary copy is removed when the consumer finishes or stops early.
 * Throws etcd's error (e.g. permission denied for a non-root caller) before the first message.
 */
export async function* snapshotMessages(client: EmbeddedClient): AsyncGenerator<Wire, void, undefined> {
  const folder = mkdtempSync(join(tmpdir(), 'kubemu-snapshot-'))
  let file: number | null = null
  try {
    const path = join(folder, 'snapshot.db')
    await client.snapshotTo(path)
    const total = statSync(path).size
    file = openSync(path, 'r')
    const digest = createHash('sha256')
    for (let sent = 0; sent < total; ) {
      const blob = Buffer.alloc(Math.min(snapshotBlobBytes, total - sent))
      const read = readSync(file, blob, 0, blob.length, sent)
      if (read !== blob.length) throw new Error(`invariant: the snapshot file shrank while it was sent (${read} of ${blob.length} bytes at ${sent})`)
      sent += read
      digest.update(blob)
      yield {remaining_bytes: String(total - sent), blob}
    }
    yield {remaining_bytes: '0', blob: digest.digest()}
  } finally {
    if (file !== null) closeSync(file)
    rmSync(folder, {recursive: true, force: true})
  }
}

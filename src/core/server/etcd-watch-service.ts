// etcd's Watch service on the front door, as etcd 3.4's v3rpc serves a watch stream: watches
// created and cancelled by the client, the range checked against the caller's permissions when
// each watch is created, every event of a revision in one response (or in fragments, when the
// client asked for them), progress answers and compaction cancels.
import type * as grpc from '@grpc/grpc-js'
import type {Watcher, WatchResponse} from '../etcd/api.js'
import {type EmbeddedClient, requestBytesMax} from '../etcd/embedded-client.js'
import {EtcdError, grpcStatusText} from '../mvcc/errors.js'
import type {KeyValue, WatchEvent} from '../mvcc/types.js'
import {event, header, type Wire} from './etcd-messages.js'

/** Watches one stream may hold at once; a client that opens more gets the later ones refused. */
export const watchesPerStreamMax = 1000
/** etcd's allowance for gRPC's framing over --max-request-bytes. */
const grpcOverheadBytes = 512 * 1024
/** A fragmenting watch keeps each response under etcd's --max-request-bytes plus gRPC's overhead, as etcd does. */
export const watchFragmentBytesMax = requestBytesMax + grpcOverheadBytes
/** The watch ID of a response that belongs to no watch (a refused create, a progress answer). */
const noWatchId = '-1'

/**
 * One Watch stream. `callerOf` resolves the stream's token at each create (throws etcd's error for
 * a bad one); `member` is the member this port serves as.
 */
export function serveWatchStream(stream: grpc.ServerDuplexStream<Wire, Wire>, root: EmbeddedClient, member: string, callerOf: () => string | undefined): void {
  const watchers = new Map<number, Watcher>()
  let nextWatchId = 0
  const serving = root.forUser(member, undefined)
  const currentHeader = () => header(serving.header(serving.serving().stateMachine.kv.currentRevision()))
  const send = (message: Wire) => {
    if (!stream.destroyed && stream.writable) stream.write(message)
  }
  const create = (request: Wire) => {
    let watcher: Watcher
    try {
      const filters = ((request.filters ?? []) as number[]).map((filter) => (filter === 0 ? 'noput' : 'nodelete') as 'noput' | 'nodelete')
      // Permission is checked here, once, as etcd does: a refused watch takes no ID.
      watcher = root.forUser(member, callerOf()).watch.watch({
        key: new Uint8Array(request.key ?? []),
        ...(request.range_end?.length ? {rangeEnd: new Uint8Array(request.range_end)} : {}),
        startRevision: Number(request.start_revision ?? 0),
        prevKv: Boolean(request.prev_kv),
        filters,
        progressNotify: Boolean(request.progress_notify),
      })
    } catch (error) {
      if (!(error instanceof EtcdError)) throw error
      send({header: currentHeader(), watch_id: noWatchId, created: true, canceled: true, cancel_reason: grpcStatusText(error)})
      return
    }
    const requestedId = Number(request.watch_id ?? 0)
    if (requestedId === 0) while (watchers.has(nextWatchId)) nextWatchId++
    const watchId = requestedId > 0 ? requestedId : nextWatchId++
    if (watchers.has(watchId) || watchers.size >= watchesPerStreamMax) {
      watcher.cancel()
      const reason = watchers.has(watchId) ? 'mvcc: duplicate watch ID provided on the WatchStream' : `too many watches on one stream (${watchesPerStreamMax})`
      send({header: currentHeader(), watch_id: noWatchId, created: true, canceled: true, cancel_reason: reason})
      return
    }
    watchers.set(watchId, watcher)
    const fragment = Boolean(request.fragment)
    void forwardWatch(watcher, watchId, fragment, send, currentHeader, () => watchers.delete(watchId), (error) => stream.destroy(error))
  }
  stream.on('data', (request: Wire) => {
    try {
      if (request.create_request) {
        create(request.create_request)
      } else if (request.cancel_request) {
        const watchId = Number(request.cancel_request.watch_id ?? 0)
        const watcher = watchers.get(watchId)
        if (!watcher) return
        watchers.delete(watchId)
        watcher.cancel()
        send({header: currentHeader(), watch_id: String(watchId), canceled: true})
      } else if (request.progress_request) {
        // Not tied to one watch (etcd 3.4 answers with watch ID -1).
        send({header: currentHeader(), watch_id: noWatchId})
      }
    } catch (error) {
      stream.destroy(error instanceof Error ? error : new Error(String(error)))
    }
  })
  const stop = () => {
    for (const watcher of watchers.values()) watcher.cancel()
    watchers.clear()
  }
  stream.on('end', () => {
    stop()
    stream.end()
  })
  stream.on('error', stop)
  stream.on('close', stop)
}

async function forwardWatch(watcher: Watcher, watchId: number, fragment: boolean, send: (message: Wire) => void, currentHeader: () => Wire, forget: () => void, breakStream: (error: Error) => void): Promise<void> {
  try {
    await watcher.created()
    send({header: currentHeader(), watch_id: String(watchId), created: true})
    for (;;) {
      const response = await watcher.next()
      if (!response) return
      if (response.canceled || response.compactRevision) {
        send({header: header(response.header), watch_id: String(watchId), canceled: true, compact_revision: String(response.compactRevision ?? 0)})
        return
      }
      const responses = fragment ? watchFragments(response, watchId, watchFragmentBytesMax) : [response.events]
      for (const [index, events] of responses.entries()) {
        send({header: header(response.header), watch_id: String(watchId), events: events.map(event), ...(index < responses.length - 1 ? {fragment: true} : {})})
      }
    }
  } catch (error) {
    let cancelHeader: Wire
    try {
      cancelHeader = currentHeader()
    } catch {
      // The member stopped: it has no header to give. Its stream breaks, as a dead etcd's
      // connection does, and the client moves to another endpoint.
      breakStream(error instanceof Error ? error : new Error(String(error)))
      return
    }
    send({header: cancelHeader, watch_id: String(watchId), canceled: true, cancel_reason: error instanceof Error ? error.message : String(error)})
  } finally {
    forget()
  }
}

/**
 * A response's events split as etcd's sendFragments splits them: whole when the encoded response
 * is under `bytesMax` or holds one event; else into runs whose response stays under `bytesMax`
 * (each at least one event), all flagged `fragment` but the last, which the client joins again.
 */
export function watchFragments(response: WatchResponse, watchId: number, bytesMax: number): WatchEvent[][] {
  const {clusterId, memberId, revision, raftTerm} = response.header
  const headerBytes = [clusterId, memberId, revision, raftTerm].reduce<number>((sum, number) => sum + 1 + varintBytes(number), 0)
  const baseBytes = fieldBytes(messageBytes(headerBytes)) + (watchId === 0 ? 0 : fieldBytes(varintBytes(watchId))) + fieldBytes(1) // the fragment flag
  const eventBytes = response.events.map((one) => fieldBytes(messageBytes(eventSize(one))))
  const total = baseBytes + eventBytes.reduce((sum, bytes) => sum + bytes, 0)
  if (total < bytesMax || response.events.length < 2) return [[...response.events]]
  const fragments: WatchEvent[][] = []
  let current: WatchEvent[] = []
  let currentBytes = baseBytes
  for (const [index, one] of response.events.entries()) {
    if (current.length > 0 && currentBytes + eventBytes[index]! >= bytesMax) {
      fragments.push(current)
      current = []
      currentBytes = baseBytes
    }
    current.push(one)
    currentBytes += eventBytes[index]!
  }
  fragments.push(current)
  return fragments
}

/** Bytes of an encoded mvccpb.Event. */
function eventSize(value: WatchEvent): number {
  return (value.type === 'DELETE' ? 2 : 0) + fieldBytes(messageBytes(keyValueSize(value.kv))) + (value.prevKv ? fieldBytes(messageBytes(keyValueSize(value.prevKv))) : 0)
}

/** Bytes of an encoded mvccpb.KeyValue (fields at their defaults are not written). */
function keyValueSize(kv: KeyValue): number {
  const numbers = [kv.createRevision, kv.modRevision, kv.version, kv.lease].filter((number) => number !== 0 && number !== 0n)
  const bytes = (length: number) => (length > 0 ? 1 + varintBytes(length) + length : 0)
  return bytes(kv.key.length) + bytes(kv.value.length) + numbers.reduce<number>((sum, number) => sum + 1 + varintBytes(number), 0)
}

/** A nested message's length prefix and body. */
const messageBytes = (bodyBytes: number): number => varintBytes(bodyBytes) + bodyBytes
/** A field's tag (one byte for the field numbers used here) and its encoded value. */
const fieldBytes = (valueBytes: number): number => 1 + valueBytes

function varintBytes(value: number | bigint): number {
  let rest = BigInt.asUintN(64, BigInt(value))
  let bytes = 1
  while (rest >= 0x80n) {
    rest >>= 7n
    bytes++
  }
  return bytes
}

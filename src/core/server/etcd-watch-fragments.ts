// The sizes etcd's watch server works with when it splits a revision's events into fragments
// (only for clients that asked for them): each response stays under --max-request-bytes plus
// gRPC's overhead, counted on the encoded protobuf as etcd counts it.
import type {WatchResponse} from '../etcd/api.js'
import {requestBytesMax} from '../etcd/embedded-client.js'
import type {KeyValue, WatchEvent} from '../mvcc/types.js'
import {lengthDelimitedFieldBytes, varintBytes} from '../util/protobuf-size.js'

/** etcd's allowance for gRPC's framing over --max-request-bytes. */
const grpcOverheadBytes = 512 * 1024
/** A fragmenting watch keeps each response under etcd's --max-request-bytes plus gRPC's overhead, as etcd does. */
export const watchFragmentBytesMax = requestBytesMax + grpcOverheadBytes

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
  return lengthDelimitedFieldBytes(kv.key.length) + lengthDelimitedFieldBytes(kv.value.length) + numbers.reduce<number>((sum, number) => sum + 1 + varintBytes(number), 0)
}

/** A nested message's length prefix and body. */
const messageBytes = (bodyBytes: number): number => varintBytes(bodyBytes) + bodyBytes
/** A field's tag (one byte for the field numbers used here) and its encoded value. */
const fieldBytes = (valueBytes: number): number => 1 + valueBytes


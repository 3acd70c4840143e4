// Stored values this process wrote recently, decoded, so that the readers of one write do not each
// parse its JSON again: the watchers of its resource (the controllers' informers, every `get -w`),
// the Node authorizer's graph, the next update of the object, a list. kube-apiserver decodes an
// event once in its watch cache and hands the object to every watcher; here a watcher that only
// reads (an informer, the HTTP front door writing JSON) shares the written object, and every other
// reader gets its own copy of it (what a JSON round trip gives), which costs less than a parse.
//
// A decoded value is a pure function of its bytes: an entry answers only for the very bytes it
// was made from (compared at each read), so a value written past this process (etcdctl put, another
// API server process) is decoded afresh and nothing needs to be told of writes.
import {jsonRoundTrip, type KubeObject} from '../api/object.js'
import {decodeStoredValue} from './stored-decode.js'

/**
 * Values kept at most. A write's readers come within a few writes after it (its watchers, the
 * object's next status write), and a kept object lives long enough for the garbage collector to
 * move it to the old generation: a small bound keeps that cost small.
 */
export const decodedValuesMax = 256
/** Bytes of stored values kept at most (each with its object, about as large): big ConfigMaps and Secrets do not pile up. */
export const decodedValueBytesMax = 16 * 1024 * 1024
/** A value larger than this is not kept (its readers parse it). */
export const decodedValueBytesKeptMax = 1024 * 1024

interface Entry {
  readonly value: Uint8Array
  /** The object the value is the JSON of; never handed out (readers get what its JSON decodes to, copied). */
  readonly object: KubeObject
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left === right) return true
  if (left.byteLength !== right.byteLength) return false
  return Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(Buffer.from(right.buffer, right.byteOffset, right.byteLength))
}

export class DecodedValues {
  /** By etcd key, in the order written: the first is the one to forget. */
  private readonly byKey = new Map<string, Entry>()
  private bytes = 0

  /**
   * The object the value stored at `key` decodes to, a fresh copy at each call; an undecodable
   * value throws as decodeStoredValue does. A value not kept is decoded and not kept: a list
   * scanning many objects would only push out the ones being written.
   */
  decode(key: string, value: Uint8Array): KubeObject {
    const entry = this.byKey.get(key)
    // The round trip gives what parsing the JSON would (it drops undefined fields, as JSON does).
    if (entry !== undefined && sameBytes(entry.value, value)) return jsonRoundTrip(entry.object)
    return decodeStoredValue(value)
  }

  /**
   * The kept object itself for exactly these bytes at `key`, or null: only for a reader that
   * changes nothing in it (freezing it throughout cost more than the copies it saves). Undefined
   * fields (which JSON drops) may be in it.
   */
  shared(key: string, value: Uint8Array): KubeObject | null {
    const entry = this.byKey.get(key)
    return entry !== undefined && sameBytes(entry.value, value) ? entry.object : null
  }

  /**
   * Keeps what a write is about to store at `key`: `value` is the JSON of `encoded`, which the
   * writer hands over (it changes it no more). Kept before the store has it, so that the watchers
   * the write wakes find it; should the write fail, the entry answers only for bytes nobody stored.
   */
  keep(key: string, value: Uint8Array, encoded: KubeObject): void {
    this.forget(key)
    if (value.byteLength > decodedValueBytesKeptMax) return
    this.byKey.set(key, {value, object: encoded})
    this.bytes += value.byteLength
    while (this.byKey.size > decodedValuesMax || this.bytes > decodedValueBytesMax) this.forget(this.byKey.keys().next().value!)
  }

  private forget(key: string): void {
    const entry = this.byKey.get(key)
    if (entry === undefined) return
    this.byKey.delete(key)
    this.bytes -= entry.value.byteLength
  }

  get size(): number {
    return this.byKey.size
  }
}

/** The process's decoded values: every API server and reader of the process shares them (they are checked by bytes). */
export const decodedValues = new DecodedValues()

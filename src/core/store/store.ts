// What the Kubernetes side needs from etcd, as kube-apiserver's etcd3 storage uses it: reads
// with revisions, and writes guarded by a key's mod revision in one txn each.
import type {EtcdClient, RaftPosition, Watcher} from '../etcd/api.js'

/** What the store uses of an etcd client: keys, leases for TTLs, watches. */
export type StoreEtcdClient = Pick<EtcdClient, 'kv' | 'lease' | 'watch' | 'close' | 'raftPositionOf'>
import {prefixEnd} from '../mvcc/key-range.js'
import type {KeyValue, ResponseOp} from '../mvcc/types.js'
import {type Clock, systemClock} from '../util/clock.js'
import {LeaseManager} from './lease-manager.js'

/** A list returns at most this many objects per page when the caller sets no limit. */
export const listPageObjectsMax = 10_000

export interface StoredObject {
  readonly key: string
  readonly value: Uint8Array
  readonly createRevision: number
  readonly modRevision: number
}

export interface ListOptions {
  /** Read as of this revision (0: the newest). */
  readonly revision?: number
  readonly limit?: number
  /** The continue token of the previous page: list from after this key. */
  readonly continueAfter?: string
}

export interface ListResult {
  readonly objects: StoredObject[]
  /** The revision the list was read at (a later page keeps it). */
  readonly revision: number
  /** When set, more objects follow after this key. */
  readonly continueAfter: string | null
  /** Objects left after this page. */
  readonly remaining: number
}

export interface WriteOptions {
  /** The object goes away this long after the write (an etcd lease), as kube stores events. */
  readonly ttlSeconds?: number
}

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface StoreEvent {
  readonly type: StoreEventType
  readonly object: StoredObject
  readonly previous: StoredObject | null
}

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone'

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** On a conflict: the object as it is now (null when it is gone). */
    readonly current: StoredObject | null = null,
  ) {
    super(message)
    this.name = 'StoreError'
  }
}

export interface StoreWatch {
  /** The next events; null when the watch ended. Throws StoreError 'Gone' for a compacted start. */
  next(): Promise<StoreEvent[] | null>
  cancel(): void
}

export interface Store {
  get(key: string): Promise<{object: StoredObject | null; revision: number}>
  list(prefix: string, options?: ListOptions): Promise<ListResult>
  create(key: string, value: Uint8Array, options?: WriteOptions): Promise<StoredObject>
  update(key: string, value: Uint8Array, expectedModRevision: number, options?: WriteOptions): Promise<StoredObject>
  delete(key: string, expectedModRevision?: number): Promise<StoredObject>
  /** Events after `revision` (exclusive) for keys under `prefix`. */
  watch(prefix: string, revision: number): StoreWatch
  close(): Promise<void>
  /**
   * While this returns the same number, only this store object has written the store (this
   * process holds the cluster's writer lock). null, or no such method, when other writers may
   * exist. With it, `onWrite` tells the key of every write made through this object.
   */
  exclusiveWriterEpoch?(): number | null
  onWrite?(listener: (key: string) => void): () => void
  /** One step of kube-apiserver's compactor (see compactStep); absent where the store cannot compact. */
  compactStep?(state: CompactionState): Promise<CompactionStep>
  /** The raft entry that committed `revision`, where the members run in this process; null when not known. */
  raftPositionOf?(revision: number): RaftPosition | null
}

/** A step's outcome: the next state, and whether this step compacted. */
export interface CompactionStep extends CompactionState {
  readonly compacted: boolean
}

/** Where kube-apiserver's compactor stands: compact_rev_key's version, and the revision to compact to next. */
export interface CompactionState {
  readonly version: number
  readonly revision: number
  /**
   * Take the state from compact_rev_key instead: its version, and the revision it was written at,
   * which is the one the previous step noted (an API server that kept no state between steps).
   */
  readonly resumed?: boolean
}

/** The key kube-apiserver's compactors coordinate through (every API server of a cluster runs one). */
export const compactRevisionKey = 'compact_rev_key'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function stored(kv: KeyValue): StoredObject {
  return {key: decoder.decode(kv.key), value: kv.value, createRevision: kv.createRevision, modRevision: kv.modRevision}
}

/** The store on any etcd API: the embedded cluster or a real etcd. */
export class EtcdStore implements Store {
  private readonly leases: LeaseManager

  constructor(
    private readonly client: StoreEtcdClient,
    clock: Clock = systemClock,
  ) {
    this.leases = new LeaseManager(client.lease, clock)
  }

  private async leaseOf(options: WriteOptions | undefined): Promise<bigint> {
    return options?.ttlSeconds ? this.leases.leaseFor(options.ttlSeconds) : 0n
  }

  async get(key: string): Promise<{object: StoredObject | null; revision: number}> {
    const response = await this.client.kv.range({key: encoder.encode(key)})
    const kv = response.kvs[0]
    return {object: kv ? stored(kv) : null, revision: response.header.revision}
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const prefixBytes = encoder.encode(prefix)
    const start = options.continueAfter ? encoder.encode(`${options.continueAfter}\0`) : prefixBytes
    const limit = Math.min(options.limit && options.limit > 0 ? options.limit : listPageObjectsMax, listPageObjectsMax)
    const response = await this.client.kv.range({key: start, rangeEnd: prefixEnd(prefixBytes), limit, revision: options.revision ?? 0})
    const objects = response.kvs.map(stored)
    const last = objects[objects.length - 1]
    return {
      objects,
      revision: options.revision && options.revision > 0 ? options.revision : response.header.revision,
      continueAfter: response.more && last ? last.key : null,
      remaining: response.count - objects.length,
    }
  }

  /**
   * kube-apiserver's compact (storage/etcd3/compact.go): if compact_rev_key's version is still the
   * one this compactor saw, put the revision it noted last time there and compact to it; else an
   * API server elsewhere did it, and this one takes up its count. Returns the next state: the
   * version now, and the current revision, to compact to at the next step.
   */
  raftPositionOf(revision: number): RaftPosition | null {
    return this.client.raftPositionOf?.(revision) ?? null
  }

  async compactStep(state: CompactionState): Promise<CompactionStep> {
    const key = encoder.encode(compactRevisionKey)
    if (state.resumed) {
      const noted = (await this.client.kv.range({key})).kvs[0]
      state = noted ? {version: noted.version, revision: noted.modRevision} : {version: 0, revision: 0}
    }
    const response = await this.client.kv.txn({
      compare: [{key, target: 'version', result: 'equal', version: state.version}],
      success: [{requestPut: {key, value: encoder.encode(String(state.revision))}}],
      failure: [{requestRange: {key}}],
    })
    const current = response.header.revision
    if (!response.succeeded) {
      const range = response.responses[0]
      const kv = range && 'responseRange' in range ? range.responseRange.kvs[0] : undefined
      return {version: kv?.version ?? 0, revision: current, compacted: false}
    }
    // kube does not compact on its first step (nothing noted yet).
    if (state.revision > 0) await this.client.kv.compact({revision: state.revision})
    return {version: state.version + 1, revision: current, compacted: state.revision > 0}
  }

  async create(key: string, value: Uint8Array, options?: WriteOptions): Promise<StoredObject> {
    const keyBytes = encoder.encode(key)
    const lease = await this.leaseOf(options)
    const response = await this.client.kv.txn({
      compare: [{key: keyBytes, target: 'mod', result: 'equal', modRevision: 0}],
      success: [{requestPut: {key: keyBytes, value, ...(lease ? {lease} : {})}}],
      failure: [],
    })
    if (!response.succeeded) throw new StoreError('AlreadyExists', `${key} already exists`)
    const revision = response.header.revision
    return {key, value, createRevision: revision, modRevision: revision}
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, options?: WriteOptions): Promise<StoredObject> {
    const keyBytes = encoder.encode(key)
    const lease = await this.leaseOf(options)
    const response = await this.client.kv.txn({
      compare: [{key: keyBytes, target: 'mod', result: 'equal', modRevision: expectedModRevision}],
      success: [{requestPut: {key: keyBytes, value, prevKv: true, ...(lease ? {lease} : {})}}],
      failure: [{requestRange: {key: keyBytes}}],
    })
    if (!response.succeeded) throw this.conflict(key, response.responses[0])
    const put = response.responses[0]
    const previous = put && 'responsePut' in put ? put.responsePut.prevKv : undefined
    return {key, value, createRevision: previous?.createRevision ?? response.header.revision, modRevision: response.header.revision}
  }

  async delete(key: string, expectedModRevision?: number): Promise<StoredObject> {
    const keyBytes = encoder.encode(key)
    const compare = expectedModRevision === undefined
      ? [{key: keyBytes, target: 'mod' as const, result: 'greater' as const, modRevision: 0}]
      : [{key: keyBytes, target: 'mod' as const, result: 'equal' as const, modRevision: expectedModRevision}]
    const response = await this.client.kv.txn({
      compare,
      success: [{requestDeleteRange: {key: keyBytes, prevKv: true}}],
      failure: [{requestRange: {key: keyBytes}}],
    })
    if (!response.succeeded) throw this.conflict(key, response.responses[0])
    const deleted = response.responses[0]
    const previous = deleted && 'responseDeleteRange' in deleted ? deleted.responseDeleteRange.prevKvs[0] : undefined
    if (!previous) throw new StoreError('NotFound', `${key} not found`)
    return stored(previous)
  }

  private conflict(key: string, response: ResponseOp | undefined): StoreError {
    const current = response && 'responseRange' in response ? response.responseRange.kvs[0] : undefined
    if (!current) return new StoreError('NotFound', `${key} not found`)
    return new StoreError('Conflict', `${key} was modified (now at revision ${current.modRevision})`, stored(current))
  }

  watch(prefix: string, revision: number): StoreWatch {
    const prefixBytes = encoder.encode(prefix)
    const watcher: Watcher = this.client.watch.watch({key: prefixBytes, rangeEnd: prefixEnd(prefixBytes), startRevision: revision + 1, prevKv: true})
    return {
      next: async () => {
        const response = await watcher.next()
        if (!response) return null
        if (response.canceled && response.compactRevision) {
          throw new StoreError('Gone', `too old resource version: ${revision} (${response.compactRevision})`)
        }
        return response.events.map((event) => ({
          type: event.type === 'DELETE' ? 'DELETED' : event.kv.createRevision === event.kv.modRevision ? 'ADDED' : 'MODIFIED',
          object: event.type === 'DELETE' && event.prevKv ? {...stored(event.prevKv), modRevision: event.kv.modRevision} : stored(event.kv),
          previous: event.prevKv ? stored(event.prevKv) : null,
        }))
      },
      cancel: () => watcher.cancel(),
    }
  }

  async close(): Promise<void> {
    await this.client.close()
  }
}

// clientv3/concurrency's session, mutex and election for one-shot processes: a lease kept alive
// at a third of its TTL, and waits that poll the member's database (lock-free when it is
// current), so that a process waiting for a lock never holds the cluster's writer lock.
import type {EtcdctlClient} from './verb.js'
import {prefixEnd} from '../mvcc/key-range.js'
import type {KeyValue, RangeRequest, RangeResponse, ResponseHeader} from '../mvcc/types.js'
import {EtcdError} from '../mvcc/errors.js'
import type {VerbContext} from './verb.js'

/** How often a waiting process looks at the keys it waits on. */
export const sessionPollMilliseconds = 100

const encoder = new TextEncoder()

export class SessionExpiredError extends Error {}

export class Session {
  private queue: Promise<unknown> = Promise.resolve()
  private keepAliveTimer: NodeJS.Timeout | null = null
  private expired = false

  private constructor(
    private readonly context: VerbContext,
    readonly leaseId: bigint,
    ttlSeconds: number,
  ) {
    // clientv3 renews at a third of the TTL.
    this.keepAliveTimer = setInterval(() => void this.renew(), Math.max(1, Math.floor((ttlSeconds * 1000) / 3)))
  }

  static async open(context: VerbContext, ttlSeconds: number): Promise<Session> {
    let leaseId = 0n
    await context.withClient(async (client) => {
      leaseId = (await client.lease.grant(ttlSeconds)).id
    })
    return new Session(context, leaseId, ttlSeconds)
  }

  /** The key this session holds under `prefix` (concurrency's "%s%x"). */
  keyUnder(prefix: string): Uint8Array {
    return encoder.encode(`${prefix}${BigInt.asUintN(64, this.leaseId).toString(16)}`)
  }

  /** Runs `work` with the cluster open; one at a time, as the writer lock allows one holder. */
  run<T>(work: (client: EtcdctlClient) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.expired) throw new SessionExpiredError('session expired')
      let result: T | undefined
      await this.context.withClient(async (client) => {
        result = await work(client)
      })
      return result as T
    })
    this.queue = next.catch(() => undefined)
    return next
  }

  /** A range, read without the writer lock when the member's database is current. */
  async range(request: RangeRequest): Promise<RangeResponse> {
    const reader = await this.context.openReader()
    if (reader) {
      try {
        if (reader.servesCurrentState(this.context.folder)) return reader.range(request)
      } finally {
        reader.close()
      }
    }
    return this.run((client) => client.kv.range(request))
  }

  private async renew(): Promise<void> {
    try {
      const response = await this.run((client) => client.lease.keepAliveOnce(this.leaseId))
      if (response.ttl <= 0) this.expired = true
    } catch (error) {
      if (error instanceof EtcdError) this.expired = true
      else if (!(error instanceof SessionExpiredError)) throw error
    }
  }

  get isExpired(): boolean {
    return this.expired
  }

  close(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer)
    this.keepAliveTimer = null
  }
}

export const prefixRange = (prefix: string): {key: Uint8Array; rangeEnd: Uint8Array} => {
  const key = encoder.encode(prefix)
  return {key, rangeEnd: prefixEnd(key)}
}

/**
 * Puts the session's key under `prefix` unless it exists, as Mutex.Lock and Election.Campaign
 * do; returns the key's create revision and the header.
 */
export async function createOwnKey(session: Session, prefix: string, value: Uint8Array): Promise<{key: Uint8Array; createRevision: number; existing: KeyValue | null; header: ResponseHeader}> {
  const key = session.keyUnder(prefix)
  const response = await session.run((client) =>
    client.kv.txn({
      compare: [{result: 'equal', target: 'create', key, createRevision: 0}],
      success: [{requestPut: {key, value, lease: session.leaseId}}],
      failure: [{requestRange: {key}}],
    }),
  )
  if (response.succeeded) return {key, createRevision: response.header.revision, existing: null, header: response.header}
  const existing = (response.responses[0] as {responseRange: RangeResponse}).responseRange.kvs[0]!
  return {key, createRevision: existing.createRevision, existing, header: response.header}
}

/**
 * concurrency's waitDeletes: waits until no key under `prefix` was created before `revision`
 * (the waiters ahead in line are gone). Resolves null when interrupted first.
 */
export async function waitForTurn(session: Session, prefix: string, revision: number, interrupted: () => boolean): Promise<ResponseHeader | null> {
  for (;;) {
    if (interrupted()) return null
    if (session.isExpired) throw new SessionExpiredError('session expired')
    const response = await session.range({...prefixRange(prefix), maxCreateRevision: revision - 1, sortTarget: 'create', sortOrder: 'descend', limit: 1})
    if (response.kvs.length === 0) return response.header
    await sleep(sessionPollMilliseconds)
  }
}

export const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds))

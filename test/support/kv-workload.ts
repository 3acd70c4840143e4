// A seeded workload of concurrent etcd3 clients on a small key space (get, put, compare-and-swap),
// each client pinned to one member's port, recording every operation with its invocation and
// response times for the linearizability checker, and the revision of every acknowledged write
// for the watch checker; beside it, watchers that record what they receive, some of them
// cancelling and resuming from the last revision they saw.
import {noop} from 'cockatiel'
import {Etcd3, type IWatchResponse, type Watcher} from 'etcd3'
import {performance} from 'node:perf_hooks'
import {setTimeout as pause} from 'node:timers/promises'
import {SeededRandom} from '../../src/core/util/random.js'
import type {KvInput, KvOperation, KvOutput} from './linearizability.js'
import type {WatchedEvent, WatchRecord, WatchResponseRecord} from './watch-checker.js'

/** How long a client waits for an answer before it counts the operation as of unknown outcome. */
export const requestTimeoutMilliseconds = 1_500
/** A client whose request failed waits this long before the next, so a member that is down is not hammered (and the history stays small). */
export const retryPauseMilliseconds = 100

/** A client without retries (a retried write would be two writes to the checker) and with a deadline on every call. */
export function plainClient(endpoints: readonly string[]): Etcd3 {
  return new Etcd3({
    hosts: endpoints.map((endpoint) => `http://${endpoint}`),
    faultHandling: {host: () => noop, global: noop},
    defaultCallOptions: (context) => (context.isStream ? {} : {deadline: Date.now() + requestTimeoutMilliseconds}),
  })
}

/** gRPC's answer when the channel has no connection: the request never left the client. */
function notSent(error: unknown): boolean {
  return error instanceof Error && /^14 UNAVAILABLE: No connection established\./.test(error.message)
}

/** The share of operations that write or delete the batch keys in one revision. */
const batchShare = 0.1
/** Keys a batch writes in one revision (few: a revision of more than 1,000 events is another test's matter). */
const batchKeys = 3

export interface WorkloadOptions {
  readonly endpoints: readonly string[]
  readonly clients: number
  readonly keys: number
  /** Every key of the workload starts with it; nothing else may write under it. */
  readonly prefix: string
  readonly seed: number
}

export class KvWorkload {
  readonly history: KvOperation[] = []
  /** The writes the store acknowledged, at the revision it gave them. */
  readonly acknowledged: WatchedEvent[] = []
  /** Failure messages of operations whose outcome is unknown, with their counts. */
  readonly failures = new Map<string, number>()
  attempts = 0
  private readonly clients: Etcd3[]
  private running = true
  private loops: Array<Promise<void>> = []
  private readonly waiting: Array<{attempts: number; resolve: () => void}> = []

  constructor(readonly options: WorkloadOptions) {
    this.clients = Array.from({length: options.clients}, (_, index) => plainClient([options.endpoints[index % options.endpoints.length]!]))
  }

  key(index: number): string {
    return `${this.options.prefix}k${index}`
  }

  start(): void {
    this.loops = this.clients.map((client, index) => this.run(client, index))
  }

  /** Resolves once `count` more operations were attempted (answered or not). */
  attempted(count: number): Promise<void> {
    const target = this.attempts + count
    return new Promise((resolve) => this.waiting.push({attempts: target, resolve}))
  }

  /** Stops after the operations in flight, then each client reads every key once. */
  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
    await Promise.all(this.clients.map(async (client, index) => {
      for (let key = 0; key < this.options.keys; key++) await this.perform(client, index, {kind: 'get', key: this.key(key)})
    }))
  }

  close(): void {
    for (const client of this.clients) client.close()
  }

  private async run(client: Etcd3, index: number): Promise<void> {
    const random = new SeededRandom((this.options.seed * 7919 + index * 104_729) >>> 0)
    const seen = new Map<string, string | null>()
    for (let count = 0; this.running; count++) {
      const key = this.key(random.nextInt(this.options.keys))
      const value = `c${index}-${count}`
      const choice = random.next()
      if (choice < batchShare) {
        if (!(await this.batch(client, value, random.chance(0.3)))) await pause(retryPauseMilliseconds)
        continue
      }
      const input: KvInput = choice < 0.4 ? {kind: 'get', key} : choice < 0.7 ? {kind: 'put', key, value} : {kind: 'cas', key, expected: seen.get(key) ?? null, value}
      const output = await this.perform(client, index, input)
      if (output?.kind === 'get') seen.set(key, output.value)
      else if (output?.kind === 'put' || (output?.kind === 'cas' && output.succeeded)) seen.set(key, value)
      if (output === null) await pause(retryPauseMilliseconds)
    }
  }

  /**
   * A revision with several events, for the watch checker's atomicity: a transaction that puts
   * every batch key, or a delete of them all (with their previous values, so the deleted keys are
   * known). Outside the keys the linearizability checker reads. Says whether it was answered.
   */
  private async batch(client: Etcd3, value: string, remove: boolean): Promise<boolean> {
    const keys = Array.from({length: batchKeys}, (_, index) => `${this.options.prefix}batch/b${index}`)
    try {
      if (remove) {
        // The keys under `…batch/` are those before `…batch0` ('0' follows '/').
        const response = await client.kv.deleteRange({key: Buffer.from(`${this.options.prefix}batch/`), range_end: Buffer.from(`${this.options.prefix}batch0`), prev_kv: true})
        for (const kv of response.prev_kvs) this.acknowledged.push({revision: Number(response.header.revision), key: kv.key.toString(), type: 'delete', value: null})
      } else {
        const response = await client.if(keys[0]!, 'Version', '>', -1).then(...keys.map((key) => client.put(key).value(value))).commit()
        for (const key of keys) this.acknowledged.push({revision: Number(response.header.revision), key, type: 'put', value})
      }
      return true
    } catch (error) {
      this.fail(error)
      return false
    } finally {
      this.attempted1()
    }
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message.split('\n')[0]!.replace(/127\.0\.0\.1:\d+/g, 'PORT').slice(0, 100) : String(error)
    this.failures.set(message, (this.failures.get(message) ?? 0) + 1)
  }

  /** Counts one attempt and wakes who waited for it. */
  private attempted1(): void {
    this.attempts++
    for (const entry of [...this.waiting]) {
      if (this.attempts >= entry.attempts) {
        this.waiting.splice(this.waiting.indexOf(entry), 1)
        entry.resolve()
      }
    }
  }

  private async perform(client: Etcd3, index: number, input: KvInput): Promise<KvOutput | null> {
    const call = performance.now()
    let output: KvOutput | null = null
    let definitelyFailed = false
    try {
      if (input.kind === 'get') {
        const response = await client.get(input.key).exec()
        output = {kind: 'get', value: response.kvs[0]?.value.toString() ?? null}
      } else if (input.kind === 'put') {
        const response = await client.put(input.key).value(input.value).exec()
        this.acknowledged.push({revision: Number(response.header.revision), key: input.key, type: 'put', value: input.value})
        output = {kind: 'put'}
      } else {
        const comparison = input.expected === null ? client.if(input.key, 'Create', '==', 0) : client.if(input.key, 'Value', '==', input.expected)
        const response = await comparison.then(client.put(input.key).value(input.value)).commit()
        if (response.succeeded) this.acknowledged.push({revision: Number(response.header.revision), key: input.key, type: 'put', value: input.value})
        output = {kind: 'cas', succeeded: response.succeeded}
      }
    } catch (error) {
      this.fail(error)
      // Never sent (no connection to the member): it took no effect, like a failed read.
      if (notSent(error)) definitelyFailed = true
    }
    // A read that failed changed nothing and says nothing: it is left out, as is a request never sent.
    if (output !== null || (input.kind !== 'get' && !definitelyFailed)) this.history.push({client: index, input, call, response: output === null ? null : performance.now(), output})
    this.attempted1()
    return output
  }
}

/** The events of a watch response, as the watch checker reads them. */
function eventsOf(response: IWatchResponse): WatchedEvent[] {
  return response.events.map((event) => ({
    revision: Number(event.kv.mod_revision),
    key: event.kv.key.toString(),
    type: event.type === 'Put' ? 'put' : 'delete',
    value: event.type === 'Put' ? event.kv.value.toString() : null,
  }))
}

/**
 * A watch of `prefix` from `startRevision`, through its own client of `endpoints`, that records what it receives. With `resumeEvery`, it
 * cancels itself after that many events and watches again from the revision after the last one
 * it saw, each time as a new record.
 */
export class RecordedWatch {
  readonly records: Array<WatchRecord & {responses: WatchResponseRecord[]}> = []
  private watcher: Watcher | null = null
  private received = 0
  private readonly waiting: Array<{revision: number; resolve: () => void}> = []
  private lastRevision = 0
  private closed = false
  private resuming: Promise<void> = Promise.resolve()

  private readonly client: Etcd3

  constructor(
    endpoints: readonly string[],
    readonly name: string,
    private readonly prefix: string,
    startRevision: number,
    private readonly resumeEvery = 0,
  ) {
    this.client = plainClient(endpoints)
    this.lastRevision = startRevision - 1
  }

  private record(startRevision: number): WatchRecord & {responses: WatchResponseRecord[]} {
    const record = {name: `${this.name}#${this.records.length}`, prefix: this.prefix, startRevision, responses: [] as WatchResponseRecord[]}
    this.records.push(record)
    return record
  }

  async open(): Promise<void> {
    let record = this.record(this.lastRevision + 1)
    const watcher = await this.client.watch().prefix(this.prefix).startRevision(String(record.startRevision)).create()
    this.watcher = watcher
    // The client re-creates the watch after its stream broke, from the revision after the last
    // response's header (the created response's, if no events came yet): a new watch for the
    // server, checked against what it asked.
    watcher.on('connecting', (request) => {
      // What it writes is the create request itself (typed as the envelope).
      const create = request as unknown as {start_revision?: string | number}
      if (this.watcher === watcher) record = this.record(Number(create.start_revision))
    })
    watcher.on('data', (response) => {
      if (this.watcher !== watcher || response.events.length === 0) return
      const events = eventsOf(response)
      record.responses.push({events, headerRevision: Number(response.header.revision)})
      this.lastRevision = Math.max(this.lastRevision, ...events.map((event) => event.revision))
      this.received += events.length
      for (const entry of [...this.waiting]) {
        if (this.lastRevision >= entry.revision) {
          this.waiting.splice(this.waiting.indexOf(entry), 1)
          entry.resolve()
        }
      }
      if (this.resumeEvery > 0 && this.received >= this.resumeEvery && !this.closed) {
        this.received = 0
        this.watcher = null
        this.resuming = watcher.cancel().then(() => this.open())
      }
    })
  }

  /** Resolves once an event at `revision` or later arrived. */
  reached(revision: number): Promise<void> {
    if (this.lastRevision >= revision) return Promise.resolve()
    return new Promise((resolve) => this.waiting.push({revision, resolve}))
  }

  /**
   * Cancels the watch (closing the client alone leaves its stream open on the server) and closes
   * its client; `giveUp` settling ends the wait for a server that is gone.
   */
  async close(giveUp: Promise<unknown> = new Promise(() => undefined)): Promise<void> {
    this.closed = true
    await Promise.race([this.resuming.then(() => this.watcher?.cancel()), giveUp.catch(() => undefined)])
    this.client.close()
  }
}

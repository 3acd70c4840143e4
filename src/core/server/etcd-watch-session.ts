// One client's watch stream, as etcd 3.4's v3rpc serves it, whatever carries it (a gRPC Watch
// stream, or the JSON gateway's /v3/watch): watches created and cancelled by the client, the
// range checked against the caller's permissions when each watch is created, every event of a
// revision in one response (or in fragments, when the client asked for them), progress answers,
// compaction cancels, and flow control so a slow reader holds a bounded number of responses.
import type {Watcher} from '../etcd/api.js'
import type {EmbeddedClient} from '../etcd/embedded-client.js'
import {EtcdError, grpcStatusText} from '../mvcc/errors.js'
import {event, header, type Wire} from './etcd-messages.js'
import {watchFragmentBytesMax, watchFragments} from './etcd-watch-fragments.js'

/** Watches one stream may hold at once; a client that opens more gets the later ones refused. */
export const watchesPerStreamMax = 1000
/** The watch ID of a response that belongs to no watch (a refused create, a progress answer). */
const noWatchId = '-1'

/** What carries a watch stream's responses. */
export interface WatchStreamPort {
  /** Sends one response; `events` is how many watch events it carries. */
  send(message: Wire, events: number): void
  /** Resolves once the transport can take more responses (or is gone). */
  room(): Promise<void>
  readonly closed: boolean
  /** The member behind the stream stopped: the stream breaks, as a dead etcd's connection does, and the client moves to another endpoint. */
  break(error: Error): void
}

export interface WatchSessionOptions {
  /** The member's client as the stream's caller; throws etcd's error for a bad token. */
  clientOfCaller(): EmbeddedClient
  /** A header of the member's current revision; throws once the member stopped. */
  currentHeader(): Wire
}

export class WatchSession {
  private readonly watchers = new Map<number, Watcher>()
  private nextWatchId = 0

  constructor(
    private readonly port: WatchStreamPort,
    private readonly options: WatchSessionOptions,
  ) {}

  /** One request of the stream: create, cancel or progress. */
  handle(request: Wire): void {
    if (request.create_request) this.create(request.create_request)
    else if (request.cancel_request) this.cancel(Number(request.cancel_request.watch_id ?? 0))
    // Not tied to one watch (etcd 3.4 answers with watch ID -1).
    else if (request.progress_request) this.port.send({header: this.options.currentHeader(), watch_id: noWatchId}, 0)
  }

  /** The stream ended: every watch stops. */
  stop(): void {
    for (const watcher of this.watchers.values()) watcher.cancel()
    this.watchers.clear()
  }

  private refuse(reason: string): void {
    this.port.send({header: this.options.currentHeader(), watch_id: noWatchId, created: true, canceled: true, cancel_reason: reason}, 0)
  }

  private create(request: Wire): void {
    let watcher: Watcher
    try {
      const filters = ((request.filters ?? []) as number[]).map((filter) => (filter === 0 ? 'noput' : 'nodelete') as 'noput' | 'nodelete')
      // The token and the permission on the range are checked here, once, as etcd does: a refused watch takes no ID.
      watcher = this.options.clientOfCaller().watch.watch({
        key: new Uint8Array(request.key ?? []),
        ...(request.range_end?.length ? {rangeEnd: new Uint8Array(request.range_end)} : {}),
        startRevision: Number(request.start_revision ?? 0),
        prevKv: Boolean(request.prev_kv),
        filters,
        progressNotify: Boolean(request.progress_notify),
      })
    } catch (error) {
      if (!(error instanceof EtcdError)) throw error
      return this.refuse(grpcStatusText(error))
    }
    const requestedId = Number(request.watch_id ?? 0)
    if (requestedId === 0) while (this.watchers.has(this.nextWatchId)) this.nextWatchId++
    const watchId = requestedId > 0 ? requestedId : this.nextWatchId++
    if (this.watchers.has(watchId) || this.watchers.size >= watchesPerStreamMax) {
      watcher.cancel()
      return this.refuse(this.watchers.has(watchId) ? 'mvcc: duplicate watch ID provided on the WatchStream' : `too many watches on one stream (${watchesPerStreamMax})`)
    }
    this.watchers.set(watchId, watcher)
    void this.forward(watcher, watchId, Boolean(request.fragment))
  }

  private cancel(watchId: number): void {
    const watcher = this.watchers.get(watchId)
    if (!watcher) return
    this.watchers.delete(watchId)
    watcher.cancel()
    this.port.send({header: this.options.currentHeader(), watch_id: String(watchId), canceled: true}, 0)
  }

  private async forward(watcher: Watcher, watchId: number, fragment: boolean): Promise<void> {
    const {port} = this
    try {
      await watcher.created()
      port.send({header: this.options.currentHeader(), watch_id: String(watchId), created: true}, 0)
      for (;;) {
        await port.room()
        const response = await watcher.next()
        if (!response || port.closed) return
        if (response.canceled || response.compactRevision) {
          port.send({header: header(response.header), watch_id: String(watchId), canceled: true, compact_revision: String(response.compactRevision ?? 0)}, 0)
          return
        }
        const responses = fragment ? watchFragments(response, watchId, watchFragmentBytesMax) : [response.events]
        for (const [index, events] of responses.entries()) {
          port.send({header: header(response.header), watch_id: String(watchId), events: events.map(event), ...(index < responses.length - 1 ? {fragment: true} : {})}, events.length)
        }
      }
    } catch (error) {
      let cancelHeader: Wire
      try {
        cancelHeader = this.options.currentHeader()
      } catch {
        port.break(error instanceof Error ? error : new Error(String(error)))
        return
      }
      port.send({header: cancelHeader, watch_id: String(watchId), canceled: true, cancel_reason: error instanceof Error ? error.message : String(error)}, 0)
    } finally {
      if (this.watchers.get(watchId) === watcher) this.watchers.delete(watchId)
    }
  }
}

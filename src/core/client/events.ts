// Events as client-go's record.EventRecorder writes them (core/v1 Events named
// `<object>.<hex nanoseconds>`), with its aggregation: the same object, type, reason and
// message again only raises `count` and `lastTimestamp` of the event already written.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import type {Clock} from '../util/clock.js'
import {type ApiClient, ApiClientError, isNotFound} from './client.js'
import {resources} from './resources.js'

/** A recorder remembers at most this many events for aggregation (client-go keeps an LRU of 4096). */
export const eventsRememberedMax = 4096
/** Distinct event names one millisecond holds (the nanoseconds of client-go's names). */
const eventsPerMillisecondMax = 1_000_000
let eventSequence = 0

export interface EventSource {
  readonly component: string
  readonly host?: string
}

export class EventRecorder {
  private readonly written = new Map<string, {namespace: string; name: string; count: number}>()

  constructor(
    private readonly client: ApiClient,
    private readonly source: EventSource,
    private readonly clock: Clock,
    /** Told of every event recorded (`kubemu up`'s live log). */
    private readonly onRecord?: (event: {component: string; object: KubeObject; type: string; reason: string; message: string; at: number}) => void,
  ) {}

  /** Events the server refused (a namespace being deleted, a quota): dropped, as client-go drops them. */
  dropped = 0

  /** Records an event; a refusal by the server is counted and dropped, never an error of the caller. */
  async record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    try {
      await this.write(object, type, reason, message)
      this.onRecord?.({component: this.source.host ? `${this.source.component}/${this.source.host}` : this.source.component, object, type, reason, message, at: this.clock.nowMilliseconds()})
    } catch (error) {
      if (!(error instanceof ApiClientError)) throw error
      this.dropped++
    }
  }

  private async write(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = this.clock.nowMilliseconds()
    const timestamp = formatTimestamp(now)
    const namespace = object.metadata.namespace || 'default'
    const key = JSON.stringify([object.metadata.uid, object.kind, object.metadata.name, type, reason, message])
    const previous = this.written.get(key)
    if (previous) {
      try {
        previous.count++
        await this.client.patch(resources.events, previous.namespace, previous.name, {count: previous.count, lastTimestamp: timestamp})
        return
      } catch (error) {
        if (!isNotFound(error)) throw error
        this.written.delete(key)
      }
    }
    // client-go names an event by the nanosecond it was made; the clock tells milliseconds, so a
    // sequence shared by every recorder of the process stands for the rest (components write about
    // the same pod in the same millisecond: the scheduler's Scheduled, the kubelet's Pulled).
    eventSequence = (eventSequence + 1) % eventsPerMillisecondMax
    const name = `${object.metadata.name}.${(BigInt(now) * 1_000_000n + BigInt(eventSequence)).toString(16)}`
    const event = {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: {name, namespace},
      involvedObject: {
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        uid: object.metadata.uid,
        apiVersion: object.apiVersion,
        resourceVersion: object.metadata.resourceVersion,
      },
      reason,
      message,
      source: {component: this.source.component, ...(this.source.host ? {host: this.source.host} : {})},
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    }
    await this.client.create(resources.events, event)
    if (this.written.size >= eventsRememberedMax) this.written.delete(this.written.keys().next().value!)
    this.written.set(key, {namespace, name, count: 1})
  }
}

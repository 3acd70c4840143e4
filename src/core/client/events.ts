// Events as client-go's record.EventRecorder writes them (core/v1 Events named
// `<object>.<hex nanoseconds>`), with its aggregation: the same object, type, reason and
// message again only raises `count` and `lastTimestamp` of the event already written. The first
// write to a namespace reads the events this component already wrote there, so a process that
// starts anew (each one-shot command) continues their counts as one that kept running would.
import {formatTimestamp, type KubeObject, type ObjectMeta} from '../api/object.js'
import type {Clock} from '../util/clock.js'
import {type ApiClient, ApiClientError, isNotFound} from './client.js'
import {combinedMessagePrefix, type CorrelatedEvent, type EventCorrelator} from './event-correlator.js'
import {recordKey} from './record-keys.js'
import {resources} from './resources.js'

/** A recorder remembers at most this many events for aggregation (client-go keeps an LRU of 4096). */
export const eventsRememberedMax = 4096
/** Namespaces whose earlier events a recorder has read; past this it forgets them all and reads again. */
const namespacesReadMax = 1024
/** Earlier events read from one namespace (one page of a list). */
const earlierEventsReadMax = 500
/** Distinct event names one millisecond holds (the nanoseconds of client-go's names). */
const eventsPerMillisecondMax = 1_000_000
let eventSequence = 0

/**
 * What an event is about: an object, or a part of one (a pod's container, as the kubelet's events
 * name it: client-go's object reference with its fieldPath, `spec.containers{web}`). The fieldPath
 * is part of what makes two events identical: two containers' `Pulling` are two events.
 */
export type EventSubject = KubeObject | {readonly object: KubeObject; readonly fieldPath: string}

function subjectParts(subject: EventSubject): {object: KubeObject; fieldPath: string | undefined} {
  return 'fieldPath' in subject && 'object' in subject ? {object: subject.object as KubeObject, fieldPath: subject.fieldPath as string} : {object: subject as KubeObject, fieldPath: undefined}
}

export interface EventSource {
  readonly component: string
  readonly host?: string
}

/** What a recorder keeps of an event written before it began: enough to go on counting it. */
interface EarlierEventSummary {
  readonly host: string
  readonly key: string
  readonly name: string
  readonly count: number
}

/**
 * The events a component wrote in a namespace before this process began: one page read once per
 * component and namespace and shared by every recorder of the component (a kubelet per node;
 * each reading the same page itself made one scan of the namespace's events per node, 1,000 at
 * 1,000 nodes). Events written since come from this process's recorders, which remember their own:
 * so the recorders sharing a reader are each the only one of their host (a node's kubelet).
 */
export class EarlierEventsReader {
  private readonly reads = new Map<string, Promise<readonly EarlierEventSummary[]>>()

  constructor(private readonly client: ApiClient) {}

  /** The page of the component's earlier events in the namespace; a refused list rejects with its ApiClientError, and is asked again next time. */
  read(component: string, namespace: string, fresh = false): Promise<readonly EarlierEventSummary[]> {
    const key = JSON.stringify([component, namespace])
    let read = fresh ? undefined : this.reads.get(key)
    if (!read) {
      if (this.reads.size >= namespacesReadMax) this.reads.clear()
      read = this.list(component, namespace)
      this.reads.set(key, read)
      read.catch(() => this.reads.delete(key))
    }
    return read
  }

  private async list(component: string, namespace: string): Promise<readonly EarlierEventSummary[]> {
    const items = (await this.client.list<EarlierEvent>(resources.events, namespace, {fieldSelector: `source=${component}`, limit: String(earlierEventsReadMax)})).items
    const summaries: EarlierEventSummary[] = []
    for (const event of items) {
      if (typeof event.count !== 'number') continue
      const involved = event.involvedObject ?? {}
      const combined = event.message?.startsWith(combinedMessagePrefix) === true
      const key = eventKey(involved.uid, involved.kind, involved.name, combined ? undefined : involved.fieldPath, event.type, event.reason, combined ? combinedMessagePrefix : event.message)
      summaries.push({host: event.source?.host ?? '', key, name: event.metadata.name, count: event.count})
    }
    return summaries
  }
}

/**
 * An event a recorder wrote (or read back): where it is and its count. The name of one this
 * process wrote is kept as its stamp (the involved object's name, a dot and the stamp in hex make
 * it), not as the string: a kubelet keeps three or four per pod it starts, and the names were most
 * of their size. A class, so V8 sizes it for its three fields.
 */
class WrittenEvent {
  constructor(
    readonly namespace: string,
    /** The event's name, its stamp, or '' for one the spam filter kept from being written so far. */
    readonly name: string | bigint,
    public count: number,
  ) {}

  /** The event's name, `object` being the object the event is about. */
  nameFor(object: KubeObject): string {
    return typeof this.name === 'bigint' ? eventName(object, this.name) : this.name
  }
}

/** client-go's name of an event about `object` made at `stamp` (nanoseconds): `<object>.<hex>`. */
function eventName(object: KubeObject, stamp: bigint): string {
  return `${object.metadata.name}.${stamp.toString(16)}`
}

export class EventRecorder {
  private readonly written = new Map<string, WrittenEvent>()
  private readonly namespacesRead = new Set<string>()
  /** Set once namespacesRead was cleared: reads then go to the server, not the shared page. */
  private readsAgain = false
  private readonly earlier: EarlierEventsReader

  constructor(
    private readonly client: ApiClient,
    private readonly source: EventSource,
    private readonly clock: Clock,
    /** Told of every event recorded (`kubemu up`'s live log). */
    private readonly onRecord?: (event: {component: string; object: KubeObject; type: string; reason: string; message: string; at: number}) => void,
    /**
     * Reads the earlier events (components may write events but not list them): a client, or a
     * reader shared by the component's recorders; the recorder's client by default.
     */
    history: ApiClient | EarlierEventsReader = client,
    /** client-go's aggregation and spam filter (the kubelet's recorders run them on every event). */
    private readonly correlator?: EventCorrelator,
  ) {
    this.earlier = history instanceof EarlierEventsReader ? history : new EarlierEventsReader(history)
  }

  /** Events the server refused (a namespace being deleted, a quota): dropped, as client-go drops them. */
  dropped = 0

  /**
   * Records an event; a refusal by the server is counted and dropped, never an error of the caller.
   * `atMilliseconds`: the cluster time it happened, when that is earlier than now (the kubelet's
   * probes, run for a stretch of cluster time the command caught up on); now by default.
   */
  async record(subject: EventSubject, type: 'Normal' | 'Warning', reason: string, message: string, atMilliseconds?: number): Promise<void> {
    const {object, fieldPath} = subjectParts(subject)
    const at = Math.min(atMilliseconds ?? Number.POSITIVE_INFINITY, this.clock.nowMilliseconds())
    const objectKey = JSON.stringify([this.source.component, this.source.host ?? '', object.kind, object.metadata.namespace ?? '', object.metadata.name, object.metadata.uid ?? '', object.apiVersion])
    const correlated = this.correlator?.correlate(objectKey, type, reason, message, at)
    try {
      await this.write(object, fieldPath, type, reason, correlated?.message ?? message, at, correlated)
      if (correlated?.skip) return
      this.onRecord?.({component: this.source.host ? `${this.source.component}/${this.source.host}` : this.source.component, object, type, reason, message, at})
    } catch (error) {
      if (!(error instanceof ApiClientError)) throw error
      this.dropped++
    }
  }

  /**
   * Brings an event's count up to `count` and its lastTimestamp to `atMilliseconds` in one write:
   * what that many identical events in a row come to (a kubelet's retries over a stretch of cluster
   * time the command caught up on). An event not known yet is recorded first. A count already
   * reached changes nothing. Refusals are dropped, as record's.
   */
  async raiseCount(subject: EventSubject, type: 'Normal' | 'Warning', reason: string, message: string, count: number, atMilliseconds: number): Promise<void> {
    const {object, fieldPath} = subjectParts(subject)
    const at = Math.min(atMilliseconds, this.clock.nowMilliseconds())
    const key = eventKey(object.metadata.uid, object.kind, object.metadata.name, fieldPath, type, reason, message)
    try {
      await this.readEarlierEvents(object.metadata.namespace || 'default')
      if (!this.written.has(key)) await this.write(object, fieldPath, type, reason, message, at)
      const previous = this.written.get(key)
      if (!previous || previous.count >= count) return
      await this.client.patch(resources.events, previous.namespace, previous.nameFor(object), {count, lastTimestamp: formatTimestamp(at)})
      previous.count = count
    } catch (error) {
      if (!(error instanceof ApiClientError)) throw error
      // Gone (its TTL ran out): the next raise records it anew.
      if (isNotFound(error)) this.written.delete(key)
      this.dropped++
    }
  }

  /**
   * Writes an event, or raises the count of the one already written. `correlated`: what the
   * correlator made of it: a combined event is one for every similar message (its message the
   * latest); one the spam filter drops only counts, and the next written carries that count.
   */
  private async write(object: KubeObject, fieldPath: string | undefined, type: 'Normal' | 'Warning', reason: string, message: string, now: number, correlated?: CorrelatedEvent): Promise<void> {
    const timestamp = formatTimestamp(now)
    const namespace = object.metadata.namespace || 'default'
    // A combined event stands for similar events of the whole object (client-go's aggregator key has no fieldPath).
    const key = eventKey(object.metadata.uid, object.kind, object.metadata.name, correlated?.combined ? undefined : fieldPath, type, reason, correlated?.combined ? combinedMessagePrefix : message)
    await this.readEarlierEvents(namespace)
    const previous = this.written.get(key)
    let count = 1
    if (previous) {
      previous.count++
      if (correlated?.skip) return
      if (previous.name !== '') {
        try {
          await this.client.patch(resources.events, previous.namespace, previous.nameFor(object), {count: previous.count, lastTimestamp: timestamp, ...(correlated?.combined ? {message} : {})})
          return
        } catch (error) {
          if (!isNotFound(error)) throw error
        }
      }
      // Never written (dropped by the spam filter until now) or gone: written anew with its count.
      count = previous.count
      this.written.delete(key)
    } else if (correlated?.skip) {
      this.remember(key, new WrittenEvent(namespace, '', 1))
      return
    }
    // client-go names an event by the nanosecond it was made; the clock tells milliseconds, so a
    // sequence shared by every recorder of the process stands for the rest (components write about
    // the same pod in the same millisecond: the scheduler's Scheduled, the kubelet's Pulled).
    eventSequence = (eventSequence + 1) % eventsPerMillisecondMax
    const stamp = BigInt(now) * 1_000_000n + BigInt(eventSequence)
    const name = eventName(object, stamp)
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
        ...(fieldPath ? {fieldPath} : {}),
      },
      reason,
      message,
      source: {component: this.source.component, ...(this.source.host ? {host: this.source.host} : {})},
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count,
      type,
      eventTime: null,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    }
    await this.client.create(resources.events, event)
    this.remember(key, new WrittenEvent(namespace, stamp, count))
  }

  private remember(key: string, entry: WrittenEvent): void {
    this.written.delete(key)
    if (this.written.size >= eventsRememberedMax) this.written.delete(this.written.keys().next().value!)
    this.written.set(key, entry)
  }

  /**
   * Once per namespace: the events this component (and host) wrote there before, remembered as if
   * this recorder had written them. A list it may not make leaves it as client-go's would be after
   * a restart, writing new events.
   */
  private async readEarlierEvents(namespace: string): Promise<void> {
    if (this.namespacesRead.has(namespace)) return
    if (this.namespacesRead.size >= namespacesReadMax) {
      this.namespacesRead.clear()
      this.readsAgain = true
    }
    this.namespacesRead.add(namespace)
    let summaries: readonly EarlierEventSummary[]
    try {
      // Once it has forgotten which namespaces it read, a read is made anew: the shared page from
      // when the process began would hold counts older than this recorder's own.
      summaries = await this.earlier.read(this.source.component, namespace, this.readsAgain)
    } catch (error) {
      if (error instanceof ApiClientError) return
      throw error
    }
    const host = this.source.host ?? ''
    for (const {host: writer, key, name, count} of summaries) {
      if (writer !== host) continue
      const known = this.written.get(key)
      if (!known || known.count < count) this.remember(key, new WrittenEvent(namespace, name, count))
    }
  }
}

interface EarlierEvent extends KubeObject {
  metadata: ObjectMeta & {name: string}
  involvedObject?: {uid?: string; kind?: string; name?: string; fieldPath?: string}
  source?: {component?: string; host?: string}
  type?: string
  reason?: string
  message?: string
  count?: number
}

/** client-go's key of identical events (the source is the recorder's own), as a digest (record-keys.ts). */
function eventKey(...parts: (string | undefined)[]): string {
  return recordKey(...parts)
}

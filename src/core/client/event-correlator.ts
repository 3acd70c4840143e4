// client-go's EventCorrelator (tools/record/events_cache.go), as the kubelet's recorder runs it on
// every event, on the times the events happened:
// - aggregation: events from one source about one object with the same type and reason but a
//   different message are "similar"; once 10 different messages came within 10 minutes of each
//   other (the window slides with each one), each further one is written as one event whose
//   message is "(combined from similar events): " and the latest message, its count going up;
// - the spam filter: a token bucket per source and object (25 at once, one more every 5 minutes);
//   an event that finds it empty is not written, though its count still goes up, so the next one
//   written shows every occurrence.
// Pure, bounded (an LRU of records per key, as client-go's 4096). A record that can no longer
// change an answer is dropped as the clock passes it, with an hour's margin for events recorded
// behind the latest (client-go keeps it until the LRU evicts it;
// the answers are the same): similar events older than the window start afresh anyway, and a
// bucket idle long enough to refill is a new one. A kubelet records a few events per pod it starts,
// so without this a node kept a record for every pod it ever ran, up to the LRU's size.

import {sharedStrings} from './cached-objects.js'
import {recordKey} from './record-keys.js'

/** Different messages of similar events before they are combined (defaultAggregateMaxEvents). */
export const aggregateMessagesMax = 10
/** How long similar events keep counting towards that since the last one (defaultAggregateIntervalInSeconds). */
export const aggregateWindowMilliseconds = 600_000
/** Events one source may write about one object at once (defaultSpamBurst). */
export const spamBurstEvents = 25
/** How often the source gets one more (defaultSpamQPS, 1/300 per second). */
export const spamRefillMilliseconds = 300_000
/** Aggregation and spam records kept each (client-go's maxLruCacheEntries). */
export const correlatorRecordsMax = 4096
/** The prefix of a combined event's message. */
export const combinedMessagePrefix = '(combined from similar events): '

export interface CorrelatedEvent {
  /** The message to write: the event's own, or the combined one. */
  readonly message: string
  /** Whether it is the combined event of its type and reason (one event for all similar ones). */
  readonly combined: boolean
  /** Whether the spam filter drops it (its count still goes up). */
  readonly skip: boolean
}

/** A bucket left alone this long is full again, as one never used. */
const bucketRefilledMilliseconds = spamBurstEvents * spamRefillMilliseconds
/**
 * How far behind the latest event an event may be recorded: a kubelet catching up records what
 * happened in the step it runs (the stepper's steps are 5 minutes at most). Records are dropped
 * only once even such an event could not use them, so the answers stay the same.
 */
export const eventBackdateMillisecondsMax = 3_600_000

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key)
  if (map.size >= correlatorRecordsMax) map.delete(map.keys().next().value!)
  map.set(key, value)
}

/**
 * Drops the least recently used records that `stale` says can no longer change an answer. The map
 * is in the order of last use, so this stops at the first record still in use: at most the records
 * that went stale since the last call, plus one.
 */
function forgetStale<V>(map: Map<string, V>, stale: (value: V) => boolean): void {
  for (const [key, value] of map) {
    if (!stale(value)) return
    map.delete(key)
  }
}

/**
 * Similar events of one source, object, type and reason: their different messages in the order
 * they came (at most aggregateMessagesMax - 1) and when the last came. Most records ever hold one
 * message (a kubelet's Pulled, Created, Started of a pod), kept as itself: a list of one took
 * about 60 bytes more, four times per pod a node runs. A class, so V8 sizes it for its two fields.
 */
class SimilarEvents {
  private messages: string | string[]

  constructor(
    message: string,
    public lastAtMilliseconds: number,
  ) {
    this.messages = sharedStrings.share(message)
  }

  get count(): number {
    return typeof this.messages === 'string' ? 1 : this.messages.length
  }

  includes(message: string): boolean {
    return typeof this.messages === 'string' ? this.messages === message : this.messages.includes(message)
  }

  add(message: string): void {
    const shared = sharedStrings.share(message)
    if (typeof this.messages === 'string') this.messages = [this.messages, shared]
    else this.messages.push(shared)
  }

  /** Forgets the oldest message. */
  dropOldest(): void {
    if (typeof this.messages === 'string') throw new Error('invariant: a similar-events record keeps at least one message')
    this.messages.shift()
    if (this.messages.length === 1) this.messages = this.messages[0]!
  }
}

/** The spam filter's bucket of one source and object: its tokens when last used, and when that was. */
class SpamBucket {
  constructor(
    public tokens: number,
    public atMilliseconds: number,
  ) {}
}

export class EventCorrelator {
  /** By a digest of the object, type and reason. */
  private readonly similar = new Map<string, SimilarEvents>()
  /** By a digest of the object. */
  private readonly buckets = new Map<string, SpamBucket>()
  /** The latest time an event came with. */
  private latestMilliseconds = Number.NEGATIVE_INFINITY

  /** `objectKey`: the source and involved object; the event at `atMilliseconds` (cluster time). */
  correlate(objectKey: string, type: string, reason: string, message: string, atMilliseconds: number): CorrelatedEvent {
    this.latestMilliseconds = Math.max(this.latestMilliseconds, atMilliseconds)
    const oldestUsable = this.latestMilliseconds - eventBackdateMillisecondsMax
    forgetStale(this.similar, (record) => oldestUsable - record.lastAtMilliseconds > aggregateWindowMilliseconds)
    forgetStale(this.buckets, (bucket) => oldestUsable - bucket.atMilliseconds >= bucketRefilledMilliseconds)
    const similarKey = recordKey(objectKey, type, reason)
    let record = this.similar.get(similarKey)
    if (!record || atMilliseconds - record.lastAtMilliseconds > aggregateWindowMilliseconds) record = new SimilarEvents(message, atMilliseconds)
    else if (!record.includes(message)) record.add(message)
    record.lastAtMilliseconds = Math.max(record.lastAtMilliseconds, atMilliseconds)
    let combined = false
    if (record.count >= aggregateMessagesMax) {
      // The list stays one short of the threshold, so every further similar event is combined.
      record.dropOldest()
      combined = true
    }
    remember(this.similar, similarKey, record)
    return {message: combined ? `${combinedMessagePrefix}${message}` : message, combined, skip: !this.take(objectKey, atMilliseconds)}
  }

  /** Records held (similar-event records, spam buckets). */
  get recordsHeld(): {similar: number; buckets: number} {
    return {similar: this.similar.size, buckets: this.buckets.size}
  }

  /** One token of the source and object's bucket at that time, if it has one. */
  private take(objectKey: string, atMilliseconds: number): boolean {
    const bucketKey = recordKey(objectKey)
    const bucket = this.buckets.get(bucketKey) ?? new SpamBucket(spamBurstEvents, atMilliseconds)
    bucket.tokens = Math.min(spamBurstEvents, bucket.tokens + Math.max(0, atMilliseconds - bucket.atMilliseconds) / spamRefillMilliseconds)
    bucket.atMilliseconds = Math.max(bucket.atMilliseconds, atMilliseconds)
    remember(this.buckets, bucketKey, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
}

// The watch guarantees etcd's robustness tests check, on what watchers received:
// - ordered: a watch delivers revisions in increasing order;
// - unique: no event (revision and key) twice;
// - atomic: all the events of one revision arrive in one response;
// - resumable: a watch from revision R starts with the first event at or after R;
// - reliable: no gap: every event of the history in the watch's range, from its start up to the
//   last revision it reported, was delivered.
// The history is what everyone saw, merged and checked for agreement: the watchers' events, the
// writes the store acknowledged (with the revision it gave them) and the history read back at the end.

export interface WatchedEvent {
  readonly revision: number
  readonly key: string
  readonly type: 'put' | 'delete'
  /** A put's value (null for a delete). */
  readonly value: string | null
}

export interface WatchResponseRecord {
  readonly events: readonly WatchedEvent[]
  /** The response header's revision: the watch promises every event up to it. */
  readonly headerRevision: number
}

export interface WatchRecord {
  readonly name: string
  /** Keys the watch covers: this prefix. */
  readonly prefix: string
  /** The revision it asked to start from. */
  readonly startRevision: number
  /** The responses that carried events, in arrival order. */
  readonly responses: readonly WatchResponseRecord[]
}

const eventId = (event: WatchedEvent) => `${event.revision}\u0000${event.key}`
const describe = (event: WatchedEvent) => `${event.type} ${event.key}${event.value === null ? '' : `=${event.value}`} @${event.revision}`

/**
 * One history from several sources (each in any order): events sorted by revision and key.
 * Sources that disagree on what happened at a revision to a key are reported.
 */
export function mergeHistory(sources: ReadonlyArray<{readonly name: string; readonly events: readonly WatchedEvent[]}>): {events: WatchedEvent[]; violations: string[]} {
  const byId = new Map<string, {event: WatchedEvent; source: string}>()
  const violations: string[] = []
  for (const source of sources) {
    for (const event of source.events) {
      const known = byId.get(eventId(event))
      if (!known) byId.set(eventId(event), {event, source: source.name})
      else if (known.event.type !== event.type || known.event.value !== event.value) violations.push(`history: ${source.name} says ${describe(event)} but ${known.source} says ${describe(known.event)}`)
    }
  }
  const events = [...byId.values()].map((entry) => entry.event).sort((a, b) => a.revision - b.revision || a.key.localeCompare(b.key))
  return {events, violations}
}

/** The violations of the five guarantees by one watch, against the merged history. */
export function checkWatch(watch: WatchRecord, history: readonly WatchedEvent[]): string[] {
  const violations: string[] = []
  const say = (guarantee: string, message: string) => violations.push(`${watch.name}: not ${guarantee}: ${message}`)
  const delivered = watch.responses.flatMap((response) => response.events)
  const seen = new Set<string>()
  let previous = 0
  for (const event of delivered) {
    if (event.revision < previous) say('ordered', `${describe(event)} after revision ${previous}`)
    previous = Math.max(previous, event.revision)
    if (seen.has(eventId(event))) say('unique', `${describe(event)} delivered twice`)
    seen.add(eventId(event))
    if (!event.key.startsWith(watch.prefix)) say('reliable', `${describe(event)} is outside ${watch.prefix}`)
    if (event.revision < watch.startRevision) say('resumable', `${describe(event)} is before the start revision ${watch.startRevision}`)
  }
  const inRange = history.filter((event) => event.key.startsWith(watch.prefix) && event.revision >= watch.startRevision)
  // Atomic: a revision's events all in the response that carries the first of them.
  const responseOf = new Map<number, number>()
  watch.responses.forEach((response, index) => {
    for (const event of response.events) {
      const first = responseOf.get(event.revision)
      if (first === undefined) responseOf.set(event.revision, index)
      else if (first !== index) say('atomic', `revision ${event.revision} split over responses ${first} and ${index}`)
    }
  })
  for (const event of inRange) {
    const carrier = responseOf.get(event.revision)
    if (carrier !== undefined && !watch.responses[carrier]!.events.some((other) => eventId(other) === eventId(event))) say('atomic', `${describe(event)} missing from the response with revision ${event.revision}`)
  }
  if (delivered.length > 0 && inRange.length > 0 && eventId(delivered[0]!) !== eventId(inRange[0]!)) say('resumable', `from revision ${watch.startRevision} the first event was ${describe(delivered[0]!)}, expected ${describe(inRange[0]!)}`)
  // Reliable: every event up to the last revision the watch vouched for.
  const vouched = Math.max(0, ...watch.responses.map((response) => Math.max(response.headerRevision, ...response.events.map((event) => event.revision))))
  const missing = inRange.filter((event) => event.revision <= vouched && !seen.has(eventId(event)))
  if (missing.length > 0) say('reliable', `${missing.length} events up to revision ${vouched} never delivered, first ${missing.slice(0, 3).map(describe).join(', ')}`)
  const known = new Map(history.map((event) => [eventId(event), event]))
  for (const event of delivered) {
    const recorded = known.get(eventId(event))
    if (!recorded || recorded.type !== event.type || recorded.value !== event.value) say('reliable', `${describe(event)} is in no history`)
  }
  return violations
}

/** The history's last event per key: what a read of the range at its end must give. */
export function finalValues(history: readonly WatchedEvent[]): Map<string, string> {
  const values = new Map<string, string>()
  for (const event of history) {
    if (event.type === 'put') values.set(event.key, event.value!)
    else values.delete(event.key)
  }
  return values
}

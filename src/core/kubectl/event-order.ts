// The order kubectl prints events in: Go's unstable sort.Sort by time, so events of the same time
// end where Go's pdqsort leaves them, not in the server's order. `kubectl events` orders by the
// time an event was last seen (its series', lastTimestamp, else eventTime); the Events table of
// `kubectl describe` by lastTimestamp alone (an event with none first).
import {goSortSlice} from '../util/go-sort.js'

const text = (value: unknown) => (typeof value === 'string' ? value : '')

/** Microseconds since the epoch of an RFC 3339 time (Event times keep microseconds), or -Infinity for Go's zero time. */
function microseconds(value: unknown): number {
  const match = /^(.*?:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text(value))
  const seconds = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN
  if (Number.isNaN(seconds)) return Number.NEGATIVE_INFINITY
  return seconds * 1000 + Number(`${match![2] ?? ''}000000`.slice(0, 6))
}

/** The time kubectl orders an event by: its series' last one, else lastTimestamp, else eventTime. */
function sortTime(event: Record<string, unknown>): number {
  const series = event.series as {lastObservedTime?: unknown} | null | undefined
  if (series !== undefined && series !== null) return microseconds(series.lastObservedTime)
  const last = microseconds(event.lastTimestamp)
  return last !== Number.NEGATIVE_INFINITY ? last : microseconds(event.eventTime)
}

/** Sorts `events` in place into `kubectl events`' order ('last seen') or describe's ('lastTimestamp'). */
export function sortEventsAsKubectl<Event extends object>(events: Event[], by: 'last seen' | 'lastTimestamp'): Event[] {
  const timeOf = (event: Record<string, unknown>) => (by === 'last seen' ? sortTime(event) : microseconds(event.lastTimestamp))
  const times = new Map(events.map((event) => [event, timeOf(event as Record<string, unknown>)]))
  return goSortSlice(events, (left, right) => times.get(left)! < times.get(right)!)
}

// What kubemu's host commands print: cluster time, a clock advance, a fault applied.
import type {AdvanceResult, TimeReading} from '../host/host.js'
import {formatGoDuration} from '../util/go-duration.js'
import {seededEpochMilliseconds} from '../seed.js'

const iso = (milliseconds: number) => new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** What cluster time counts from: the wall clock, or a seeded cluster's epoch (`seed epoch 2025-01-01T00:00:00Z + 2m0s`). */
export function clockBasis(reading: TimeReading): string {
  if (reading.seeded) return `seed epoch ${iso(seededEpochMilliseconds)} + ${formatGoDuration(reading.now - seededEpochMilliseconds)}`
  return `wall clock + ${formatGoDuration(reading.offsetMilliseconds)}`
}

/** `kubemu time`: cluster time, then how far it is ahead of the wall clock (or of a seeded cluster's epoch). */
export function formatClusterTime(reading: TimeReading): string {
  return `${iso(reading.now)}\t(${clockBasis(reading)})\n`
}

/** What `time advance` says on standard error when the loops could not run for part of the span, else null. */
export function formatAdvanceOutage(result: AdvanceResult): string | null {
  if (!result.outage) return null
  const {atMilliseconds, reason} = result.outage
  return `Warning: from ${iso(atMilliseconds)} the control plane's requests failed (${reason}): the rest of the time passed with the control plane idle\n`
}

export function formatAdvance(result: AdvanceResult): string {
  return `cluster time ${iso(result.from)} -> ${iso(result.to)} (+${formatGoDuration(result.to - result.from)}, ${result.steps} ${result.steps === 1 ? 'step' : 'steps'})\n`
}

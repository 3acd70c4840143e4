// What kubemu's host commands print: cluster time, a clock advance, a fault applied.
import type {TimeReading} from '../host/control-api.js'
import type {AdvanceResult} from '../host/host.js'
import {formatGoDuration} from '../util/go-duration.js'

const iso = (milliseconds: number) => new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** `kubemu time`: cluster time, then how far it is ahead of the wall clock. */
export function formatClusterTime(reading: TimeReading): string {
  return `${iso(reading.now)}\t(wall clock + ${formatGoDuration(reading.offsetMilliseconds)})\n`
}

export function formatAdvance(result: AdvanceResult): string {
  return `cluster time ${iso(result.from)} -> ${iso(result.to)} (+${formatGoDuration(result.to - result.from)}, ${result.steps} steps)\n`
}

// Cron schedules as the CronJob controller reads them (robfig/cron's standard parser): five fields
// (minute hour day-of-month month day-of-week) with *, lists, ranges, steps and names, the
// @yearly/@monthly/@weekly/@daily/@hourly shorthands, and an optional TZ=/CRON_TZ= prefix (UTC only).
// Times are in UTC unless spec.timeZone says otherwise (kubemu supports "UTC" and "Etc/UTC").

export class CronScheduleError extends Error {}

interface Field {
  readonly min: number
  readonly max: number
  readonly names?: readonly string[]
}

const fields: readonly Field[] = [
  {min: 0, max: 59},
  {min: 0, max: 23},
  {min: 1, max: 31},
  {min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']},
  {min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']},
]

const shorthands: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

/** A search for the next matching minute gives up after this many minutes (five years). */
export const cronSearchMinutesMax = 5 * 366 * 24 * 60

export interface CronSchedule {
  readonly sets: ReadonlyArray<ReadonlySet<number>>
  /** Whether day-of-month and day-of-week were both restricted (then either may match). */
  readonly dayOr: boolean
}

function parseValue(text: string, field: Field): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1
  if (named >= 0) return named + field.min
  if (!/^\d+$/.test(text)) throw new CronScheduleError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`)
  const value = Number(text)
  // Sunday may be written 7.
  if (field === fields[4] && value === 7) return 0
  return value
}

function parseField(text: string, field: Field): Set<number> {
  const values = new Set<number>()
  for (const part of text.split(',')) {
    const [rangeText, stepText] = part.split('/')
    const step = stepText === undefined ? 1 : Number(stepText)
    if (!Number.isInteger(step) || step <= 0) throw new CronScheduleError(`failed to parse int from ${stepText}`)
    let low: number
    let high: number
    if (rangeText === '*' || rangeText === '?') [low, high] = [field.min, field.max]
    else if (rangeText!.includes('-')) {
      const [from, to] = rangeText!.split('-')
      ;[low, high] = [parseValue(from!, field), parseValue(to!, field)]
    } else {
      low = parseValue(rangeText!, field)
      high = stepText === undefined ? low : field.max
    }
    if (low < field.min || high > field.max || low > high) throw new CronScheduleError(`end of range (${high}) above maximum (${field.max}): ${part}`)
    for (let value = low; value <= high; value += step) values.add(value)
  }
  return values
}

export function parseCronSchedule(text: string): CronSchedule {
  let spec = text.trim()
  const zone = /^(?:CRON_)?TZ=(\S+)\s+(.*)$/.exec(spec)
  if (zone) {
    if (!['UTC', 'Etc/UTC'].includes(zone[1]!)) throw new CronScheduleError(`unknown time zone ${zone[1]}`)
    spec = zone[2]!
  }
  spec = shorthands[spec] ?? spec
  const parts = spec.split(/\s+/)
  if (parts.length !== 5) throw new CronScheduleError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`)
  const sets = parts.map((part, index) => parseField(part, fields[index]!))
  return {sets, dayOr: parts[2] !== '*' && parts[2] !== '?' && parts[4] !== '*' && parts[4] !== '?'}
}

function matches(schedule: CronSchedule, date: Date): boolean {
  const [minute, hour, day, month, weekday] = schedule.sets
  if (!minute!.has(date.getUTCMinutes()) || !hour!.has(date.getUTCHours()) || !month!.has(date.getUTCMonth() + 1)) return false
  const dayMatch = day!.has(date.getUTCDate())
  const weekdayMatch = weekday!.has(date.getUTCDay())
  return schedule.dayOr ? dayMatch || weekdayMatch : dayMatch && weekdayMatch
}

/** Days in each month at most (February's 29th comes within any five years). */
const monthDaysMax = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * Whether the schedule ever fires: one restricted to a day no chosen month has (`59 23 31 2 *`)
 * never does. Checked on the fields, not by a five-year search minute by minute.
 */
export function scheduleEverFires(schedule: CronSchedule): boolean {
  const [, , day, month] = schedule.sets
  if (schedule.dayOr) return true
  return [...month!].some((chosen) => [...day!].some((date) => date <= monthDaysMax[chosen - 1]!))
}

/** The first scheduled minute strictly after `after` (milliseconds), or null within the search bound. */
export function nextScheduleTime(schedule: CronSchedule, after: number): number | null {
  let minute = Math.floor(after / 60_000) * 60_000 + 60_000
  for (let step = 0; step < cronSearchMinutesMax; step++, minute += 60_000) if (matches(schedule, new Date(minute))) return minute
  return null
}

/** The scheduled times in (after, until]: the most recent one, and how many there were (bounded). */
export function missedSchedules(schedule: CronSchedule, after: number, until: number, countMax = 101): {latest: number | null; count: number} {
  let latest: number | null = null
  let count = 0
  let cursor = after
  while (count < countMax) {
    const next = nextScheduleTime(schedule, cursor)
    if (next === null || next > until) break
    latest = next
    count++
    cursor = next
  }
  return {latest, count}
}

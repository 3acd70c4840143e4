// Go's time.Parse with the RFC 3339 layout, for the flags kubectl reads that way (`logs
// --since-time`): the instant in milliseconds, or Go's ParseError text for the first element that
// does not parse (`parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`),
// a field out of range (`month out of range`) or text left over (`extra text: "…"`).

import {timeQuote} from './go-duration.js'

export class GoTimeError extends Error {}

const rfc3339Layout = '2006-01-02T15:04:05Z07:00'

/** Go's getnum: one or two digits (exactly two when `fixed`), or null. */
function number(value: string, fixed: boolean): {n: number; rest: string} | null {
  if (!/^\d/.test(value)) return null
  if (!/^\d\d/.test(value)) return fixed ? null : {n: Number(value[0]), rest: value.slice(1)}
  return {n: Number(value.slice(0, 2)), rest: value.slice(2)}
}

const daysIn = (month: number, year: number) => (month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31)

export function parseRfc3339Milliseconds(text: string): number {
  const quoted = timeQuote
  const cannotParse = (rest: string, element: string) => new GoTimeError(`parsing time ${quoted(text)} as ${quoted(rfc3339Layout)}: cannot parse ${quoted(rest)} as ${quoted(element)}`)
  const outOfRange = (what: string) => new GoTimeError(`parsing time ${quoted(text)}: ${what} out of range`)
  let value = text
  const literal = (expected: string) => {
    if (!value.startsWith(expected)) throw cannotParse(value, expected)
    value = value.slice(expected.length)
  }
  const field = (element: string, fixed: boolean, max: number | null, name: string) => {
    const read = number(value, fixed)
    if (read === null) throw cannotParse(value, element)
    if (max !== null && (read.n < (name === 'month' ? 1 : 0) || read.n > max)) throw outOfRange(name)
    value = read.rest
    return read.n
  }
  if (!/^\d{4}$/.test(value.slice(0, 4))) throw cannotParse(value, '2006')
  const year = Number(value.slice(0, 4))
  value = value.slice(4)
  literal('-')
  const month = field('01', true, 12, 'month')
  literal('-')
  const day = field('02', true, null, 'day')
  literal('T')
  const hour = field('15', false, 23, 'hour')
  literal(':')
  const minute = field('04', true, 59, 'minute')
  literal(':')
  const second = field('05', true, 59, 'second')
  let fraction = 0
  const fractionText = /^[.,](\d+)/.exec(value)
  if (fractionText) {
    fraction = Number(`0.${fractionText[1]}`)
    value = value.slice(fractionText[0].length)
  }
  let offsetMinutes = 0
  if (value.startsWith('Z')) value = value.slice(1)
  else {
    const zone = /^([-+])(\d\d):(\d\d)/.exec(value)
    if (value.length < 6 || value[3] !== ':' || !zone) throw cannotParse(value, 'Z07:00')
    if (Number(zone[2]) > 24) throw outOfRange('time zone offset hour')
    if (Number(zone[3]) > 60) throw outOfRange('time zone offset minute')
    offsetMinutes = (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3]))
    value = value.slice(6)
  }
  if (value !== '') throw new GoTimeError(`parsing time ${quoted(text)}: extra text: ${quoted(value)}`)
  if (day < 1 || day > daysIn(month, year)) throw outOfRange('day')
  return Date.UTC(year, month - 1, day, hour, minute, second) + fraction * 1000 - offsetMinutes * 60_000
}

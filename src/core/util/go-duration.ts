// Go's time.Duration text: ParseDuration's syntax ("1h30m", "300ms", "-2.5s") and String's
// output ("6m0s", "1h0m0s", "1.5s"), for the flags and arguments that take Go durations.

export class GoDurationError extends Error {}

const unitMilliseconds: Readonly<Record<string, number>> = {ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/**
 * The time package's own quote (not strconv.Quote): `"` and `\` escaped, every byte of a
 * non-ASCII or control character as \xNN.
 */
export function timeQuote(text: string): string {
  let out = '"'
  for (const character of text) {
    const code = character.codePointAt(0)!
    if (code >= 0x80 || code < 0x20) for (const byte of Buffer.from(character, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`
    else out += character === '"' || character === '\\' ? `\\${character}` : character
  }
  return `${out}"`
}

/** Milliseconds in `text` (Go's ParseDuration), or GoDurationError with Go's message for the fault it meets first. */
export function parseGoDurationMilliseconds(text: string): number {
  const quoted = timeQuote(text)
  const invalid = () => new GoDurationError(`time: invalid duration ${quoted}`)
  const negative = text.startsWith('-')
  let rest = /^[-+]/.test(text) ? text.slice(1) : text
  if (rest === '0') return 0
  if (rest === '') throw invalid()
  let total = 0
  while (rest !== '') {
    // A number: digits, then an optional fraction; at least one digit in all.
    const number = /^(\d*)(\.(\d*))?/.exec(rest)!
    if (!/^[.\d]/.test(rest) || (number[1] === '' && (number[3] ?? '') === '')) throw invalid()
    rest = rest.slice(number[0].length)
    // The unit: everything up to the next digit or period.
    const unit = /^[^.\d]*/.exec(rest)![0]
    if (unit === '') throw new GoDurationError(`time: missing unit in duration ${quoted}`)
    const milliseconds = unitMilliseconds[unit]
    if (milliseconds === undefined) throw new GoDurationError(`time: unknown unit ${timeQuote(unit)} in duration ${quoted}`)
    rest = rest.slice(unit.length)
    total += Number(`${number[1] || '0'}.${number[3] ?? ''}`) * milliseconds
  }
  // Past Go's int64 of nanoseconds (about 292 years) the duration is invalid.
  if (total * 1e6 > 2 ** 63) throw invalid()
  return negative ? -total : total
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
}

/** Go's Duration.String: "0s", "1.5s", "6m0s", "1h0m0s", "250ms". */
export function formatGoDuration(milliseconds: number): string {
  if (milliseconds < 0) return `-${formatGoDuration(-milliseconds)}`
  const nanoseconds = Math.round(milliseconds * 1e6)
  if (nanoseconds === 0) return '0s'
  if (nanoseconds < 1000) return `${nanoseconds}ns`
  if (nanoseconds < 1e6) return `${trimZeros((nanoseconds / 1e3).toFixed(3))}µs`
  if (nanoseconds < 1e9) return `${trimZeros((nanoseconds / 1e6).toFixed(6))}ms`
  const hours = Math.floor(nanoseconds / 3.6e12)
  const minutes = Math.floor((nanoseconds % 3.6e12) / 6e10)
  const seconds = trimZeros(((nanoseconds % 6e10) / 1e9).toFixed(9))
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`
  if (minutes > 0) return `${minutes}m${seconds}s`
  return `${seconds}s`
}

/** apimachinery's duration.HumanDuration (the AGE column): "45s", "3m20s", "5h", "12d", "2y30d". */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 180) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`
  }
  return `${Math.floor(hours / 24 / 365)}y`
}

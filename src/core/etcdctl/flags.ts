// Go's pflag syntax, as etcdctl (cobra) parses it: --name=value, --name value, -n value, -nvalue,
// booleans as --name or --name=true|false, flags anywhere among the arguments, `--` ends flags.
import {GoDurationError, parseGoDurationMilliseconds} from '../util/go-duration.js'

export type FlagKind = 'bool' | 'string' | 'int' | 'duration'

export interface FlagSpec {
  readonly name: string
  readonly shorthand?: string
  readonly kind: FlagKind
  readonly defaultValue: string
  /** What help says of the flag. */
  readonly usage?: string
  /** A string slice flag (shown as [a,b] in help). */
  readonly list?: boolean
}

export class FlagError extends Error {}

export interface ParsedFlags {
  readonly values: Map<string, string>
  /** Flags the user set, on the command line or (for globals) through ETCDCTL_* variables. */
  readonly changed: Set<string>
  readonly positionals: string[]
  /** Everything after a bare `--`. */
  readonly rest: string[]
}

const booleans = new Map([
  ['1', 'true'], ['t', 'true'], ['T', 'true'], ['true', 'true'], ['TRUE', 'true'], ['True', 'true'],
  ['0', 'false'], ['f', 'false'], ['F', 'false'], ['false', 'false'], ['FALSE', 'false'], ['False', 'false'],
])

/**
 * A flag value as pflag parses it (bool, int, duration; others as given), in its normal form.
 * Shared by the etcdctl and kubectl parsers; throws FlagError with pflag's text.
 */
export function normalizeFlagValue(kind: string, raw: string, shown: string): string {
  switch (kind) {
    case 'bool': {
      const value = booleans.get(raw)
      if (!value) throw new FlagError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`)
      return value
    }
    case 'int':
      if (!/^[-+]?\d+$/.test(raw)) throw new FlagError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`)
      return String(Number(raw))
    case 'duration':
      parseGoDuration(raw, shown)
      return raw
    default:
      return raw
  }
}

const normalize = (spec: FlagSpec, raw: string, shown: string): string => normalizeFlagValue(spec.kind, raw, shown)

/** Go's time.ParseDuration, in milliseconds. */
export function parseGoDuration(text: string, shown = 'duration'): number {
  try {
    return parseGoDurationMilliseconds(text)
  } catch (error) {
    if (error instanceof GoDurationError) throw new FlagError(`invalid argument "${text}" for "${shown}" flag: ${error.message}`)
    throw error
  }
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((spec) => [spec.name, spec]))
  const byShorthand = new Map(specs.filter((spec) => spec.shorthand).map((spec) => [spec.shorthand!, spec]))
  const values = new Map(specs.map((spec) => [spec.name, spec.defaultValue]))
  const changed = new Set<string>()
  const positionals: string[] = []
  const set = (spec: FlagSpec, raw: string, shown: string) => {
    values.set(spec.name, normalize(spec, raw, shown))
    changed.add(spec.name)
  }
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === '--') return {values, changed, positionals, rest: argv.slice(index + 1)}
    if (argument.startsWith('--') && argument.length > 2) {
      const [name, inline] = splitOnce(argument.slice(2))
      const spec = byName.get(name)
      if (!spec) throw new FlagError(`unknown flag: --${name}`)
      if (inline !== null) set(spec, inline, `--${name}`)
      else if (spec.kind === 'bool') set(spec, 'true', `--${name}`)
      else if (index + 1 < argv.length) set(spec, argv[++index]!, `--${name}`)
      else throw new FlagError(`flag needs an argument: --${name}`)
      continue
    }
    if (argument.startsWith('-') && argument.length > 1) {
      // A run of shorthands: -abc, where the last may take a value (-wjson, -w json).
      for (let position = 1; position < argument.length; position++) {
        const letter = argument[position]!
        const spec = byShorthand.get(letter)
        if (!spec) throw new FlagError(`unknown shorthand flag: '${letter}' in ${argument}`)
        const remainder = argument.slice(position + 1)
        if (spec.kind === 'bool') {
          if (remainder.startsWith('=')) {
            set(spec, remainder.slice(1), `-${letter}`)
            break
          }
          set(spec, 'true', `-${letter}`)
          continue
        }
        if (remainder.length > 0) set(spec, remainder.startsWith('=') ? remainder.slice(1) : remainder, `-${letter}, --${spec.name}`)
        else if (index + 1 < argv.length) set(spec, argv[++index]!, `-${letter}, --${spec.name}`)
        else throw new FlagError(`flag needs an argument: '${letter}' in -${letter}`)
        break
      }
      continue
    }
    positionals.push(argument)
  }
  return {values, changed, positionals, rest: []}
}

function splitOnce(text: string): [string, string | null] {
  const at = text.indexOf('=')
  return at < 0 ? [text, null] : [text.slice(0, at), text.slice(at + 1)]
}

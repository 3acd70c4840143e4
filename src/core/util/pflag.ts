// Go's pflag syntax, as cobra commands (kubectl, etcdctl) parse their arguments: --name=value,
// --name value, -n value, -nvalue, runs of shorthands (-abc), booleans as --name or
// --name=true|false, string arrays by repetition (-f a -f b), string slices by commas too
// (-L a,b), flags anywhere among the arguments, `--` ends flags. Errors read as pflag's.
import {GoDurationError, parseGoDurationMilliseconds} from './go-duration.js'
import {goQuote} from './go-quote.js'

export type PflagKind = 'bool' | 'string' | 'int' | 'duration' | 'stringArray' | 'stringSlice'

export interface Pflag {
  readonly name: string
  readonly shorthand?: string
  readonly kind: PflagKind
  readonly defaultValue?: string
  /** A flag given as `--flag` alone takes this value (kubectl's --dry-run means "unchanged"). */
  readonly noValueDefault?: string
}

/** A command line pflag refuses, in pflag's words. */
export class FlagError extends Error {}

export interface ParsedPflags {
  /** Every single-valued flag's value (its default when not given), in its normal form. */
  readonly values: Map<string, string>
  /** Every array or slice flag's values. */
  readonly lists: Map<string, string[]>
  readonly changed: Set<string>
  readonly positionals: string[]
  /** Everything after a bare `--`. */
  readonly rest: string[]
  /** Each flag as given, in order, by its long name. */
  readonly given: Array<{readonly name: string; readonly value: string}>
}

const booleans = new Map([
  ['1', 'true'], ['t', 'true'], ['T', 'true'], ['true', 'true'], ['TRUE', 'true'], ['True', 'true'],
  ['0', 'false'], ['f', 'false'], ['F', 'false'], ['false', 'false'], ['FALSE', 'false'], ['False', 'false'],
])

/** Go's time.ParseDuration, in milliseconds; pflag's error under the flag's name. */
export function parseGoDuration(text: string, shown = 'duration'): number {
  try {
    return parseGoDurationMilliseconds(text)
  } catch (error) {
    if (error instanceof GoDurationError) throw new FlagError(`invalid argument ${goQuote(text)} for "${shown}" flag: ${error.message}`)
    throw error
  }
}

/** A flag value as pflag parses it (bool, int, duration; others as given), in its normal form. */
export function normalizeFlagValue(kind: string, raw: string, shown: string): string {
  switch (kind) {
    case 'bool': {
      const value = booleans.get(raw)
      if (!value) throw new FlagError(`invalid argument ${goQuote(raw)} for "${shown}" flag: strconv.ParseBool: parsing ${goQuote(raw)}: invalid syntax`)
      return value
    }
    case 'int':
      if (!/^[-+]?\d+$/.test(raw)) throw new FlagError(`invalid argument ${goQuote(raw)} for "${shown}" flag: strconv.ParseInt: parsing ${goQuote(raw)}: invalid syntax`)
      return String(Number(raw))
    case 'duration':
      parseGoDuration(raw, shown)
      return raw
    default:
      return raw
  }
}

const isList = (flag: Pflag) => flag.kind === 'stringArray' || flag.kind === 'stringSlice'
/** Whether `--flag` alone is complete (a bool, or a flag with a value for when none is given). */
export const takesValue = (flag: Pflag) => flag.kind !== 'bool' && flag.noValueDefault === undefined
/** How pflag names a flag in its errors, however it was given: `-w, --watch` when it has a shorthand. */
const shownName = (flag: Pflag) => (flag.shorthand ? `-${flag.shorthand}, --${flag.name}` : `--${flag.name}`)

export function parsePflags(argv: readonly string[], flags: readonly Pflag[]): ParsedPflags {
  const byName = new Map(flags.map((flag) => [flag.name, flag]))
  const byShorthand = new Map(flags.filter((flag) => flag.shorthand).map((flag) => [flag.shorthand!, flag]))
  const values = new Map(flags.filter((flag) => !isList(flag)).map((flag) => [flag.name, flag.defaultValue ?? (flag.kind === 'bool' ? 'false' : '')]))
  const lists = new Map<string, string[]>(flags.filter(isList).map((flag) => [flag.name, flag.defaultValue ? flag.defaultValue.split(',') : []]))
  const changed = new Set<string>()
  const positionals: string[] = []
  const given: Array<{name: string; value: string}> = []
  const set = (flag: Pflag, raw: string) => {
    given.push({name: flag.name, value: raw})
    if (isList(flag)) {
      const list = changed.has(flag.name) ? lists.get(flag.name)! : []
      list.push(...(flag.kind === 'stringSlice' ? raw.split(',').filter((part) => part.length > 0) : [raw]))
      lists.set(flag.name, list)
    } else {
      values.set(flag.name, normalizeFlagValue(flag.kind, raw, shownName(flag)))
    }
    changed.add(flag.name)
  }
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === '--') return {values, lists, changed, positionals, rest: argv.slice(index + 1), given}
    if (argument.startsWith('--') && argument.length > 2) {
      const at = argument.indexOf('=')
      const name = at < 0 ? argument.slice(2) : argument.slice(2, at)
      const flag = byName.get(name)
      if (!flag) throw new FlagError(`unknown flag: --${name}`)
      if (at >= 0) set(flag, argument.slice(at + 1))
      else if (!takesValue(flag)) set(flag, flag.kind === 'bool' ? 'true' : flag.noValueDefault!)
      else if (index + 1 < argv.length) set(flag, argv[++index]!)
      else throw new FlagError(`flag needs an argument: --${name}`)
      continue
    }
    if (argument.startsWith('-') && argument.length > 1) {
      // A run of shorthands: -abc, where the last may take a value (-wjson, -w json, -w=json).
      for (let position = 1; position < argument.length; position++) {
        const letter = argument[position]!
        const flag = byShorthand.get(letter)
        if (!flag) throw new FlagError(`unknown shorthand flag: '${letter}' in ${argument}`)
        const remainder = argument.slice(position + 1)
        if (!takesValue(flag)) {
          if (remainder.startsWith('=')) {
            set(flag, remainder.slice(1))
            break
          }
          set(flag, flag.kind === 'bool' ? 'true' : flag.noValueDefault!)
          continue
        }
        if (remainder.length > 0) set(flag, remainder.startsWith('=') ? remainder.slice(1) : remainder)
        else if (index + 1 < argv.length) set(flag, argv[++index]!)
        else throw new FlagError(`flag needs an argument: '${letter}' in -${letter}`)
        break
      }
      continue
    }
    positionals.push(argument)
  }
  return {values, lists, changed, positionals, rest: [], given}
}

/** The words that name the command (verb, subverb), skipping flags and the values they take. */
export function commandWords(argv: readonly string[], flags: readonly Pflag[], depth: number): string[] {
  const byName = new Map(flags.map((flag) => [flag.name, flag]))
  const byShorthand = new Map(flags.filter((flag) => flag.shorthand).map((flag) => [flag.shorthand!, flag]))
  const words: string[] = []
  for (let index = 0; index < argv.length && words.length < depth; index++) {
    const argument = argv[index]!
    if (argument === '--') break
    if (argument.startsWith('--')) {
      const flag = byName.get(argument.slice(2))
      if (flag && takesValue(flag) && !argument.includes('=')) index++
      continue
    }
    if (argument.startsWith('-') && argument.length > 1) {
      const last = byShorthand.get(argument[argument.length - 1]!)
      if (argument.length === 2 && last && takesValue(last)) index++
      continue
    }
    words.push(argument)
  }
  return words
}

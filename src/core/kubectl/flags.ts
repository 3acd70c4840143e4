// kubectl's flag syntax (cobra/pflag): --name=value, --name value, -n value, -nvalue, booleans as
// --name or --name=false, string arrays by repetition (-f a -f b), string slices by commas too
// (-L a,b), flags anywhere among the arguments, `--` ends flags. Errors read as pflag's.
import {FlagError, normalizeFlagValue} from '../etcdctl/flags.js'

export type KubectlFlagKind = 'bool' | 'string' | 'int' | 'duration' | 'stringArray' | 'stringSlice'

export interface KubectlFlag {
  readonly name: string
  readonly shorthand?: string
  readonly kind: KubectlFlagKind
  readonly defaultValue?: string
  /** A bool flag given as `--flag` alone takes this value (e.g. --dry-run means "unchanged"). */
  readonly noValueDefault?: string
  /** Deprecated flags still work; using one prints pflag's notice with this text. */
  readonly deprecated?: string
}

export class KubectlFlagError extends Error {}

export interface ParsedKubectlFlags {
  readonly values: Map<string, string>
  readonly lists: Map<string, string[]>
  readonly changed: Set<string>
  readonly positionals: string[]
  /** Everything after a bare `--`. */
  readonly rest: string[]
  /** Each flag as given, in order, by its long name (what --record writes down). */
  readonly given: Array<{readonly name: string; readonly value: string}>
}

function normalize(flag: KubectlFlag, raw: string, shown: string): string {
  try {
    return normalizeFlagValue(flag.kind, raw, shown)
  } catch (error) {
    if (error instanceof FlagError) throw new KubectlFlagError(error.message)
    throw error
  }
}

export const takesValue = (flag: KubectlFlag) => flag.kind !== 'bool' && flag.noValueDefault === undefined

export function parseKubectlFlags(argv: readonly string[], flags: readonly KubectlFlag[]): ParsedKubectlFlags {
  const byName = new Map(flags.map((flag) => [flag.name, flag]))
  const byShorthand = new Map(flags.filter((flag) => flag.shorthand).map((flag) => [flag.shorthand!, flag]))
  const values = new Map(flags.filter((flag) => flag.kind !== 'stringArray' && flag.kind !== 'stringSlice').map((flag) => [flag.name, flag.defaultValue ?? (flag.kind === 'bool' ? 'false' : '')]))
  const lists = new Map<string, string[]>(flags.filter((flag) => flag.kind === 'stringArray' || flag.kind === 'stringSlice').map((flag) => [flag.name, flag.defaultValue ? flag.defaultValue.split(',') : []]))
  const changed = new Set<string>()
  const positionals: string[] = []
  const given: Array<{name: string; value: string}> = []
  const set = (flag: KubectlFlag, raw: string, shown: string) => {
    given.push({name: flag.name, value: raw})
    if (flag.kind === 'stringArray' || flag.kind === 'stringSlice') {
      const list = changed.has(flag.name) ? lists.get(flag.name)! : []
      list.push(...(flag.kind === 'stringSlice' ? raw.split(',').filter((part) => part.length > 0) : [raw]))
      lists.set(flag.name, list)
    } else {
      values.set(flag.name, normalize(flag, raw, shown))
    }
    changed.add(flag.name)
  }
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === '--') return {values, lists, changed, positionals, rest: argv.slice(index + 1), given}
    if (argument.startsWith('--') && argument.length > 2) {
      const at = argument.indexOf('=')
      const name = at < 0 ? argument.slice(2) : argument.slice(2, at)
      const inline = at < 0 ? null : argument.slice(at + 1)
      const flag = byName.get(name)
      if (!flag) throw new KubectlFlagError(`unknown flag: --${name}`)
      if (inline !== null) set(flag, inline, `--${name}`)
      else if (!takesValue(flag)) set(flag, flag.kind === 'bool' ? 'true' : flag.noValueDefault!, `--${name}`)
      else if (index + 1 < argv.length) set(flag, argv[++index]!, `--${name}`)
      else throw new KubectlFlagError(`flag needs an argument: --${name}`)
      continue
    }
    if (argument.startsWith('-') && argument.length > 1 && argument !== '-') {
      for (let position = 1; position < argument.length; position++) {
        const letter = argument[position]!
        const flag = byShorthand.get(letter)
        if (!flag) throw new KubectlFlagError(`unknown shorthand flag: '${letter}' in ${argument}`)
        const remainder = argument.slice(position + 1)
        if (!takesValue(flag)) {
          if (remainder.startsWith('=')) {
            set(flag, remainder.slice(1), `-${letter}, --${flag.name}`)
            break
          }
          set(flag, flag.kind === 'bool' ? 'true' : flag.noValueDefault!, `-${letter}, --${flag.name}`)
          continue
        }
        if (remainder.length > 0) set(flag, remainder.startsWith('=') ? remainder.slice(1) : remainder, `-${letter}, --${flag.name}`)
        else if (index + 1 < argv.length) set(flag, argv[++index]!, `-${letter}, --${flag.name}`)
        else throw new KubectlFlagError(`flag needs an argument: '${letter}' in -${letter}`)
        break
      }
      continue
    }
    positionals.push(argument)
  }
  return {values, lists, changed, positionals, rest: [], given}
}

/** The words that name the command (verb, subverb), skipping flags and the values they take. */
export function commandWords(argv: readonly string[], flags: readonly KubectlFlag[], depth: number): string[] {
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

// etcdctl's flags: pflag's syntax (util/pflag.ts, shared with kubectl), each with its default and
// the usage line etcdctl's help prints.
import {type Pflag, parsePflags} from '../util/pflag.js'
export {FlagError, normalizeFlagValue, parseGoDuration} from '../util/pflag.js'

export type FlagKind = 'bool' | 'string' | 'int' | 'duration'

export interface FlagSpec extends Pflag {
  readonly kind: FlagKind
  readonly defaultValue: string
  /** What help says of the flag. */
  readonly usage?: string
  /** A string slice flag (shown as [a,b] in help; its value is kept as given, commas and all). */
  readonly list?: boolean
}

export interface ParsedFlags {
  readonly values: Map<string, string>
  /** Flags the user set, on the command line or (for globals) through ETCDCTL_* variables. */
  readonly changed: Set<string>
  readonly positionals: string[]
  /** Everything after a bare `--`. */
  readonly rest: string[]
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const {values, changed, positionals, rest} = parsePflags(argv, specs)
  return {values, changed, positionals, rest}
}

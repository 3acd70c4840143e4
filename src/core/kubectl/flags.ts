// kubectl's flags: pflag's syntax (util/pflag.ts, shared with etcdctl), with what kubectl adds to
// a flag's declaration (deprecation notices).
import type {Pflag, PflagKind, ParsedPflags} from '../util/pflag.js'
export {commandWords, FlagError as KubectlFlagError, parsePflags as parseKubectlFlags, takesValue} from '../util/pflag.js'

export type KubectlFlagKind = PflagKind

export interface KubectlFlag extends Pflag {
  /** Deprecated flags still work; using one prints pflag's notice with this text. */
  readonly deprecated?: string
}

export type ParsedKubectlFlags = ParsedPflags

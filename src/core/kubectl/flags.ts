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

/**
 * The flags kubectl 1.32 marks required (cobra's MarkFlagRequired), by command path: cobra refuses
 * a command without them before it runs, and offers them in completion even without a '-'.
 */
export const requiredFlags: Readonly<Record<string, readonly string[]>> = {
  'autoscale': ['max'],
  'create clusterrolebinding': ['clusterrole'],
  'create cronjob': ['image', 'schedule'],
  'create deployment': ['image'],
  'create service externalname': ['external-name'],
  'run': ['image'],
  'scale': ['replicas'],
}

/** cobra's error for required flags not given (their names in pflag's sorted order), or null. */
export function missingRequiredFlags(commandPath: string, flags: ParsedKubectlFlags): string | null {
  const missing = (requiredFlags[commandPath] ?? []).filter((name) => !flags.changed.has(name)).sort()
  return missing.length === 0 ? null : `required flag(s) ${missing.map((name) => `"${name}"`).join(', ')} not set`
}

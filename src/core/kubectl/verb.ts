// What a kubectl verb is to the clone's dispatcher (kubectl.ts), its help and its completion: a
// name, flags, subverbs, and what it runs. Its own file so the verbs need not import the
// dispatcher that lists them.
import type {KubectlFlag} from './flags.js'
import type {KubectlSession} from './session.js'

export interface KubectlVerb {
  readonly name: string
  readonly aliases?: readonly string[]
  readonly flags: readonly KubectlFlag[]
  /** Verbs with subcommands (config, create, set, auth) name them here. */
  readonly subverbs?: readonly KubectlVerb[]
  run?(session: KubectlSession, args: readonly string[]): Promise<number>
}

// `kubectl plugin list`: the plugins on PATH and what kubectl's verifier warns about them
// (plugins.ts), checked against kubectl 1.32's own commands.
import {KubectlError} from '../errors.js'
import {kubectlHelpPaths} from '../help/help.js'
import {type CommandNode, listPlugins} from '../plugins.js'
import {rootCommandsInOrder} from '../suggestions.js'
import type {KubectlVerb} from '../verb.js'
import {openVerbCatalog, type VerbEntry} from '../verbs-manifest.js'

interface CommandTree {
  name: string
  aliases: string[]
  subverbs: CommandTree[]
}

/** Subcommands of kubectl 1.32 that neither kubemu's verbs nor the kept help texts name. */
const otherSubcommands = ['certificate approve', 'certificate deny']

/**
 * kubectl 1.32's command tree as cobra's Find walks it: the root's commands by name (and cobra's
 * help and kubectl's alpha), their subcommands from kubemu's verbs (with their aliases) and from
 * the paths of kubectl's help texts.
 */
function kubectlCommands(verbs: readonly VerbEntry[]): CommandTree[] {
  const withSubverbs = (entries: readonly VerbEntry[] | undefined): CommandTree[] =>
    (entries ?? []).map((entry) => ({name: entry.name, aliases: [...(entry.aliases ?? [])], subverbs: withSubverbs(entry.subverbs)}))
  const root: CommandTree[] = [...rootCommandsInOrder, 'help', 'alpha'].map((name) => ({name, aliases: [], subverbs: withSubverbs(verbs.find((verb) => verb.name === name)?.subverbs)}))
  for (const path of [...kubectlHelpPaths(), ...otherSubcommands]) {
    let level = root
    for (const word of path.split(' ')) {
      let node = level.find((command) => command.name === word)
      if (!node) level.push((node = {name: word, aliases: [], subverbs: []}))
      level = node.subverbs
    }
  }
  return root
}

export const pluginVerb: KubectlVerb = {
  name: 'plugin',
  flags: [],
  subverbs: [
    {
      name: 'list',
      flags: [{name: 'name-only', kind: 'bool'}],
      run: async (session) => {
        const commands: readonly CommandNode[] = kubectlCommands((await openVerbCatalog()).verbs)
        const {errors} = listPlugins(session.io, session.flag('name-only') === 'true', commands)
        if (errors.length > 0) throw new KubectlError(errors.join('\n'))
        return 0
      },
    },
  ],
}

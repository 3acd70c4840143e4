// `kubectl plugin list`: the plugins on PATH and what kubectl's verifier warns about them
// (plugins.ts), checked against kubectl 1.32's own commands (as its kept help texts name them).
import {KubectlError} from '../errors.js'
import {kubectlHelp, kubectlHelpPaths} from '../help/help.js'
import {type CommandNode, listPlugins} from '../plugins.js'
import {rootCommandsInOrder} from '../suggestions.js'
import type {KubectlVerb} from '../verb.js'

interface CommandTree {
  name: string
  aliases: string[]
  subverbs: CommandTree[]
}

/** Subcommands of kubectl 1.32 whose help texts kubemu does not keep. */
const otherSubcommands = ['certificate approve', 'certificate deny', 'config set', 'config unset', 'config delete-cluster', 'config delete-user']

/**
 * kubectl 1.32's command tree as cobra's Find walks it: the root's commands (and cobra's help and
 * kubectl's alpha), each command path whose help text kubectl keeps, with the aliases that help
 * names (`create serviceaccount` is also `create sa`).
 */
function kubectlCommands(): CommandTree[] {
  const root: CommandTree[] = [...rootCommandsInOrder, 'help', 'alpha'].map((name) => ({name, aliases: [], subverbs: []}))
  for (const path of [...kubectlHelpPaths(), ...otherSubcommands]) {
    let level = root
    let node: CommandTree | undefined
    for (const word of path.split(' ')) {
      node = level.find((command) => command.name === word)
      if (!node) level.push((node = {name: word, aliases: [], subverbs: []}))
      level = node.subverbs
    }
    const aliases = /\nAliases:\n *(.*)\n/.exec(kubectlHelp(path, {}) ?? '')?.[1]
    if (node && aliases) node.aliases = aliases.split(', ').filter((alias) => alias !== node!.name)
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
        const commands: readonly CommandNode[] = kubectlCommands()
        const {errors} = listPlugins(session.io, session.flag('name-only') === 'true', commands)
        if (errors.length > 0) throw new KubectlError(errors.join('\n'))
        return 0
      },
    },
  ],
}

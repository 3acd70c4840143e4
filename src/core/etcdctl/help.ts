// etcdctl's help screens, as its cobra template prints them: a command group without (or with an
// unknown) subcommand prints its help and succeeds.
import type {FlagSpec} from './flags.js'

export interface HelpEntry {
  readonly name: string
  readonly short: string
}

const tabWidth = 8

/** Go's text/tabwriter with tabs as padding (minwidth 0, tabwidth 8, padding 1). */
export function tabAligned(rows: ReadonlyArray<readonly [string, string]>, indent = ''): string {
  const widest = Math.max(0, ...rows.map(([first]) => first.length))
  const cell = Math.ceil((widest + 1) / tabWidth) * tabWidth
  return rows.map(([first, second]) => `${indent}${first}${'\t'.repeat(Math.ceil((cell - first.length) / tabWidth))}${second}\n`).join('')
}

/** A flag as pflag shows it in usage: `  -w, --write-out="simple"`, `      --hex[=false]`. */
function flagUsage(spec: FlagSpec): string {
  const start = spec.shorthand ? `  -${spec.shorthand}, --${spec.name}` : `      --${spec.name}`
  switch (spec.kind) {
    case 'bool':
      return `${start}[=${spec.defaultValue}]`
    case 'string':
      return spec.list ? `${start}=[${spec.defaultValue}]` : `${start}=${JSON.stringify(spec.defaultValue)}`
    default:
      return `${start}=${spec.defaultValue}`
  }
}

export function flagsBlock(specs: readonly FlagSpec[]): string {
  const sorted = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return tabAligned(sorted.map((spec) => [flagUsage(spec), spec.usage ?? ''] as const))
}

export interface GroupHelp {
  readonly name: string
  readonly short: string
  readonly usage: string
  readonly subcommands: readonly HelpEntry[]
}

export function groupHelp(group: GroupHelp, globalFlags: readonly FlagSpec[]): string {
  const commands = [...group.subcommands].sort((a, b) => (a.name < b.name ? -1 : 1))
  return (
    `NAME:\n\t${group.name} - ${group.short}\n\n` +
    `USAGE:\n\tetcdctl ${group.usage}\n\n` +
    `API VERSION:\n\t3.4\n\n\n` +
    `COMMANDS:\n${tabAligned(commands.map((command) => [command.name, command.short] as const), '\t')}\n` +
    `OPTIONS:\n${flagsBlock([{name: 'help', shorthand: 'h', kind: 'bool', defaultValue: 'false', usage: `help for ${group.name}`}])}\n` +
    `GLOBAL OPTIONS:\n${flagsBlock(globalFlags)}\n`
  )
}

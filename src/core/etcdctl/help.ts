// etcdctl's help screens, as its cobra template prints them: for `--help`, for a command group
// without (or with an unknown) subcommand, and on stdout before a flag error.
import {etcdVersion} from '../etcd/version.js'
import type {FlagSpec} from './flags.js'
import {commandHelp} from './help-data.js'

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

function flagsBlock(specs: readonly FlagSpec[], usages: Readonly<Record<string, string>> = {}): string {
  const sorted = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return tabAligned(sorted.map((spec) => [flagUsage(spec), usages[spec.name] ?? spec.usage ?? ''] as const))
}

const helpFlag = (name: string): FlagSpec => ({name: 'help', shorthand: 'h', kind: 'bool', defaultValue: 'false', usage: `help for ${name}`})

export interface HelpSubject {
  /** The command's words after `etcdctl`, e.g. ['user', 'add']. */
  readonly path: readonly string[]
  readonly flags: readonly FlagSpec[]
  /** Global flags, with the persistent flags of the command's group. */
  readonly globalFlags: readonly FlagSpec[]
  /** For a group: its subcommands' names. */
  readonly subcommands?: readonly string[]
}

export function commandHelpText(subject: HelpSubject): string {
  const name = subject.path.join(' ')
  const entry = commandHelp[name]
  if (!entry) throw new Error(`no help text for "etcdctl ${name}"`)
  let text = `NAME:\n\t${name} - ${entry.short}\n\nUSAGE:\n\tetcdctl ${name}${entry.use ? ` ${entry.use}` : ''} [flags]\n\n`
  if (subject.subcommands) {
    const commands = [...subject.subcommands].sort().map((sub) => [sub, commandHelp[`${name} ${sub}`]?.short ?? ''] as const)
    text += `API VERSION:\n\t3.4\n\n\nCOMMANDS:\n${tabAligned(commands, '\t')}\n`
  }
  if (entry.long) text += `DESCRIPTION:\n${entry.long.split('\n').map((line) => `\t${line}\n`).join('')}\n`
  const last = subject.path[subject.path.length - 1]!
  text += `OPTIONS:\n${flagsBlock([...subject.flags, helpFlag(last)], entry.flagUsages)}\n`
  text += `GLOBAL OPTIONS:\n${flagsBlock(subject.globalFlags)}\n`
  return text
}

/** `etcdctl --help`: every command kubemu's etcdctl has, then the global flags. */
export function rootHelpText(commands: ReadonlyArray<readonly string[]>, globalFlags: readonly FlagSpec[]): string {
  const rows = commands.map((path) => path.join(' ')).sort().map((name) => [name, commandHelp[name]?.short ?? ''] as const)
  return (
    `NAME:\n\tetcdctl - A simple command line client for etcd3.\n\nUSAGE:\n\tetcdctl [flags]\n\nVERSION:\n\t${etcdVersion}\n\nAPI VERSION:\n\t3.4\n\n\n` +
    `COMMANDS:\n${tabAligned(rows, '\t')}\nOPTIONS:\n${flagsBlock([...globalFlags, helpFlag('etcdctl')])}\n`
  )
}

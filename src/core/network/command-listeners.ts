// The ports a container's own command listens on, read from the command as the simulated shell
// would run it: `nc -l -p PORT` (takes the connection, prints what it gets, sends nothing back:
// curl's "Empty reply from server"), busybox `httpd -p PORT` (80 by default) and
// `python3 -m http.server [PORT]` (8000 by default), alone or anywhere in an `sh -c` script.

export interface CommandListener {
  readonly port: number
  readonly program: 'nc' | 'httpd' | 'http.server'
  /** Whether the program answers HTTP (nc takes the connection and never replies). */
  readonly answersHttp: boolean
}

const shells = new Set(['sh', 'bash', 'ash', 'dash'])
/** Listeners read from one command: more is a script no container needs. */
export const commandListenersMax = 64

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

function portOf(text: string | undefined): number | null {
  const match = /^(?:[\d.]*:)?(\d{1,5})$/.exec(text ?? '')
  const port = match ? Number(match[1]) : Number.NaN
  return port >= 1 && port <= 65_535 ? port : null
}

/** The listener a simple command (its words) starts, if any. */
function listenerOf(words: readonly string[]): CommandListener | null {
  const program = basename(words[0] ?? '')
  const rest = words.slice(1)
  if (program === 'nc' || program === 'netcat') {
    const flags = rest.filter((word) => /^-[a-zA-Z]+$/.test(word))
    if (!flags.some((flag) => flag.includes('l'))) return null
    const afterP = rest.findIndex((word) => /^-[a-zA-Z]*p$/.test(word))
    const port = afterP >= 0 ? portOf(rest[afterP + 1]) : portOf(rest.filter((word) => !word.startsWith('-')).at(-1))
    return port === null ? null : {port, program: 'nc', answersHttp: false}
  }
  if (program === 'httpd') {
    const at = rest.indexOf('-p')
    const port = at >= 0 ? portOf(rest[at + 1]) : 80
    return port === null ? null : {port, program: 'httpd', answersHttp: true}
  }
  if (/^python[0-9.]*$/.test(program)) {
    const module = rest.indexOf('-m')
    if (module < 0 || rest[module + 1] !== 'http.server') return null
    const port = portOf(rest.slice(module + 2).find((word) => !word.startsWith('-'))) ?? 8000
    return {port, program: 'http.server', answersHttp: true}
  }
  return null
}

/** The simple commands (their words) the container's command runs: its `sh -c` script's, split on ; & | and newlines, or itself. */
function commandsOf(container: {command?: unknown; args?: unknown}): string[][] {
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [])
  const argv = [...strings(container.command), ...strings(container.args)]
  if (argv.length === 0) return []
  const flag = argv.indexOf('-c')
  const commands = shells.has(basename(argv[0]!)) && flag >= 0 && argv[flag + 1] !== undefined
    ? argv[flag + 1]!.split(/[;&|\n]+/).map((command) => command.trim().replace(/^(exec|then|do|else)\s+/, '').split(/\s+/).map((word) => word.replace(/^['"]|['"]$/g, '')))
    : [argv]
  return commands.slice(0, commandListenersMax)
}

/** Every listener the container's command starts. */
export function commandListeners(container: {command?: unknown; args?: unknown}): CommandListener[] {
  const listeners: CommandListener[] = []
  for (const words of commandsOf(container)) {
    const listener = listenerOf(words)
    if (listener) listeners.push(listener)
  }
  return listeners
}

/**
 * Whether the container's command (or a command of its `sh -c` script) runs one of `programs`
 * without any of `notServing` (flags with which it does something else and exits): a script
 * that prepares the files, then starts the image's server.
 */
export function commandRuns(container: {command?: unknown; args?: unknown}, programs: readonly string[], notServing: readonly string[] = []): boolean {
  return commandsOf(container).some((words) => programs.includes(basename(words[0] ?? '')) && !words.slice(1).some((word) => notServing.includes(word)))
}

// kubectl's plugin mechanism: a command word kubectl does not know runs the executable
// `kubectl-WORD[-SUBWORD…]` found on PATH, the longest name the leading words make (a dash in a
// word is an underscore in the file name), with the words after it and the same environment; its
// exit status is kubectl's. As kubectl 1.32's HandlePluginCommand finds and runs it, and as
// `kubectl plugin list` lists them.
import {spawn} from 'node:child_process'
import {readdirSync, statSync} from 'node:fs'
import {lookPath} from './look-path.js'
import {basename, delimiter, join} from 'node:path'
import {constants as osConstants} from 'node:os'
import type {KubectlIo} from './session.js'
import {goPathError} from './errors.js'

/** The plugin the arguments name and the arguments it gets, or null when none does. */
export function findPlugin(argv: readonly string[], environment: NodeJS.ProcessEnv): {path: string; args: string[]} | null {
  const words: string[] = []
  for (const argument of argv) {
    if (argument.startsWith('-')) break
    words.push(argument.replaceAll('-', '_'))
  }
  for (let count = words.length; count >= 1; count--) {
    const path = lookPath(`kubectl-${words.slice(0, count).join('-')}`, environment.PATH ?? '')
    if (path) return {path, args: argv.slice(count)}
  }
  return null
}

/**
 * Runs the plugin with the terminal's stdin (kubectl hands the process over to it), its output
 * passed on as it comes; its exit status, or 128 + the signal that ended it, as a shell reports it.
 */
export function runPlugin(plugin: {path: string; args: string[]}, io: KubectlIo): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(plugin.path, plugin.args, {env: io.environment, stdio: ['inherit', 'pipe', 'pipe'], argv0: plugin.path})
    child.stdout.on('data', (chunk: Buffer) => io.stdout(chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => io.stderr(chunk.toString()))
    child.on('error', (error) => {
      io.stderr(`Error: ${error.message}\n`)
      resolve(1)
    })
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? osConstants.signals[signal] : 0)))
  })
}

/** A kubectl command as the plugin verifier walks them: its name, aliases and subcommands. */
export interface CommandNode {
  readonly name: string
  readonly aliases?: readonly string[]
  readonly subverbs?: readonly CommandNode[]
}

/**
 * The command a plugin's name would shadow (cobra's Find on the words after `kubectl-`): the
 * deepest command the words name, or null when the first names none.
 */
export function shadowedCommand(fileName: string, root: readonly CommandNode[]): string | null {
  const words = fileName.split('-').slice(1)
  let children: readonly CommandNode[] | undefined = root
  let path = 'kubectl'
  for (const [index, word] of words.entries()) {
    const found: CommandNode | undefined = children?.find((command) => command.name === word || (command.aliases ?? []).includes(word))
    if (!found) {
      if (index === 0) return null
      break
    }
    path += ` ${found.name}`
    children = found.subverbs
  }
  return path
}

/** Go's os.ReadDir: the names of a folder's entries (sorted) with whether each is a folder, or its failure in Go's words. */
function readFolder(folder: string): Array<{name: string; folder: boolean}> | string {
  try {
    return readdirSync(folder, {withFileTypes: true})
      .map((entry) => ({name: entry.name, folder: entry.isDirectory()}))
      .sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOTDIR' ? `readdirent ${folder}: not a directory` : goPathError('open', folder, error)
  }
}

/**
 * `kubectl plugin list [--name-only]`: every `kubectl-*` file (not a folder) in each PATH folder
 * (each once, in order), then per plugin what kubectl's verifier warns about (not executable, a
 * plugin of the same name earlier on PATH, a kubectl command it shadows); the warnings or finding
 * none make the command fail, as kubectl 1.32 reports them.
 */
export function listPlugins(io: Pick<KubectlIo, 'stdout' | 'stderr' | 'environment'>, nameOnly: boolean, commands: readonly CommandNode[]): {errors: string[]} {
  const plugins: string[] = []
  for (const folder of new Set((io.environment.PATH ?? '').split(delimiter))) {
    if (folder.trim().length === 0) continue
    const entries = readFolder(folder)
    if (typeof entries === 'string') {
      io.stderr(`Unable to read directory ${JSON.stringify(folder)} from your PATH: ${entries}. Skipping...\n`)
      continue
    }
    for (const entry of entries) if (!entry.folder && entry.name.startsWith('kubectl-')) plugins.push(join(folder, entry.name))
  }
  const errors: string[] = []
  if (plugins.length > 0) io.stdout('The following compatible plugins are available:\n\n')
  else errors.push('error: unable to find any kubectl plugins in your PATH')
  const seen = new Map<string, string>()
  let warnings = 0
  for (const path of plugins) {
    const fileName = basename(path)
    io.stdout(`${nameOnly ? fileName : path}\n`)
    const found: string[] = []
    try {
      const mode = statSync(path)
      if (mode.isDirectory() || (mode.mode & 0o111) === 0) found.push(`warning: ${path} identified as a kubectl plugin, but it is not executable`)
    } catch (error) {
      found.push(`error: unable to identify ${path} as an executable file: ${goPathError('stat', path, error)}`)
    }
    const earlier = seen.get(fileName)
    if (earlier !== undefined) found.push(`warning: ${path} is overshadowed by a similarly named plugin: ${earlier}`)
    else seen.set(fileName, path)
    const shadowed = shadowedCommand(fileName, commands)
    if (shadowed !== null) found.push(`warning: ${fileName} overwrites existing command: ${JSON.stringify(shadowed)}`)
    for (const warning of found) io.stderr(`  - ${warning}\n`)
    warnings += found.length
  }
  if (warnings === 1) errors.push('error: one plugin warning was found')
  else if (warnings > 1) errors.push(`error: ${warnings} plugin warnings were found`)
  return {errors}
}

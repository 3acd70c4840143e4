// kubectl's plugin mechanism: a command word kubectl does not know runs the executable
// `kubectl-WORD[-SUBWORD…]` found on PATH, the longest name the leading words make (a dash in a
// word is an underscore in the file name), with the words after it and the same environment; its
// exit status is kubectl's. As kubectl 1.32's HandlePluginCommand finds and runs it.
import {spawn} from 'node:child_process'
import {accessSync, constants, statSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {constants as osConstants} from 'node:os'
import type {KubectlIo} from './session.js'

/** An executable regular file `kubectl-NAME` in a PATH folder (exec.LookPath's answer), or null. */
function lookPath(name: string, environment: NodeJS.ProcessEnv): string | null {
  for (const folder of (environment.PATH ?? '').split(delimiter)) {
    const candidate = join(folder === '' ? '.' : folder, `kubectl-${name}`)
    try {
      if (!statSync(candidate).isFile()) continue
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      continue
    }
  }
  return null
}

/** The plugin the arguments name and the arguments it gets, or null when none does. */
export function findPlugin(argv: readonly string[], environment: NodeJS.ProcessEnv): {path: string; args: string[]} | null {
  const words: string[] = []
  for (const argument of argv) {
    if (argument.startsWith('-')) break
    words.push(argument.replaceAll('-', '_'))
  }
  for (let count = words.length; count >= 1; count--) {
    const path = lookPath(words.slice(0, count).join('-'), environment)
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

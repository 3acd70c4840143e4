import type {Command} from '@oclif/core'

/** Ends a command with the user's error on one line, as the real tools print theirs (no wrapping, no decoration). */
export function fail(command: Command, message: string): never {
  // A message that already carries its tool's prefix (kubectl's "Error from server …") stays as it is.
  process.stderr.write(/^Error\b/.test(message) ? `${message}\n` : `Error: ${message}\n`)
  return command.exit(1)
}

/** A warning on one line before the command goes on. */
export function warn(message: string): void {
  process.stderr.write(`Warning: ${message}\n`)
}

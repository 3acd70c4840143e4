import {Command} from '@oclif/core'
import {clusterFolder} from './core/home.js'
import {applySeed, seedVariable} from './core/seed.js'

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

/**
 * Every kubemu command: an error nothing else translated ends it with one line and exit 1, as
 * the real tools end theirs, never a framework-formatted block or a stack trace
 * (KUBEMU_DEBUG=1 adds the stack, for bug reports).
 */
export abstract class KubemuCommand extends Command {
  /** The seed KUBEMU_SEED (or a leading `--seed`) gives goes to the cluster before the command opens it. */
  override async init(): Promise<void> {
    await super.init()
    if (process.env[seedVariable]) applySeed(process.env, clusterFolder(process.env))
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    // oclif's own outcomes (this.exit, a usage error with its help) stay oclif's.
    if (error.oclif !== undefined) return super.catch(error)
    process.stderr.write(/^Error\b/.test(error.message) ? `${error.message}\n` : `Error: ${error.message}\n`)
    if (process.env.KUBEMU_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`)
    return this.exit(1)
  }
}

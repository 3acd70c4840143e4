// What a simulated shell process runs against, shared by the interpreter, its programs and the
// driver (run.ts): the effects a run yields (a sleep, a network exchange), how it ends (exit, a
// broken limit), where its output goes, and the limits every run keeps.
import type {ProcessIdentity} from './identity.js'
import type {NetworkSource, PodNetwork} from '../../network/types.js'
import type {SimulatedFileSystem} from './filesystem.js'

/** Commands one run may execute in all (a long run stops being simulated past it). */
export const commandsPerRunMax = 500_000
/** Commands that may run without virtual time passing before the run is a runaway. */
export const commandsWithoutTimeMax = 10_000
/** How long a Job's program that kubemu does not know works before it succeeds. */
export const unknownJobProgramMilliseconds = 1_000
/** Bytes an exec or a command substitution may print. */
export const outputBytesMax = 1024 * 1024

export type ShellEffect =
  /** Wait this long (Infinity: for ever, as a server or `sleep infinity`). */
  | {readonly kind: 'sleep'; readonly milliseconds: number}
  /** Ask the pod network; the driver resumes the generator with the answer. */
  /** A question to the network, asked at the process's moment (a replay's, in the past). */
  | {readonly kind: 'network'; readonly ask: (network: PodNetwork, atMilliseconds: number) => Promise<unknown>}
  /** Wait for what comes on the container's open stdin; the driver resumes with the text, or null at its end. */
  | {readonly kind: 'input'}
  /** Run one of the host's tools (ContainerTools); the driver resumes the generator with its result. */
  | {readonly kind: 'tool'; readonly run: () => Promise<ToolResult>}

export type ShellRun = Generator<ShellEffect, number, unknown>

/** The whole run stops: `exit`, or a limit. */
export class ShellExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

/** SIGINT (Ctrl-C on an exec's terminal): the foreground command stops; a shell reading commands goes on with the next. */
export class ShellInterrupt extends Error {
  constructor() {
    super('interrupted')
  }
}

/** The exit status of a process ended by SIGINT. */
export const interruptExitCode = 130

/** The run broke a limit; its message is what the log shows. */
export class ShellRunaway extends Error {}

/** The exit status of a process killed for breaking a limit (as SIGKILL's). */
export const runawayExitCode = 137

/**
 * The exit status of a run that threw on its way out: `exit`'s, SIGINT's, or a broken limit's
 * (its message written on stderr first). Anything else is a bug and goes on up.
 */
export function exitStatusOfThrown(error: unknown, write: (stream: OutputStream, text: string) => void): number {
  if (error instanceof ShellExit) return error.code
  if (error instanceof ShellInterrupt) return interruptExitCode
  if (error instanceof ShellRunaway) {
    write('stderr', `${error.message}\n`)
    return runawayExitCode
  }
  throw error
}

export type OutputStream = 'stdout' | 'stderr'

export interface ProcessContext {
  readonly fs: SimulatedFileSystem
  readonly hostname: string
  /** Who the network sees asking (the pod). */
  readonly source: NetworkSource
  /** The cluster clock as the run sees it (the driver moves it on each sleep). */
  now(): number
  /** Where the process's own output goes (the container's log, or the exec's streams). */
  write(stream: OutputStream, text: string): void
  /**
   * What an unknown program does: run for ever as a server (a container), finish after a
   * moment with status 0 (a Job's container: the work it was given), or not be found (an exec).
   */
  readonly unknownProgram: 'server' | 'finishes' | 'not-found'
  /** Whether stdout is a terminal (a container with tty: true); curl hides its progress meter then. */
  readonly terminal?: boolean
  /** The container's image: a program it does not ship is not found (busybox has no curl). */
  readonly image?: string
  /** The container keeps its stdin open (stdin: true): a shell reading it waits for what attaches send. */
  readonly stdinOpen?: boolean
  /** The host's tools an exec in this container may run (absent for a container's own command, which is replayed). */
  readonly tools?: ContainerTools
  /** Who the process runs as (its securityContext); root when unset. */
  readonly user?: ProcessIdentity
}

/** What a host tool printed and its exit status; or that it wants the process's standard input first. */
export type ToolResult = {readonly stdout: string; readonly stderr: string; readonly status: number} | {readonly inputWanted: true}

/**
 * Programs whose work is the host's, for an exec into an image that ships them: etcdctl in etcd's
 * images talks to the cluster's etcd members. Only an exec runs them: a container's own command is
 * replayed whenever its run is looked at, and a replay must not write to etcd again.
 */
export interface ContainerTools {
  /** `stdin`: what was piped in, or null when the command reads the process's input: a tool that needs it answers inputWanted before doing anything, and runs again with it. */
  /** `readFile`: a file of the container by the path the command names (null: none there). */
  etcdctl?(argv: readonly string[], environment: ReadonlyMap<string, string>, stdin: string | null, readFile: (path: string) => string | null): Promise<ToolResult>
}

/** The last `outputBytesMax` bytes of a captured output (pipes, substitutions). */
export function limited(text: string): string {
  return text.length > outputBytesMax ? text.slice(text.length - outputBytesMax) : text
}

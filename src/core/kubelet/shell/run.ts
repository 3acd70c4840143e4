// Drives a shell process over virtual time: from the container's start to a moment of the
// cluster clock, sleeping in virtual time, asking the pod network, and applying what happens
// to the container from outside (execs' changes to its files, probes that look at them) at
// their times. A container's run is so a function of its spec, its start and now: every
// one-shot command computes the same log lines, files and exit.
import type {SimulatedFileSystem} from './filesystem.js'
import {type Program, ShellProcess} from './interpreter.js'
import {exitStatusOfThrown, limited, type OutputStream, type ProcessContext, type ShellEffect, ShellInterrupt, type ShellRun, runawayExitCode} from './process-context.js'
import {shellPrograms} from './programs.js'
import {type RunSpec, ShellSession} from './session.js'
import {TerminalLineDiscipline} from '../terminal.js'

/** Log lines kept of one run (the oldest go first, as a rotated container log). */
export const logLinesMax = 10_000
/** Characters of one log line (longer lines are split, as the runtime's log writer does). */
export const logLineCharactersMax = 16 * 1024
export {runawayExitCode}
export type {RunSpec}

export interface LogLine {
  readonly atMilliseconds: number
  readonly stream: OutputStream
  readonly text: string
  /** The last line, not ended by a newline (yet): the runtime's log writer holds it back until one comes or the run ends. */
  readonly partial?: boolean
}

/** Something that happens to the container from outside at a moment (an exec's changes, a probe). */
export interface TimedEvent {
  readonly atMilliseconds: number
  apply(fs: SimulatedFileSystem, atMilliseconds: number): Promise<void> | void
}


/** What came on the container's open stdin at a moment: text (a terminal's keys), or its end (null). */
export interface StdinInput {
  readonly atMilliseconds: number
  readonly text: string | null
}

export interface RunResult {
  readonly log: readonly LogLine[]
  /** Set once the process ended by `until`. */
  readonly exit: {readonly code: number; readonly atMilliseconds: number} | null
  /** When the process next wakes (still running at `until`), or null (ended, or asleep for ever). */
  readonly wakesAtMilliseconds: number | null
}

let sharedPrograms: ReadonlyMap<string, Program> | null = null
function programs(): ReadonlyMap<string, Program> {
  sharedPrograms ??= shellPrograms()
  return sharedPrograms
}

/**
 * Collects output into timestamped lines, bounded, as containerd's log writer does: a line ends at
 * NL (a CR just before it goes with it: a terminal's CR NL ends a line as NL does).
 */
class LogWriter {
  readonly lines: LogLine[] = []
  private readonly partial: Record<OutputStream, string> = {stdout: '', stderr: ''}

  constructor(private readonly now: () => number) {}

  write(stream: OutputStream, text: string): void {
    let buffered = this.partial[stream] + text
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      this.push(stream, buffered.slice(0, newline > 0 && buffered[newline - 1] === '\r' ? newline - 1 : newline))
      buffered = buffered.slice(newline + 1)
    }
    while (buffered.length > logLineCharactersMax) {
      this.push(stream, buffered.slice(0, logLineCharactersMax))
      buffered = buffered.slice(logLineCharactersMax)
    }
    this.partial[stream] = buffered
  }

  /** What the streams hold after their last newline, as their last (partial) lines. */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream].length > 0) this.push(stream, this.partial[stream], true)
      this.partial[stream] = ''
    }
  }

  private push(stream: OutputStream, text: string, partial = false): void {
    this.lines.push({atMilliseconds: this.now(), stream, text, ...(partial ? {partial} : {})})
    if (this.lines.length > logLinesMax * 2) this.lines.splice(0, this.lines.length - logLinesMax)
  }
}

/**
 * Runs `spec` from `startedAt` up to `until` (cluster milliseconds), with `events` at their times
 * and `inputs` on its open stdin. A container with a terminal (tty: true) writes both streams on
 * it, and what comes on its stdin are the terminal's keys: echoed, edited into lines the command
 * reads on Enter, Ctrl-C interrupting what runs (a sleep too), Ctrl-D on an empty line the end.
 */
export async function runOverTime(spec: RunSpec, startedAtMilliseconds: number, untilMilliseconds: number, events: readonly TimedEvent[] = [], inputs: readonly StdinInput[] = []): Promise<RunResult> {
  let now = startedAtMilliseconds
  const log = new LogWriter(() => now)
  // What the command writes takes the run's time and its user.
  const fs = spec.fs.actingAs({clock: () => now, accessor: spec.user ?? null})
  const terminal = spec.terminal === true && spec.stdinOpen === true ? new TerminalLineDiscipline() : null
  // The terminal turns each NL into CR NL, which the log writer reads as NL again: the output goes as written, on one stream.
  const write = (stream: OutputStream, text: string) => log.write(spec.terminal === true ? 'stdout' : stream, text)
  const context: ProcessContext = {fs, hostname: spec.hostname, source: spec.source, now: () => now, write, unknownProgram: spec.unknownProgram, terminal: spec.terminal === true, stdinOpen: spec.stdinOpen === true, ...(spec.image !== undefined ? {image: spec.image} : {}), ...(spec.user ? {user: spec.user} : {})}
  const process = new ShellProcess(context, spec.environment, programs())
  const pending = [...events].sort((a, b) => a.atMilliseconds - b.atMilliseconds)
  let nextEvent = 0
  // Events at a moment the process also acts at see what it did then (a probe at the end of a sleep sees the rm after it).
  const applyEventsThrough = async (time: number, inclusive = true) => {
    while (nextEvent < pending.length && (inclusive ? pending[nextEvent]!.atMilliseconds <= time : pending[nextEvent]!.atMilliseconds < time)) {
      const event = pending[nextEvent++]!
      now = Math.max(now, event.atMilliseconds)
      await event.apply(spec.fs, event.atMilliseconds)
    }
  }
  // What came on stdin and the command has not read yet; whether its end came; a Ctrl-C to deliver.
  let nextInput = 0
  let unread = ''
  let inputEnded = false
  let interrupted = false
  const take = (input: StdinInput) => {
    now = Math.max(now, input.atMilliseconds)
    if (input.text === null) inputEnded = true
    else if (!terminal) unread = limited(unread + input.text)
    else {
      const keys = terminal.input(input.text)
      log.write('stdout', keys.echo)
      unread = limited(unread + keys.lines)
      interrupted = keys.interrupted
      if (keys.ended) inputEnded = true
    }
  }
  const finish = async (code: number): Promise<RunResult> => {
    log.flush()
    const exit = {code, atMilliseconds: now}
    await applyEventsThrough(untilMilliseconds)
    return {log: trimmed(log.lines), exit, wakesAtMilliseconds: null}
  }
  const run: ShellRun = process.runProgram(spec.argv, null)
  let answer: unknown
  let thrown: ShellInterrupt | undefined
  for (;;) {
    let step: IteratorResult<ShellEffect, number>
    try {
      step = thrown ? run.throw(thrown) : run.next(answer)
    } catch (error) {
      return finish(exitStatusOfThrown(error, write))
    }
    answer = undefined
    thrown = undefined
    if (step.done) return finish(step.value)
    const effect = step.value
    if (effect.kind === 'network') {
      answer = await effect.ask(spec.network, now)
      continue
    }
    if (effect.kind === 'tool') {
      answer = await effect.run()
      continue
    }
    // A sleep lasts until its end, waiting on stdin until something is there to read (for ever when
    // nothing comes); inputs that come meanwhile are taken at their moments (echoed, a Ctrl-C stops the wait).
    const sleepEnd = effect.kind === 'sleep' ? now + effect.milliseconds : Number.POSITIVE_INFINITY
    for (;;) {
      if (effect.kind === 'input' && (unread !== '' || inputEnded)) {
        answer = unread === '' ? null : unread
        unread = ''
        break
      }
      const input = inputs[nextInput]
      const inputAt = input ? Math.max(now, input.atMilliseconds) : Number.POSITIVE_INFINITY
      if (input && inputAt <= sleepEnd && inputAt <= untilMilliseconds) {
        await applyEventsThrough(inputAt)
        nextInput++
        take(input)
        if (!interrupted) continue
        interrupted = false
        thrown = new ShellInterrupt()
        break
      }
      await applyEventsThrough(Math.min(sleepEnd, untilMilliseconds), sleepEnd > untilMilliseconds)
      if (sleepEnd > untilMilliseconds) {
        log.flush()
        return {log: trimmed(log.lines), exit: null, wakesAtMilliseconds: Number.isFinite(sleepEnd) ? sleepEnd : null}
      }
      now = sleepEnd
      break
    }
  }
}

/** Runs a command to its end at one moment (an exec, a probe), `stdin` on its standard input: its output and status; time it sleeps passes at once. */
export async function runToEnd(spec: RunSpec, atMilliseconds: number, stdin = ''): Promise<{stdout: string; stderr: string; code: number}> {
  const session = await startSession(spec, atMilliseconds, {text: stdin, open: false})
  let stdout = ''
  let stderr = ''
  for (const chunk of session.take()) {
    if (chunk.stream === 'stdout') stdout = bounded(stdout + chunk.text)
    else stderr = bounded(stderr + chunk.text)
  }
  // A closed input never makes the command wait: it has ended.
  return {stdout, stderr, code: session.exitCode ?? 0}
}

/**
 * Starts a command at `atMilliseconds` on its own standard input (`open`: more comes with `send`):
 * it runs until it ends or waits for input. `timeRuns`: its sleeps last until the moments it is
 * given pass their end (an exec session); else they pass at once.
 */
export async function startSession(spec: RunSpec, atMilliseconds: number, input: {readonly text: string; readonly open: boolean}, timeRuns = false): Promise<ShellSession> {
  const session = new ShellSession(spec, atMilliseconds, programs(), input, timeRuns)
  await session.start()
  return session
}

/** Whether the program an exec names is one the runtime would find. */
export function isKnownProgram(name: string, image?: string): boolean {
  return new ShellProcess({fs: null as never, hostname: '', source: {kind: 'external'}, now: () => 0, write: () => {}, unknownProgram: 'not-found', ...(image !== undefined ? {image} : {})}, new Map(), programs()).knows(name)
}

function bounded(text: string): string {
  const limit = 1024 * 1024
  return text.length > limit ? text.slice(text.length - limit) : text
}

function trimmed(lines: LogLine[]): LogLine[] {
  return lines.length > logLinesMax ? lines.slice(lines.length - logLinesMax) : lines
}

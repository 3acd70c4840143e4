// A command run against its own standard input, driven a step at a time: an exec (with or
// without stdin) and an exec probe. With an open input (`kubectl exec -i`), the command runs until
// it waits for more, so each line sent is read, and answered, when it comes; the input's end lets
// it finish. An exec session's time runs with the cluster clock (`timeRuns`): a line runs at the
// moment it came, and a sleep ends only once the clock has passed its end (the session stands
// asleep meanwhile, keeping what comes on its input for when the command reads it). A run to its
// end at one moment (an exec without stdin, a probe) sleeps in no time.
import type {ProcessIdentity} from './identity.js'
import {type Program, ShellProcess} from './interpreter.js'
import {type ContainerTools, exitStatusOfThrown, type OutputStream, type ProcessContext, type ShellEffect, ShellInterrupt, type ShellRun} from './process-context.js'
import type {PodNetwork} from '../../network/types.js'
import type {SimulatedFileSystem} from './filesystem.js'
import {StandardInput} from './standard-input.js'

export {runawayExitCode} from './process-context.js'
/** Characters of output a session holds before it is read (the oldest go first). */
export const sessionOutputCharactersMax = 1024 * 1024

/** What a command runs with: its argv, environment, files, network and image. */
export interface RunSpec {
  readonly argv: readonly string[]
  readonly environment: ReadonlyMap<string, string>
  readonly fs: SimulatedFileSystem
  readonly hostname: string
  readonly source: ProcessContext['source']
  readonly unknownProgram: ProcessContext['unknownProgram']
  readonly network: PodNetwork
  readonly terminal?: boolean
  /** The container's image (what programs it ships). */
  readonly image?: string
  /** The container keeps its stdin open (stdin: true). */
  readonly stdinOpen?: boolean
  /** The host's tools (an exec's only). */
  readonly tools?: ContainerTools
  /** Who the command runs as (the container's securityContext); root when unset. */
  readonly user?: ProcessIdentity
}

export interface OutputChunk {
  readonly stream: OutputStream
  readonly text: string
}

export class ShellSession {
  private readonly run: ShellRun
  private now: number
  private output: OutputChunk[] = []
  private outputCharacters = 0
  private exit: number | null = null
  private waitsForInput = false
  /** While the command sleeps on a running clock: the moment it wakes (Infinity: for ever). */
  private wakesAt: number | null = null
  /** What came on the input that the command has not read yet, and whether its end came. */
  private unread = ''
  private inputEnded = false
  /** The pod network the command's curl, wget and nslookup ask. */
  private readonly network: RunSpec['network']

  /**
   * `input`: the text already there, and whether more comes (`send`) until its end. `timeRuns`: the
   * session's time follows the moments it is given (an exec session); else sleeps pass at once.
   */
  constructor(spec: RunSpec, atMilliseconds: number, programs: ReadonlyMap<string, Program>, input: {readonly text: string; readonly open: boolean}, private readonly timeRuns = false) {
    this.now = atMilliseconds
    this.network = spec.network
    // What the command writes takes the session's time and its user.
    const fs = spec.fs.actingAs({clock: () => this.now, accessor: spec.user ?? null})
    const context: ProcessContext = {
      fs, hostname: spec.hostname, source: spec.source, now: () => this.now, unknownProgram: spec.unknownProgram, terminal: spec.terminal === true, ...(spec.image !== undefined ? {image: spec.image} : {}),
      ...(spec.tools ? {tools: spec.tools} : {}),
      ...(spec.user ? {user: spec.user} : {}),
      write: (stream, text) => this.write(stream, text),
    }
    const process = new ShellProcess(context, spec.environment, programs, new StandardInput(input.text, input.open))
    this.run = process.runProgram(spec.argv, null)
  }

  /** Runs the command until it ends, waits for input, or (time running) sleeps past its start. */
  async start(): Promise<void> {
    await this.advance(undefined, this.now)
  }

  /** One more piece of input at `now` (null: its end); the command reads it when it reads (at once, when it waits for input) and runs on. */
  async send(text: string | null, now = this.now): Promise<void> {
    if (text === null) this.inputEnded = true
    else this.unread += text
    await this.proceed(now)
  }

  /** The clock stands at `now`: a command waiting for input reads what came, one asleep until then wakes; both run on until they wait again. */
  async proceed(now: number): Promise<void> {
    if (this.exit !== null) return
    if (this.wakesAt !== null) {
      if (this.wakesAt > now) return
      this.now = this.wakesAt
      this.wakesAt = null
      await this.advance(undefined, now)
      return
    }
    if (!this.waitsForInput || (this.unread === '' && !this.inputEnded)) return
    this.waitsForInput = false
    this.now = Math.max(this.now, now)
    await this.advance(this.takeInput(), now)
  }

  /** Ctrl-C on the exec's terminal at `now`, while the command waits for input or sleeps: it stops (a shell reading commands reads the next). */
  async interrupt(now = this.now): Promise<void> {
    if (!this.waitsForInput && this.wakesAt === null) return
    this.waitsForInput = false
    this.wakesAt = null
    this.now = Math.max(this.now, now)
    await this.advance(undefined, now, new ShellInterrupt())
  }

  /** The exit status once the command ended, else null. */
  get exitCode(): number | null {
    return this.exit
  }

  /** When the sleeping command wakes (Infinity: never by itself), or null when it does not sleep. */
  get sleepsUntil(): number | null {
    return this.exit === null ? this.wakesAt : null
  }

  /** The output since the last take, in the order it was written. */
  take(): OutputChunk[] {
    const taken = this.output
    this.output = []
    this.outputCharacters = 0
    return taken
  }

  private takeInput(): string | null {
    if (this.unread === '') return null
    const text = this.unread
    this.unread = ''
    return text
  }

  private write(stream: OutputStream, text: string): void {
    if (text === '') return
    const last = this.output.at(-1)
    if (last?.stream === stream) this.output[this.output.length - 1] = {stream, text: last.text + text}
    else this.output.push({stream, text})
    this.outputCharacters += text.length
    while (this.outputCharacters > sessionOutputCharactersMax && this.output.length > 0) {
      const first = this.output[0]!
      const excess = this.outputCharacters - sessionOutputCharactersMax
      if (first.text.length <= excess) {
        this.output.shift()
        this.outputCharacters -= first.text.length
      } else {
        this.output[0] = {stream: first.stream, text: first.text.slice(excess)}
        this.outputCharacters -= excess
      }
    }
  }

  /** Runs the command from where it stands (`clock`: the cluster's moment) until it ends or waits again. */
  private async advance(first: unknown, clock: number, thrown?: ShellInterrupt): Promise<void> {
    let answer = first
    let interrupt = thrown
    while (this.exit === null) {
      let step: IteratorResult<ShellEffect, number>
      try {
        step = interrupt ? this.run.throw(interrupt) : this.run.next(answer)
        interrupt = undefined
      } catch (error) {
        this.exit = exitStatusOfThrown(error, (stream, text) => this.write(stream, text))
        return
      }
      answer = undefined
      if (step.done) {
        this.exit = step.value
        return
      }
      const effect = step.value
      if (effect.kind === 'network') answer = await effect.ask(this.network, this.now)
      else if (effect.kind === 'tool') answer = await effect.run()
      else if (effect.kind === 'input') {
        if (this.unread === '' && !this.inputEnded) {
          this.waitsForInput = true
          return
        }
        answer = this.takeInput()
      } else if (this.timeRuns) {
        const wake = this.now + effect.milliseconds
        if (wake > clock) {
          this.wakesAt = wake
          return
        }
        this.now = wake
      } else if (!Number.isFinite(effect.milliseconds)) this.exit = 0
      else this.now += effect.milliseconds
    }
  }
}

// A command run at one moment against its own standard input, driven a step at a time: an exec
// (with or without stdin) and an exec probe. With an open input (`kubectl exec -i`), the command
// runs until it waits for more, so each line sent is read, and answered, when it comes; the
// input's end lets it finish. Time it sleeps passes at once, as for any exec.
import {type Program, ShellProcess} from './interpreter.js'
import {interruptExitCode, type OutputStream, type ProcessContext, ShellExit, type ShellEffect, ShellInterrupt, type ShellRun, ShellRunaway} from './process-context.js'
import type {PodNetwork} from '../../network/types.js'
import type {SimulatedFileSystem} from './filesystem.js'
import {StandardInput} from './standard-input.js'

/** The exit status of a process killed for breaking a limit (as SIGKILL's). */
export const runawayExitCode = 137
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
  /** The pod network the command's curl, wget and nslookup ask. */
  private readonly network: RunSpec['network']

  /** `input`: the text already there, and whether more comes (`send`) until its end. */
  constructor(spec: RunSpec, atMilliseconds: number, programs: ReadonlyMap<string, Program>, input: {readonly text: string; readonly open: boolean}) {
    this.now = atMilliseconds
    this.network = spec.network
    const context: ProcessContext = {
      fs: spec.fs, hostname: spec.hostname, source: spec.source, now: () => this.now, unknownProgram: spec.unknownProgram, terminal: spec.terminal === true, ...(spec.image !== undefined ? {image: spec.image} : {}),
      write: (stream, text) => this.write(stream, text),
    }
    const process = new ShellProcess(context, spec.environment, programs, new StandardInput(input.text, input.open))
    this.run = process.runProgram(spec.argv, null)
  }

  /** Runs the command until it ends or waits for input. */
  async start(): Promise<void> {
    await this.advance(undefined)
  }

  /** One more piece of input (null: its end); the command runs on until it ends or waits again. */
  async send(text: string | null): Promise<void> {
    if (!this.waitsForInput || text === '') return
    this.waitsForInput = false
    await this.advance(text)
  }

  /** Ctrl-C on the exec's terminal, while the command waits for input: it stops (a shell reading commands reads the next). */
  async interrupt(): Promise<void> {
    if (!this.waitsForInput) return
    this.waitsForInput = false
    await this.advance(undefined, new ShellInterrupt())
  }

  /** The exit status once the command ended, else null. */
  get exitCode(): number | null {
    return this.exit
  }

  /** The output since the last take, in the order it was written. */
  take(): OutputChunk[] {
    const taken = this.output
    this.output = []
    this.outputCharacters = 0
    return taken
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

  private async advance(first: unknown, thrown?: ShellInterrupt): Promise<void> {
    let answer = first
    let interrupt = thrown
    while (this.exit === null) {
      let step: IteratorResult<ShellEffect, number>
      try {
        step = interrupt ? this.run.throw(interrupt) : this.run.next(answer)
        interrupt = undefined
      } catch (error) {
        if (error instanceof ShellInterrupt) {
          this.exit = interruptExitCode
          return
        }
        if (error instanceof ShellExit) {
          this.exit = error.code
          return
        }
        if (error instanceof ShellRunaway) {
          this.write('stderr', `${error.message}\n`)
          this.exit = runawayExitCode
          return
        }
        throw error
      }
      answer = undefined
      if (step.done) {
        this.exit = step.value
        return
      }
      const effect = step.value
      if (effect.kind === 'network') answer = await effect.ask(this.network)
      else if (effect.kind === 'input') {
        this.waitsForInput = true
        return
      } else if (!Number.isFinite(effect.milliseconds)) this.exit = 0
      else this.now += effect.milliseconds
    }
  }

}

// Runs a parsed script as a container's process would, over virtual time: a generator that
// yields what it waits for (a sleep, a network exchange) to the driver that owns the clock and
// the network, and returns the exit status. Pure: the only state is the process's (variables,
// the filesystem it is given, its output). Bounded: commands per run, commands without time
// passing (a loop with no sleep is a runaway, not a hang), output and nesting.
// Word expansion is expansion.ts's; the effects, limits and context a run shares with its driver
// and programs are process-context.ts's.
import {FileSystemError, normalizePath} from './filesystem.js'
import {type Command, type CommandList, type Pipeline, type Word, parseScript, ShellSyntaxError, nestingDepthMax} from './syntax.js'
import {WordExpansion} from './expansion.js'
import {imageLacks} from './images.js'
import {StandardInput} from './standard-input.js'
import {commandsPerRunMax, commandsWithoutTimeMax, limited, type OutputStream, type ProcessContext, type ShellEffect, ShellExit, type ShellRun, ShellRunaway, unknownJobProgramMilliseconds} from './process-context.js'

/** A program: argv in, exit status out, over the process's state. */
export type Program = (process: ShellProcess, argv: readonly string[], stdin: string) => ShellRun

type Sink = (stream: OutputStream, text: string) => void

/** Programs that read their standard input as it comes (a line, a piece at a time) when it is the process's own. */
// etcdctl takes the process's input only when a verb asks for it (put KEY, txn): it must know whether anything was piped.
const streamingReaders = new Set(['cat', 'read', 'sh', 'bash', 'ash', 'etcdctl'])
/** Programs that read their standard input whole: given the process's own, they read it to its end. */
const wholeReaders = new Set(['grep', 'head', 'tail', 'sort', 'uniq', 'wc', 'cut', 'tr', 'sed', 'awk', 'tar'])

export class ShellProcess {
  readonly variables: Map<string, string>
  status = 0
  workingDirectory = '/'
  commands = 0
  private commandsSinceTime = 0
  private lastTime: number
  private depth = 0
  /** Shells started inside this process (`sh -c` in a script exits only its own shell). */
  private shellLevel = 0
  private sinks: Sink[] = []
  private readonly expansion = new WordExpansion(this)
  /** Command substitutions run so far. */
  private substitutions = 0
  /** The standard inputs in force, innermost last (a compound command fed by a pipe reads its own). */
  private readonly inputs: StandardInput[]
  /** Whether the program running now reads the process's standard input (`input`) rather than its `stdin` argument. */
  inputInherited = false

  /** `input`: the process's standard input (an exec's, or the container's, open when it keeps one). */
  constructor(readonly context: ProcessContext, environment: ReadonlyMap<string, string>, private readonly programs: ReadonlyMap<string, Program>, input = new StandardInput('', context.stdinOpen === true)) {
    this.variables = new Map(environment)
    this.lastTime = context.now()
    this.inputs = [input]
  }

  /** The standard input a command with neither pipe nor redirect reads. */
  get input(): StandardInput {
    return this.inputs[this.inputs.length - 1]!
  }

  /** Runs with `input` as the standard input of the commands inside. */
  *reading<T>(input: StandardInput, run: () => Generator<ShellEffect, T, unknown>): Generator<ShellEffect, T, unknown> {
    this.inputs.push(input)
    try {
      return yield* run()
    } finally {
      this.inputs.pop()
    }
  }

  write(stream: OutputStream, text: string): void {
    this.sinkAt(this.sinks.length)(stream, text)
  }

  /** The writer under the top `depth` sinks (the process's own output at depth 0). */
  private sinkAt(depth: number): Sink {
    return depth > 0 ? this.sinks[depth - 1]! : (stream, text) => this.context.write(stream, text)
  }

  out(text: string): void {
    this.write('stdout', text)
  }

  error(text: string): void {
    this.write('stderr', text)
  }

  /** Runs with output going to `sink` instead (pipes, substitutions, redirections). */
  *capturing<T>(sink: Sink, run: () => Generator<ShellEffect, T, unknown>): Generator<ShellEffect, T, unknown> {
    this.sinks.push(sink)
    try {
      return yield* run()
    } finally {
      this.sinks.pop()
    }
  }

  private count(): void {
    this.commands++
    if (this.commands > commandsPerRunMax) throw new ShellRunaway(`kubemu: the run stopped after ${commandsPerRunMax} commands`)
    const now = this.context.now()
    if (now !== this.lastTime) {
      this.lastTime = now
      this.commandsSinceTime = 0
    }
    if (++this.commandsSinceTime > commandsWithoutTimeMax) throw new ShellRunaway(`kubemu: runaway process: more than ${commandsWithoutTimeMax} commands without time passing (a loop with no sleep?)`)
  }

  *runList(list: CommandList): ShellRun {
    for (const item of list) {
      let status = yield* this.runPipeline(item.first)
      for (const next of item.rest) {
        if ((next.operator === '&&') === (status === 0)) status = yield* this.runPipeline(next.pipeline)
      }
      this.status = status
    }
    return this.status
  }

  private *runPipeline(pipeline: Pipeline): ShellRun {
    // The first command reads the process's standard input (null); the others, the stage before.
    let stdin: string | null = null
    let status = 0
    for (const [index, command] of pipeline.commands.entries()) {
      if (index === pipeline.commands.length - 1) {
        status = yield* this.runCommand(command, stdin)
      } else {
        let captured = ''
        // A stage's stderr goes where the pipeline's own output goes, not back into this capture.
        const outer = this.sinkAt(this.sinks.length)
        status = yield* this.capturing((stream, text) => {
          if (stream === 'stdout') captured = limited(captured + text)
          else outer(stream, text)
        }, () => this.runCommand(command, stdin))
        stdin = captured
      }
    }
    this.status = pipeline.negated ? (status === 0 ? 1 : 0) : status
    return this.status
  }

  private *nested<T>(run: () => Generator<ShellEffect, T, unknown>): Generator<ShellEffect, T, unknown> {
    if (++this.depth > nestingDepthMax) throw new ShellRunaway(`kubemu: commands nested deeper than ${nestingDepthMax}`)
    try {
      return yield* run()
    } finally {
      this.depth--
    }
  }

  private *runCommand(command: Command, stdin: string | null): ShellRun {
    this.count()
    // A compound command fed by a pipe (`… | while read line; do …; done`): its commands read that.
    if (stdin !== null && command.kind !== 'simple') return yield* this.reading(new StandardInput(stdin, false), () => this.runCommand(command, null))
    switch (command.kind) {
      case 'group':
        return yield* this.nested(() => this.runList(command.body))
      case 'if':
        for (const branch of command.branches) {
          if ((yield* this.nested(() => this.runList(branch.condition))) === 0) return yield* this.nested(() => this.runList(branch.body))
        }
        return command.otherwise ? yield* this.nested(() => this.runList(command.otherwise!)) : 0
      case 'loop': {
        let status = 0
        for (;;) {
          this.count()
          const condition = yield* this.nested(() => this.runList(command.condition))
          if ((condition === 0) === command.until) return status
          status = yield* this.nested(() => this.runList(command.body))
        }
      }
      case 'for': {
        const items: string[] = []
        for (const word of command.items) items.push(...(yield* this.expand(word)))
        let status = 0
        for (const item of items) {
          this.count()
          this.variables.set(command.name, item)
          status = yield* this.nested(() => this.runList(command.body))
        }
        return status
      }
      case 'simple': {
        const substitutionsBefore = this.substitutions
        const argv: string[] = []
        for (const word of command.words) argv.push(...(yield* this.expand(word)))
        const assigned: Array<[string, string]> = []
        for (const assignment of command.assignments) assigned.push([assignment.name, (yield* this.expand(assignment.value, false)).join('')])
        if (argv.length === 0) {
          for (const [name, value] of assigned) this.variables.set(name, value)
          // Without a command, the status is that of the last substitution (`x=$(false)` is 1).
          return this.substitutions > substitutionsBefore ? this.status : 0
        }
        const saved = assigned.map(([name]) => [name, this.variables.get(name)] as const)
        for (const [name, value] of assigned) this.variables.set(name, value)
        try {
          let input = stdin
          for (const redirect of command.redirects) {
            if (redirect.operator === '<<') input = (yield* this.expand(redirect.target, false)).join('')
            else if (redirect.operator === '<') {
              const file = (yield* this.expand(redirect.target, false)).join('')
              const entry = this.context.fs.get(normalizePath(file, this.workingDirectory))
              if (entry?.kind !== 'file') {
                this.error(`sh: can't open '${file}': No such file or directory\n`)
                return 1
              }
              input = entry.content
            }
          }
          const outputs = command.redirects.filter((redirect) => redirect.descriptor !== 0)
          return yield* this.withRedirects(outputs, () => this.runProgram(argv, input))
        } finally {
          for (const [name, value] of saved) {
            if (value === undefined) this.variables.delete(name)
            else this.variables.set(name, value)
          }
        }
      }
    }
  }

  private *withRedirects(redirects: Extract<Command, {kind: 'simple'}>['redirects'], run: () => ShellRun): ShellRun {
    if (redirects.length === 0) return yield* run()
    const targets = new Map<OutputStream, {path: string | null; append: boolean; toStream?: OutputStream}>()
    for (const redirect of redirects) {
      const target = (yield* this.expand(redirect.target, false)).join('')
      const stream: OutputStream = redirect.descriptor === 2 ? 'stderr' : 'stdout'
      if (redirect.operator === '>&') targets.set(stream, {path: null, append: true, toStream: target === '2' ? 'stderr' : 'stdout'})
      else targets.set(stream, {path: target === '/dev/null' ? null : normalizePath(target, this.workingDirectory), append: redirect.operator === '>>'})
    }
    const files = new Map<string, string>()
    for (const target of targets.values()) {
      if (target.path === null) continue
      try {
        // Opening the file: truncated, or appended to (an empty append checks it may be written).
        this.context.fs.write(target.path, '', target.append)
      } catch (error) {
        if (!(error instanceof FileSystemError)) throw error
        // ash names the file unquoted, and a missing directory in its own words: `sh: can't create /x/y: nonexistent directory`.
        this.error(`sh: ${error.message.replace(/^can't create '(.*)': /, "can't create $1: ").replace(/: No such file or directory$/, ': nonexistent directory')}\n`)
        return 1
      }
      files.set(target.path, '')
    }
    const outer = this.sinkAt(this.sinks.length)
    const route = (stream: OutputStream, text: string, hops = 0): void => {
      const target = targets.get(stream)
      if (!target) return outer(stream, text)
      if (target.toStream && hops < 2) return route(target.toStream, text, hops + 1)
      if (target.path === null) return
      this.context.fs.write(target.path, text, true)
    }
    return yield* this.capturing((stream, text) => route(stream, text), run)
  }

  /** The fields a word expands to (unquoted expansions are split on blanks, as IFS does). */
  *expand(word: Word, split = true): Generator<ShellEffect, string[], unknown> {
    return yield* this.expansion.expand(word, split)
  }

  /** `$(…)` and backquotes: runs the script nested, its stdout captured (stderr goes on out). */
  *substitute(script: CommandList): Generator<ShellEffect, string, unknown> {
    this.substitutions++
    let captured = ''
    const outer = this.sinkAt(this.sinks.length)
    yield* this.nested(() => this.capturing((stream, text) => {
      if (stream === 'stdout') captured = limited(captured + text)
      else outer(stream, text)
    }, () => this.runList(script)))
    return captured.replace(/\n+$/, '')
  }

  /** Runs one program; `stdin` null: it reads the process's standard input. */
  *runProgram(argv: readonly string[], stdin: string | null): ShellRun {
    const name = programName(argv[0]!)
    const program = imageLacks(this.context.image, name) ? undefined : this.programs.get(name)
    if (!program && imageLacks(this.context.image, name)) {
      this.error(`sh: ${argv[0]}: not found\n`)
      return 127
    }
    if (program) {
      const inheritedBefore = this.inputInherited
      this.inputInherited = stdin === null && streamingReaders.has(name)
      // A program that reads its input whole reads it to its end (an open one's: until it closes).
      const given = stdin ?? (wholeReaders.has(name) ? yield* this.input.all() : '')
      try {
        return yield* program(this, argv, given)
      } catch (error) {
        if (error instanceof FileSystemError) {
          this.error(`${name}: ${error.message}\n`)
          return 1
        }
        throw error
      } finally {
        this.inputInherited = inheritedBefore
      }
    }
    return yield* this.runUnknownProgram(argv)
  }

  /** A program kubemu does not run here: not found (an exec), or running as a server would, until the container is stopped (a Job's: its work done after a moment). */
  *runUnknownProgram(argv: readonly string[]): ShellRun {
    if (this.context.unknownProgram === 'not-found') {
      this.error(`sh: ${argv[0]}: not found\n`)
      return 127
    }
    yield {kind: 'sleep', milliseconds: this.context.unknownProgram === 'finishes' ? unknownJobProgramMilliseconds : Number.POSITIVE_INFINITY}
    return 0
  }

  /** `sh -c SCRIPT` and `sh SCRIPT-FILE` inside this process (a subshell keeps its own exit). */
  *runScript(text: string): ShellRun {
    let list: CommandList
    try {
      list = parseScript(text)
    } catch (error) {
      if (!(error instanceof ShellSyntaxError)) throw error
      this.error(`sh: ${error.message}\n`)
      return 2
    }
    this.shellLevel++
    try {
      return yield* this.nested(() => this.runList(list))
    } catch (error) {
      if (error instanceof ShellExit && this.shellLevel > 1) return error.code
      throw error
    } finally {
      this.shellLevel--
    }
  }

  /** Whether `name` is a program this shell knows (exec checks before it starts one). */
  knows(name: string): boolean {
    return this.programs.has(programName(name)) && !imageLacks(this.context.image, programName(name))
  }
}

/** `/bin/echo` → `echo`: the programs are on PATH wherever a real image keeps them. */
export function programName(path: string): string {
  return /^\/(usr\/)?(local\/)?s?bin\//.test(path) ? path.slice(path.lastIndexOf('/') + 1) : path
}


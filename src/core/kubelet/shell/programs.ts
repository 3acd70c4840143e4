// The programs the simulated shell knows, as busybox (the image most examples use) prints them:
// their output, their error messages and their exit statuses. Here the shell's own (echo, printf,
// sleep, exit, env, export, cd, sh …) and date; file-programs.ts, line-programs.ts,
// text-programs.ts, archive-programs.ts (tar), network-programs.ts and tool-programs.ts (etcdctl)
// hold the rest.
import {idText, rootIdentity, userName} from './identity.js'
import {StandardInput} from './standard-input.js'
import {parseScript, ShellSyntaxError} from './syntax.js'
import {normalizePath} from './filesystem.js'
import type {Program, ShellProcess} from './interpreter.js'
import {interruptExitCode, ShellExit, ShellInterrupt, type ShellRun} from './process-context.js'
import {archivePrograms} from './archive-programs.js'
import {filePrograms, flagsOf} from './file-programs.js'
import {linePrograms} from './line-programs.js'
import {networkPrograms} from './network-programs.js'
import {textPrograms} from './text-programs.js'
import {toolPrograms} from './tool-programs.js'

/** The longest single sleep the shell takes literally, in seconds (longer is for ever). */
export const sleepSecondsMax = 10 * 365 * 24 * 3600

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** busybox `date`: `Thu Dec  3 14:50:53 UTC 2026`. */
export function formatDate(milliseconds: number): string {
  const date = new Date(milliseconds)
  const two = (value: number) => String(value).padStart(2, '0')
  return `${weekdays[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`
}

function* done(status: number): ShellRun {
  return status
}

/** `sleep 5`, `sleep 0.5`, `sleep 1m`, `sleep infinity`: milliseconds, or null when invalid. */
export function sleepMilliseconds(argument: string): number | null {
  if (argument === 'infinity' || argument === 'inf') return Number.POSITIVE_INFINITY
  const match = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(argument)
  if (!match) return null
  const seconds = Number(match[1]) * ({'': 1, s: 1, m: 60, h: 3600, d: 86400}[match[2] as ''])
  return seconds > sleepSecondsMax ? Number.POSITIVE_INFINITY : Math.round(seconds * 1000)
}

function echo(process: ShellProcess, argv: readonly string[]): ShellRun {
  let words = argv.slice(1)
  let newline = true
  let escapes = false
  while (words[0] && /^-[neE]+$/.test(words[0])) {
    if (words[0].includes('n')) newline = false
    if (words[0].includes('e')) escapes = true
    words = words.slice(1)
  }
  let text = words.join(' ')
  if (escapes) text = text.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\')
  process.out(newline ? `${text}\n` : text)
  return done(0)
}

function printf(process: ShellProcess, argv: readonly string[]): ShellRun {
  const format = argv[1]
  if (format === undefined) {
    process.error('printf: usage: printf FORMAT [ARGUMENT...]\n')
    return done(1)
  }
  const values = argv.slice(2)
  let index = 0
  let text = ''
  do {
    text += format.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/%([sd%])/g, (_all, conversion: string) => {
      if (conversion === '%') return '%'
      const value = values[index++] ?? ''
      return conversion === 'd' ? String(Number.parseInt(value, 10) || 0) : value
    })
  } while (index > 0 && index < values.length)
  process.out(text)
  return done(0)
}

function* sleep(process: ShellProcess, argv: readonly string[]): ShellRun {
  if (argv.length < 2) {
    process.error('sleep: missing operand\n')
    return 1
  }
  let total = 0
  for (const argument of argv.slice(1)) {
    const milliseconds = sleepMilliseconds(argument)
    if (milliseconds === null) {
      process.error(`sleep: invalid number '${argument}'\n`)
      return 1
    }
    total += milliseconds
  }
  if (total > 0) yield {kind: 'sleep', milliseconds: total}
  return 0
}

function exit(process: ShellProcess, argv: readonly string[]): ShellRun {
  const code = argv[1] === undefined ? process.status : Number.parseInt(argv[1], 10)
  throw new ShellExit(Number.isFinite(code) ? ((code % 256) + 256) % 256 : 2)
}

function date(process: ShellProcess, argv: readonly string[]): ShellRun {
  const now = process.context.now()
  const format = argv.find((argument) => argument.startsWith('+'))
  if (format === '+%s') process.out(`${Math.floor(now / 1000)}\n`)
  else if (format) {
    const iso = new Date(now).toISOString()
    process.out(`${format.slice(1).replace(/%Y/g, iso.slice(0, 4)).replace(/%m/g, iso.slice(5, 7)).replace(/%d/g, iso.slice(8, 10)).replace(/%H/g, iso.slice(11, 13)).replace(/%M/g, iso.slice(14, 16)).replace(/%S/g, iso.slice(17, 19)).replace(/%T/g, iso.slice(11, 19)).replace(/%F/g, iso.slice(0, 10)).replace(/%s/g, String(Math.floor(now / 1000)))}\n`)
  } else process.out(`${formatDate(now)}\n`)
  return done(0)
}

function environment(process: ShellProcess, argv: readonly string[]): ShellRun {
  const names = argv.slice(1)
  if (argv[0] === 'printenv' && names.length > 0) {
    let status = 0
    for (const name of names) {
      const value = process.variables.get(name)
      if (value === undefined) status = 1
      else process.out(`${value}\n`)
    }
    return done(status)
  }
  for (const [name, value] of process.variables) process.out(`${name}=${value}\n`)
  return done(0)
}

function* shell(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  // The shell's standard input: the process's (read as it comes), or what a pipe or redirect gave it.
  const input = process.inputInherited ? process.input : new StandardInput(stdin, false)
  const {flags, operands} = flagsOf(argv.filter((argument, index) => index === 0 || argument !== '-e' && argument !== '-x'))
  if (flags.has('c')) {
    if (operands[0] === undefined) {
      process.error(`${argv[0]}: -c requires an argument\n`)
      return 2
    }
    return yield* process.reading(input, () => process.runScript(operands[0]!))
  }
  if (operands[0] !== undefined) {
    const entry = process.context.fs.get(normalizePath(operands[0], process.workingDirectory))
    if (entry?.kind !== 'file') {
      process.error(`${argv[0]}: can't open '${operands[0]}': No such file or directory\n`)
      return 2
    }
    return yield* process.reading(input, () => process.runScript(entry.content))
  }
  // A shell reading commands from its standard input: an open one (the container's, stdin: true)
  // is what attaches send, run line by line as it comes; a closed one is one script.
  if (input.isOpen) return yield* process.reading(input, () => interactiveShell(process, input))
  const script = yield* input.all()
  return yield* process.reading(input, () => process.runScript(script))
}

/** Lines one interactive shell reads (then it stops reading, as at its end). */
export const stdinLinesMax = 100_000

/** A script cut short (a loop or a quote not closed yet): the shell reads on before it runs it. */
function isIncomplete(script: string): boolean {
  try {
    parseScript(script)
    return false
  } catch (error) {
    if (!(error instanceof ShellSyntaxError)) throw error
    return /end of file|unterminated|EOF in|missing \}/.test(error.message)
  }
}

/**
 * A shell reading commands as they come, as sh does from a pipe or a terminal: a line at a time
 * (a command that reads stdin, `read x`, gets the lines after it), more lines while a command is
 * not complete yet.
 */
function* interactiveShell(process: ShellProcess, input: StandardInput): ShellRun {
  let pending = ''
  for (let count = 0; count < stdinLinesMax; count++) {
    // On a terminal (exec -it) the shell prompts as busybox's does: PS1 `/ # ` (the working directory; `$` for a user not root), PS2 `> `.
    if (process.context.terminal) process.error(pending === '' ? `${process.workingDirectory} ${(process.context.user ?? rootIdentity).uid === 0 ? '#' : '$'} ` : '> ')
    try {
      const line = yield* input.line()
      if (line === null) {
        // At the end of its input an interactive shell (ash) ends the prompt's line before it exits.
        if (process.context.terminal && pending === '') process.error('\n')
        return pending === '' ? process.status : yield* process.runScript(pending)
      }
      pending += `${line}\n`
      if (isIncomplete(pending)) continue
      const script = pending
      pending = ''
      yield* process.runScript(script)
    } catch (error) {
      // Ctrl-C stops the command that runs (or drops the line being typed); the shell reads on.
      if (!(error instanceof ShellInterrupt)) throw error
      pending = ''
      process.status = interruptExitCode
    }
  }
  return process.status
}

/**
 * `read [-r] [-p PROMPT] [NAME…]`: one line of standard input, split on blanks into the names (the
 * last takes the rest; REPLY without names); status 1 at the end of the input. Without -r a
 * backslash escapes the next character.
 */
function* read(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const names: string[] = []
  let raw = false
  for (let index = 1; index < argv.length; index++) {
    const word = argv[index]!
    if (word === '-r') raw = true
    else if (word === '-p') process.error(argv[++index] ?? '')
    else names.push(word)
  }
  let line: string | null
  if (process.inputInherited) line = yield* process.input.line()
  else {
    const end = stdin.indexOf('\n')
    line = stdin === '' ? null : end < 0 ? stdin : stdin.slice(0, end)
  }
  if (line === null) {
    for (const name of names) process.variables.set(name, '')
    return 1
  }
  if (!raw) line = line.replace(/\\(.)/g, '$1')
  if (names.length === 0) {
    process.variables.set('REPLY', line)
    return 0
  }
  let rest = line.replace(/^[ \t]+/, '')
  for (const [index, name] of names.entries()) {
    if (index === names.length - 1) {
      process.variables.set(name, rest.replace(/[ \t]+$/, ''))
      break
    }
    const match = /^(\S*)[ \t]*/.exec(rest)!
    process.variables.set(name, match[1]!)
    rest = rest.slice(match[0].length)
  }
  return 0
}

export function shellPrograms(): ReadonlyMap<string, Program> {
  const simple = (status: number): Program => () => done(status)
  const programs: Array<[string, Program]> = [
    ['echo', echo], ['printf', printf], ['sleep', sleep], ['exit', exit], ['true', simple(0)], ['false', simple(1)], [':', simple(0)],
    // A trap's action matters only at the pod's deletion (termination.ts reads it from the script); `wait` has no jobs to wait for (`&` runs in line).
    ['trap', simple(0)], ['wait', simple(0)],
    ...filePrograms(),
    ['date', date], ['hostname', (process) => {
      process.out(`${process.context.hostname}\n`)
      return done(0)
    }],
    ['id', (process) => {
      process.out(`${idText(process.context.user ?? rootIdentity)}\n`)
      return done(0)
    }],
    ['whoami', (process) => {
      const uid = (process.context.user ?? rootIdentity).uid
      const name = userName(uid)
      if (name === null) {
        process.error(`whoami: unknown uid ${uid}\n`)
        return done(1)
      }
      process.out(`${name}\n`)
      return done(0)
    }],
    ['env', environment], ['printenv', environment],
    ['export', (process, argv) => {
      for (const argument of argv.slice(1)) {
        const equals = argument.indexOf('=')
        if (equals > 0) process.variables.set(argument.slice(0, equals), argument.slice(equals + 1))
      }
      return done(0)
    }],
    ['unset', (process, argv) => {
      for (const name of argv.slice(1)) process.variables.delete(name)
      return done(0)
    }],
    ['cd', (process, argv) => {
      const path = normalizePath(argv[1] ?? '/', process.workingDirectory)
      if (process.context.fs.get(path)?.kind !== 'directory') {
        process.error(`sh: cd: can't cd to ${argv[1]}: No such file or directory\n`)
        return done(2)
      }
      process.workingDirectory = path
      return done(0)
    }],
    ['pwd', (process) => {
      process.out(`${process.workingDirectory}\n`)
      return done(0)
    }],
    ['sh', shell], ['bash', shell], ['ash', shell], ['read', read],
    ...linePrograms(),
    ...archivePrograms(),
    ...networkPrograms(),
    ...toolPrograms(),
    ...textPrograms(),
  ]
  return new Map(programs)
}

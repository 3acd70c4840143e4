// The programs the simulated shell knows, as busybox (the image most examples use) prints them:
// their output, their error messages and their exit statuses.
import {normalizePath} from './filesystem.js'
import {type Program, type ShellProcess, ShellExit, type ShellRun} from './interpreter.js'
import {networkPrograms} from './network-programs.js'
import {textPrograms} from './text-programs.js'

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

/** Splits `-rf`-style flags from operands; unknown flags are kept as given. */
function flagsOf(argv: readonly string[]): {flags: Set<string>; operands: string[]} {
  const flags = new Set<string>()
  const operands: string[] = []
  let ended = false
  for (const argument of argv.slice(1)) {
    if (!ended && argument === '--') ended = true
    else if (!ended && /^-[A-Za-z]+$/.test(argument)) for (const flag of argument.slice(1)) flags.add(flag)
    else operands.push(argument)
  }
  return {flags, operands}
}

function touch(process: ShellProcess, argv: readonly string[]): ShellRun {
  const {operands} = flagsOf(argv)
  let status = 0
  for (const operand of operands) {
    const path = normalizePath(operand, process.workingDirectory)
    if (process.context.fs.get(path)) continue
    try {
      process.context.fs.write(path, '')
    } catch {
      process.error(`touch: ${operand}: No such file or directory\n`)
      status = 1
    }
  }
  return done(status)
}

function rm(process: ShellProcess, argv: readonly string[]): ShellRun {
  const {flags, operands} = flagsOf(argv)
  let status = 0
  for (const operand of operands) {
    const path = normalizePath(operand, process.workingDirectory)
    if (!process.context.fs.get(path)) {
      if (!flags.has('f')) {
        process.error(`rm: can't remove '${operand}': No such file or directory\n`)
        status = 1
      }
      continue
    }
    process.context.fs.remove(path, flags.has('r') || flags.has('R'))
  }
  return done(status)
}

function cat(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const {operands} = flagsOf(argv)
  if (operands.length === 0) {
    process.out(stdin)
    return done(0)
  }
  let status = 0
  for (const operand of operands) {
    const entry = process.context.fs.get(normalizePath(operand, process.workingDirectory))
    if (!entry) {
      process.error(`cat: can't open '${operand}': No such file or directory\n`)
      status = 1
    } else if (entry.kind === 'directory') {
      process.error(`cat: read error: Is a directory\n`)
      status = 1
    } else process.out(entry.content)
  }
  return done(status)
}

function mkdir(process: ShellProcess, argv: readonly string[]): ShellRun {
  const {flags, operands} = flagsOf(argv)
  for (const operand of operands) {
    const path = normalizePath(operand, process.workingDirectory)
    if (flags.has('p')) process.context.fs.makeDirectories(path)
    else process.context.fs.makeDirectory(path)
  }
  return done(0)
}

function ls(process: ShellProcess, argv: readonly string[]): ShellRun {
  const {flags, operands} = flagsOf(argv)
  let status = 0
  const targets = operands.length > 0 ? operands : ['.']
  for (const operand of targets) {
    const path = normalizePath(operand, process.workingDirectory)
    const entry = process.context.fs.get(path)
    if (!entry) {
      process.error(`ls: ${operand}: No such file or directory\n`)
      status = 1
      continue
    }
    if (targets.length > 1 && entry.kind === 'directory') process.out(`${operand}:\n`)
    const names = entry.kind === 'file' ? [operand] : process.context.fs.list(path).filter((name) => flags.has('a') || !name.startsWith('.'))
    if (names.length > 0) process.out(`${names.join('\n')}\n`)
  }
  return done(status)
}

/** `test` and `[`: files, strings and integers, with `!`. */
function test(process: ShellProcess, argv: readonly string[]): ShellRun {
  let operands = argv.slice(1)
  if (argv[0] === '[') {
    if (operands[operands.length - 1] !== ']') {
      process.error('[: missing ]\n')
      return done(2)
    }
    operands = operands.slice(0, -1)
  }
  let negate = false
  while (operands[0] === '!' && operands.length > 1) {
    negate = !negate
    operands = operands.slice(1)
  }
  const fs = process.context.fs
  const entryOf = (path: string) => fs.get(normalizePath(path, process.workingDirectory))
  let result: boolean
  if (operands.length === 0) result = false
  else if (operands.length === 1) result = operands[0]!.length > 0
  else if (operands.length === 2) {
    const [operator, operand] = operands as [string, string]
    const entry = entryOf(operand)
    const checks: Record<string, () => boolean> = {
      '-f': () => entry?.kind === 'file',
      '-d': () => entry?.kind === 'directory',
      '-e': () => entry !== undefined,
      '-s': () => entry?.kind === 'file' && entry.content.length > 0,
      '-r': () => entry !== undefined,
      '-w': () => entry !== undefined && !entry.readOnly,
      '-x': () => entry?.kind === 'directory',
      '-z': () => operand.length === 0,
      '-n': () => operand.length > 0,
    }
    const check = checks[operator]
    if (!check) {
      process.error(`${argv[0]}: ${operator}: unknown operand\n`)
      return done(2)
    }
    result = check()
  } else {
    const [left, operator, right] = operands as [string, string, string]
    const numbers = ['-eq', '-ne', '-lt', '-le', '-gt', '-ge']
    if (numbers.includes(operator) && (!/^-?\d+$/.test(left.trim()) || !/^-?\d+$/.test(right.trim()))) {
      process.error(`${argv[0]}: bad number\n`)
      return done(2)
    }
    const [a, b] = [Number(left), Number(right)]
    const comparisons: Record<string, boolean> = {'=': left === right, '==': left === right, '!=': left !== right, '-eq': a === b, '-ne': a !== b, '-lt': a < b, '-le': a <= b, '-gt': a > b, '-ge': a >= b}
    if (!(operator in comparisons)) {
      process.error(`${argv[0]}: syntax error\n`)
      return done(2)
    }
    result = comparisons[operator]!
  }
  return done(result !== negate ? 0 : 1)
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
  const {flags, operands} = flagsOf(argv.filter((argument, index) => index === 0 || argument !== '-e' && argument !== '-x'))
  if (flags.has('c')) {
    if (operands[0] === undefined) {
      process.error(`${argv[0]}: -c requires an argument\n`)
      return 2
    }
    return yield* process.runScript(operands[0])
  }
  if (operands[0] !== undefined) {
    const entry = process.context.fs.get(normalizePath(operands[0], process.workingDirectory))
    if (entry?.kind !== 'file') {
      process.error(`${argv[0]}: can't open '${operands[0]}': No such file or directory\n`)
      return 2
    }
    return yield* process.runScript(entry.content)
  }
  // A shell reading its standard input: a container's has none, so it ends at once.
  return yield* process.runScript(stdin)
}

function grep(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const {flags, operands} = flagsOf(argv)
  const [pattern, ...files] = operands
  if (pattern === undefined) {
    process.error('Usage: grep [-qvic] PATTERN [FILE]...\n')
    return done(2)
  }
  let expression: RegExp
  try {
    expression = new RegExp(pattern, flags.has('i') ? 'i' : '')
  } catch {
    expression = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags.has('i') ? 'i' : '')
  }
  const texts = files.length === 0 ? [stdin] : files.map((file) => {
    const entry = process.context.fs.get(normalizePath(file, process.workingDirectory))
    return entry?.kind === 'file' ? entry.content : ''
  })
  const lines = texts.flatMap((text) => text.split('\n').filter((line, index, all) => index < all.length - 1 || line !== ''))
  const matched = lines.filter((line) => expression.test(line) !== flags.has('v'))
  if (flags.has('c')) process.out(`${matched.length}\n`)
  else if (!flags.has('q') && matched.length > 0) process.out(`${matched.join('\n')}\n`)
  return done(matched.length > 0 ? 0 : 1)
}

/** The line count of head/tail (`-n N`, `-nN`, `-N`; 10 by default) and the operands left. */
function lineCountOf(argv: readonly string[]): {count: number; rest: string[]; follow: boolean} {
  let count = 10
  let follow = false
  const rest: string[] = [argv[0] ?? '']
  for (let index = 1; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === '-n' && index + 1 < argv.length) count = Number.parseInt(argv[++index]!.replace(/^\+/, ''), 10)
    else if (/^-n\+?\d+$/.test(argument)) count = Number.parseInt(argument.slice(2).replace(/^\+/, ''), 10)
    else if (/^-\d+$/.test(argument)) count = Number.parseInt(argument.slice(1), 10)
    else if (argument === '-f' || argument === '-F') follow = true
    else rest.push(argument)
  }
  return {count: Number.isFinite(count) ? Math.max(0, count) : 10, rest, follow}
}

/** The lines of the operands' files, or of stdin without operands (a missing file prints busybox's error). */
function inputLines(process: ShellProcess, name: string, operands: readonly string[], stdin: string): {lines: string[]; status: number} {
  let status = 0
  const texts = operands.length === 0 ? [stdin] : operands.map((file) => {
    const entry = process.context.fs.get(normalizePath(file, process.workingDirectory))
    if (entry?.kind === 'file') return entry.content
    process.error(`${name}: ${file}: No such file or directory\n`)
    status = 1
    return ''
  })
  return {lines: texts.flatMap((text) => text.split('\n').filter((line, index, all) => index < all.length - 1 || line !== '')), status}
}

function* tail(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const {count, rest, follow} = lineCountOf(argv)
  // `tail -f /dev/null`: the classic way to keep a container running.
  if (follow) {
    yield {kind: 'sleep', milliseconds: Number.POSITIVE_INFINITY}
    return 0
  }
  const {lines, status} = inputLines(process, 'tail', flagsOf(rest).operands, stdin)
  const kept = count === 0 ? [] : lines.slice(-count)
  if (kept.length > 0) process.out(`${kept.join('\n')}\n`)
  return status
}

function head(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const {count, rest} = lineCountOf(argv)
  const {lines, status} = inputLines(process, 'head', flagsOf(rest).operands, stdin)
  const kept = lines.slice(0, count)
  if (kept.length > 0) process.out(`${kept.join('\n')}\n`)
  return done(status)
}

/** busybox sort: byte order, or -n by the leading number (then byte order, its last resort); -r reverses, -u keeps the first of equal keys. */
function sort(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const {flags, operands} = flagsOf(argv)
  const {lines, status} = inputLines(process, 'sort', operands, stdin)
  const bytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  const leadingNumber = (line: string) => Number(/^\s*(-?\d+(?:\.\d+)?)/.exec(line)?.[1] ?? 0)
  const byKey = (a: string, b: string) => (flags.has('n') ? Math.sign(leadingNumber(a) - leadingNumber(b)) : bytes(a, b))
  const sorted = [...lines].sort((a, b) => byKey(a, b) || (flags.has('u') ? 0 : bytes(a, b)))
  const unique = flags.has('u') ? sorted.filter((line, index) => index === 0 || byKey(sorted[index - 1]!, line) !== 0) : sorted
  const ordered = flags.has('r') ? unique.reverse() : unique
  if (ordered.length > 0) process.out(`${ordered.join('\n')}\n`)
  return done(status)
}

function wc(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const lines = stdin.split('\n').length - 1
  process.out(argv.includes('-l') ? `${lines}\n` : `${String(lines).padStart(7)} ${String(stdin.split(/\s+/).filter(Boolean).length).padStart(7)} ${String(stdin.length).padStart(7)}\n`)
  return done(0)
}

export function shellPrograms(): ReadonlyMap<string, Program> {
  const simple = (status: number): Program => () => done(status)
  const programs: Array<[string, Program]> = [
    ['echo', echo], ['printf', printf], ['sleep', sleep], ['exit', exit], ['true', simple(0)], ['false', simple(1)], [':', simple(0)],
    // A trap's action matters only at the pod's deletion (termination.ts reads it from the script); `wait` has no jobs to wait for (`&` runs in line).
    ['trap', simple(0)], ['wait', simple(0)],
    ['touch', touch], ['rm', rm], ['cat', cat], ['mkdir', mkdir], ['ls', ls], ['test', test], ['[', test],
    ['date', date], ['hostname', (process) => {
      process.out(`${process.context.hostname}\n`)
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
    ['sh', shell], ['bash', shell], ['ash', shell],
    ['grep', grep], ['head', head], ['tail', tail], ['wc', wc], ['sort', sort],
    ...networkPrograms(),
    ...textPrograms(),
  ]
  return new Map(programs)
}

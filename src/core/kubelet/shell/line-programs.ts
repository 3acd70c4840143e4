// busybox's line filters: grep (-q -v -i -c), head and tail (-n N, -N; `tail -f` waits for
// ever, the classic way to keep a container running), sort (-n -r -u) and wc, over their files
// or stdin, with busybox's messages.
import {flagsOf} from './file-programs.js'
import {normalizePath} from './filesystem.js'
import type {Program, ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'

function* done(status: number): ShellRun {
  return status
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
    const read = process.context.fs.readFile(normalizePath(file, process.workingDirectory))
    if ('content' in read) return read.content
    if (read.error === 'Permission denied') process.error(`grep: ${file}: Permission denied\n`)
    return ''
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

/** tail's `-c N`, `-c +N`, `-cN`, `-c+N`: a byte count, from the end or (with +) from the start. */
function bytesOf(words: readonly string[]): {count: number; fromStart: boolean} | null {
  for (let index = 1; index < words.length; index++) {
    const joined = /^-c(\+?\d+)$/.exec(words[index]!)?.[1] ?? (words[index] === '-c' ? words[index + 1] : undefined)
    const match = joined === undefined ? null : /^(\+?)(\d+)$/.exec(joined)
    if (match) return {count: Number(match[2]), fromStart: match[1] === '+'}
  }
  return null
}

/** The lines of the operands' files, or of stdin without operands (a missing file prints busybox's error). */
function inputLines(process: ShellProcess, name: string, operands: readonly string[], stdin: string): {lines: string[]; status: number} {
  let status = 0
  const texts = operands.length === 0 ? [stdin] : operands.map((file) => {
    const read = process.context.fs.readFile(normalizePath(file, process.workingDirectory))
    if ('content' in read) return read.content
    process.error(`${name}: ${file}: ${read.error === 'Permission denied' ? read.error : 'No such file or directory'}\n`)
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
  // `tail -c +N` (from byte N on, as kubectl cp --retries resumes a copy) and `tail -c N` (the last N bytes).
  const bytes = bytesOf(rest)
  if (bytes) {
    const input = Buffer.from(stdin, 'utf8')
    process.out((bytes.fromStart ? input.subarray(Math.max(0, bytes.count - 1)) : input.subarray(Math.max(0, input.length - bytes.count))).toString('utf8'))
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

/** busybox uniq: adjacent equal lines once; -c counts them (as `%7d `), -d keeps only repeated ones, -u only single ones. */
function uniq(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const {flags, operands} = flagsOf(argv)
  const {lines, status} = inputLines(process, 'uniq', operands.slice(0, 1), stdin)
  const runs: Array<{line: string; count: number}> = []
  for (const line of lines) {
    const last = runs[runs.length - 1]
    if (last && last.line === line) last.count++
    else runs.push({line, count: 1})
  }
  const kept = runs.filter((run) => (flags.has('d') ? run.count > 1 : flags.has('u') ? run.count === 1 : true))
  if (kept.length > 0) process.out(kept.map((run) => (flags.has('c') ? `${String(run.count).padStart(7)} ${run.line}\n` : `${run.line}\n`)).join(''))
  return done(status)
}

function wc(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const lines = stdin.split('\n').length - 1
  process.out(argv.includes('-l') ? `${lines}\n` : `${String(lines).padStart(7)} ${String(stdin.split(/\s+/).filter(Boolean).length).padStart(7)} ${String(stdin.length).padStart(7)}\n`)
  return done(0)
}

export function linePrograms(): Array<[string, Program]> {
  return [['grep', grep], ['head', head], ['tail', tail], ['wc', wc], ['sort', sort], ['uniq', uniq]]
}

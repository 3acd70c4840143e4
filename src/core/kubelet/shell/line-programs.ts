// busybox's line filters: grep (-q -v -i -c -h -s, the file's name before its lines when there are several), head and tail (-n N, -N; `tail -f` waits for
// ever, the classic way to keep a container running), sort (-n -r -u) and wc (-l -w -m -c -L, busybox's columns), over their files
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
  // Each operand in turn: its name before its lines (or count) when there are several, unless -h.
  const named = files.length > 1 && !flags.has('h')
  let failed = false
  let matchedAny = false
  for (const file of files.length === 0 ? [null] : files) {
    let text = stdin
    if (file !== null) {
      const read = process.context.fs.readFile(normalizePath(file, process.workingDirectory))
      // busybox reads a directory as nothing; a missing or unreadable file is an error (status 2), -s keeps it quiet.
      if ('content' in read) text = read.content
      else if (read.error === 'Is a directory') text = ''
      else {
        failed = true
        if (!flags.has('s')) process.error(`grep: ${file}: ${read.error}\n`)
        continue
      }
    }
    const lines = text.split('\n').filter((line, index, all) => index < all.length - 1 || line !== '')
    const matched = lines.filter((line) => expression.test(line) !== flags.has('v'))
    matchedAny ||= matched.length > 0
    // -q stops at the first match, reading no further operand.
    if (flags.has('q') && matchedAny) return done(0)
    const prefix = named ? `${file}:` : ''
    if (flags.has('c')) process.out(`${prefix}${matched.length}\n`)
    else if (!flags.has('q') && matched.length > 0) process.out(matched.map((line) => `${prefix}${line}\n`).join(''))
  }
  return done(failed ? 2 : matchedAny ? 0 : 1)
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

/** busybox wc's counts of a text, in its column order: lines, words, characters, bytes, longest line. */
function wordCounts(text: string): number[] {
  const lines = text.split('\n')
  return [lines.length - 1, text.split(/\s+/).filter(Boolean).length, [...text].length, Buffer.byteLength(text), Math.max(0, ...lines.map((line) => [...line].length))]
}

function wc(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const {flags, operands} = flagsOf(argv)
  const letters = 'lwmcL'
  const unknown = [...flags].find((flag) => !letters.includes(flag))
  if (unknown !== undefined) {
    process.error(`wc: invalid option -- '${unknown}'\n`)
    return done(1)
  }
  const shown = flags.size === 0 ? [0, 1, 3] : [...letters].flatMap((letter, index) => (flags.has(letter) ? [index] : []))
  // One count of one input is printed bare; otherwise each count in a 9-wide column, as busybox's wc does.
  const bare = operands.length <= 1 && shown.length === 1
  const line = (counts: readonly number[], name: string | null) => `${shown.map((index, position) => (bare ? String(counts[index]) : `${position === 0 ? '' : ' '}${String(counts[index]).padStart(9)}`)).join('')}${name === null ? '' : ` ${name}`}\n`
  if (operands.length === 0) {
    process.out(line(wordCounts(stdin), null))
    return done(0)
  }
  let status = 0
  const totals = [0, 0, 0, 0, 0]
  for (const operand of operands) {
    const read = operand === '-' ? {content: stdin} : process.context.fs.readFile(normalizePath(operand, process.workingDirectory))
    if (!('content' in read)) {
      process.error(`wc: ${operand}: ${read.error}\n`)
      status = 1
      continue
    }
    const counts = wordCounts(read.content)
    counts.forEach((count, index) => (totals[index] = index === 4 ? Math.max(totals[index]!, count) : totals[index]! + count))
    process.out(line(counts, operand))
  }
  if (operands.length > 1) process.out(line(totals, 'total'))
  return done(status)
}

export function linePrograms(): Array<[string, Program]> {
  return [['grep', grep], ['head', head], ['tail', tail], ['wc', wc], ['sort', sort], ['uniq', uniq]]
}

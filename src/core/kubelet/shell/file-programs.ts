// busybox's file programs over the container's simulated filesystem: touch, rm, cat, mkdir
// (ls and file-tools.ts's ln, cp, mv, chmod, stat, find and du have files of their own), and test/[ (files, strings, integers), with busybox's messages and exit statuses.
import {inputPiecesPerReadMax} from './standard-input.js'
import {FileSystemError, normalizePath} from './filesystem.js'
import {fileTools} from './file-tools.js'
import {inspectTools} from './inspect-tools.js'
import {lsProgram} from './ls-program.js'
import type {Program, ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'

function* done(status: number): ShellRun {
  return status
}

/** Splits `-rf`-style flags from operands; unknown flags are kept as given. */
export function flagsOf(argv: readonly string[]): {flags: Set<string>; operands: string[]} {
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
    if (process.context.fs.get(path)) {
      // Setting an existing file's time needs write permission on it (or owning it).
      if (!process.context.fs.allows(path, 2) && process.context.fs.status(path, true)?.uid !== process.context.user?.uid) {
        process.error(`touch: ${operand}: Permission denied\n`)
        status = 1
      }
      continue
    }
    try {
      process.context.fs.write(path, '')
    } catch (error) {
      if (!(error instanceof FileSystemError)) throw error
      // busybox's touch names the reason after the operand: `touch: /x: Permission denied`.
      process.error(`touch: ${operand}: ${/: ([^:]+)$/.exec(error.message)?.[1] ?? 'No such file or directory'}\n`)
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
    // The entry itself: a link whose target is gone is removed too.
    if (!process.context.fs.getLink(path)) {
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

function* cat(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const {operands} = flagsOf(argv)
  if (operands.length === 0) {
    if (!process.inputInherited) {
      process.out(stdin)
      return 0
    }
    // The process's own input: each piece printed as it comes (a line typed into an attach).
    for (let piece = 0; piece < inputPiecesPerReadMax; piece++) {
      const text = yield* process.input.piece()
      if (text === null) break
      process.out(text)
    }
    return 0
  }
  let status = 0
  for (const operand of operands) {
    const read = process.context.fs.readFile(normalizePath(operand, process.workingDirectory))
    if ('content' in read) process.out(read.content)
    else {
      process.error(read.error === 'Is a directory' ? `cat: read error: Is a directory\n` : `cat: can't open '${operand}': ${read.error}\n`)
      status = 1
    }
  }
  return status
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

export function filePrograms(): Array<[string, Program]> {
  return [['touch', touch], ['rm', rm], ['cat', cat], ['mkdir', mkdir], lsProgram, ['test', test], ['[', test], ...fileTools(), ...inspectTools()]
}

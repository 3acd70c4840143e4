// busybox sed as tutorials use it: -n, -e (several), -E/-r, -i (the file in place); commands
// s/re/replacement/flags (g, p, I, N), p, d, q and =, each with an optional line, `$` or /regex/
// address or a range of two, and `!`; `&` and \1…\9 in replacements. Errors as busybox words them.
import {normalizePath} from './filesystem.js'
import type {ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'
import {inputText, linesOf, posixRegExp} from './text-input.js'

type Address = {kind: 'line'; line: number} | {kind: 'last'} | {kind: 'regex'; regex: RegExp}

interface SedCommand {
  readonly from: Address | null
  readonly to: Address | null
  readonly negated: boolean
  readonly name: 's' | 'p' | 'd' | 'q' | '='
  readonly regex?: RegExp
  readonly replacement?: string
  readonly global?: boolean
  readonly occurrence?: number
  readonly print?: boolean
  /** For a range: whether it is open now. */
  active: boolean
}

class SedError extends Error {}

/** Text up to the unescaped delimiter from `start`; the position after it. */
function delimited(script: string, start: number, delimiter: string): {text: string; end: number} {
  let text = ''
  for (let index = start; index < script.length; index++) {
    const character = script[index]!
    if (character === '\\' && script[index + 1] === delimiter) {
      text += delimiter
      index++
    } else if (character === '\\' && index + 1 < script.length) {
      text += character + script[++index]!
    } else if (character === delimiter) return {text, end: index + 1}
    else text += character
  }
  throw new SedError(`unmatched '${delimiter}'`)
}

function parseScript(script: string, extended: boolean): SedCommand[] {
  const commands: SedCommand[] = []
  let position = 0
  const address = (): Address | null => {
    const number = /^\d+/.exec(script.slice(position))
    if (number) {
      position += number[0].length
      return {kind: 'line', line: Number(number[0])}
    }
    if (script[position] === '$') {
      position++
      return {kind: 'last'}
    }
    if (script[position] === '/' || script[position] === '\\') {
      const delimiter = script[position] === '\\' ? script[++position]! : '/'
      const {text, end} = delimited(script, position + 1, delimiter)
      position = end
      return {kind: 'regex', regex: posixRegExp(text, extended)}
    }
    return null
  }
  while (position < script.length) {
    while (position < script.length && /[\s;]/.test(script[position]!)) position++
    if (position >= script.length) break
    const from = address()
    let to: Address | null = null
    if (from && script[position] === ',') {
      position++
      to = address()
      if (!to) throw new SedError('unexpected \',\'')
    }
    while (script[position] === ' ') position++
    let negated = false
    if (script[position] === '!') {
      negated = true
      position++
    }
    const name = script[position++]
    if (name === 's') {
      const delimiter = script[position]!
      const pattern = delimited(script, position + 1, delimiter)
      const replacement = delimited(script, pattern.end, delimiter)
      position = replacement.end
      const flags = /^[gpI0-9]*/.exec(script.slice(position))![0]
      position += flags.length
      const occurrence = /\d+/.exec(flags)
      commands.push({from, to, negated, name: 's', regex: posixRegExp(pattern.text, extended, `g${flags.includes('I') ? 'i' : ''}`), replacement: replacement.text, global: flags.includes('g'), occurrence: occurrence ? Number(occurrence[0]) : 1, print: flags.includes('p'), active: false})
    } else if (name === 'p' || name === 'd' || name === 'q' || name === '=') {
      commands.push({from, to, negated, name, active: false})
    } else throw new SedError(`unsupported command ${name ?? ''}`)
    while (script[position] === ' ') position++
    if (position < script.length && script[position] !== ';' && script[position] !== '\n' && script[position] !== '}') throw new SedError(`extra characters after command`)
  }
  return commands
}

function replaced(line: string, command: SedCommand): {text: string; changed: boolean} {
  let count = 0
  let changed = false
  const text = line.replace(command.regex!, (...match) => {
    count++
    const whole = match[0] as string
    if (!command.global && count !== command.occurrence) return whole
    if (command.global && count < command.occurrence!) return whole
    changed = true
    return command.replacement!.replace(/\\(\d)|\\n|\\(.)|&/g, (token, group?: string, escaped?: string) => {
      if (token === '&') return whole
      if (token === '\\n') return '\n'
      if (group !== undefined) return String(match[Number(group)] ?? '')
      return escaped ?? ''
    })
  })
  return {text, changed}
}

function matches(address: Address, line: string, number: number, last: boolean): boolean {
  if (address.kind === 'line') return number === address.line
  if (address.kind === 'last') return last
  return new RegExp(address.regex.source, address.regex.flags.replace('g', '')).test(line)
}

function selects(command: SedCommand, line: string, number: number, last: boolean): boolean {
  let hit: boolean
  if (!command.from) hit = true
  else if (!command.to) hit = matches(command.from, line, number, last)
  else if (command.active) {
    hit = true
    if (matches(command.to, line, number, last) || (command.to.kind === 'line' && number >= command.to.line)) command.active = false
  } else if (matches(command.from, line, number, last)) {
    hit = true
    command.active = !(command.to.kind === 'line' && command.to.line <= number)
  } else hit = false
  return command.negated ? !hit : hit
}

export function* sed(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  let quiet = false
  let extended = false
  let inPlace = false
  const scripts: string[] = []
  const operands: string[] = []
  for (let index = 1; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === '-e') scripts.push(argv[++index] ?? '')
    else if (/^-[nErsi]+$/.test(argument)) {
      if (argument.includes('n')) quiet = true
      if (argument.includes('E') || argument.includes('r')) extended = true
      if (argument.includes('i')) inPlace = true
    } else if (scripts.length === 0 && !argv.slice(1, index).includes('-e')) scripts.push(argument)
    else operands.push(argument)
  }
  let commands: SedCommand[]
  try {
    if (scripts.length === 0) throw new SedError('no script specified')
    commands = parseScript(scripts.join('\n'), extended)
  } catch (error) {
    if (!(error instanceof SedError) && !(error instanceof SyntaxError)) throw error
    process.error(`sed: ${error instanceof SedError ? error.message : 'bad regex'}\n`)
    return 1
  }
  const edit = (text: string): string => {
    let output = ''
    const lines = linesOf(text)
    for (const command of commands) command.active = false
    lines: for (let index = 0; index < lines.length; index++) {
      let line = lines[index]!
      const number = index + 1
      const last = index === lines.length - 1
      for (const command of commands) {
        if (!selects(command, line, number, last)) continue
        if (command.name === 'p') output += `${line}\n`
        else if (command.name === '=') output += `${number}\n`
        else if (command.name === 'd') continue lines
        else if (command.name === 'q') {
          if (!quiet) output += `${line}\n`
          break lines
        } else {
          const result = replaced(line, command)
          line = result.text
          if (result.changed && command.print) output += `${line}\n`
        }
      }
      if (!quiet) output += `${line}\n`
    }
    return output
  }
  if (inPlace) {
    let status = 0
    for (const file of operands) {
      const path = normalizePath(file, process.workingDirectory)
      const entry = process.context.fs.get(path)
      if (entry?.kind !== 'file') {
        process.error(`sed: can't open '${file}': No such file or directory\n`)
        status = 1
        continue
      }
      process.context.fs.write(path, edit(entry.content))
    }
    return status
  }
  const {text, status} = inputText(process, 'sed', operands, stdin)
  process.out(edit(text))
  return status
}

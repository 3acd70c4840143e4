// busybox's text filters as tutorials use them: `cut` (-d -f, -c, -s), `tr` (sets with ranges
// and [:classes:], -d, -s), `sed` (-n, -e, -E, -i; s///g with p, p, d, q; line, $ and /regex/
// addresses and ranges). `awk` lives in awk.ts. Each reads its files or stdin and prints
// busybox's errors.
import {awk} from './awk.js'
import type {Program, ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'
import {sed} from './sed.js'
import {inputText, linesOf} from './text-input.js'

function* done(status: number): ShellRun {
  return status
}

/** cut's LIST: 1-based positions, `N`, `N-M`, `N-`, `-M`, comma-separated. */
function parseList(list: string): ((position: number) => boolean) | null {
  const ranges: Array<[number, number]> = []
  for (const item of list.split(',')) {
    const match = /^(\d*)(-?)(\d*)$/.exec(item)
    if (!match || (match[1] === '' && match[3] === '') || match[1] === '0') return null
    const low = match[1] ? Number(match[1]) : 1
    const high = match[2] ? (match[3] ? Number(match[3]) : Number.POSITIVE_INFINITY) : low
    ranges.push([low, high])
  }
  return (position) => ranges.some(([low, high]) => position >= low && position <= high)
}

function* cut(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  let delimiter = '\t'
  let fields: string | null = null
  let characters: string | null = null
  let onlyDelimited = false
  const operands: string[] = []
  for (let index = 1; index < argv.length; index++) {
    const argument = argv[index]!
    const value = (flag: string) => (argument.length > 2 ? argument.slice(2) : argv[++index] ?? '')
    if (argument.startsWith('-d')) delimiter = value('d')
    else if (argument.startsWith('-f')) fields = value('f')
    else if (argument.startsWith('-c') || argument.startsWith('-b')) characters = value('c')
    else if (argument === '-s') onlyDelimited = true
    else operands.push(argument)
  }
  if (fields === null && characters === null) {
    process.error('cut: expected a list of bytes, characters, or fields\n')
    return 1
  }
  if (delimiter.length !== 1) {
    process.error('cut: the delimiter must be a single character\n')
    return 1
  }
  const selected = parseList((fields ?? characters)!)
  if (!selected) {
    process.error(`cut: invalid byte, character or field list\n`)
    return 1
  }
  const {text, status} = inputText(process, 'cut', operands, stdin)
  const output: string[] = []
  for (const line of linesOf(text)) {
    if (characters !== null) output.push([...line].filter((_character, index) => selected(index + 1)).join(''))
    else if (!line.includes(delimiter)) {
      if (!onlyDelimited) output.push(line)
    } else output.push(line.split(delimiter).filter((_field, index) => selected(index + 1)).join(delimiter))
  }
  if (output.length > 0) process.out(`${output.join('\n')}\n`)
  return yield* done(status)
}

const upperLetters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const lowerLetters = 'abcdefghijklmnopqrstuvwxyz'
const trClasses: Readonly<Record<string, string>> = {
  upper: upperLetters,
  lower: lowerLetters,
  digit: '0123456789',
  alpha: upperLetters + lowerLetters,
  alnum: `${upperLetters}${lowerLetters}0123456789`,
  space: ' \t\n\r\f\v',
  blank: ' \t',
  punct: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
}

/** A tr set: escapes, `a-z` ranges and `[:class:]` names, expanded to its characters in order. */
function expandSet(set: string): string[] {
  const characters: string[] = []
  for (let index = 0; index < set.length; index++) {
    const klass = /^\[:([a-z]+):\]/.exec(set.slice(index))
    if (klass && trClasses[klass[1]!]) {
      characters.push(...trClasses[klass[1]!]!)
      index += klass[0].length - 1
      continue
    }
    let character = set[index]!
    if (character === '\\' && index + 1 < set.length) {
      const escaped = set[++index]!
      character = ({n: '\n', t: '\t', r: '\r', '\\': '\\'} as Record<string, string>)[escaped] ?? escaped
    }
    if (set[index + 1] === '-' && index + 2 < set.length) {
      const end = set[index + 2]!
      for (let code = character.codePointAt(0)!; code <= end.codePointAt(0)!; code++) characters.push(String.fromCodePoint(code))
      index += 2
    } else characters.push(character)
  }
  return characters
}

function* tr(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const flags = new Set<string>()
  const sets: string[] = []
  for (const argument of argv.slice(1)) {
    if (/^-[dsc]+$/.test(argument) && sets.length === 0) for (const flag of argument.slice(1)) flags.add(flag)
    else sets.push(argument)
  }
  if (sets.length === 0 || (!flags.has('d') && !flags.has('s') && sets.length < 2)) {
    process.error(sets.length === 0 ? 'tr: missing operand\n' : `tr: missing operand after '${sets[0]}'\n`)
    return 1
  }
  const from = expandSet(sets[0]!)
  const to = sets[1] !== undefined ? expandSet(sets[1]) : []
  let output = ''
  let previous = ''
  const squeeze = new Set(flags.has('d') ? to : to.length > 0 ? to : from)
  for (const character of stdin) {
    let result = character
    const at = from.indexOf(character)
    if (flags.has('d')) {
      if (at >= 0) continue
    } else if (at >= 0 && to.length > 0) result = to[Math.min(at, to.length - 1)]!
    if (flags.has('s') && result === previous && squeeze.has(result)) continue
    output += result
    previous = result
  }
  process.out(output)
  return yield* done(0)
}

export function textPrograms(): Array<[string, Program]> {
  return [['cut', cut], ['tr', tr], ['sed', sed], ['awk', awk]]
}

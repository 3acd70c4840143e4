// busybox awk as tutorials use it: `awk [-F SEP] [-v NAME=VALUE] 'PROGRAM' [FILE…]` with BEGIN and
// END, /regex/ and expression patterns, `print` and `printf`, fields ($0, $1 … $NF), NR, NF, FS,
// OFS, variables and assignments (= += -= *= /= ++ --), comparisons, `~`, &&, ||, !, string
// concatenation, `next`, and length/substr/index/toupper/tolower/int. Bounded in its input.
import type {ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'
import {inputText, linesOf, posixRegExp} from './text-input.js'

/** Statements one awk run may execute (a bound on a runaway program). */
export const awkStepsMax = 1_000_000

class AwkError extends Error {}
class NextRecord extends Error {}

type Token = {kind: 'number'; value: number} | {kind: 'string'; value: string} | {kind: 'regex'; value: string} | {kind: 'name'; value: string} | {kind: 'op'; value: string}
type Value = number | string
type Node =
  | {kind: 'literal'; value: Value} | {kind: 'regex'; regex: RegExp} | {kind: 'variable'; name: string} | {kind: 'field'; index: Node}
  | {kind: 'unary'; op: string; operand: Node} | {kind: 'binary'; op: string; left: Node; right: Node} | {kind: 'assign'; op: string; target: Node; value: Node}
  | {kind: 'increment'; op: string; prefix: boolean; target: Node} | {kind: 'call'; name: string; args: Node[]}
type Statement = {kind: 'print'; args: Node[]; format: boolean} | {kind: 'expression'; node: Node} | {kind: 'next'} | {kind: 'if'; condition: Node; then: Statement[]; otherwise: Statement[]}
interface Rule { readonly pattern: 'BEGIN' | 'END' | Node | null; readonly action: Statement[] | null }

const operators = ['&&', '||', '==', '!=', '<=', '>=', '!~', '++', '--', '+=', '-=', '*=', '/=', '%=', '{', '}', '(', ')', ';', ',', '<', '>', '!', '~', '+', '-', '*', '/', '%', '=', '$', '?', ':', '\n']

function tokenize(program: string): Token[] {
  const tokens: Token[] = []
  let position = 0
  const regexAllowed = () => {
    const last = tokens[tokens.length - 1]
    return !last || (last.kind === 'op' && !['(', ')', '$'].includes(last.value)) || (last.kind === 'op' && last.value === '(')
  }
  while (position < program.length) {
    const character = program[position]!
    if (character === ' ' || character === '\t' || (character === '\\' && program[position + 1] === '\n')) { position += character === '\\' ? 2 : 1; continue }
    if (character === '#') { while (position < program.length && program[position] !== '\n') position++; continue }
    const number = /^\d+(\.\d*)?/.exec(program.slice(position))
    if (number) { tokens.push({kind: 'number', value: Number(number[0])}); position += number[0].length; continue }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(program.slice(position))
    if (name) { tokens.push({kind: 'name', value: name[0]}); position += name[0].length; continue }
    if (character === '"') {
      let value = ''
      for (position++; program[position] !== '"'; position++) {
        if (position >= program.length) throw new AwkError('unterminated string')
        if (program[position] === '\\') { const escaped = program[++position]!; value += ({n: '\n', t: '\t', '"': '"', '\\': '\\', '/': '/'} as Record<string, string>)[escaped] ?? `\\${escaped}` } else value += program[position]
      }
      position++
      tokens.push({kind: 'string', value})
      continue
    }
    if (character === '/' && regexAllowed()) {
      let value = ''
      for (position++; program[position] !== '/'; position++) {
        if (position >= program.length) throw new AwkError('unterminated regexp')
        if (program[position] === '\\' && program[position + 1] === '/') value += program[++position]
        else value += program[position]
      }
      position++
      tokens.push({kind: 'regex', value})
      continue
    }
    const operator = operators.find((candidate) => program.startsWith(candidate, position))
    if (!operator) throw new AwkError(`Unexpected token '${character}'`)
    tokens.push({kind: 'op', value: operator})
    position += operator.length
  }
  return tokens
}

class Parser {
  private index = 0
  constructor(private readonly tokens: Token[]) {}
  private peek(value?: string): boolean { const token = this.tokens[this.index]; return token !== undefined && (value === undefined || ((token.kind === 'op' || token.kind === 'name') && token.value === value)) }
  private take(value: string): void { if (!this.peek(value)) throw new AwkError(`Unexpected token${this.tokens[this.index] ? ` '${String(this.tokens[this.index]!.value)}'` : ''}`); this.index++ }
  private skipNewlines(): void { while (this.peek('\n') || this.peek(';')) this.index++ }

  program(): Rule[] {
    const rules: Rule[] = []
    for (this.skipNewlines(); this.index < this.tokens.length; this.skipNewlines()) {
      let pattern: Rule['pattern'] = null
      if (this.peek('BEGIN') || this.peek('END')) pattern = (this.tokens[this.index++] as {value: 'BEGIN' | 'END'}).value
      else if (!this.peek('{')) pattern = this.expression()
      rules.push({pattern, action: this.peek('{') ? this.block() : null})
    }
    return rules
  }

  private block(): Statement[] {
    this.take('{')
    const statements: Statement[] = []
    for (this.skipNewlines(); !this.peek('}'); this.skipNewlines()) {
      if (this.index >= this.tokens.length) throw new AwkError("Unexpected end of string")
      statements.push(this.statement())
    }
    this.take('}')
    return statements
  }

  private statement(): Statement {
    if (this.peek('{')) return {kind: 'if', condition: {kind: 'literal', value: 1}, then: this.block(), otherwise: []}
    if (this.peek('next')) { this.index++; return {kind: 'next'} }
    if (this.peek('if')) {
      this.index++
      this.take('(')
      const condition = this.expression()
      this.take(')')
      this.skipNewlines()
      const then = this.peek('{') ? this.block() : [this.statement()]
      let index = this.index
      while (this.tokens[index]?.kind === 'op' && ['\n', ';'].includes(String(this.tokens[index]!.value))) index++
      let otherwise: Statement[] = []
      if (this.tokens[index]?.kind === 'name' && this.tokens[index]!.value === 'else') {
        this.index = index + 1
        this.skipNewlines()
        otherwise = this.peek('{') ? this.block() : [this.statement()]
      }
      return {kind: 'if', condition, then, otherwise}
    }
    if (this.peek('print') || this.peek('printf')) {
      const format = this.peek('printf')
      this.index++
      const args: Node[] = []
      if (!this.peek(';') && !this.peek('\n') && !this.peek('}')) {
        const parenthesized = this.peek('(')
        args.push(this.expression(!parenthesized))
        while (this.peek(',')) { this.index++; args.push(this.expression(!parenthesized)) }
      }
      return {kind: 'print', args, format}
    }
    return {kind: 'expression', node: this.expression()}
  }

  /** An expression; in print's arguments `>` is a redirection, which kubemu does not take. */
  expression(noGreater = false): Node {
    const target = this.ternary(noGreater)
    const token = this.tokens[this.index]
    if (token?.kind === 'op' && ['=', '+=', '-=', '*=', '/=', '%='].includes(token.value) && (target.kind === 'variable' || target.kind === 'field')) {
      this.index++
      return {kind: 'assign', op: token.value, target, value: this.expression(noGreater)}
    }
    return target
  }

  private ternary(noGreater: boolean): Node {
    const condition = this.binary(0, noGreater)
    if (!this.peek('?')) return condition
    this.index++
    const whenTrue = this.ternary(noGreater)
    this.take(':')
    return {kind: 'call', name: '?:', args: [condition, whenTrue, this.ternary(noGreater)]}
  }

  private static readonly levels: readonly (readonly string[])[] = [['||'], ['&&'], ['~', '!~'], ['<', '<=', '!=', '==', '>', '>='], ['concat'], ['+', '-'], ['*', '/', '%']]

  private binary(level: number, noGreater: boolean): Node {
    if (level >= Parser.levels.length) return this.unary()
    let left = this.binary(level + 1, noGreater)
    for (;;) {
      const token = this.tokens[this.index]
      if (Parser.levels[level]![0] === 'concat') {
        const starts = token && (token.kind === 'number' || token.kind === 'string' || (token.kind === 'name' && !['in', 'else'].includes(token.value)) || (token.kind === 'op' && ['$', '(', '!', '-', '+', '++', '--'].includes(token.value) && !['-', '+'].includes(token.value)))
        if (!starts) return left
        left = {kind: 'binary', op: 'concat', left, right: this.binary(level + 1, noGreater)}
        continue
      }
      if (token?.kind !== 'op' || !Parser.levels[level]!.includes(token.value) || (noGreater && token.value === '>')) return left
      this.index++
      left = {kind: 'binary', op: token.value, left, right: this.binary(level + 1, noGreater)}
    }
  }

  private unary(): Node {
    const token = this.tokens[this.index]
    if (token?.kind === 'op' && ['!', '-', '+'].includes(token.value)) { this.index++; return {kind: 'unary', op: token.value, operand: this.unary()} }
    if (token?.kind === 'op' && (token.value === '++' || token.value === '--')) { this.index++; return {kind: 'increment', op: token.value, prefix: true, target: this.primary()} }
    const node = this.primary()
    const after = this.tokens[this.index]
    if (after?.kind === 'op' && (after.value === '++' || after.value === '--') && (node.kind === 'variable' || node.kind === 'field')) { this.index++; return {kind: 'increment', op: after.value, prefix: false, target: node} }
    return node
  }

  private primary(): Node {
    const token = this.tokens[this.index++]
    if (!token) throw new AwkError('Unexpected end of string')
    if (token.kind === 'number' || token.kind === 'string') return {kind: 'literal', value: token.value}
    if (token.kind === 'regex') return {kind: 'regex', regex: posixRegExp(token.value, true)}
    if (token.kind === 'name') {
      if (this.peek('(') && ['length', 'substr', 'index', 'toupper', 'tolower', 'int', 'sprintf'].includes(token.value)) {
        this.index++
        const args: Node[] = []
        while (!this.peek(')')) { args.push(this.expression()); if (this.peek(',')) this.index++ }
        this.index++
        return {kind: 'call', name: token.value, args}
      }
      if (token.value === 'length') return {kind: 'call', name: 'length', args: []}
      return {kind: 'variable', name: token.value}
    }
    if (token.value === '$') return {kind: 'field', index: this.primary()}
    if (token.value === '(') { const inner = this.expression(); this.take(')'); return inner }
    throw new AwkError(`Unexpected token '${token.value}'`)
  }
}

const isNumeric = (value: Value) => typeof value === 'number' || /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)
const toNumber = (value: Value) => (typeof value === 'number' ? value : Number.parseFloat(value) || 0)
const toText = (value: Value) => (typeof value === 'string' ? value : Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6))))

/** awk's printf: %s %d %i %f %e %g %x %o %c %% with flags, width and precision. */
function format(template: string, args: Value[]): string {
  let next = 0
  return template.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdifegxXoc%])/g, (_all, flags: string, width: string, precision: string | undefined, conversion: string) => {
    if (conversion === '%') return '%'
    const value = args[next++] ?? ''
    let text: string
    if (conversion === 's') text = precision !== undefined ? toText(value).slice(0, Number(precision)) : toText(value)
    else if (conversion === 'c') text = typeof value === 'number' ? String.fromCharCode(value) : value.slice(0, 1)
    else if (conversion === 'd' || conversion === 'i') text = String(Math.trunc(toNumber(value)))
    else if (conversion === 'x' || conversion === 'X' || conversion === 'o') text = Math.trunc(toNumber(value)).toString(conversion === 'o' ? 8 : 16)
    else if (conversion === 'e') text = toNumber(value).toExponential(precision !== undefined ? Number(precision) : 6)
    else if (conversion === 'g') text = String(Number(toNumber(value).toPrecision(precision !== undefined ? Number(precision) || 1 : 6)))
    else text = toNumber(value).toFixed(precision !== undefined ? Number(precision) : 6)
    if (conversion === 'X') text = text.toUpperCase()
    if (flags.includes('+') && /[dife]/.test(conversion) && !text.startsWith('-')) text = `+${text}`
    const size = Number(width || 0)
    return flags.includes('-') ? text.padEnd(size) : text.padStart(size, flags.includes('0') && conversion !== 's' ? '0' : ' ')
  })
}

export function* awk(process: ShellProcess, argv: readonly string[], stdin: string): ShellRun {
  const variables = new Map<string, Value>([['FS', ' '], ['OFS', ' '], ['ORS', '\n'], ['NR', 0], ['NF', 0]])
  let programText: string | null = null
  const operands: string[] = []
  for (let index = 1; index < argv.length; index++) {
    const argument = argv[index]!
    if (programText === null && argument.startsWith('-F')) variables.set('FS', (argument.length > 2 ? argument.slice(2) : argv[++index] ?? ' ').replace(/^\\t$/, '\t'))
    else if (programText === null && argument.startsWith('-v')) {
      const assignment = argument.length > 2 ? argument.slice(2) : argv[++index] ?? ''
      const equals = assignment.indexOf('=')
      if (equals > 0) variables.set(assignment.slice(0, equals), assignment.slice(equals + 1))
    } else if (programText === null) programText = argument
    else operands.push(argument)
  }
  if (programText === null) {
    process.error('Usage: awk [OPTIONS] [AWK_PROGRAM] [FILE]...\n')
    return 1
  }
  let rules: Rule[]
  try {
    rules = new Parser(tokenize(programText)).program()
  } catch (error) {
    if (!(error instanceof AwkError) && !(error instanceof SyntaxError)) throw error
    process.error(`awk: cmd. line:1: ${error.message}\n`)
    return 1
  }
  let fields: string[] = ['']
  let steps = 0
  const split = (record: string) => {
    const separator = toText(variables.get('FS') ?? ' ')
    const parts = separator === ' ' ? record.split(/[ \t\n]+/).filter(Boolean) : record.split(separator.length === 1 ? separator : new RegExp(separator))
    fields = [record, ...(record === '' ? [] : parts)]
    variables.set('NF', fields.length - 1)
  }
  const getField = (index: number): string => (index === 0 ? fields[0]! : fields[index] ?? '')
  const setField = (index: number, value: string) => {
    if (index === 0) return split(value)
    while (fields.length <= index) fields.push('')
    fields[index] = value
    variables.set('NF', fields.length - 1)
    fields[0] = fields.slice(1).join(toText(variables.get('OFS') ?? ' '))
  }
  const assignTo = (target: Node, value: Value): Value => {
    if (target.kind === 'field') setField(Math.trunc(toNumber(evaluate(target.index))), toText(value))
    else if (target.kind === 'variable') variables.set(target.name, value)
    return value
  }
  const evaluate = (node: Node): Value => {
    switch (node.kind) {
      case 'literal': return node.value
      case 'regex': return node.regex.test(getField(0)) ? 1 : 0
      case 'variable': {
        if (node.name === 'NF') return fields.length - 1
        return variables.get(node.name) ?? ''
      }
      case 'field': return getField(Math.trunc(toNumber(evaluate(node.index))))
      case 'unary': {
        const value = evaluate(node.operand)
        if (node.op === '!') return truthy(value) ? 0 : 1
        return node.op === '-' ? -toNumber(value) : toNumber(value)
      }
      case 'increment': {
        const before = toNumber(evaluate(node.target))
        const after = before + (node.op === '++' ? 1 : -1)
        assignTo(node.target, after)
        return node.prefix ? after : before
      }
      case 'assign': {
        const value = evaluate(node.value)
        if (node.op === '=') return assignTo(node.target, value)
        return assignTo(node.target, arithmetic(node.op[0]!, toNumber(evaluate(node.target)), toNumber(value)))
      }
      case 'call': return call(node.name, node.args)
      case 'binary': {
        if (node.op === '&&') return truthy(evaluate(node.left)) && truthy(evaluate(node.right)) ? 1 : 0
        if (node.op === '||') return truthy(evaluate(node.left)) || truthy(evaluate(node.right)) ? 1 : 0
        if (node.op === '~' || node.op === '!~') {
          const regex = node.right.kind === 'regex' ? node.right.regex : posixRegExp(toText(evaluate(node.right)), true)
          return regex.test(toText(evaluate(node.left))) === (node.op === '~') ? 1 : 0
        }
        const left = evaluate(node.left)
        const right = evaluate(node.right)
        if (node.op === 'concat') return toText(left) + toText(right)
        if (['<', '<=', '!=', '==', '>', '>='].includes(node.op)) {
          const numeric = isNumeric(left) && isNumeric(right)
          const a = numeric ? toNumber(left) : toText(left)
          const b = numeric ? toNumber(right) : toText(right)
          const result = node.op === '<' ? a < b : node.op === '<=' ? a <= b : node.op === '>' ? a > b : node.op === '>=' ? a >= b : node.op === '==' ? a === b : a !== b
          return result ? 1 : 0
        }
        return arithmetic(node.op, toNumber(left), toNumber(right))
      }
    }
  }
  const arithmetic = (op: string, a: number, b: number): number => {
    if ((op === '/' || op === '%') && b === 0) throw new AwkError('division by zero')
    return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b
  }
  const truthy = (value: Value) => (typeof value === 'number' ? value !== 0 : value !== '' && !(isNumeric(value) && toNumber(value) === 0 && /^\s*[-+]?[\d.]/.test(value)))
  const call = (name: string, args: Node[]): Value => {
    const values = args.map(evaluate)
    if (name === '?:') return truthy(values[0]!) ? values[1]! : values[2]!
    const text = toText(values[0] ?? getField(0))
    if (name === 'length') return [...text].length
    if (name === 'toupper') return text.toUpperCase()
    if (name === 'tolower') return text.toLowerCase()
    if (name === 'int') return Math.trunc(toNumber(values[0] ?? 0))
    if (name === 'index') return text.indexOf(toText(values[1] ?? '')) + 1
    if (name === 'sprintf') return format(text, values.slice(1))
    const start = Math.trunc(toNumber(values[1] ?? 1))
    const length = values[2] === undefined ? Number.POSITIVE_INFINITY : Math.trunc(toNumber(values[2]))
    const from = Math.max(start, 1)
    const to = Math.min(start + length, text.length + 1)
    return to > from ? text.slice(from - 1, to - 1) : ''
  }
  let output = ''
  const execute = (statements: readonly Statement[]) => {
    for (const statement of statements) {
      if (++steps > awkStepsMax) throw new AwkError(`more than ${awkStepsMax} statements`)
      if (statement.kind === 'next') throw new NextRecord()
      if (statement.kind === 'expression') evaluate(statement.node)
      else if (statement.kind === 'if') execute(truthy(evaluate(statement.condition)) ? statement.then : statement.otherwise)
      else if (statement.format) output += format(toText(evaluate(statement.args[0] ?? {kind: 'literal', value: ''})), statement.args.slice(1).map(evaluate))
      else output += `${statement.args.length === 0 ? getField(0) : statement.args.map((arg) => toText(evaluate(arg))).join(toText(variables.get('OFS') ?? ' '))}${toText(variables.get('ORS') ?? '\n')}`
    }
  }
  let status = 0
  try {
    for (const rule of rules) if (rule.pattern === 'BEGIN') execute(rule.action ?? [])
    const main = rules.filter((rule) => rule.pattern !== 'BEGIN' && rule.pattern !== 'END')
    if (main.length > 0 || rules.some((rule) => rule.pattern === 'END')) {
      const input = inputText(process, 'awk', operands, stdin)
      status = input.status
      for (const record of linesOf(input.text)) {
        variables.set('NR', toNumber(variables.get('NR') ?? 0) + 1)
        split(record)
        try {
          for (const rule of main) {
            if (rule.pattern !== null && !truthy(evaluate(rule.pattern as Node))) continue
            if (rule.action) execute(rule.action)
            else output += `${getField(0)}\n`
          }
        } catch (error) {
          if (!(error instanceof NextRecord)) throw error
        }
      }
    }
    for (const rule of rules) if (rule.pattern === 'END') execute(rule.action ?? [])
  } catch (error) {
    if (!(error instanceof AwkError)) throw error
    process.out(output)
    process.error(`awk: cmd. line:1: ${error.message}\n`)
    return 2
  }
  process.out(output)
  return status
}

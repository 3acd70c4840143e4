// The shell's word expansion: parameters (`$VAR`, `${VAR op word}`, `$?`), arithmetic `$((…))`
// and command substitutions (run by the process that owns the words), then field splitting on
// blanks for what was not quoted, as sh does.
import {ArithmeticError, evaluateArithmetic} from './arithmetic.js'
import {trimPattern} from './parameter.js'
import {type ShellEffect, ShellExit} from './process-context.js'
import type {CommandList, Word, WordPart} from './syntax-tree.js'

/** What expansion reads and changes of the process it runs in. */
export interface ExpansionScope {
  readonly variables: Map<string, string>
  /** The last command's exit status (`$?`). */
  readonly status: number
  error(text: string): void
  /** `$(…)` and backquotes: the script's output, its trailing newlines removed. */
  substitute(script: CommandList): Generator<ShellEffect, string, unknown>
}

export class WordExpansion {
  constructor(private readonly scope: ExpansionScope) {}

  /** The fields a word expands to (unquoted expansions are split on blanks, as IFS does). */
  *expand(word: Word, split = true): Generator<ShellEffect, string[], unknown> {
    const fields: string[] = []
    let current = ''
    let started = false
    const addSplit = (value: string) => {
      const pieces = value.split(/[ \t\n]+/)
      pieces.forEach((piece, index) => {
        if (index > 0 && (started || current.length > 0)) {
          fields.push(current)
          current = ''
          started = false
        }
        if (piece.length > 0) {
          current += piece
          started = true
        }
      })
    }
    for (const part of word) {
      let value: string
      if (part.kind === 'text') value = part.text
      else if (part.kind === 'variable') value = this.variable(part.name)
      else if (part.kind === 'parameter') value = yield* this.parameter(part)
      else if (part.kind === 'arithmetic') value = this.arithmetic(part.expression)
      else value = yield* this.scope.substitute(part.script)
      if (part.kind === 'text' || part.quoted || !split) {
        current += value
        started = started || part.quoted || value.length > 0
      } else addSplit(value)
    }
    if (started || current.length > 0) fields.push(current)
    return fields
  }

  /** `${NAME op word}`: the word is expanded only when the operator uses it, as sh does. */
  private *parameter(part: Extract<WordPart, {kind: 'parameter'}>): Generator<ShellEffect, string, unknown> {
    const set = part.name === '?' || part.name === '$' || part.name === '#' || part.name === '0' || this.scope.variables.has(part.name)
    const value = this.variable(part.name)
    if (part.operator === 'length') return String([...value].length)
    const argument = () => this.expand(part.argument, false)
    const missing = part.operator.startsWith(':') ? value === '' : !set
    switch (part.operator) {
      case ':-':
      case '-':
        return missing ? (yield* argument()).join('') : value
      case ':=':
      case '=':
        if (!missing) return value
        this.scope.variables.set(part.name, (yield* argument()).join(''))
        return this.variable(part.name)
      case ':+':
      case '+':
        return missing ? '' : (yield* argument()).join('')
      case ':?':
      case '?': {
        if (!missing) return value
        const message = (yield* argument()).join('')
        this.scope.error(`sh: ${part.name}: ${message || (part.operator === ':?' ? 'parameter not set or null' : 'parameter not set')}\n`)
        throw new ShellExit(2)
      }
      default:
        return trimPattern(value, part.operator, (yield* argument()).join(''))
    }
  }

  /** `$((…))`; ash's error ends the script with status 2. */
  private arithmetic(expression: string): string {
    try {
      return String(evaluateArithmetic(expression, {get: (name) => this.variable(name), set: (name, value) => this.scope.variables.set(name, value)}))
    } catch (error) {
      if (!(error instanceof ArithmeticError)) throw error
      this.scope.error(`sh: ${error.message}\n`)
      throw new ShellExit(2)
    }
  }

  variable(name: string): string {
    if (name === '?') return String(this.scope.status)
    if (name === '$') return '1'
    if (name === '#') return '0'
    if (name === '0') return 'sh'
    return this.scope.variables.get(name) ?? ''
  }
}

// The simulated shell's grammar: a POSIX sh subset (simple commands with quoting, `$VAR`,
// `${VAR}`, `$(command)` and `\`command\`` substitutions, redirections; `;`, `&&`, `||`, `!`, `|`; if/elif/else/fi,
// while/until … do … done, for NAME in …; `{ …; }`; here-documents), parsed into a tree the interpreter walks
// (the words and operators come from lexer.ts).
// Pure; bounded in the script's length and nesting.
import {Lexer, type Token} from './lexer.js'
import {type AndOr, type Command, type CommandList, type Pipeline, type Redirect, ShellSyntaxError, type Word} from './syntax-tree.js'

/** Longest script the shell reads, in characters. */
export const scriptCharactersMax = 100_000
/** Deepest nesting of compound commands and command substitutions. */
export const nestingDepthMax = 64

export type {AndOr, Command, CommandList, Pipeline, Redirect, Word, WordPart} from './syntax-tree.js'
export {ShellSyntaxError} from './syntax-tree.js'


const reserved = new Set(['if', 'then', 'elif', 'else', 'fi', 'while', 'until', 'do', 'done', 'for', 'in', '{', '}', '!'])

class Parser {
  private index = 0
  constructor(private readonly tokens: Token[], private readonly depth: number) {}

  private peek(): Token | undefined {
    return this.tokens[this.index]
  }

  private isOperator(text: string): boolean {
    const token = this.peek()
    return token?.kind === 'operator' && token.text === text
  }

  private isReserved(text: string): boolean {
    const token = this.peek()
    return token?.kind === 'word' && token.plain === text
  }

  private expectReserved(text: string): void {
    if (!this.isReserved(text)) throw new ShellSyntaxError(`syntax error: unexpected ${this.describe()} (expecting "${text}")`)
    this.index++
  }

  private describe(): string {
    const token = this.peek()
    if (!token) return 'end of file'
    if (token.kind === 'operator') return token.text === '\n' ? 'newline' : `"${token.text}"`
    return `"${token.plain ?? 'word'}"`
  }

  private skipSeparators(): void {
    while (this.isOperator('\n') || this.isOperator(';')) this.index++
  }

  /** Commands up to one of the `stops` reserved words (or the end). */
  list(stops: readonly string[]): CommandList {
    if (this.depth > nestingDepthMax) throw new ShellSyntaxError(`commands nested deeper than ${nestingDepthMax}`)
    const items: AndOr[] = []
    this.skipSeparators()
    while (this.peek() && !stops.some((stop) => this.isReserved(stop)) && !this.isOperator(')')) {
      items.push(this.andOr())
      if (this.isOperator('&')) this.index++ // no job control: a background command runs in line
      else if (this.peek() && !this.isOperator(';') && !this.isOperator('\n') && !stops.some((stop) => this.isReserved(stop))) throw new ShellSyntaxError(`syntax error: unexpected ${this.describe()}`)
      this.skipSeparators()
    }
    return items
  }

  private andOr(): AndOr {
    const first = this.pipeline()
    const rest: Array<{operator: '&&' | '||'; pipeline: Pipeline}> = []
    while (this.isOperator('&&') || this.isOperator('||')) {
      const operator = (this.tokens[this.index++] as {text: '&&' | '||'}).text
      while (this.isOperator('\n')) this.index++
      rest.push({operator, pipeline: this.pipeline()})
    }
    return {first, rest}
  }

  private pipeline(): Pipeline {
    let negated = false
    if (this.isReserved('!')) {
      negated = true
      this.index++
    }
    const commands = [this.command()]
    while (this.isOperator('|')) {
      this.index++
      commands.push(this.command())
    }
    return {negated, commands}
  }

  private nested(stops: readonly string[]): CommandList {
    return new Parser(this.tokens, this.depth + 1).adopt(this, stops)
  }

  /** Parses a nested list on the same tokens, then hands the position back. */
  adopt(parent: Parser, stops: readonly string[]): CommandList {
    this.index = parent.index
    const result = this.list(stops)
    parent.index = this.index
    return result
  }

  private command(): Command {
    if (this.isReserved('if')) {
      this.index++
      const branches: Array<{condition: CommandList; body: CommandList}> = []
      let otherwise: CommandList | null = null
      for (;;) {
        const condition = this.nested(['then'])
        this.expectReserved('then')
        const body = this.nested(['elif', 'else', 'fi'])
        branches.push({condition, body})
        if (this.isReserved('elif')) {
          this.index++
          continue
        }
        if (this.isReserved('else')) {
          this.index++
          otherwise = this.nested(['fi'])
        }
        this.expectReserved('fi')
        return {kind: 'if', branches, otherwise}
      }
    }
    if (this.isReserved('while') || this.isReserved('until')) {
      const until = this.isReserved('until')
      this.index++
      const condition = this.nested(['do'])
      this.expectReserved('do')
      const body = this.nested(['done'])
      this.expectReserved('done')
      return {kind: 'loop', until, condition, body}
    }
    if (this.isReserved('for')) {
      this.index++
      const name = this.peek()
      if (name?.kind !== 'word' || !name.plain || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.plain)) throw new ShellSyntaxError(`syntax error: bad for loop variable`)
      this.index++
      const items: Word[] = []
      if (this.isReserved('in')) {
        this.index++
        while (this.peek()?.kind === 'word' && !this.isReserved('do')) items.push((this.tokens[this.index++] as {word: Word}).word)
      }
      this.skipSeparators()
      this.expectReserved('do')
      const body = this.nested(['done'])
      this.expectReserved('done')
      return {kind: 'for', name: name.plain, items, body}
    }
    if (this.isReserved('{')) {
      this.index++
      const body = this.nested(['}'])
      this.expectReserved('}')
      return {kind: 'group', body}
    }
    if (this.isOperator('(')) {
      this.index++
      const body = this.nested([])
      if (!this.isOperator(')')) throw new ShellSyntaxError(`syntax error: unexpected ${this.describe()} (expecting ")")`)
      this.index++
      return {kind: 'group', body}
    }
    return this.simple()
  }

  private simple(): Command {
    const assignments: Array<{name: string; value: Word}> = []
    const words: Word[] = []
    const redirects: Redirect[] = []
    for (;;) {
      const token = this.peek()
      if (!token) break
      if (token.kind === 'operator') {
        if (token.text !== '>' && token.text !== '>>' && token.text !== '>&' && token.text !== '<' && token.text !== '<<') break
        this.index++
        if (token.hereDocument) {
          redirects.push({descriptor: 0, operator: '<<', target: token.hereDocument.body})
          continue
        }
        const target = this.peek()
        if (target?.kind !== 'word') throw new ShellSyntaxError(`syntax error: unexpected ${this.describe()}`)
        this.index++
        // `2>x`: the descriptor is the word just before, written without a space.
        let descriptor: 1 | 2 = 1
        const previous = words[words.length - 1]
        const previousText = previous?.length === 1 && previous[0]!.kind === 'text' && !previous[0]!.quoted ? previous[0]!.text : null
        if ((previousText === '1' || previousText === '2') && token.spaced !== true) {
          words.pop()
          descriptor = previousText === '2' ? 2 : 1
        }
        redirects.push({descriptor: token.text === '<' ? 0 : descriptor, operator: token.text as Redirect['operator'], target: target.word})
        continue
      }
      if (words.length === 0 && token.plain !== null && reserved.has(token.plain) && token.plain !== '{' && token.plain !== '}' && token.plain !== '!') break
      if (words.length === 0 && words.length === 0 && token.word.length > 0) {
        const first = token.word[0]!
        const match = first.kind === 'text' && !first.quoted ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text) : null
        if (match) {
          this.index++
          const rest = first.kind === 'text' ? first.text.slice(match[0].length) : ''
          assignments.push({name: match[1]!, value: [...(rest ? [{kind: 'text' as const, text: rest, quoted: false}] : []), ...token.word.slice(1)]})
          continue
        }
      }
      this.index++
      words.push(token.word)
    }
    if (words.length === 0 && assignments.length === 0 && redirects.length === 0) throw new ShellSyntaxError(`syntax error: unexpected ${this.describe()}`)
    return {kind: 'simple', assignments, words, redirects}
  }

  done(): boolean {
    return this.index >= this.tokens.length
  }

  rest(): string {
    return this.describe()
  }
}

/** Parses a script (`sh -c` text or a command line). */
export function parseScript(text: string, depth = 0): CommandList {
  if (text.length > scriptCharactersMax) throw new ShellSyntaxError(`script longer than ${scriptCharactersMax} characters`)
  if (depth > nestingDepthMax) throw new ShellSyntaxError(`commands nested deeper than ${nestingDepthMax}`)
  const parser = new Parser(new Lexer(text, depth, parseScript).tokens(), depth)
  const list = parser.list([])
  if (!parser.done()) throw new ShellSyntaxError(`syntax error: unexpected ${parser.rest()}`)
  return list
}

/** A command given as argv (a container's command and args, an exec): one simple command of literal words. */
export function commandOfArgv(argv: readonly string[]): CommandList {
  const words = argv.map((argument): Word => [{kind: 'text', text: argument, quoted: true}])
  return [{first: {negated: false, commands: [{kind: 'simple', assignments: [], words, redirects: []}]}, rest: []}]
}

// The simulated shell's lexer: words with their quoting and expansions (`$VAR`, `${…}` with its
// operators, `$((…))`, `$(…)`, backquotes), operators, and here-documents (`<<WORD`, `<<'WORD'`,
// `<<-WORD`), whose bodies are read after the end of their command's line. Pure.
import {BadSubstitutionError, parseBraced} from './parameter.js'
import {type CommandList, ShellSyntaxError, type Word, type WordPart} from './syntax-tree.js'

/** Parses a command substitution's script (syntax.ts's parser, handed in: the lexer and the parser recurse into each other). */
export type NestedParser = (text: string, depth: number) => CommandList

/** A here-document waiting for its body (the lines after the end of its command's line). */
export interface PendingHereDocument {
  readonly delimiter: string
  readonly stripTabs: boolean
  readonly quoted: boolean
  body: Word
}

export type Token =
  | {kind: 'word'; word: Word; plain: string | null}
  /** `spaced`: blanks came before it, so a number before it is a word, not its descriptor (`echo 1 > f` writes 1). */
  | {kind: 'operator'; text: string; hereDocument?: PendingHereDocument; spaced?: boolean}

const operators = ['&&', '||', '>>', '>&', ';;', ';', '|', '&', '>', '<<-', '<<', '<', '\n', '(', ')']

function isNameStart(character: string): boolean {
  return /[A-Za-z_]/.test(character)
}

export class Lexer {
  private position = 0
  constructor(
    private readonly text: string,
    private readonly depth: number,
    private readonly parseNested: NestedParser,
    /** The characters that end a word (none for a `${NAME:-word}` argument, which runs to its end). */
    private readonly wordEnds = ' \t\n;&|<>()',
  ) {}

  tokens(): Token[] {
    const tokens: Token[] = []
    for (;;) {
      const token = this.next()
      if (token === null) return tokens
      tokens.push(token)
    }
  }

  private next(): Token | null {
    const text = this.text
    const blanksFrom = this.position
    while (this.position < text.length && (text[this.position] === ' ' || text[this.position] === '\t' || (text[this.position] === '\\' && text[this.position + 1] === '\n'))) {
      this.position += text[this.position] === '\\' ? 2 : 1
    }
    if (text[this.position] === '#') while (this.position < text.length && text[this.position] !== '\n') this.position++
    if (this.position >= text.length) return null
    for (const operator of operators) {
      if (text.startsWith(operator, this.position)) {
        // `2>` and `2>>`: a descriptor number written against the operator belongs to the redirection (the parser joins them).
        this.position += operator.length
        if (operator === '\n') this.readHereDocuments()
        if (operator === '<<' || operator === '<<-') return this.hereDocument(operator === '<<-')
        return {kind: 'operator', text: operator, ...(this.position - operator.length > blanksFrom ? {spaced: true} : {})}
      }
    }
    return this.word()
  }

  private readonly pendingHereDocuments: PendingHereDocument[] = []

  /** `<<WORD`: the delimiter (quoted: the body is taken literally); the body comes after the line ends. */
  private hereDocument(stripTabs: boolean): Token {
    while (this.text[this.position] === ' ' || this.text[this.position] === '\t') this.position++
    const start = this.position
    const delimiterToken = this.word()
    const raw = this.text.slice(start, this.position)
    if (delimiterToken.kind !== 'word' || raw === '') throw new ShellSyntaxError('syntax error: unexpected newline')
    const delimiter = delimiterToken.word.map((part) => (part.kind === 'text' ? part.text : '')).join('')
    const pending: PendingHereDocument = {delimiter, stripTabs, quoted: /['"\\]/.test(raw), body: []}
    this.pendingHereDocuments.push(pending)
    return {kind: 'operator', text: '<<', hereDocument: pending}
  }

  /** After a newline: the bodies of the line's here-documents, each up to its delimiter line. */
  private readHereDocuments(): void {
    for (const pending of this.pendingHereDocuments.splice(0)) {
      let body = ''
      for (;;) {
        if (this.position >= this.text.length) break
        const end = this.text.indexOf('\n', this.position)
        const rawLine = this.text.slice(this.position, end < 0 ? this.text.length : end)
        this.position = end < 0 ? this.text.length : end + 1
        const line = pending.stripTabs ? rawLine.replace(/^\t+/, '') : rawLine
        if (line === pending.delimiter) break
        body += `${line}\n`
      }
      pending.body = pending.quoted ? [{kind: 'text', text: body, quoted: true}] : new Lexer(body, this.depth + 1, this.parseNested, '').expandingText()
    }
  }

  /** An unquoted here-document's body: `$…` and backquotes expand, a backslash escapes `$`, `\``, `\\`; quotes are text. */
  expandingText(): Word {
    const parts: WordPart[] = []
    const pushText = (value: string) => {
      const last = parts[parts.length - 1]
      if (last && last.kind === 'text') parts[parts.length - 1] = {kind: 'text', text: last.text + value, quoted: true}
      else parts.push({kind: 'text', text: value, quoted: true})
    }
    while (this.position < this.text.length) {
      const character = this.text[this.position]!
      if (character === '\\' && '$`\\\n'.includes(this.text[this.position + 1] ?? '')) {
        if (this.text[this.position + 1] !== '\n') pushText(this.text[this.position + 1]!)
        this.position += 2
      } else if (character === '`') parts.push(this.backquote(true))
      else if (character === '$') {
        const expansion = this.dollar(true)
        if (expansion) parts.push(expansion)
        else pushText('$')
      } else {
        pushText(character)
        this.position++
      }
    }
    return parts
  }

  word(): Token {
    const text = this.text
    const parts: WordPart[] = []
    let plain = ''
    let allPlain = true
    const pushText = (value: string, quoted: boolean) => {
      const last = parts[parts.length - 1]
      if (last && last.kind === 'text' && last.quoted === quoted) parts[parts.length - 1] = {kind: 'text', text: last.text + value, quoted}
      else parts.push({kind: 'text', text: value, quoted})
    }
    while (this.position < text.length) {
      const character = text[this.position]!
      if (this.wordEnds.includes(character)) break
      if (character === '\\') {
        allPlain = false
        pushText(text[this.position + 1] ?? '', true)
        this.position += 2
      } else if (character === "'") {
        allPlain = false
        const end = text.indexOf("'", this.position + 1)
        if (end < 0) throw new ShellSyntaxError('unterminated quoted string')
        pushText(text.slice(this.position + 1, end), true)
        this.position = end + 1
      } else if (character === '"') {
        allPlain = false
        this.position++
        pushText('', true)
        while (text[this.position] !== '"') {
          if (this.position >= text.length) throw new ShellSyntaxError('unterminated quoted string')
          const inner = text[this.position]!
          if (inner === '\\' && '$`"\\\n'.includes(text[this.position + 1] ?? '')) {
            pushText(text[this.position + 1]!, true)
            this.position += 2
          } else if (inner === '`') {
            parts.push(this.backquote(true))
          } else if (inner === '$') {
            const expansion = this.dollar(true)
            if (expansion) parts.push(expansion)
            else pushText('$', true)
          } else {
            pushText(inner, true)
            this.position++
          }
        }
        this.position++
      } else if (character === '`') {
        allPlain = false
        parts.push(this.backquote(false))
      } else if (character === '$') {
        const expansion = this.dollar(false)
        if (expansion) {
          allPlain = false
          parts.push(expansion)
        } else {
          plain += '$'
          pushText('$', false)
        }
      } else {
        plain += character
        pushText(character, false)
        this.position++
      }
    }
    return {kind: 'word', word: parts, plain: allPlain ? plain : null}
  }

  /**
   * `\`…\``, the old form of `$(…)`: up to the next unescaped backquote, where a backslash before
   * `$`, `` ` `` or `\` (and `"` inside double quotes) is taken off before the text is parsed, as sh
   * does; so a nested substitution is written `\`…\\\`…\\\`…\``.
   */
  private backquote(quoted: boolean): WordPart {
    const text = this.text
    let inner = ''
    for (this.position++; ; ) {
      if (this.position >= text.length) throw new ShellSyntaxError('syntax error: EOF in backquote substitution')
      const character = text[this.position]!
      if (character === '`') break
      const next = text[this.position + 1] ?? ''
      if (character === '\\' && ('$`\\'.includes(next) || (quoted && next === '"')) && next !== '') {
        inner += next
        this.position += 2
      } else {
        inner += character
        this.position++
      }
    }
    this.position++
    return {kind: 'substitution', script: this.parseNested(inner, this.depth + 1), quoted}
  }

  /** `$NAME`, `${NAME}`, `$?`, `$(…)` at the position; null when the `$` is literal (it is consumed then). */
  private dollar(quoted: boolean): WordPart | null {
    const text = this.text
    this.position++
    const next = text[this.position] ?? ''
    if (next === '{') {
      let depth = 0
      let end = this.position
      for (; end < text.length; end++) {
        if (text[end] === '\\') end++
        else if (text[end] === '{') depth++
        else if (text[end] === '}' && --depth === 0) break
      }
      if (end >= text.length) throw new ShellSyntaxError('missing }')
      const inner = text.slice(this.position + 1, end)
      this.position = end + 1
      let braced
      try {
        braced = parseBraced(inner)
      } catch (error) {
        if (error instanceof BadSubstitutionError) throw new ShellSyntaxError(error.message)
        throw error
      }
      if (braced.operator === null) return {kind: 'variable', name: braced.name, quoted}
      const argument = braced.argument === '' ? [] : (new Lexer(braced.argument, this.depth + 1, this.parseNested, '').word() as {word: Word}).word
      return {kind: 'parameter', name: braced.name, operator: braced.operator, argument, quoted}
    }
    if (text.startsWith('((', this.position)) {
      let depth = 0
      let end = this.position
      for (; end < text.length; end++) {
        if (text[end] === '(') depth++
        else if (text[end] === ')' && --depth === 0) break
      }
      if (end >= text.length || text[end - 1] !== ')') throw new ShellSyntaxError("unterminated arithmetic expansion, expecting '))'")
      const expression = text.slice(this.position + 2, end - 1)
      this.position = end + 1
      return {kind: 'arithmetic', expression, quoted}
    }
    if (next === '(') {
      let depth = 1
      let end = this.position + 1
      for (; end < text.length && depth > 0; end++) {
        if (text[end] === '(') depth++
        else if (text[end] === ')') depth--
      }
      if (depth > 0) throw new ShellSyntaxError("unterminated command substitution, expecting ')'")
      const inner = text.slice(this.position + 1, end - 1)
      this.position = end
      return {kind: 'substitution', script: this.parseNested(inner, this.depth + 1), quoted}
    }
    if ('?$#'.includes(next) && next !== '' || /[0-9]/.test(next)) {
      this.position++
      return {kind: 'variable', name: next, quoted}
    }
    if (isNameStart(next)) {
      let end = this.position
      while (end < text.length && /[A-Za-z0-9_]/.test(text[end]!)) end++
      const name = text.slice(this.position, end)
      this.position = end
      return {kind: 'variable', name, quoted}
    }
    return null
  }
}

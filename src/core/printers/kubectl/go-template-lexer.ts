// The lexer of Go's text/template as kubectl's go-template uses it: text and actions, `{{- -}}`
// trimming, comments, and the tokens inside an action with their byte positions.
export type TokenType = 'text' | 'left' | 'right' | 'space' | 'field' | 'variable' | 'identifier' | 'keyword' | 'string' | 'raw' | 'char' | 'number' | 'bool' | 'nil' | 'dot' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'eof'
export interface Token {
  readonly type: TokenType
  readonly value: string
  readonly pos: number
}

/** A template has at most this many tokens. */
export const templateTokensMax = 100_000

const keywords = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with'])
const spaceCharacters = ' \t\r\n'
const alphanumeric = /[\p{L}\p{N}_]/u

export function lex(source: string, fail: (pos: number, message: string) => never): Token[] {
  const tokens: Token[] = []
  const push = (type: TokenType, value: string, pos: number) => {
    if (tokens.length >= templateTokensMax) fail(pos, 'template too long')
    tokens.push({type, value, pos})
  }
  let position = 0
  while (position < source.length) {
    const open = source.indexOf('{{', position)
    let text = source.slice(position, open < 0 ? source.length : open)
    if (open < 0) {
      if (text.length > 0) push('text', text, position)
      break
    }
    let cursor = open + 2
    const trimLeft = source[cursor] === '-' && spaceCharacters.includes(source[cursor + 1] ?? '')
    if (trimLeft) {
      text = text.replace(/[ \t\r\n]+$/, '')
      cursor += 2
    }
    if (text.length > 0) push('text', text, position)
    // A comment fills the whole action.
    if (source.startsWith('/*', cursor)) {
      const end = source.indexOf('*/', cursor + 2)
      if (end < 0) fail(open, 'unclosed comment')
      let close = end + 2
      let trimRight = false
      if (source.startsWith(' -}}', close)) {
        trimRight = true
        close += 4
      } else if (source.startsWith('}}', close)) close += 2
      else fail(open, 'comment ends before closing delimiter')
      position = close
      if (trimRight) while (position < source.length && spaceCharacters.includes(source[position]!)) position++
      continue
    }
    push('left', '{{', open)
    let depth = 0
    for (;;) {
      if (cursor >= source.length) fail(open, 'unclosed action')
      const character = source[cursor]!
      if (spaceCharacters.includes(character)) {
        if (source.startsWith('-}}', cursor + 1) && depth === 0) {
          push('right', '}}', cursor + 1)
          cursor += 4
          while (cursor < source.length && spaceCharacters.includes(source[cursor]!)) cursor++
          break
        }
        // A run of spaces; the last one stays for a ` -}}` trim marker after it.
        const start = cursor
        while (cursor < source.length && spaceCharacters.includes(source[cursor]!) && !source.startsWith('-}}', cursor + 1)) cursor++
        push('space', source.slice(start, cursor), start)
        continue
      }
      if (source.startsWith('}}', cursor)) {
        if (depth > 0) fail(cursor, 'unclosed left paren')
        push('right', '}}', cursor)
        cursor += 2
        break
      }
      if (character === '=') {
        push('assign', '=', cursor++)
      } else if (character === ':') {
        if (source[cursor + 1] !== '=') fail(cursor, 'expected :=')
        push('declare', ':=', cursor)
        cursor += 2
      } else if (character === '|') {
        push('pipe', '|', cursor++)
      } else if (character === ',') {
        push('comma', ',', cursor++)
      } else if (character === '(') {
        depth++
        push('lparen', '(', cursor++)
      } else if (character === ')') {
        depth--
        if (depth < 0) fail(cursor, 'unexpected right paren')
        push('rparen', ')', cursor++)
      } else if (character === '"') {
        let end = cursor + 1
        for (; end < source.length && source[end] !== '"'; end++) {
          if (source[end] === '\\') end++
          if (source[end] === '\n' || end >= source.length) fail(cursor, 'unterminated quoted string')
        }
        if (end >= source.length) fail(cursor, 'unterminated quoted string')
        push('string', source.slice(cursor, end + 1), cursor)
        cursor = end + 1
      } else if (character === '`') {
        const end = source.indexOf('`', cursor + 1)
        if (end < 0) fail(cursor, 'unterminated raw quoted string')
        push('raw', source.slice(cursor, end + 1), cursor)
        cursor = end + 1
      } else if (character === "'") {
        let end = cursor + 1
        for (; end < source.length && source[end] !== "'"; end++) if (source[end] === '\\') end++
        if (end >= source.length) fail(cursor, 'unterminated character constant')
        push('char', source.slice(cursor, end + 1), cursor)
        cursor = end + 1
      } else if (character === '$' || (character === '.' && alphanumeric.test(source[cursor + 1] ?? '') && !/[0-9]/.test(source[cursor + 1] ?? ''))) {
        let end = cursor + 1
        while (end < source.length && alphanumeric.test(source[end]!)) end++
        push(character === '$' ? 'variable' : 'field', source.slice(cursor, end), cursor)
        cursor = end
      } else if (character === '.' && !/[0-9]/.test(source[cursor + 1] ?? '')) {
        push('dot', '.', cursor++)
      } else if (/[0-9+\-.]/.test(character)) {
        const match = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?)/.exec(source.slice(cursor))
        let end = cursor + (match?.[0].length ?? 0)
        while (end < source.length && alphanumeric.test(source[end]!)) end++
        push('number', source.slice(cursor, end), cursor)
        cursor = Math.max(end, cursor + 1)
      } else if (alphanumeric.test(character)) {
        let end = cursor
        while (end < source.length && alphanumeric.test(source[end]!)) end++
        const word = source.slice(cursor, end)
        push(keywords.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'identifier', word, cursor)
        cursor = end
      } else {
        fail(cursor, `unrecognized character in action: ${JSON.stringify(character)}`)
      }
    }
    position = cursor
  }
  push('eof', '', source.length)
  return tokens
}

export function numberValue(text: string): {value: number; float: boolean} | null {
  const cleaned = text.replace(/_/g, '')
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(cleaned)) return {value: (cleaned.startsWith('-') ? -1 : 1) * parseInt(cleaned.replace(/^[+-]?0[xX]/, ''), 16), float: false}
  if (/^[+-]?0[oO][0-7]+$/.test(cleaned)) return {value: (cleaned.startsWith('-') ? -1 : 1) * parseInt(cleaned.replace(/^[+-]?0[oO]/, ''), 8), float: false}
  if (/^[+-]?0[bB][01]+$/.test(cleaned)) return {value: (cleaned.startsWith('-') ? -1 : 1) * parseInt(cleaned.replace(/^[+-]?0[bB]/, ''), 2), float: false}
  if (/^[+-]?0[0-7]+$/.test(cleaned)) return {value: (cleaned.startsWith('-') ? -1 : 1) * parseInt(cleaned.replace(/^[+-]?0/, ''), 8), float: false}
  if (/^[+-]?[0-9]+$/.test(cleaned)) return {value: Number(cleaned), float: false}
  if (/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(cleaned)) {
    const value = Number(cleaned)
    // text/template makes a float only of a constant written as one.
    return {value, float: !Number.isInteger(value) || /[.eE]/.test(cleaned)}
  }
  return null
}

export function unquote(quoted: string): string {
  if (quoted.startsWith('`')) return quoted.slice(1, -1)
  const body = quoted.slice(1, -1)
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, escape: string) => {
    const simple: Record<string, string> = {n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'"}
    if (escape in simple) return simple[escape]!
    if (/^[xuU]/.test(escape)) return String.fromCodePoint(parseInt(escape.slice(1), 16))
    if (/^[0-7]{3}$/.test(escape)) return String.fromCharCode(parseInt(escape, 8))
    return escape
  })
}


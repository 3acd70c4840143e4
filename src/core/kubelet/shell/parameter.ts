// Parameter expansion beyond `${NAME}`, as POSIX sh (busybox ash) has it: `${#NAME}`, the
// defaults `${NAME:-word}` `${NAME:=word}` `${NAME:+word}` `${NAME:?word}` (and their forms
// without the colon, which test only for unset), and the pattern trims `${NAME#pat}`
// `${NAME##pat}` `${NAME%pat}` `${NAME%%pat}` with sh's glob patterns. Pure.

export type ParameterOperator = 'length' | ':-' | '-' | ':=' | '=' | ':+' | '+' | ':?' | '?' | '#' | '##' | '%' | '%%'

export interface BracedParameter {
  readonly name: string
  readonly operator: ParameterOperator | null
  /** The text after the operator, parsed as a word by the caller. */
  readonly argument: string
}

export class BadSubstitutionError extends Error {}

const namePattern = /^([A-Za-z_][A-Za-z0-9_]*|[?$#@*0-9])/

/** What `${…}` holds: the name, the operator and its argument's text; ash's "bad substitution" otherwise. */
export function parseBraced(inner: string): BracedParameter {
  if (inner.startsWith('#') && inner.length > 1 && namePattern.test(inner.slice(1)) && namePattern.exec(inner.slice(1))![0].length === inner.length - 1) {
    return {name: inner.slice(1), operator: 'length', argument: ''}
  }
  const match = namePattern.exec(inner)
  if (!match) throw new BadSubstitutionError(`\${${inner}}: bad substitution`)
  const name = match[1]!
  const rest = inner.slice(name.length)
  if (rest === '') return {name, operator: null, argument: ''}
  const operator = (['##', '%%', ':-', ':=', ':+', ':?', '-', '=', '+', '?', '#', '%'] as const).find((candidate) => rest.startsWith(candidate))
  if (!operator) throw new BadSubstitutionError(`\${${inner}}: bad substitution`)
  return {name, operator, argument: rest.slice(operator.length)}
}

/** An sh glob pattern (`*`, `?`, `[…]`, backslash escapes) as a regular expression body. */
export function globToRegExp(pattern: string): string {
  let body = ''
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]!
    if (character === '*') body += '[^]*'
    else if (character === '?') body += '[^]'
    else if (character === '[') {
      const end = pattern.indexOf(']', index + 2)
      if (end < 0) body += '\\['
      else {
        const set = pattern.slice(index + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')
        body += `[${set}]`
        index = end
      }
    } else if (character === '\\' && index + 1 < pattern.length) body += pattern[++index]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    else body += character.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  }
  return body
}

/** `${NAME#pat}` and its kin: the value with the shortest or longest matching prefix or suffix taken off. */
export function trimPattern(value: string, operator: '#' | '##' | '%' | '%%', pattern: string): string {
  let matcher: RegExp
  try {
    matcher = new RegExp(`^(?:${globToRegExp(pattern)})$`)
  } catch {
    return value
  }
  const lengths = Array.from({length: value.length + 1}, (_unused, index) => index)
  const order = operator === '#' || operator === '%' ? lengths : lengths.reverse()
  for (const length of order) {
    if (operator.startsWith('#') && matcher.test(value.slice(0, length))) return value.slice(length)
    if (operator.startsWith('%') && matcher.test(value.slice(value.length - length))) return value.slice(0, value.length - length)
  }
  return value
}

// `$((…))` as busybox ash evaluates it: 64-bit integers (here: safe JavaScript integers), C's
// operators and precedence, variables by name (unset or empty is 0), assignments (= += -= *= /=
// %= <<= >>= &= ^= |=) and ++/--. Errors carry ash's wording ("arithmetic syntax error",
// "divide by zero"). Pure but for the variables it reads and sets; bounded in length and depth.

/** Longest expression evaluated, in characters. */
export const arithmeticCharactersMax = 10_000
/** Deepest nesting of parentheses and operators. */
export const arithmeticDepthMax = 200

export class ArithmeticError extends Error {}

type Token = {kind: 'number'; value: number} | {kind: 'name'; name: string} | {kind: 'operator'; text: string}

const operatorTexts = ['<<=', '>>=', '**', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '&=', '^=', '|=', '+', '-', '*', '/', '%', '<', '>', '=', '!', '~', '&', '^', '|', '?', ':', '(', ')', ',']

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let position = 0
  while (position < text.length) {
    const character = text[position]!
    if (/\s/.test(character)) {
      position++
      continue
    }
    const number = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(text.slice(position))
    if (number) {
      const literal = number[1]!
      if (/^0[0-7]+$/.test(literal)) tokens.push({kind: 'number', value: parseInt(literal, 8)})
      else if (/^0[0-9]+$/.test(literal)) throw new ArithmeticError('arithmetic syntax error')
      else tokens.push({kind: 'number', value: Number(literal)})
      position += literal.length
      continue
    }
    const name = /^\$?([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(position))
    if (name) {
      tokens.push({kind: 'name', name: name[1]!})
      position += name[0].length
      continue
    }
    const operator = operatorTexts.find((candidate) => text.startsWith(candidate, position))
    if (!operator) throw new ArithmeticError('arithmetic syntax error')
    tokens.push({kind: 'operator', text: operator})
    position += operator.length
  }
  return tokens
}

const binaryPrecedence: Readonly<Record<string, number>> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10, '**': 11,
}

function applyBinary(operator: string, left: number, right: number): number {
  switch (operator) {
    case '||': return left !== 0 || right !== 0 ? 1 : 0
    case '&&': return left !== 0 && right !== 0 ? 1 : 0
    case '|': return left | right
    case '^': return left ^ right
    case '&': return left & right
    case '==': return left === right ? 1 : 0
    case '!=': return left !== right ? 1 : 0
    case '<': return left < right ? 1 : 0
    case '>': return left > right ? 1 : 0
    case '<=': return left <= right ? 1 : 0
    case '>=': return left >= right ? 1 : 0
    case '<<': return left << right
    case '>>': return left >> right
    case '+': return left + right
    case '-': return left - right
    case '*': return left * right
    case '/':
    case '%':
      if (right === 0) throw new ArithmeticError('divide by zero')
      return operator === '/' ? Math.trunc(left / right) : left % right
    case '**':
      if (right < 0) throw new ArithmeticError('exponent less than 0')
      return left ** right
    default: throw new ArithmeticError('arithmetic syntax error')
  }
}

/** The variables an expression reads and assigns. */
export interface ArithmeticVariables {
  get(name: string): string | undefined
  set(name: string, value: string): void
}

class Evaluator {
  private index = 0
  private depth = 0
  constructor(private readonly tokens: Token[], private readonly variables: ArithmeticVariables) {}

  private peekOperator(): string | null {
    const token = this.tokens[this.index]
    return token?.kind === 'operator' ? token.text : null
  }

  private valueOf(name: string): number {
    const text = (this.variables.get(name) ?? '').trim()
    if (text === '') return 0
    if (!/^-?(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text)) return new Evaluator(tokenize(text), this.variables).evaluate()
    return Number(text.replace(/^(-?)0([0-7]+)$/, (_all, sign: string, octal: string) => String((sign ? -1 : 1) * parseInt(octal, 8))))
  }

  evaluate(): number {
    const value = this.comma()
    if (this.index < this.tokens.length) throw new ArithmeticError('arithmetic syntax error')
    return value
  }

  private comma(): number {
    let value = this.assignment()
    while (this.peekOperator() === ',') {
      this.index++
      value = this.assignment()
    }
    return value
  }

  private assignment(): number {
    if (++this.depth > arithmeticDepthMax) throw new ArithmeticError('expression nested too deeply')
    try {
      const token = this.tokens[this.index]
      const next = this.tokens[this.index + 1]
      if (token?.kind === 'name' && next?.kind === 'operator' && /^(=|[-+*/%&^|]=|<<=|>>=)$/.test(next.text)) {
        this.index += 2
        const right = this.assignment()
        const value = next.text === '=' ? right : applyBinary(next.text.slice(0, -1), this.valueOf(token.name), right)
        this.variables.set(token.name, String(value))
        return value
      }
      return this.conditional()
    } finally {
      this.depth--
    }
  }

  private conditional(): number {
    const condition = this.binary(1)
    if (this.peekOperator() !== '?') return condition
    this.index++
    const whenTrue = this.assignment()
    if (this.peekOperator() !== ':') throw new ArithmeticError('arithmetic syntax error')
    this.index++
    const whenFalse = this.assignment()
    return condition !== 0 ? whenTrue : whenFalse
  }

  private binary(minimum: number): number {
    let left = this.unary()
    for (;;) {
      const operator = this.peekOperator()
      const precedence = operator ? binaryPrecedence[operator] : undefined
      if (precedence === undefined || precedence < minimum) return left
      this.index++
      // ** binds to the right; the others to the left.
      const right = this.binary(operator === '**' ? precedence : precedence + 1)
      left = applyBinary(operator!, left, right)
    }
  }

  private unary(): number {
    if (++this.depth > arithmeticDepthMax) throw new ArithmeticError('expression nested too deeply')
    try {
      const operator = this.peekOperator()
      if (operator === '++' || operator === '--') {
        const name = this.tokens[++this.index]
        if (name?.kind !== 'name') throw new ArithmeticError('arithmetic syntax error')
        this.index++
        const value = this.valueOf(name.name) + (operator === '++' ? 1 : -1)
        this.variables.set(name.name, String(value))
        return value
      }
      if (operator === '+' || operator === '-' || operator === '!' || operator === '~') {
        this.index++
        const value = this.unary()
        return operator === '+' ? value : operator === '-' ? -value : operator === '!' ? (value === 0 ? 1 : 0) : ~value
      }
      return this.primary()
    } finally {
      this.depth--
    }
  }

  private primary(): number {
    const token = this.tokens[this.index++]
    if (!token) throw new ArithmeticError('arithmetic syntax error')
    if (token.kind === 'number') return token.value
    if (token.kind === 'name') {
      const after = this.peekOperator()
      if (after === '++' || after === '--') {
        this.index++
        const value = this.valueOf(token.name)
        this.variables.set(token.name, String(value + (after === '++' ? 1 : -1)))
        return value
      }
      return this.valueOf(token.name)
    }
    if (token.text === '(') {
      const value = this.comma()
      if (this.peekOperator() !== ')') throw new ArithmeticError('arithmetic syntax error')
      this.index++
      return value
    }
    throw new ArithmeticError('arithmetic syntax error')
  }
}

/** The value of an arithmetic expression (empty is 0). */
export function evaluateArithmetic(expression: string, variables: ArithmeticVariables): number {
  if (expression.length > arithmeticCharactersMax) throw new ArithmeticError(`expression longer than ${arithmeticCharactersMax} characters`)
  const tokens = tokenize(expression)
  if (tokens.length === 0) return 0
  return new Evaluator(tokens, variables).evaluate()
}

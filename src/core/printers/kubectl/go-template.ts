// kubectl's -o go-template for the common cases: Go text/template actions over the object —
// fields (.a.b, $x.a), string and number literals, pipelines, range (with $i, $e and else), if,
// with, else, {{- -}} trimming, and the functions kubectl scripts use: index, len, printf,
// print, println, eq, ne, lt, gt, and, or, not, base64decode, base64encode. A missing map key
// prints <no value>, as kubectl's default allows.

export class GoTemplateError extends Error {
  /** What the template wrote before it failed: kubectl's writer has printed it already. */
  partialOutput = ''
}

/** The template does not parse (kubectl: `error parsing template`), as opposed to failing while it runs. */
export class GoTemplateParseError extends GoTemplateError {}

/** Templates nest at most this deep and a range runs at most this many times. */
export const templateDepthMax = 32
export const templateRangeItemsMax = 1_000_000

type Node =
  | {kind: 'text'; text: string}
  | {kind: 'action'; pipeline: string}
  | {kind: 'range' | 'if' | 'with'; pipeline: string; body: Node[]; otherwise: Node[]}

const missing = Symbol('missing')

function tokenize(template: string): Array<{text: string} | {action: string}> {
  const tokens: Array<{text: string} | {action: string}> = []
  let position = 0
  while (position < template.length) {
    const open = template.indexOf('{{', position)
    if (open < 0) {
      tokens.push({text: template.slice(position)})
      break
    }
    let text = template.slice(position, open)
    const close = template.indexOf('}}', open + 2)
    if (close < 0) throw new GoTemplateParseError('unclosed action')
    let action = template.slice(open + 2, close)
    if (action.startsWith('-')) {
      text = text.replace(/\s+$/, '')
      action = action.slice(1)
    }
    let after = close + 2
    if (action.endsWith('-')) {
      action = action.slice(0, -1)
      const rest = template.slice(after)
      after += rest.length - rest.replace(/^\s+/, '').length
    }
    if (text.length > 0) tokens.push({text})
    tokens.push({action: action.trim()})
    position = after
  }
  return tokens
}

function parse(template: string): Node[] {
  const root: Node[] = []
  const stack: Array<{nodes: Node[]; block: Extract<Node, {body: Node[]}> | null; inElse: boolean}> = [{nodes: root, block: null, inElse: false}]
  for (const token of tokenize(template)) {
    const top = stack[stack.length - 1]!
    const target = top.inElse && top.block ? top.block.otherwise : top.nodes
    if ('text' in token) {
      target.push({kind: 'text', text: token.text})
      continue
    }
    const action = token.action
    const keyword = /^(range|if|with|else|end)\b\s*(.*)$/s.exec(action)
    if (!keyword) {
      if (!action.startsWith('/*')) target.push({kind: 'action', pipeline: action})
      continue
    }
    const [, word, rest] = keyword
    if (word === 'end') {
      if (stack.length === 1) throw new GoTemplateParseError('unexpected {{end}}')
      stack.pop()
    } else if (word === 'else') {
      if (!top.block) throw new GoTemplateParseError('unexpected {{else}}')
      top.inElse = true
    } else {
      if (stack.length > templateDepthMax) throw new GoTemplateParseError('template nests too deep')
      const block = {kind: word as 'range' | 'if' | 'with', pipeline: rest!, body: [] as Node[], otherwise: [] as Node[]}
      target.push(block)
      stack.push({nodes: block.body, block, inElse: false})
    }
  }
  if (stack.length > 1) throw new GoTemplateParseError('unexpected EOF')
  return root
}

/** Go's %v of a decoded JSON value. */
/** Go's %v of a decoded JSON value, as kubectl prints the object given to the template engine. */
export function goValueText(value: unknown): string {
  return show(value, true)
}

function show(value: unknown, nested = false): string {
  // A nil interface prints as <no value> at the top, <nil> inside a map or slice.
  if (value === missing || value === undefined) return '<no value>'
  if (value === null) return nested ? '<nil>' : '<no value>'
  if (Array.isArray(value)) return `[${value.map((item) => show(item, true)).join(' ')}]`
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    return `map[${Object.keys(record).sort().map((key) => `${key}:${show(record[key], true)}`).join(' ')}]`
  }
  return String(value)
}

function truthy(value: unknown): boolean {
  if (value === missing || value === undefined || value === null || value === false || value === 0 || value === '') return false
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'object') return Object.keys(value as object).length > 0
  return true
}

/**
 * Splits at top level: at whitespace (words) or at `|` (commands), never inside a string or a
 * parenthesized pipeline, so `(index .a 0).name` stays one word.
 */
function splitTopLevel(text: string, at: 'space' | 'pipe'): string[] {
  const parts: string[] = []
  let current = ''
  let depth = 0
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!
    if (character === '"' || character === '`') {
      let end = index + 1
      while (end < text.length && text[end] !== character) end += character === '"' && text[end] === '\\' ? 2 : 1
      if (end >= text.length) throw new GoTemplateError(`unterminated quoted string`)
      current += text.slice(index, end + 1)
      index = end
      continue
    }
    if (character === '(') depth++
    if (character === ')') {
      depth--
      if (depth < 0) throw new GoTemplateError(`unexpected right paren`)
    }
    const splits = depth === 0 && (at === 'space' ? /\s/.test(character) : character === '|')
    if (splits) {
      if (at === 'pipe' || current.length > 0) parts.push(current)
      current = ''
    } else current += character
  }
  if (depth > 0) throw new GoTemplateError(`unclosed left paren`)
  if (at === 'pipe' || current.length > 0) parts.push(current)
  return parts
}

function splitWords(text: string): string[] {
  return splitTopLevel(text, 'space')
}

interface Scope {
  readonly dot: unknown
  readonly root: unknown
  readonly variables: Map<string, unknown>
  /** The whole template: an error while it runs names the line and column of its command. */
  readonly template: string
}

/** A function's failure, reported as text/template reports it: `error calling NAME: REASON`. */
class FunctionCallError extends Error {}

/**
 * text/template's index over a JSON value: Go checks an index against the slice's capacity (here
 * its length, as kubectl decodes it) before reflect refuses the index equal to the length.
 */
function indexValue(value: unknown, ...keys: unknown[]): unknown {
  let current = value
  for (const key of keys) {
    if (current === null || current === undefined || current === missing) throw new FunctionCallError('index of untyped nil')
    if (Array.isArray(current)) {
      const position = Number(key)
      if (position < 0 || position > current.length) throw new FunctionCallError(`index out of range: ${position}`)
      if (position >= current.length) throw new FunctionCallError('reflect: slice index out of range')
      current = current[position]
    } else current = typeof current === 'object' ? ((current as Record<string, unknown>)[String(key)] ?? missing) : missing
  }
  return current
}

function field(value: unknown, path: string): unknown {
  let current = value
  for (const name of path.split('.').filter((part) => part.length > 0)) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return missing
    const record = current as Record<string, unknown>
    current = name in record ? record[name] : missing
  }
  return current
}

function printf(format: string, args: unknown[]): string {
  let index = 0
  return format.replace(/%([-+# 0]*\d*(?:\.\d+)?)([vsdqtf%])/g, (_, flags: string, verb: string) => {
    if (verb === '%') return '%'
    const argument = args[index++]
    if (verb === 'q') return JSON.stringify(show(argument))
    if (verb === 'd') return String(Math.trunc(Number(argument)))
    if (verb === 'f') return Number(argument).toFixed(/\.(\d+)/.exec(flags)?.[1] ? Number(/\.(\d+)/.exec(flags)![1]) : 6)
    return show(argument)
  })
}

function evaluateWord(word: string, scope: Scope): unknown {
  if (word.startsWith('"')) return JSON.parse(word)
  if (word.startsWith('`')) return word.slice(1, -1)
  if (word.startsWith('(')) {
    // A parenthesized pipeline, maybe followed by fields of its value: `(index .items 0).metadata.name`.
    const close = word.lastIndexOf(')')
    const value = evaluatePipeline(word.slice(1, close), scope)
    const fields = word.slice(close + 1)
    return fields.length === 0 ? value : field(value, fields)
  }
  if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word)
  if (word === 'true' || word === 'false') return word === 'true'
  if (word === 'nil') return null
  if (word === '.') return scope.dot
  if (word.startsWith('.')) return field(scope.dot, word)
  if (word.startsWith('$')) {
    const dot = word.indexOf('.')
    const name = dot < 0 ? word : word.slice(0, dot)
    const base = name === '$' ? scope.root : scope.variables.get(name)
    if (base === undefined && name !== '$') throw new GoTemplateError(`undefined variable: ${name}`)
    return dot < 0 ? base : field(base, word.slice(dot))
  }
  throw new GoTemplateError(`function "${word}" not defined`)
}

const functions: Record<string, (...args: unknown[]) => unknown> = {
  index: indexValue,
  len: (value) => (Array.isArray(value) || typeof value === 'string' ? value.length : value !== null && typeof value === 'object' ? Object.keys(value).length : 0),
  printf: (format, ...args) => printf(String(format), args),
  print: (...args) => args.map((arg) => show(arg)).join(' '),
  println: (...args) => `${args.map((arg) => show(arg)).join(' ')}\n`,
  eq: (left, ...rights) => rights.some((right) => left === right),
  ne: (left, right) => left !== right,
  lt: (left, right) => (left as number) < (right as number),
  gt: (left, right) => (left as number) > (right as number),
  and: (...args) => args.find((arg) => !truthy(arg)) ?? args[args.length - 1],
  or: (...args) => args.find((arg) => truthy(arg)) ?? args[args.length - 1],
  not: (value) => !truthy(value),
  base64decode: (value) => Buffer.from(String(value), 'base64').toString('utf8'),
  base64encode: (value) => Buffer.from(String(value)).toString('base64'),
}

function evaluateCommand(words: string[], scope: Scope, piped: unknown[]): unknown {
  const [head, ...rest] = words
  if (head === undefined) throw new GoTemplateError('missing value for command')
  const fn = functions[head]
  if (fn) {
    const args = rest.map((word) => evaluateWord(word, scope))
    try {
      return fn(...args, ...piped)
    } catch (error) {
      if (!(error instanceof FunctionCallError)) throw error
      // text/template's ErrorContext: the line, and the byte column of the command on it.
      const command = words.join(' ')
      const at = Math.max(0, scope.template.indexOf(head === 'index' ? command : head))
      const before = scope.template.slice(0, at)
      const line = before.split('\n').length
      const column = at - (before.lastIndexOf('\n') + 1)
      throw new GoTemplateError(`template: output:${line}:${column}: executing "output" at <${command}>: error calling ${head}: ${error.message}`)
    }
  }
  if (rest.length > 0 || piped.length > 0) throw new GoTemplateError(`can't give argument to non-function ${head}`)
  return evaluateWord(head, scope)
}

function evaluatePipeline(pipeline: string, scope: Scope): unknown {
  let value: unknown = undefined
  let first = true
  for (const command of splitTopLevel(pipeline, 'pipe').map((part) => part.trim())) {
    value = evaluateCommand(splitWords(command), scope, first ? [] : [value])
    first = false
  }
  return value
}

function render(nodes: readonly Node[], scope: Scope, out: string[]): void {
  for (const node of nodes) {
    if (node.kind === 'text') out.push(node.text)
    else if (node.kind === 'action') {
      const assignment = /^(\$\w+)\s*:?=\s*(.*)$/s.exec(node.pipeline)
      if (assignment) scope.variables.set(assignment[1]!, evaluatePipeline(assignment[2]!, scope))
      else out.push(show(evaluatePipeline(node.pipeline, scope)))
    } else if (node.kind === 'if') {
      render(truthy(evaluatePipeline(node.pipeline, scope)) ? node.body : node.otherwise, scope, out)
    } else if (node.kind === 'with') {
      const value = evaluatePipeline(node.pipeline, scope)
      if (truthy(value)) render(node.body, {...scope, dot: value}, out)
      else render(node.otherwise, scope, out)
    } else {
      const declaration = /^(\$\w+)(?:\s*,\s*(\$\w+))?\s*:=\s*(.*)$/s.exec(node.pipeline)
      const value = evaluatePipeline(declaration ? declaration[3]! : node.pipeline, scope)
      const entries: Array<[unknown, unknown]> = Array.isArray(value)
        ? value.map((item, index) => [index, item])
        : value !== null && typeof value === 'object' ? Object.keys(value).sort().map((key) => [key, (value as Record<string, unknown>)[key]]) : []
      if (entries.length > templateRangeItemsMax) throw new GoTemplateError('range over too many items')
      if (entries.length === 0) render(node.otherwise, scope, out)
      for (const [key, item] of entries) {
        const variables = new Map(scope.variables)
        if (declaration) {
          if (declaration[2]) {
            variables.set(declaration[1]!, key)
            variables.set(declaration[2], item)
          } else variables.set(declaration[1]!, item)
        }
        render(node.body, {dot: item, root: scope.root, variables, template: scope.template}, out)
      }
    }
  }
}

export function runGoTemplate(template: string, value: unknown): string {
  const out: string[] = []
  const nodes = parse(template)
  try {
    render(nodes, {dot: value, root: value, variables: new Map(), template}, out)
  } catch (error) {
    if (error instanceof GoTemplateError) error.partialOutput = out.join('')
    throw error
  }
  return out.join('')
}

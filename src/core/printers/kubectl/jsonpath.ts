// kubectl's JSONPath dialect (k8s.io/client-go/util/jsonpath): text with {actions}; paths with
// .field, ['field'], [n], [start:end], [*], .*, ..field, [?(@.a == "x")] filters and unions;
// {range …}…{end} loops; "string" literals with escapes. Several results print space-separated,
// maps and lists as compact Go JSON. Missing fields print nothing (allowMissingKeys), or fail
// (`X is not found`) without it.
import {goTypeName} from './go-values.js'
import {goJson, goJsonCompact} from '../../util/go-json.js'

/** Templates nest range blocks at most this deep, and loop over this many items per range. */
export const rangeDepthMax = 16
export const rangeItemsMax = 1_000_000

export class JsonPathError extends Error {}

/**
 * client-go's evalArray: negative bounds count from the end; a slice of no items passes, any
 * other reaching outside the list is an error (kubectl fails `{.items[0]}` of an empty list).
 */
function sliceOf(list: readonly unknown[], start: number | null, end: number | null, endDerived: boolean, stride: number | null): unknown[] {
  const length = list.length
  let from = start ?? 0
  if (from < 0) from += length
  let to = end ?? length
  if (to < 0 || (to === 0 && endDerived)) to += length
  if (to === from) return []
  if (from >= length || from < 0) throw new JsonPathExecutionError(`array index out of bounds: index ${from}, length ${length}`)
  if (to > length || to < 0) throw new JsonPathExecutionError(`array index out of bounds: index ${to - 1}, length ${length}`)
  if (from > to) throw new JsonPathExecutionError(`starting index ${from} is greater than ending index ${to}`)
  if (stride !== null && stride <= 0) throw new JsonPathExecutionError('step must be > 0')
  const items: unknown[] = []
  for (let index = from; index < to; index += stride ?? 1) items.push(list[index])
  return items
}
/** A template that parsed but fails on the data (an identifier that names nothing, an unknown filter operator). */
export class JsonPathExecutionError extends Error {}

/** Go's %#U of a character: `U+003D '='`. */
const goRune = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${character}'`
/** Where Go's parser ends a field name or an identifier (a backslash keeps the next character). */
const goTerminator = /[\s.,[\]$@{}]/

type Node =
  | {kind: 'text'; text: string}
  | {kind: 'path'; steps: Step[]}
  | {kind: 'literal'; text: string}
  /** `unclosed`: no {end} came; Go then runs the body once more where the range stands, after its loop. */
  | {kind: 'range'; steps: Step[]; body: Node[]; unclosed?: boolean}
  /** An {end} outside any range: Go parses it, and fails only when it comes to it. */
  | {kind: 'end'}

type Step =
  | {kind: 'field'; names: string[]}
  | {kind: 'wildcard'}
  | {kind: 'recursive'; name: string | null}
  | {kind: 'index'; indexes: number[]}
  | {kind: 'slice'; start: number | null; end: number | null; step: number | null}
  | {kind: 'filter'; left: Step[]; operator: string | null; right: Operand}
  | {kind: 'root'}
  /** A bare word in an action: true/false are values, any other fails when evaluated. */
  | {kind: 'identifier'; name: string}
  | {kind: 'value'; value: unknown}

type Operand = {kind: 'path'; steps: Step[]} | {kind: 'value'; value: unknown} | null

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, character: string) => ({n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"'})[character] ?? character)
}

function parseSteps(text: string, template: string): Step[] {
  const steps: Step[] = []
  let position = 0
  const fail = (): never => {
    throw new JsonPathError(`unrecognized character in action: ${goRune(text.slice(position, position + 1) || text)}`)
  }
  if (text.startsWith('$')) position = 1
  else if (text.startsWith('@')) position = 1
  while (position < text.length) {
    const character = text[position]!
    if (character === '.') {
      if (text[position + 1] === '.') {
        position += 2
        const match = /^[A-Za-z0-9_\-/*]+/.exec(text.slice(position))
        const name = match ? match[0] : null
        steps.push({kind: 'recursive', name: name === '*' ? null : name})
        position += match ? match[0].length : 0
        continue
      }
      position++
      if (text[position] === '*') {
        steps.push({kind: 'wildcard'})
        position++
        continue
      }
      // A name runs to Go's next terminator; a backslash keeps the next character: `kubernetes\.io/change-cause`.
      const match = /^(?:[^\s.,[\]$@{}\\]|\\.)+/.exec(text.slice(position))
      if (!match) {
        if (position >= text.length) continue
        if (text[position] === '[') continue
        fail()
      }
      steps.push({kind: 'field', names: [match![0].replace(/\\(.)/g, '$1')]})
      position += match![0].length
      continue
    }
    if (character === '[') {
      const close = findClosingBracket(text, position)
      if (close < 0) throw new JsonPathError(text.startsWith('[?(', position) ? 'unterminated filter' : 'unterminated array')
      const inner = text.slice(position + 1, close).trim()
      position = close + 1
      if (inner === '*') steps.push({kind: 'wildcard'})
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push(parseFilter(inner.slice(2, -1), template))
      else if (/^'[^']*'(\s*,\s*'[^']*')*$/.test(inner)) {
        // Keys in single quotes only: Go reads ["name"] as an index, which it is not.
        steps.push({kind: 'field', names: [...inner.matchAll(/'([^']*)'/g)].map((match) => match[1]!)})
      } else if (/^-?\d+(\s*,\s*-?\d+)*$/.test(inner)) steps.push({kind: 'index', indexes: inner.split(',').map((part) => Number(part.trim()))})
      else if (/^-?\d*:-?\d*(:-?\d*)?$/.test(inner)) {
        const [start, end, step] = inner.split(':')
        const number = (value: string | undefined) => (value === undefined || value === '' ? null : Number(value))
        steps.push({kind: 'slice', start: number(start), end: number(end), step: number(step)})
      } else throw new JsonPathError(`invalid array index ${inner}`)
      continue
    }
    if (/\s/.test(character)) {
      position++
      continue
    }
    if (/[A-Za-z_]/.test(character)) {
      let end = position
      while (end < text.length && !goTerminator.test(text[end]!) && text[end] !== ')') end++
      const word = text.slice(position, end)
      steps.push(word === 'true' || word === 'false' ? {kind: 'value', value: word === 'true'} : {kind: 'identifier', name: word})
      position = end
      continue
    }
    fail()
  }
  return steps
}

function findClosingBracket(text: string, open: number): number {
  let depth = 0
  let quote: string | null = null
  for (let index = open; index < text.length; index++) {
    const character = text[index]!
    if (quote) {
      if (character === quote) quote = null
      continue
    }
    if (character === '"' || character === "'") quote = character
    else if (character === '[' || character === '(') depth++
    else if (character === ']' || character === ')') {
      depth--
      if (depth === 0 && character === ']') return index
    }
  }
  return -1
}

function parseOperand(text: string, template: string): Operand {
  const trimmed = text.trim()
  if (trimmed.length === 0) return null
  if (trimmed.startsWith('@') || trimmed.startsWith('$') || trimmed.startsWith('.')) return {kind: 'path', steps: parseSteps(trimmed, template)}
  if (/^(['"]).*\1$/.test(trimmed)) return {kind: 'value', value: trimmed.slice(1, -1)}
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return {kind: 'value', value: Number(trimmed)}
  // Anything else is read as an action: a bare word fails only when it is evaluated, another character at once.
  return {kind: 'path', steps: parseSteps(trimmed, template)}
}

function parseFilter(text: string, template: string): Step {
  // Go's split: a left side without operator characters, the longest run of them that leaves a
  // right side (so `@.x==` compares with `=`), the rest; the operator is checked when evaluated.
  const match = /^([^!<>=]+)([!<>=]+)(.+)$/.exec(text)
  if (!match) return {kind: 'filter', left: parseSteps(text.trim(), template), operator: null, right: null}
  return {kind: 'filter', left: parseSteps(match[1]!.trim(), template), operator: match[2]!, right: parseOperand(match[3]!, template)}
}

export function parseTemplate(template: string): Node[] {
  const root: Node[] = []
  const stack: Array<{body: Node[]; unclosed?: boolean}> = [{body: root}]
  let position = 0
  while (position < template.length) {
    const open = template.indexOf('{', position)
    if (open < 0) {
      stack[stack.length - 1]!.body.push({kind: 'text', text: template.slice(position)})
      break
    }
    if (open > position) stack[stack.length - 1]!.body.push({kind: 'text', text: template.slice(position, open)})
    let close = open + 1
    let quote: string | null = null
    for (; close < template.length; close++) {
      const character = template[close]!
      if (quote) {
        if (character === '\\') close++
        else if (character === quote) quote = null
      } else if (character === '"') quote = character
      else if (character === '}') break
    }
    if (close >= template.length) {
      // Go's parser reads the action up to the end first: an array left open there is its error.
      const rest = template.slice(open + 1).trim()
      if (rest.startsWith('range ')) parseSteps(rest.slice('range '.length).trim(), template)
      else if (rest !== 'end' && !rest.startsWith('"')) parseSteps(rest, template)
      throw new JsonPathError('unclosed action')
    }
    const action = template.slice(open + 1, close).trim()
    position = close + 1
    const current = stack[stack.length - 1]!.body
    if (action.startsWith('"') && action.endsWith('"') && action.length >= 2) current.push({kind: 'literal', text: unescape(action.slice(1, -1))})
    else if (action === 'end') {
      if (stack.length === 1) current.push({kind: 'end'})
      else stack.pop()
    } else if (action.startsWith('range ')) {
      if (stack.length > rangeDepthMax) throw new JsonPathError('range blocks nest too deep')
      const node = {kind: 'range' as const, steps: parseSteps(action.slice('range '.length).trim(), template), body: [] as Node[]}
      current.push(node)
      stack.push(node)
    } else if (action.length > 0) current.push({kind: 'path', steps: parseSteps(action, template)})
  }
  // A range without its {end} runs to the end of the template.
  for (const open of stack.slice(1)) open.unclosed = true
  return root
}

function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    return Object.keys(record).sort().map((key) => record[key])
  }
  return []
}

const filterOperators = new Set(['==', '!=', '<', '>', '<=', '>=', '=~'])

function compare(left: unknown, operator: string, right: unknown): boolean {
  switch (operator) {
    case '==':
      return left === right || (typeof left === 'number' && typeof right === 'number' && left === right) || String(left) === String(right) && typeof left === typeof right
    case '!=':
      return !(left === right)
    case '<':
      return typeof left === 'number' && typeof right === 'number' && left < right
    case '>':
      return typeof left === 'number' && typeof right === 'number' && left > right
    case '<=':
      return typeof left === 'number' && typeof right === 'number' && left <= right
    case '>=':
      return typeof left === 'number' && typeof right === 'number' && left >= right
    case '=~':
      return typeof left === 'string' && typeof right === 'string' && new RegExp(right).test(left)
    default:
      return false
  }
}

function evaluate(steps: readonly Step[], current: readonly unknown[], root: unknown, strict = false): unknown[] {
  let values = [...current]
  for (const step of steps) {
    // Go evaluates a bare word whatever the input: true/false are themselves, another fails.
    if (step.kind === 'identifier') throw new JsonPathExecutionError(`unrecognized identifier ${step.name}`)
    if (step.kind === 'value') {
      values = [step.value]
      continue
    }
    const next: unknown[] = []
    for (const value of values) {
      switch (step.kind) {
        case 'root':
          next.push(root)
          break
        case 'field':
          if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
            // Own fields only: `constructor` or `toString` of an object are no fields of it.
            for (const name of step.names) if (Object.hasOwn(value as object, name)) next.push((value as Record<string, unknown>)[name])
          }
          break
        case 'wildcard':
          next.push(...children(value))
          break
        case 'recursive': {
          const walk = (node: unknown) => {
            if (node !== null && typeof node === 'object') {
              if (!Array.isArray(node) && step.name !== null && Object.hasOwn(node as object, step.name)) next.push((node as Record<string, unknown>)[step.name])
              if (step.name === null) next.push(...children(node))
              for (const child of children(node)) walk(child)
            }
          }
          walk(value)
          break
        }
        case 'index':
          if (value === null || value === undefined) break
          if (!Array.isArray(value)) throw new JsonPathExecutionError(`${goTypeName(value)} is not array or slice`)
          // client-go reads [i] as the slice [i:i+1], its end derived from the start.
          for (const index of step.indexes) next.push(...sliceOf(value, index, index + 1, true, null))
          break
        case 'slice':
          if (value === null || value === undefined) break
          if (!Array.isArray(value)) throw new JsonPathExecutionError(`${goTypeName(value)} is not array or slice`)
          next.push(...sliceOf(value, step.start, step.end, false, step.step))
          break
        case 'filter':
          for (const item of children(value)) {
            const left = evaluate(step.left, [item], root)
            if (step.operator === null) {
              if (left.length > 0) next.push(item)
              continue
            }
            if (left.length === 0) continue
            const right = step.right === null ? [] : step.right.kind === 'value' ? [step.right.value] : evaluate(step.right.steps, [item], root)
            if (right.length === 0) continue
            if (!filterOperators.has(step.operator)) throw new JsonPathExecutionError(`unrecognized filter operator ${step.operator}`)
            if (compare(left[0], step.operator, right[0])) next.push(item)
          }
          break
      }
    }
    // client-go's evalField without allowMissingKeys: a field none of its inputs has is an error.
    if (strict && step.kind === 'field' && values.length > 0 && next.length === 0) throw new JsonPathExecutionError(`${step.names.join(',')} is not found`)
    values = next
  }
  return values
}

function text(value: unknown): string {
  if (value === undefined) return ''
  if (value === null) return 'null'
  if (typeof value === 'object') return goJsonCompact(value)
  if (typeof value === 'string') return value
  return String(value)
}

function render(nodes: readonly Node[], current: unknown, root: unknown, out: string[], strict = false): void {
  for (const node of nodes) {
    if (node.kind === 'text' || node.kind === 'literal') out.push(node.text)
    else if (node.kind === 'end') throw strayEnd()
    else if (node.kind === 'path') out.push(evaluate(node.steps, [current], root, strict).map(text).join(' '))
    else {
      const items = evaluate(node.steps, [current], root, strict)
      const list = items.length === 1 && Array.isArray(items[0]) ? (items[0] as unknown[]) : items
      if (list.length > rangeItemsMax) throw new JsonPathError('range over too many items')
      for (const item of list) render(node.body, item, root, out, strict)
      if (node.unclosed) render(node.body, current, root, out, strict)
    }
  }
}

const strayEnd = () => new JsonPathExecutionError('not in range, nothing to end')

/** Runs a template over a value (the object, or a List of them). */
export function runJsonPath(template: string, value: unknown, allowMissingKeys = true): string {
  const nodes = parseTemplate(template)
  const out: string[] = []
  render(nodes, value, value, out, !allowMissingKeys)
  return out.join('')
}

/**
 * -o jsonpath-as-json: each node's results (a text node's text, a path's values, a range's per
 * item) as one JSON array, indented as Go's json.MarshalIndent with four spaces, one per line.
 */
export function runJsonPathAsJson(template: string, value: unknown): string {
  const out: string[] = []
  const renderJson = (nodes: readonly Node[], current: unknown): void => {
    for (const node of nodes) {
      if (node.kind === 'text' || node.kind === 'literal') out.push(`${goJson([node.text])}\n`)
      else if (node.kind === 'end') throw strayEnd()
      else if (node.kind === 'path') out.push(`${goJson(evaluate(node.steps, [current], value))}\n`)
      else {
        const items = evaluate(node.steps, [current], value)
        const list = items.length === 1 && Array.isArray(items[0]) ? (items[0] as unknown[]) : items
        if (list.length > rangeItemsMax) throw new JsonPathError('range over too many items')
        for (const item of list) renderJson(node.body, item)
        if (node.unclosed) renderJson(node.body, current)
      }
    }
  }
  renderJson(parseTemplate(template), value)
  return out.join('')
}

/** Each value the template's paths find, as text (custom columns join them with commas, keeping their spaces). */
export function jsonPathValues(template: string, value: unknown): string[] {
  return parseTemplate(template).flatMap((node) => (node.kind === 'path' ? evaluate(node.steps, [value], value).map(text) : []))
}

/**
 * What client-go's FindResults gives for the template's first node, as kubectl's --sort-by reads
 * it: a text's own text, a path's values (none when the path finds nothing); none without nodes.
 */
export function firstNodeValues(template: string, value: unknown): unknown[] {
  const first = parseTemplate(template)[0]
  if (first === undefined) return []
  if (first.kind === 'text' || first.kind === 'literal') return [first.text]
  if (first.kind === 'path') return evaluate(first.steps, [value], value)
  return []
}

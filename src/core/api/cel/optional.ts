// cel-go's optional types, which kube-apiserver enables: optional.of/ofNonZeroValue/none, the
// value's hasValue/value/orValue/or/optMap/optFlatMap, the syntax `a.?b` and `a[?k]`, and
// optional entries of list and map literals (`[?a, b]`, `{?k: v}`). @bufbuild/cel's parser
// does not read that syntax, so it is rewritten before parsing into calls of internal functions,
// and after parsing every field or index selection (or has() test) on an optional chain becomes
// one of them too (cel-go's `a.?b.c` is none when b or c is absent).
import type {CelValue} from '@bufbuild/cel'
import type {CelKit} from './kit.js'
import type {ExprNode} from './expr-node.js'

export const optionalSelectFunction = 'kubemu_optional_select'
export const optionalIndexFunction = 'kubemu_optional_index'
export const optionalHasFunction = 'kubemu_optional_has'
/** Marks an optional entry of a list or map literal; the literal is then compacted. */
export const optionalEntryFunction = 'kubemu_optional_entry'
const listCompactFunction = 'kubemu_list_compact'
const mapCompactFunction = 'kubemu_map_compact'

/** One optional value per message: what it holds (undefined for none). */
const held = new WeakMap<object, CelValue | undefined>()

const identifierStart = /[A-Za-z_]/
const identifierPart = /[A-Za-z0-9_]/

/** The offset just past a string literal starting at `start` (quotes, triple quotes, raw prefix). */
function stringEnd(text: string, start: number): number {
  const raw = start > 0 && /[rR]/.test(text[start - 1]!) && !identifierPart.test(text[start - 2] ?? '')
  const quote = text.startsWith(text[start]!.repeat(3), start) ? text[start]!.repeat(3) : text[start]!
  let at = start + quote.length
  while (at < text.length && !text.startsWith(quote, at)) at += !raw && text[at] === '\\' ? 2 : 1
  return at + quote.length
}

/** `a.?b` → `a.kubemu_optional_select("b")`; `a[?k]` → `a.kubemu_optional_index(k)`; the rest as written. */
export function rewriteOptionalSyntax(text: string): string {
  if (!text.includes('?')) return text
  let out = ''
  const closers: Array<string> = []
  let lastSignificant = ''
  /** The depths (closers open) of optional entries being wrapped, closed at their `,` or literal's end. */
  const entries: number[] = []
  /** The depth of a map literal's optional key waiting for its `:`. */
  let pendingKey = -1
  const literalCloser = () => closers[closers.length - 1]
  const closeEntry = () => {
    if (entries[entries.length - 1] === closers.length) {
      entries.pop()
      out += ')'
    }
  }
  for (let at = 0; at < text.length; ) {
    const character = text[at]!
    const entryStart = lastSignificant === '[' || lastSignificant === '{' || lastSignificant === ','
    if (character === '?' && entryStart && literalCloser() === ']') {
      out += `${optionalEntryFunction}(`
      entries.push(closers.length)
      at++
      lastSignificant = '('
      continue
    }
    if (character === '?' && entryStart && literalCloser() === '}') {
      pendingKey = closers.length
      at++
      continue
    }
    if (character === ':' && pendingKey === closers.length) {
      out += `: ${optionalEntryFunction}(`
      entries.push(closers.length)
      pendingKey = -1
      at++
      lastSignificant = '('
      continue
    }
    if (character === ',') closeEntry()
    if (character === '"' || character === "'") {
      const end = stringEnd(text, at)
      out += text.slice(at, end)
      at = end
      lastSignificant = character
      continue
    }
    const selection = /^\.\?\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(at, at + 256))
    if (selection) {
      out += `.${optionalSelectFunction}("${selection[1]}")`
      at += selection[0].length
      lastSignificant = ')'
      continue
    }
    if (character === '[' || character === '(' || character === '{') {
      const operandBefore = identifierPart.test(lastSignificant) || [')', ']', '}', '"', "'"].includes(lastSignificant)
      if (character === '[' && operandBefore && /^\[\s*\?/.test(text.slice(at, at + 64))) {
        out += `.${optionalIndexFunction}(`
        at = text.indexOf('?', at) + 1
        closers.push(')')
      } else {
        out += character
        at++
        closers.push(character === '[' ? ']' : character === '(' ? ')' : '}')
      }
      lastSignificant = character
      continue
    }
    if (character === ']' || character === ')' || character === '}') {
      closeEntry()
      out += character === ']' ? (closers.pop() ?? ']') : (closers.pop(), character)
      at++
      lastSignificant = character
      continue
    }
    out += character
    at++
    if (!/\s/.test(character)) lastSignificant = identifierStart.test(character) || /[0-9]/.test(character) ? 'a' : character
  }
  return out
}

function isOptionalChain(node: ExprNode): boolean {
  const value = node.exprKind.value as Record<string, unknown> | undefined
  if (node.exprKind.case === 'callExpr') {
    const name = String(value?.function)
    if (name === optionalSelectFunction || name === optionalIndexFunction) return true
    return name === '_[_]' && isOptionalChain((value?.args as ExprNode[])[0]!)
  }
  if (node.exprKind.case === 'selectExpr' && value?.testOnly !== true) return isOptionalChain(value?.operand as ExprNode)
  return false
}

/** Turns selections and indexes on an optional chain into the optional ones, in place. */
export function propagateOptionalChains(node: ExprNode | undefined): void {
  if (!node || typeof node !== 'object') return
  const value = node.exprKind.value as Record<string, unknown> | undefined
  for (const child of Object.values(value ?? {})) {
    if (Array.isArray(child)) for (const item of child) propagateOptionalChains((item?.value ?? item) as ExprNode)
    else if (child && typeof child === 'object' && 'exprKind' in child) propagateOptionalChains(child as ExprNode)
  }
  const field = (name: unknown) => ({id: node.id, exprKind: {case: 'constExpr', value: {constantKind: {case: 'stringValue', value: String(name)}}}})
  const isEntry = (item: ExprNode | undefined) => item?.exprKind.case === 'callExpr' && (item.exprKind.value as {function?: string}).function === optionalEntryFunction
  if (node.exprKind.case === 'selectExpr' && value?.testOnly === true && isOptionalChain(value?.operand as ExprNode)) {
    node.exprKind = {case: 'callExpr', value: {function: optionalHasFunction, args: [value.operand, field(value.field)]}}
  } else if (node.exprKind.case === 'listExpr' && ((value?.elements as ExprNode[]) ?? []).some(isEntry)) {
    node.exprKind = {case: 'callExpr', value: {function: listCompactFunction, args: [{id: node.id, exprKind: node.exprKind}]}}
  } else if (node.exprKind.case === 'structExpr' && !value?.messageName && ((value?.entries as Array<{value: ExprNode}>) ?? []).some((entry) => isEntry(entry.value))) {
    node.exprKind = {case: 'callExpr', value: {function: mapCompactFunction, args: [{id: node.id, exprKind: node.exprKind}]}}
  } else if (node.exprKind.case === 'callExpr' && (value?.function === 'optMap' || value?.function === 'optFlatMap') && value.target && (value.args as ExprNode[]).length === 2 &&
    (value.args as ExprNode[])[0]!.exprKind.case === 'identExpr') {
    // cel-go's macros: `o.optMap(v, e)` is `o.hasValue() ? optional.of(e with v = o.value()) : optional.none()`; optFlatMap's e is an optional already.
    const [variable, body] = value.args as [ExprNode, ExprNode]
    const target = value.target as ExprNode
    const call = (name: string, args: ExprNode[], on?: ExprNode): ExprNode => ({id: node.id, exprKind: {case: 'callExpr', value: {function: name, args, ...(on ? {target: on} : {})}}})
    const bound: ExprNode = {id: node.id, exprKind: {case: 'comprehensionExpr', value: {
      iterVar: '#unused', iterVar2: '', iterRange: {id: node.id, exprKind: {case: 'listExpr', value: {elements: [], optionalIndices: []}}},
      accuVar: String((variable.exprKind.value as {name: string}).name), accuInit: call('value', [], target),
      loopCondition: {id: node.id, exprKind: {case: 'constExpr', value: {constantKind: {case: 'boolValue', value: false}}}}, loopStep: variable, result: body,
    }}}
    const present = value.function === 'optMap' ? call('optional.of', [bound]) : bound
    node.exprKind = {case: 'callExpr', value: {function: '_?_:_', args: [call('hasValue', [], target), present, call('optional.none', [])]}}
  } else if (node.exprKind.case === 'selectExpr' && value?.testOnly !== true && isOptionalChain(value?.operand as ExprNode)) {
    node.exprKind = {case: 'callExpr', value: {function: optionalSelectFunction, target: value?.operand, args: [field(value?.field)]}}
  } else if (node.exprKind.case === 'callExpr' && value?.function === '_[_]' && isOptionalChain((value.args as ExprNode[])[0]!)) {
    const [target, index] = value.args as ExprNode[]
    node.exprKind = {case: 'callExpr', value: {function: optionalIndexFunction, target, args: [index]}}
  }
}

/** An optional holding a value, or none for undefined (for the libraries that return optionals). */
export function optionalOf({opaque}: CelKit, value: CelValue | undefined) {
  const created = opaque('optional_type').value('')
  held.set(created.message, value)
  return created
}

export function optionalFunctions(kit: CelKit) {
  const {cel, opaque} = kit
  const {celFunc, celMethod, CelScalar, isCelMap, isCelList, listType, mapType} = cel
  const optional = opaque('optional_type')
  const entry = opaque('kubemu.optional_entry')
  const O = optional.type
  const of = (value: CelValue | undefined) => optionalOf(kit, value)
  const none = of(undefined)
  const content = (value: unknown): CelValue | undefined => (optional.is(value) ? held.get(value.message) : undefined)
  const isZero = (value: CelValue) =>
    value === null || value === false || value === 0n || value === 0 || value === '' ||
    (value instanceof Uint8Array && value.length === 0) || (isCelList(value) && value.size === 0) || (isCelMap(value) && value.size === 0)
  /** `.?key` or `[?key]` on a value, or on an optional that holds one (none stays none). */
  const select = (target: CelValue, key: CelValue, field: boolean) => {
    if (optional.is(target)) {
      const inner = content(target)
      if (inner === undefined) return none
      target = inner
    }
    if (isCelMap(target)) return target.has(key as string) ? of(target.get(key as string)) : none
    if (!field && isCelList(target) && typeof key === 'bigint') return key >= 0n && key < BigInt(target.size) ? of(target.get(Number(key))) : none
    throw new Error(field ? `type '${cel.celType(target)}' does not support field selection` : 'no such overload')
  }
  return [
    celFunc('optional.of', [CelScalar.DYN], O, (value) => of(value)),
    celFunc('optional.ofNonZeroValue', [CelScalar.DYN], O, (value) => (isZero(value) ? none : of(value))),
    celFunc('optional.none', [], O, () => none),
    celMethod('hasValue', O, [], CelScalar.BOOL, function () {
      return content(this) !== undefined
    }),
    celMethod('value', O, [], CelScalar.DYN, function () {
      const inner = content(this)
      if (inner === undefined) throw new Error('optional.none() dereference')
      return inner
    }),
    celMethod('orValue', O, [CelScalar.DYN], CelScalar.DYN, function (fallback) {
      return content(this) ?? fallback
    }),
    celMethod('or', O, [O], O, function (other) {
      return content(this) !== undefined ? this : other
    }),
    celMethod(optionalSelectFunction, CelScalar.DYN, [CelScalar.STRING], O, function (field) {
      return select(this, field, true)
    }),
    celMethod(optionalIndexFunction, CelScalar.DYN, [CelScalar.DYN], O, function (key) {
      return select(this, key, false)
    }),
    celFunc(optionalHasFunction, [CelScalar.DYN, CelScalar.STRING], CelScalar.BOOL, (target, name) => {
      const inner = optional.is(target) ? content(target) : target
      if (inner === undefined) return false
      if (isCelMap(inner)) return inner.has(name)
      throw new Error(`type '${cel.celType(inner)}' does not support field selection`)
    }),
    celFunc(optionalEntryFunction, [O], entry.type, (value) => {
      const created = entry.value('')
      held.set(created.message, content(value))
      return created
    }),
    celFunc(listCompactFunction, [listType(CelScalar.DYN)], listType(CelScalar.DYN), (list) => {
      const kept: CelValue[] = []
      for (const element of list) {
        if (!entry.is(element)) kept.push(element)
        else if (held.get(element.message) !== undefined) kept.push(held.get(element.message)!)
      }
      return kept
    }),
    celFunc(mapCompactFunction, [mapType(CelScalar.DYN, CelScalar.DYN)], mapType(CelScalar.DYN, CelScalar.DYN), (map) => {
      const kept = new Map<string, CelValue>()
      for (const [key, element] of map) {
        if (!entry.is(element)) kept.set(key as string, element)
        else if (held.get(element.message) !== undefined) kept.set(key as string, held.get(element.message)!)
      }
      return kept
    }),
  ]
}

// cel-go's optional types, which kube-apiserver enables: optional.of/ofNonZeroValue/none, the
// value's hasValue/value/orValue/or, and the syntax `a.?b` and `a[?k]`. @bufbuild/cel's parser
// does not read that syntax, so it is rewritten before parsing into calls of two internal
// methods, and after parsing every field or index selection on an optional chain becomes one of
// them too (cel-go's `a.?b.c` is none when b or c is absent).
import type {CelValue} from '@bufbuild/cel'
import type {CelKit} from './kit.js'

export const optionalSelectFunction = 'kubemu_optional_select'
export const optionalIndexFunction = 'kubemu_optional_index'

/** One optional value per message: what it holds (undefined for none). */
const held = new WeakMap<object, CelValue | undefined>()

interface ExprNode {
  id: bigint
  exprKind: {case: string | undefined; value?: unknown}
}

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
  for (let at = 0; at < text.length; ) {
    const character = text[at]!
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
  if (node.exprKind.case === 'selectExpr' && value?.testOnly !== true && isOptionalChain(value?.operand as ExprNode)) {
    const field = {id: node.id, exprKind: {case: 'constExpr', value: {constantKind: {case: 'stringValue', value: String(value?.field)}}}}
    node.exprKind = {case: 'callExpr', value: {function: optionalSelectFunction, target: value?.operand, args: [field]}}
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
  const {celFunc, celMethod, CelScalar, isCelMap, isCelList} = cel
  const optional = opaque('optional_type')
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
  ]
}

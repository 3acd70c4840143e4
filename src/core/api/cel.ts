// The CEL that kube-apiserver evaluates in admission (ValidatingAdmissionPolicy, webhook
// matchConditions): compiling with the variables a place declares, reporting compile errors as
// cel-go words them, and running programs on JSON objects. A bounded cache keeps compiled programs.
import type {CelInput} from '@bufbuild/cel'
import {createRequire} from 'node:module'
import {authorizerFunctions, authorizerValues} from './cel/authorizer.js'
import {comprehensionFunctions, expandTwoVariableComprehensions} from './cel/comprehensions.js'
import {chargeComprehensions, type CostBudget, costFunctions, expressionCost, withCostLimit} from './cel/cost.js'
import {formatFunctions} from './cel/format.js'
import {type CelKit, type CelLibrary, celKit} from './cel/kit.js'
import {listFunctions} from './cel/lists.js'
import {netFunctions} from './cel/net.js'
import {optionalFunctions, propagateOptionalChains, rewriteOptionalSyntax} from './cel/optional.js'
import {quantityFunctions} from './cel/quantity.js'
import {typeCheck} from './cel/type-check.js'
import {urlFunctions} from './cel/urls.js'
import type {ExprNode} from './cel/expr-node.js'
import {assert} from '../util/assert.js'

/**
 * The CEL library, loaded on the first compile: only a cluster with admission policies or webhook
 * match conditions needs it, and it is heavy to load for every command. Loaded synchronously (its
 * CommonJS build), since strategies validate expressions synchronously.
 */
let library: {cel: CelLibrary; kit: CelKit; environment: ReturnType<CelLibrary['celEnv']>} | null = null

function loadedCel(): NonNullable<typeof library> {
  if (library) return library
  const require = createRequire(import.meta.url)
  const cel = require('@bufbuild/cel') as CelLibrary
  const {strings} = require('@bufbuild/cel/ext') as typeof import('@bufbuild/cel/ext')
  const kit = celKit(cel)
  const funcs = [...strings, ...listFunctions(kit), ...quantityFunctions(kit), ...urlFunctions(kit), ...netFunctions(kit), ...optionalFunctions(kit), ...authorizerFunctions(kit), ...formatFunctions(kit), ...costFunctions(kit), ...comprehensionFunctions(kit)]
  library = {cel, kit, environment: cel.celEnv({funcs})}
  return library
}

/** The most compiled programs kept; the oldest is dropped past it. */
export const compiledProgramsMax = 1000
/** The longest expression compiled, in bytes (a policy's expressions are short; this bounds the parser's work). */
export const expressionBytesMax = 64 * 1024

/** An expression that cannot be compiled, worded as cel-go's issues. */
export class CelCompileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CelCompileError'
  }
}

/** A program's failure at run time (a missing key, a wrong type). */
export class CelEvaluationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CelEvaluationError'
  }
}

/** Values that no kubemu place provides, refused when compiled rather than failing later. */
const unsupportedVariables: Readonly<Record<string, string>> = {}

/** The `authorizer` and `authorizer.requestResource` bindings for a request on this resource. */
export function authorizerBindings(request: Parameters<typeof authorizerValues>[1]): Record<string, CelInput> {
  return authorizerValues(loadedCel().kit, request)
}

type Program = (bindings: Record<string, CelInput>, budget?: CostBudget) => unknown

/** JSON as CEL sees it: objects as maps, integers as int (bigint), other numbers as double. */
export function toCel(value: unknown): CelInput {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value
  if (Array.isArray(value)) return value.map((item) => toCel(item))
  if (value instanceof Map) return value as CelInput
  const map = new Map<string, CelInput>()
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item !== undefined) map.set(key, toCel(item))
  }
  return map
}

interface SourceLocation {
  readonly line: number
  readonly column: number
}

/** cel-go's issue text: the location, the message, and the source line with a caret under it. */
function issue(expression: string, location: SourceLocation, message: string): string {
  const sourceLine = expression.split('\n')[location.line - 1] ?? ''
  return `ERROR: <input>:${location.line}:${location.column}: ${message}\n | ${sourceLine}\n | ${'.'.repeat(Math.max(0, location.column - 1))}^`
}

function locationOf(expression: string, offset: number): SourceLocation {
  const before = expression.slice(0, offset)
  const line = before.split('\n').length
  return {line, column: offset - before.lastIndexOf('\n')}
}

/** Operators and the parser's internal functions (_+_, !_, @in, @not_strictly_false, _[_] …), never undeclared. */
const operatorPattern = /^[_@!-]/

/** `a.b.c` as a dotted name (a namespaced function's qualifier such as `sets` or `base64`), else null. */
function qualifiedName(node: ExprNode): string | null {
  const value = node.exprKind.value as Record<string, unknown> | undefined
  if (node.exprKind.case === 'identExpr') return String(value?.name)
  if (node.exprKind.case === 'selectExpr' && value?.testOnly !== true) {
    const operand = qualifiedName(value?.operand as ExprNode)
    return operand === null ? null : `${operand}.${String(value?.field)}`
  }
  return null
}

interface Reference {
  readonly name: string
  readonly id: bigint
  /** A call: cel-go places its issue at the call's opening parenthesis. */
  readonly call?: boolean
}

/** The identifiers and functions an expression uses that no one declares (comprehension variables aside). */
function undeclaredReferences(root: ExprNode, declared: ReadonlySet<string>, isFunction: (name: string) => boolean): Reference[] {
  const found: Reference[] = []
  const visit = (node: ExprNode | undefined, scope: ReadonlySet<string>): void => {
    if (!node) return
    const value = node.exprKind.value as Record<string, unknown> | undefined
    switch (node.exprKind.case) {
      case 'identExpr': {
        const name = String(value?.name)
        if (!scope.has(name) && !declared.has(name)) found.push({name, id: node.id})
        return
      }
      case 'selectExpr':
        visit(value?.operand as ExprNode, scope)
        return
      case 'callExpr': {
        const name = String(value?.function)
        const target = value?.target as ExprNode | undefined
        const qualifier = target ? qualifiedName(target) : null
        if (qualifier === null || !isFunction(`${qualifier}.${name}`)) {
          if (!operatorPattern.test(name) && !isFunction(name)) found.push({name, id: node.id, call: true})
          visit(target, scope)
        }
        for (const argument of (value?.args as ExprNode[]) ?? []) visit(argument, scope)
        return
      }
      case 'listExpr':
        for (const element of (value?.elements as ExprNode[]) ?? []) visit(element, scope)
        return
      case 'structExpr':
        for (const entry of (value?.entries as Array<{keyKind: {case: string; value: unknown}; value: ExprNode}>) ?? []) {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value as ExprNode, scope)
          visit(entry.value, scope)
        }
        return
      case 'comprehensionExpr': {
        visit(value?.iterRange as ExprNode, scope)
        visit(value?.accuInit as ExprNode, scope)
        const inner = new Set([...scope, String(value?.iterVar), String(value?.accuVar), ...(value?.iterVar2 ? [String(value.iterVar2)] : [])])
        for (const part of ['loopCondition', 'loopStep', 'result']) visit(value?.[part] as ExprNode, inner)
        return
      }
      default:
    }
  }
  visit(root, new Set())
  return found
}

const programs = new Map<string, Program>()
/** What each program evaluates to, when the checker is certain (else dyn). */
const outputTypes = new WeakMap<Program, string>()

/**
 * Compiles an expression that may read `variables` (and no other name); throws CelCompileError
 * with cel-go's text. Programs are cached by their text and variables.
 */
export function compileCel(expression: string, variables: readonly string[]): Program {
  const key = `${[...variables].sort().join(',')}\u0000${expression}`
  const cached = programs.get(key)
  if (cached) {
    programs.delete(key)
    programs.set(key, cached)
    return cached
  }
  if (Buffer.byteLength(expression) > expressionBytesMax) throw new CelCompileError(`the expression is longer than the ${expressionBytesMax} bytes kubemu compiles`)
  const {cel, environment} = loadedCel()
  let parsed: ReturnType<CelLibrary['parse']>
  try {
    parsed = cel.parse(rewriteOptionalSyntax(expression))
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error)
    const at = /^<input>:(\d+):(\d+): ([\s\S]*)$/.exec(text)
    const location = at ? {line: Number(at[1]), column: Number(at[2])} : {line: 1, column: 1}
    throw new CelCompileError(issue(expression, location, `Syntax error: ${at ? at[3] : text}`))
  }
  const expressionNode: ExprNode | undefined = parsed.expr
  assert(expressionNode !== undefined, 'the CEL parser gives a parsed expression a tree')
  expandTwoVariableComprehensions(expressionNode)
  propagateOptionalChains(expressionNode)
  const positions = parsed.sourceInfo?.positions ?? {}
  const isFunction = (name: string) => environment.funcs.find(name) !== undefined
  const issues = undeclaredReferences(expressionNode, new Set(variables), isFunction).map(({name, id, call}) => {
    const offset = Number(positions[id.toString()] ?? 0)
    const parenthesis = call ? expression.indexOf('(', offset) : -1
    return {location: locationOf(expression, parenthesis >= 0 ? parenthesis : offset), name}
  })
  // cel-go prints its issues in source order.
  issues.sort((left, right) => left.location.line - right.location.line || left.location.column - right.location.column)
  if (issues.length > 0) {
    throw new CelCompileError(issues.map(({location, name}) => issue(expression, location, unsupportedVariables[name] ?? `undeclared reference to '${name}' (in container '')`)).join('\n'))
  }
  const checked = typeCheck(expressionNode)
  const mistyped = checked.issues.map(({id, message, at: character}) => {
    const offset = Number(positions[id.toString()] ?? 0)
    // The parser's offset of an operator may sit on the space before it.
    const at = character ? expression.indexOf(character, offset) : offset + (/^\s*/.exec(expression.slice(offset))?.[0].length ?? 0)
    return {location: locationOf(expression, at >= 0 ? at : offset), message}
  })
  mistyped.sort((left, right) => left.location.line - right.location.line || left.location.column - right.location.column)
  if (mistyped.length > 0) throw new CelCompileError(mistyped.map(({location, message}) => issue(expression, location, message)).join('\n'))
  const baseCost = expressionCost(expressionNode)
  chargeComprehensions(expressionNode)
  const planned = cel.plan(environment, parsed)
  const program: Program = (bindings, budget) => withCostLimit(baseCost, () => planned(bindings), budget)
  outputTypes.set(program, checked.outputType)
  programs.set(key, program)
  if (programs.size > compiledProgramsMax) programs.delete(programs.keys().next().value!)
  return program
}

/**
 * kube's "compilation failed: …" detail for a field error, or "must evaluate to bool" when the
 * place wants a type the expression certainly does not have; null when it compiles.
 */
export function celCompileFailure(expression: string, variables: readonly string[], returns?: 'bool' | 'string'): string | null {
  try {
    const outputType = outputTypes.get(compileCel(expression, variables)) ?? 'dyn'
    if (returns !== undefined && outputType !== 'dyn' && outputType !== returns) return `must evaluate to ${returns}`
    return null
  } catch (error) {
    if (error instanceof CelCompileError) return `compilation failed: ${error.message}`
    throw error
  }
}

/** Runs a compiled program, its actual cost charged to the budget when given; throws CelEvaluationError with cel-go's words for what went wrong. */
export function evaluateCel(program: Program, bindings: Record<string, CelInput>, budget?: CostBudget): unknown {
  let result: unknown
  try {
    result = program(bindings, budget)
  } catch (error) {
    throw new CelEvaluationError(error instanceof Error ? error.message : String(error))
  }
  if (loadedCel().cel.isCelError(result)) throw new CelEvaluationError(result.message.replace(/^field not found: /, 'no such key: '))
  return result
}

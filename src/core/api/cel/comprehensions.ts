// cel-go's two-variable comprehensions (ext.TwoVarComprehensions, kube 1.32): all(i, v, p),
// exists(i, v, p), existsOne(i, v, p), transformList(i, v, [filter,] e), transformMap(k, v,
// [filter,] e) and transformMapEntry(k, v, [filter,] {key: value}), over a list's indexes and elements or a map's keys and values. @bufbuild/cel's
// parser leaves them as plain calls and its folds have one variable, so each becomes, after
// parsing, a fold over [key, value] pairs whose body reads the pair's halves.
import type {CelKit} from './kit.js'
import type {ExprNode} from './expr-node.js'

export const pairsFunction = 'kubemu_pairs'
export const mapInsertFunction = 'kubemu_map_insert'
export const mapMergeFunction = 'kubemu_map_merge'
const pairVariable = '@kubemu_pair'
const resultVariable = '@result'

const macros = new Set(['all', 'exists', 'existsOne', 'transformList', 'transformMap', 'transformMapEntry'])

/** A copy of `node` with the variables `first` and `second` read from the pair (inner shadowing respected). */
function substitute(node: ExprNode, id: bigint, names: readonly [string, string]): ExprNode {
  const value = node.exprKind.value as Record<string, unknown> | undefined
  if (node.exprKind.case === 'identExpr') {
    const index = names.indexOf(String(value?.name))
    if (index < 0) return node
    return call(id, '_[_]', [ident(id, pairVariable), constant(id, BigInt(index))])
  }
  if (node.exprKind.case === 'comprehensionExpr' && value) {
    const shadowed = names.map((name) => (name === value.iterVar || name === value.accuVar ? '' : name)) as [string, string]
    const copy: Record<string, unknown> = {...value, iterRange: substitute(value.iterRange as ExprNode, id, names), accuInit: substitute(value.accuInit as ExprNode, id, names)}
    for (const part of ['loopCondition', 'loopStep', 'result']) copy[part] = substitute(value[part] as ExprNode, id, shadowed)
    return {id: node.id, exprKind: {case: node.exprKind.case, value: copy}}
  }
  if (!value) return node
  const copy: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) {
    if (Array.isArray(child)) {
      copy[key] = child.map((item) => {
        if (item && typeof item === 'object' && 'exprKind' in item) return substitute(item as ExprNode, id, names)
        if (item && typeof item === 'object' && 'value' in item) {
          const entry: Record<string, unknown> = {...(item as Record<string, unknown>), value: substitute((item as {value: ExprNode}).value, id, names)}
          const keyKind = (item as {keyKind?: {case: string; value: unknown}}).keyKind
          if (keyKind?.case === 'mapKey') entry.keyKind = {case: 'mapKey', value: substitute(keyKind.value as ExprNode, id, names)}
          return entry
        }
        return item
      })
    } else if (child && typeof child === 'object' && 'exprKind' in child) copy[key] = substitute(child as ExprNode, id, names)
    else copy[key] = child
  }
  return {id: node.id, exprKind: {case: node.exprKind.case, value: copy}}
}

const ident = (id: bigint, name: string): ExprNode => ({id, exprKind: {case: 'identExpr', value: {name}}})
const constant = (id: bigint, value: bigint | boolean): ExprNode =>
  ({id, exprKind: {case: 'constExpr', value: {constantKind: typeof value === 'bigint' ? {case: 'int64Value', value} : {case: 'boolValue', value}}}})
const call = (id: bigint, name: string, args: ExprNode[]): ExprNode => ({id, exprKind: {case: 'callExpr', value: {function: name, args}}})
const list = (id: bigint, elements: ExprNode[]): ExprNode => ({id, exprKind: {case: 'listExpr', value: {elements, optionalIndices: []}}})
const emptyMap = (id: bigint): ExprNode => ({id, exprKind: {case: 'structExpr', value: {messageName: '', entries: []}}})

/** Rewrites the two-variable macros of an expression into folds, in place (children first). */
export function expandTwoVariableComprehensions(node: ExprNode | undefined): void {
  if (!node || typeof node !== 'object' || !('exprKind' in node)) return
  const value = node.exprKind.value as Record<string, unknown> | undefined
  for (const child of Object.values(value ?? {})) {
    if (Array.isArray(child)) for (const item of child) expandTwoVariableComprehensions((item?.exprKind ? item : item?.value) as ExprNode)
    else if (child && typeof child === 'object') expandTwoVariableComprehensions(child as ExprNode)
  }
  if (node.exprKind.case !== 'callExpr' || !value?.target) return
  const name = String(value.function)
  const args = value.args as ExprNode[]
  const transform = name.startsWith('transform')
  if (!macros.has(name) || !(args.length === 3 || (transform && args.length === 4))) return
  if (args[0]!.exprKind.case !== 'identExpr' || args[1]!.exprKind.case !== 'identExpr') return
  const id = node.id
  const names = [String((args[0]!.exprKind.value as {name: string}).name), String((args[1]!.exprKind.value as {name: string}).name)] as const
  const body = args.slice(2).map((arg) => substitute(arg, id, names))
  const result = ident(id, resultVariable)
  const predicate = body[0]!
  const fold = (accuInit: ExprNode, loopCondition: ExprNode, loopStep: ExprNode, outcome: ExprNode = result) => {
    node.exprKind = {case: 'comprehensionExpr', value: {
      iterVar: pairVariable, iterVar2: '', iterRange: call(id, pairsFunction, [value.target as ExprNode]), accuVar: resultVariable,
      accuInit, loopCondition, loopStep, result: outcome,
    }}
  }
  const filtered = (step: ExprNode) => (body.length === 2 ? call(id, '_?_:_', [predicate, step, result]) : step)
  const produced = body[body.length - 1]!
  switch (name) {
    case 'all':
      return fold(constant(id, true), call(id, '@not_strictly_false', [result]), call(id, '_&&_', [result, predicate]))
    case 'exists':
      return fold(constant(id, false), call(id, '@not_strictly_false', [call(id, '!_', [result])]), call(id, '_||_', [result, predicate]))
    case 'existsOne':
      return fold(constant(id, 0n), constant(id, true), call(id, '_?_:_', [predicate, call(id, '_+_', [result, constant(id, 1n)]), result]), call(id, '_==_', [result, constant(id, 1n)]))
    case 'transformList':
      return fold(list(id, []), constant(id, true), filtered(call(id, '_+_', [result, list(id, [produced])])))
    case 'transformMap':
      return fold(emptyMap(id), constant(id, true), filtered(call(id, mapInsertFunction, [result, call(id, '_[_]', [ident(id, pairVariable), constant(id, 0n)]), produced])))
    case 'transformMapEntry':
      return fold(emptyMap(id), constant(id, true), filtered(call(id, mapMergeFunction, [result, produced])))
  }
}

export function comprehensionFunctions({cel}: CelKit) {
  const {celFunc, CelScalar, isCelList, isCelMap, listType, mapType} = cel
  return [
    celFunc(pairsFunction, [CelScalar.DYN], listType(CelScalar.DYN), (range) => {
      if (isCelList(range)) return [...range].map((element, index) => [BigInt(index), element])
      if (isCelMap(range)) return [...range].map(([key, element]) => [key, element])
      throw new Error('no such overload')
    }),
    celFunc(mapInsertFunction, [mapType(CelScalar.DYN, CelScalar.DYN), CelScalar.DYN, CelScalar.DYN], mapType(CelScalar.DYN, CelScalar.DYN), (map, key, element) => {
      if (map.has(key as string)) throw new Error(`insert failed: key ${String(key)} already exists`)
      return new Map([...map, [key as string, element]])
    }),
    // transformMapEntry's step: the entries its expression made join the result; a key made twice is cel-go's insert failure.
    celFunc(mapMergeFunction, [mapType(CelScalar.DYN, CelScalar.DYN), CelScalar.DYN], mapType(CelScalar.DYN, CelScalar.DYN), (map, entries) => {
      if (!isCelMap(entries)) throw new Error('no such overload')
      const merged = new Map(map)
      for (const [key, element] of entries) {
        if (merged.has(key as string)) throw new Error(`insert failed: key ${String(key)} already exists`)
        merged.set(key as string, element)
      }
      return merged
    }),
  ]
}

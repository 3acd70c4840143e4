// The type check kube-apiserver's CEL compiler runs when a policy is created: the object,
// oldObject, params, namespaceObject and variables are dyn there (their schemas are not known at
// create), so only what is certain is refused: operators and functions applied to constants,
// `request` fields and their results of the wrong types, and fields `request` does not have.
// Anything that reaches a dyn value passes, as in cel-go, and fails (or not) when evaluated.
import type {ExprNode} from './expr-node.js'

/** A CEL type as cel-go prints it (`int`, `list(string)`, `map(string, dyn)`), or dyn. */
type CelTypeName = string

export interface TypeIssue {
  readonly id: bigint
  readonly message: string
  /** The character cel-go places the issue at, the first of it from the node's offset (a call's parenthesis, a conditional's `?`), or null for the node's own offset. */
  readonly at: '(' | '?' | null
}

const dyn = 'dyn'
const numeric = ['int', 'uint', 'double']
/** Types whose overloads this checker knows exactly; any other (dyn, messages, type params) passes. */
const knownTypes = new Set(['int', 'uint', 'double', 'string', 'bool', 'bytes'])
const isKnown = (type: CelTypeName): boolean =>
  knownTypes.has(type) || /^list\((int|uint|double|string|bool|bytes)\)$/.test(type) || /^map\(string, (int|uint|double|string|bool|bytes)\)$/.test(type)

/** kubernetes.AdmissionRequest's fields as kube declares them for CEL. */
const objectTypes: Readonly<Record<string, Readonly<Record<string, CelTypeName>>>> = {
  'kubernetes.AdmissionRequest': {
    kind: 'kubernetes.GroupVersionKind', resource: 'kubernetes.GroupVersionResource', subResource: 'string',
    requestKind: 'kubernetes.GroupVersionKind', requestResource: 'kubernetes.GroupVersionResource', requestSubResource: 'string',
    name: 'string', namespace: 'string', operation: 'string', userInfo: 'kubernetes.UserInfo', dryRun: 'bool', options: dyn,
  },
  'kubernetes.UserInfo': {username: 'string', uid: 'string', groups: 'list(string)', extra: dyn},
  'kubernetes.GroupVersionKind': {group: 'string', version: 'string', kind: 'string'},
  'kubernetes.GroupVersionResource': {group: 'string', version: 'string', resource: 'string'},
}

/** The typed variables of admission's CEL; every other declared name is dyn. */
const variableTypes: Readonly<Record<string, CelTypeName>> = {request: 'kubernetes.AdmissionRequest'}

/** Result type of an operator's overload for these argument types, or null when none takes them. */
function operatorResult(operator: string, types: readonly CelTypeName[]): CelTypeName | null {
  const [left, right] = types
  const same = left === right
  switch (operator) {
    case '_+_':
      if (same && (numeric.includes(left!) || ['string', 'bytes'].includes(left!) || left!.startsWith('list('))) return left!
      return null
    case '_-_':
    case '_*_':
    case '_/_':
      return same && numeric.includes(left!) ? left! : null
    case '_%_':
      return same && ['int', 'uint'].includes(left!) ? left! : null
    case '-_':
      return ['int', 'double'].includes(left!) ? left! : null
    case '!_':
      return left === 'bool' ? 'bool' : null
    case '_&&_':
    case '_||_':
      return left === 'bool' && right === 'bool' ? 'bool' : null
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_':
      if (numeric.includes(left!) && numeric.includes(right!)) return 'bool'
      return same && ['string', 'bytes', 'bool'].includes(left!) ? 'bool' : null
    case '_==_':
    case '_!=_':
      // Equality is heterogeneous at run time only: the checker wants one type on both sides.
      return same ? 'bool' : null
    case '@in': {
      const element = /^list\((.+)\)$/.exec(right!)?.[1] ?? (/^map\(string, /.test(right!) ? 'string' : null)
      return element === left ? 'bool' : null
    }
    default:
      return dyn
  }
}

/** Result of a named function's overload (receiver first when a method), or null when none takes these. */
function functionResult(name: string, method: boolean, types: readonly CelTypeName[]): CelTypeName | null {
  const [first, second] = types
  const sized = (type: CelTypeName) => ['string', 'bytes'].includes(type) || type.startsWith('list(') || type.startsWith('map(')
  switch (name) {
    case 'size':
      return types.length === 1 && sized(first!) ? 'int' : null
    case 'contains':
    case 'startsWith':
    case 'endsWith':
    case 'matches':
      if (!method && name !== 'matches') return dyn
      return first === 'string' && second === 'string' ? 'bool' : null
    default:
      return dyn
  }
}

/** Functions whose every overload returns one type: what they return whatever their arguments. */
const sameResultTypes: Readonly<Record<string, CelTypeName>> = {
  size: 'int', contains: 'bool', startsWith: 'bool', endsWith: 'bool', matches: 'bool', '!_': 'bool', '_&&_': 'bool', '_||_': 'bool', '@in': 'bool',
  '_<_': 'bool', '_<=_': 'bool', '_>_': 'bool', '_>=_': 'bool', '_==_': 'bool', '_!=_': 'bool',
}

const callText = (method: boolean, types: readonly CelTypeName[]) => (method ? `${types[0]}.(${types.slice(1).join(', ')})` : `(${types.join(', ')})`)

const constantTypes: Readonly<Record<string, CelTypeName>> = {
  boolValue: 'bool', bytesValue: 'bytes', doubleValue: 'double', int64Value: 'int', stringValue: 'string', uint64Value: 'uint', nullValue: 'null_type',
}

/** The type issues of an expression, cel-go's words, in the order they are found, and its output type (dyn when not certain). */
export function typeCheck(root: ExprNode): {issues: TypeIssue[]; outputType: CelTypeName} {
  const issues: TypeIssue[] = []
  const infer = (node: ExprNode | undefined, shadowed: ReadonlySet<string>): CelTypeName => {
    if (!node) return dyn
    const value = node.exprKind.value as Record<string, unknown> | undefined
    switch (node.exprKind.case) {
      case 'constExpr': {
        const kind = (value?.constantKind as {case?: string} | undefined)?.case ?? ''
        return constantTypes[kind] ?? dyn
      }
      case 'identExpr': {
        const name = String(value?.name)
        return shadowed.has(name) ? dyn : variableTypes[name] ?? dyn
      }
      case 'selectExpr': {
        const operand = infer(value?.operand as ExprNode, shadowed)
        if (value?.testOnly === true) return 'bool'
        const field = String(value?.field)
        const fields = objectTypes[operand]
        if (fields) {
          const type = fields[field]
          if (type === undefined) {
            issues.push({id: node.id, message: `undefined field '${field}'`, at: null})
            return dyn
          }
          return type
        }
        const entry = /^map\(string, (.+)\)$/.exec(operand)
        return entry ? entry[1]! : dyn
      }
      case 'callExpr': {
        const name = String(value?.function)
        const target = value?.target as ExprNode | undefined
        const args = ((value?.args as ExprNode[]) ?? []).map((argument) => infer(argument, shadowed))
        const types = target ? [infer(target, shadowed), ...args] : args
        if (name === '_?_:_') {
          if (isKnown(types[0]!) && types[0] !== 'bool') issues.push({id: node.id, message: `found no matching overload for '_?_:_' applied to '(${types.join(', ')})'`, at: '?'})
          return types[1] === types[2] ? types[1]! : dyn
        }
        if (name === '_[_]') {
          const element = /^list\((.+)\)$/.exec(types[0]!) ?? /^map\(string, (.+)\)$/.exec(types[0]!)
          return element ? element[1]! : dyn
        }
        if (!types.every(isKnown)) return sameResultTypes[name] ?? dyn
        const operator = /^[_@!-]/.test(name)
        const result = operator ? operatorResult(name, types) : functionResult(name, target !== undefined, types)
        if (result !== null) return result
        issues.push({id: node.id, message: `found no matching overload for '${name}' applied to '${callText(target !== undefined, types)}'`, at: operator ? null : '('})
        return dyn
      }
      case 'listExpr': {
        const elements = ((value?.elements as ExprNode[]) ?? []).map((element) => infer(element, shadowed))
        const first = elements[0]
        return first !== undefined && elements.every((element) => element === first) ? `list(${first})` : dyn
      }
      case 'structExpr':
        for (const entry of (value?.entries as Array<{keyKind: {case: string; value: unknown}; value: ExprNode}>) ?? []) {
          if (entry.keyKind.case === 'mapKey') infer(entry.keyKind.value as ExprNode, shadowed)
          infer(entry.value, shadowed)
        }
        return dyn
      case 'comprehensionExpr': {
        infer(value?.iterRange as ExprNode, shadowed)
        infer(value?.accuInit as ExprNode, shadowed)
        const inner = new Set([...shadowed, String(value?.iterVar), String(value?.accuVar), ...(value?.iterVar2 ? [String(value.iterVar2)] : [])])
        for (const part of ['loopCondition', 'loopStep', 'result']) infer(value?.[part] as ExprNode, inner)
        return dyn
      }
      default:
        return dyn
    }
  }
  const outputType = infer(root, new Set())
  return {issues, outputType}
}

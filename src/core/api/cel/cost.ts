// kube's runtime cost limit for one CEL evaluation (celconfig.PerCallLimit). @bufbuild/cel tracks
// no cost, so kubemu counts what dominates it: every comprehension step is charged the size of
// its loop (the operations cel-go would charge one each), and the whole expression its size once.
// Past the limit the evaluation ends with cel-go's "operation cancelled: actual cost limit exceeded".
import type {CelKit} from './kit.js'
import type {ExprNode} from './expr-node.js'

/** celconfig.PerCallLimit: the most cost one expression's evaluation may spend. */
export const perCallCostLimit = 1_000_000
export const costExceededMessage = 'operation cancelled: actual cost limit exceeded'
export const costFunction = 'kubemu_cost'

/** The cost of one evaluation under way. */
class CostTracker {
  spent = 0
  exceeded = false
  charge(cost: number): void {
    this.spent += cost
    if (this.spent > perCallCostLimit) {
      this.exceeded = true
      throw new Error(costExceededMessage)
    }
  }
}

let current: CostTracker | null = null

/** celconfig.RuntimeCELCostBudget: the most cost one policy's expressions may spend on one request. */
export const requestCostBudget = 10_000_000
export const budgetExceededMessage = 'validation failed due to running out of cost budget, no further validation rules will be run'

/** What is left of a request's budget; each evaluation charged to it spends its actual cost. */
export class CostBudget {
  constructor(public remaining: number = requestCostBudget) {}
  get exhausted(): boolean {
    return this.remaining < 0
  }
}

/** Runs one evaluation under the limit; throws costExceededMessage when it went past. What it spent goes off the budget. */
export function withCostLimit<T>(initialCost: number, run: () => T, budget?: CostBudget): T {
  const previous = current
  const tracker = new CostTracker()
  current = tracker
  try {
    tracker.charge(initialCost)
    const result = run()
    if (tracker.exceeded) throw new Error(costExceededMessage)
    return result
  } finally {
    current = previous
    if (budget) budget.remaining -= tracker.spent
  }
}

/** The operations of an expression (every node but constants). */
export function expressionCost(node: ExprNode | undefined): number {
  if (!node || typeof node !== 'object' || !('exprKind' in node)) return 0
  let cost = node.exprKind.case === 'constExpr' ? 0 : 1
  for (const child of Object.values((node.exprKind.value as Record<string, unknown>) ?? {})) {
    if (Array.isArray(child)) for (const item of child) cost += expressionCost((item?.exprKind ? item : item?.value) as ExprNode)
    else if (child && typeof child === 'object') cost += expressionCost(child as ExprNode)
  }
  return cost
}

/** Charges every comprehension step its loop's cost, in place: loopCondition becomes kubemu_cost(condition, cost). */
export function chargeComprehensions(node: ExprNode | undefined): void {
  if (!node || typeof node !== 'object' || !('exprKind' in node)) return
  const value = node.exprKind.value as Record<string, unknown> | undefined
  for (const child of Object.values(value ?? {})) {
    if (Array.isArray(child)) for (const item of child) chargeComprehensions((item?.exprKind ? item : item?.value) as ExprNode)
    else if (child && typeof child === 'object') chargeComprehensions(child as ExprNode)
  }
  if (node.exprKind.case !== 'comprehensionExpr' || !value) return
  const condition = value.loopCondition as ExprNode
  const stepCost = Math.max(1, expressionCost(condition) + expressionCost(value.loopStep as ExprNode))
  const cost = {id: condition.id, exprKind: {case: 'constExpr', value: {constantKind: {case: 'int64Value', value: BigInt(stepCost)}}}}
  value.loopCondition = {id: condition.id, exprKind: {case: 'callExpr', value: {function: costFunction, args: [condition, cost]}}}
}

export function costFunctions({cel}: CelKit) {
  const {celFunc, CelScalar} = cel
  return [
    celFunc(costFunction, [CelScalar.DYN, CelScalar.INT], CelScalar.DYN, (condition, cost) => {
      current?.charge(Number(cost))
      return condition
    }),
  ]
}

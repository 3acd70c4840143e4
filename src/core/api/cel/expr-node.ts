// The parsed CEL tree as kubemu's passes over it see it (undeclared references, optional chains,
// two-variable comprehensions, type checking, cost): an id and one kind of expression with its
// parts. The parser's own Expr messages fit this shape, so each pass takes them without a copy.
export interface ExprNode {
  id: bigint
  exprKind: {case: string | undefined; value?: unknown}
}

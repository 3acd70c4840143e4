/** A broken invariant is a bug: crash with a clear message instead of running on with bad state. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`)
    this.name = 'InvariantError'
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message)
}

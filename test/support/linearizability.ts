// A linearizability checker for histories of concurrent clients of a key-value store, after
// Wing & Gong's search with Lowe's memoization, as Porcupine does it: the history is split by key
// (each operation touches one key, and linearizability is compositional), then for each key a
// depth-first search tries to order the operations so that each takes effect at one instant
// between its invocation and its response and the sequence is legal for a register. A state the
// search has already met with the same set of operations linearized is not explored twice. An
// operation whose outcome the client never learnt (a timeout, an unavailable member) has no
// response time: it may take effect at any point after its invocation, or never, and its result
// is not checked.

/** What a client asked of the store: a read, a write, or a compare-and-swap (value equal to `expected`, null: the key is absent). */
export type KvInput =
  | {readonly kind: 'get'; readonly key: string}
  | {readonly kind: 'put'; readonly key: string; readonly value: string}
  | {readonly kind: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string}

/** What came back: a get's value (null: absent), a put's acknowledgement, whether a cas succeeded. */
export type KvOutput = {readonly kind: 'get'; readonly value: string | null} | {readonly kind: 'put'} | {readonly kind: 'cas'; readonly succeeded: boolean}

export interface KvOperation {
  readonly client: number
  readonly input: KvInput
  /** When the client invoked it (any monotonic clock shared by all clients). */
  readonly call: number
  /** When the response arrived; null when the outcome is unknown (timeout, unavailable). */
  readonly response: number | null
  /** null when the outcome is unknown. */
  readonly output: KvOutput | null
}

/** Steps of the search per key before it gives up and says "unknown", so a pathological history cannot hang a test. */
export const searchStepsMax = 5_000_000

export type CheckResult =
  | {readonly verdict: 'linearizable'}
  | {readonly verdict: 'unknown'; readonly key: string; readonly steps: number}
  | {readonly verdict: 'not linearizable'; readonly key: string; readonly explanation: string}

type Register = string | null

/** A register's step: whether `output` is possible from `state`, and the state after. An unknown output is always possible. */
function step(state: Register, input: KvInput, output: KvOutput | null): {ok: boolean; state: Register} {
  switch (input.kind) {
    case 'get':
      return {ok: output === null || (output.kind === 'get' && output.value === state), state}
    case 'put':
      return {ok: true, state: input.value}
    case 'cas': {
      const matches = state === input.expected
      if (output !== null && (output.kind !== 'cas' || output.succeeded !== matches)) return {ok: false, state}
      return {ok: true, state: matches ? input.value : state}
    }
  }
}

export function describeOperation(operation: KvOperation): string {
  const input = operation.input
  const asked = input.kind === 'get' ? `get(${input.key})` : input.kind === 'put' ? `put(${input.key}, ${input.value})` : `cas(${input.key}, ${input.expected} -> ${input.value})`
  const output = operation.output
  const answered = output === null ? '?' : output.kind === 'get' ? String(output.value) : output.kind === 'put' ? 'ok' : String(output.succeeded)
  const response = operation.response === null ? '∞' : operation.response.toFixed(1)
  return `client ${operation.client} [${operation.call.toFixed(1)}, ${response}] ${asked} -> ${answered}`
}

interface Entry {
  readonly operation: number
  readonly isCall: boolean
  readonly time: number
  /** For a call, its return entry. */
  match: Entry | null
  previous: Entry | null
  next: Entry | null
}

/** The doubly linked list of call and return entries, by time; at equal times calls come first (the operations overlap). */
function entriesOf(operations: readonly KvOperation[]): Entry {
  const entries: Entry[] = []
  operations.forEach((operation, index) => {
    const returned: Entry = {operation: index, isCall: false, time: operation.response ?? Number.POSITIVE_INFINITY, match: null, previous: null, next: null}
    entries.push({operation: index, isCall: true, time: operation.call, match: returned, previous: null, next: null}, returned)
  })
  entries.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1))
  const head: Entry = {operation: -1, isCall: false, time: Number.NEGATIVE_INFINITY, match: null, previous: null, next: null}
  let last = head
  for (const entry of entries) {
    last.next = entry
    entry.previous = last
    last = entry
  }
  return head
}

/** Takes a call and its return out of the list. */
function lift(entry: Entry): void {
  entry.previous!.next = entry.next
  if (entry.next) entry.next.previous = entry.previous
  const match = entry.match!
  match.previous!.next = match.next
  if (match.next) match.next.previous = match.previous
}

/** Puts them back, in reverse order of lift. */
function unlift(entry: Entry): void {
  const match = entry.match!
  match.previous!.next = match
  if (match.next) match.next.previous = match
  entry.previous!.next = entry
  if (entry.next) entry.next.previous = entry
}

/** Checks the operations on one key, starting from `initial`. */
function checkKey(operations: readonly KvOperation[], initial: Register, stepsMax: number): {verdict: 'linearizable' | 'not linearizable' | 'unknown'; steps: number; deepest: number[]} {
  const head = entriesOf(operations)
  const seen = new Set<string>()
  const calls: Array<{entry: Entry; state: Register}> = []
  let linearized = 0n
  let state = initial
  let entry = head.next
  let steps = 0
  let deepest: number[] = []
  while (head.next !== null) {
    if (++steps > stepsMax) return {verdict: 'unknown', steps, deepest}
    if (entry!.isCall) {
      const operation = operations[entry!.operation]!
      const next = step(state, operation.input, operation.output)
      const withIt = linearized | (1n << BigInt(entry!.operation))
      const memo = `${withIt.toString(36)}:${next.state === null ? '' : `=${next.state}`}`
      if (next.ok && !seen.has(memo)) {
        seen.add(memo)
        calls.push({entry: entry!, state})
        if (calls.length > deepest.length) deepest = calls.map((call) => call.entry.operation)
        state = next.state
        linearized = withIt
        lift(entry!)
        entry = head.next
      } else {
        entry = entry!.next
      }
    } else {
      // A response whose operation could not be linearized before it: undo the last choice.
      const last = calls.pop()
      if (!last) return {verdict: 'not linearizable', steps, deepest}
      state = last.state
      linearized &= ~(1n << BigInt(last.entry.operation))
      unlift(last.entry)
      entry = last.entry.next
    }
  }
  return {verdict: 'linearizable', steps, deepest}
}

/**
 * Whether the history is linearizable for a map of registers, every key absent at first unless
 * `initial` gives its value. On a violation, the explanation lists the key's operations by
 * invocation and the longest order the search could make legal.
 */
export function checkLinearizable(history: readonly KvOperation[], options: {initial?: ReadonlyMap<string, string>; stepsMax?: number} = {}): CheckResult {
  const byKey = new Map<string, KvOperation[]>()
  for (const operation of history) {
    const list = byKey.get(operation.input.key) ?? []
    list.push(operation)
    byKey.set(operation.input.key, list)
  }
  let unknown: CheckResult | null = null
  for (const [key, operations] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
    const result = checkKey(operations, options.initial?.get(key) ?? null, options.stepsMax ?? searchStepsMax)
    if (result.verdict === 'not linearizable') {
      const ordered = [...operations].sort((a, b) => a.call - b.call)
      const explanation = [
        `${operations.length} operations on ${key}, by invocation:`,
        ...ordered.map((operation) => `  ${describeOperation(operation)}`),
        `the longest legal order found (${result.deepest.length} operations):`,
        ...result.deepest.map((index) => `  ${describeOperation(operations[index]!)}`),
      ].join('\n')
      return {verdict: 'not linearizable', key, explanation}
    }
    if (result.verdict === 'unknown') unknown ??= {verdict: 'unknown', key, steps: result.steps}
  }
  return unknown ?? {verdict: 'linearizable'}
}

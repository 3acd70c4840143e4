// The linearizability checker on hand-made histories, both ways: it accepts what a register may
// do and rejects what it may not, so a run against kubemu that it passes means something.
import {describe, expect, it} from 'vitest'
import {checkLinearizable, type KvInput, type KvOperation, type KvOutput} from '../support/linearizability.js'
import {SeededRandom} from '../../src/core/util/random.js'

let clientOf = 0
/** An operation over [call, response]; response null: its outcome is unknown. */
function op(call: number, response: number | null, input: KvInput, output: KvOutput | null, client = clientOf++): KvOperation {
  return {client, input, call, response, output}
}
const get = (key: string, value: string | null): [KvInput, KvOutput] => [{kind: 'get', key}, {kind: 'get', value}]
const put = (key: string, value: string): [KvInput, KvOutput] => [{kind: 'put', key, value}, {kind: 'put'}]
const cas = (key: string, expected: string | null, value: string, succeeded: boolean): [KvInput, KvOutput] => [{kind: 'cas', key, expected, value}, {kind: 'cas', succeeded}]
const at = (call: number, response: number | null, [input, output]: [KvInput, KvOutput], ambiguous = false) => op(call, response, input, ambiguous ? null : output)

describe('the linearizability checker', () => {
  it('accepts sequential histories a register allows, and rejects a stale read after a write returned', () => {
    expect(checkLinearizable([at(0, 1, put('x', 'a')), at(2, 3, get('x', 'a'))]).verdict).toBe('linearizable')
    expect(checkLinearizable([at(0, 1, get('x', null)), at(2, 3, put('x', 'a')), at(4, 5, get('x', 'a'))]).verdict).toBe('linearizable')
    const stale = checkLinearizable([at(0, 1, put('x', 'a')), at(2, 3, get('x', null))])
    expect(stale).toMatchObject({verdict: 'not linearizable', key: 'x'})
    expect(stale.verdict === 'not linearizable' && stale.explanation).toContain('get(x) -> null')
  })

  it('lets an overlapping read see the old or the new value, but not new then old once the first read returned', () => {
    expect(checkLinearizable([at(0, 10, put('x', 'a')), at(1, 2, get('x', null))]).verdict).toBe('linearizable')
    expect(checkLinearizable([at(0, 10, put('x', 'a')), at(1, 2, get('x', 'a'))]).verdict).toBe('linearizable')
    // The read that saw 'a' returned before the second read began: the second must see 'a' too.
    expect(checkLinearizable([at(0, 10, put('x', 'a')), at(1, 2, get('x', 'a')), at(3, 4, get('x', null))]).verdict).toBe('not linearizable')
    // Overlapping reads may split either way.
    expect(checkLinearizable([at(0, 10, put('x', 'a')), at(1, 4, get('x', 'a')), at(3, 5, get('x', null))]).verdict).toBe('linearizable')
  })

  it('allows one of two racing compare-and-swaps from the same value, never both', () => {
    expect(checkLinearizable([at(0, 5, cas('x', null, 'a', true)), at(1, 6, cas('x', null, 'b', false)), at(7, 8, get('x', 'a'))]).verdict).toBe('linearizable')
    expect(checkLinearizable([at(0, 5, cas('x', null, 'a', true)), at(1, 6, cas('x', null, 'b', true))]).verdict).toBe('not linearizable')
    // A failed swap must have seen a value other than the expected one.
    expect(checkLinearizable([at(0, 1, put('x', 'a')), at(2, 3, cas('x', 'a', 'b', false))]).verdict).toBe('not linearizable')
    expect(checkLinearizable([at(0, 1, put('x', 'a')), at(2, 3, cas('x', 'a', 'b', true)), at(4, 5, get('x', 'b'))]).verdict).toBe('linearizable')
  })

  it('lets a write of unknown outcome take effect at any time after its invocation, or never', () => {
    // Seen, not seen, or seen later than its caller gave up on it.
    expect(checkLinearizable([at(0, null, put('x', 'a'), true), at(5, 6, get('x', null))]).verdict).toBe('linearizable')
    expect(checkLinearizable([at(0, null, put('x', 'a'), true), at(5, 6, get('x', null)), at(100, 101, get('x', 'a'))]).verdict).toBe('linearizable')
    // Once seen it stays, and it cannot be seen before it was invoked.
    expect(checkLinearizable([at(0, null, put('x', 'a'), true), at(5, 6, get('x', 'a')), at(7, 8, get('x', null))]).verdict).toBe('not linearizable')
    expect(checkLinearizable([at(0, 1, get('x', 'a')), at(2, null, put('x', 'a'), true)]).verdict).toBe('not linearizable')
    // An unknown swap applies only if its comparison holds where it lands.
    expect(checkLinearizable([at(0, 1, put('x', 'a')), at(2, null, cas('x', 'z', 'b', true), true), at(5, 6, get('x', 'b'))]).verdict).toBe('not linearizable')
    expect(checkLinearizable([at(0, 1, put('x', 'a')), at(2, null, cas('x', 'a', 'b', true), true), at(5, 6, get('x', 'b'))]).verdict).toBe('linearizable')
  })

  it('checks each key on its own, from given initial values, and names the key that fails', () => {
    const history = [at(0, 1, put('x', 'a')), at(0, 1, put('y', 'b')), at(2, 3, get('x', 'a')), at(2, 3, get('y', 'old'))]
    expect(checkLinearizable(history)).toMatchObject({verdict: 'not linearizable', key: 'y'})
    expect(checkLinearizable([at(0, 1, get('x', 'before'))], {initial: new Map([['x', 'before']])}).verdict).toBe('linearizable')
  })

  it('gives up with "unknown" at its step limit instead of searching for ever', () => {
    // Many overlapping writes and a read no order explains: the search must try them all.
    const history = Array.from({length: 14}, (_, index) => at(0, 100, put('x', `v${index}`)))
    history.push(at(101, 102, get('x', 'never written')))
    expect(checkLinearizable(history, {stepsMax: 1_000})).toMatchObject({verdict: 'unknown', key: 'x'})
    expect(checkLinearizable(history).verdict).toBe('not linearizable')
  })

  it('accepts random histories made by a real register with overlapping clients, and rejects them with one read changed', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000)
    const generator = new SeededRandom(seed)
    const random = () => generator.next()
    for (let round = 0; round < 50; round++) {
      // Each operation takes effect at an instant inside its interval, in the order of those instants.
      const values = new Map<string, string>()
      const history: KvOperation[] = []
      for (let index = 0; index < 60; index++) {
        const key = `k${Math.floor(random() * 3)}`
        const instant = index * 10
        const call = instant - Math.floor(random() * 25)
        const response = instant + Math.floor(random() * 25)
        const choice = random()
        const current = values.get(key) ?? null
        if (choice < 0.4) history.push(op(call, response, {kind: 'get', key}, {kind: 'get', value: current}, index % 5))
        else if (choice < 0.7) {
          values.set(key, `v${index}`)
          history.push(op(call, random() < 0.1 ? null : response, {kind: 'put', key, value: `v${index}`}, {kind: 'put'}, index % 5))
        } else {
          const expected = random() < 0.5 ? current : 'other'
          if (expected === current) values.set(key, `v${index}`)
          history.push(op(call, response, {kind: 'cas', key, expected, value: `v${index}`}, {kind: 'cas', succeeded: expected === current}, index % 5))
        }
      }
      // Unknown outcomes have no response: drop what the client would not have learnt.
      const recorded = history.map((operation) => (operation.response === null ? {...operation, output: null} : operation))
      expect(checkLinearizable(recorded), `seed ${seed} round ${round}`).toEqual({verdict: 'linearizable'})
      // A read that saw a value no write ever made cannot be explained.
      const reads = recorded.filter((operation) => operation.input.kind === 'get')
      const changed = reads[Math.floor(random() * reads.length)]!
      const broken = recorded.map((operation) => (operation === changed ? {...operation, output: {kind: 'get' as const, value: 'never written'}} : operation))
      expect(checkLinearizable(broken).verdict, `seed ${seed} round ${round}`).toBe('not linearizable')
    }
  })
})

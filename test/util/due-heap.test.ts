// The due-time heap against a plain map walked in full, over random sets, moves, deletes and
// takes (seeded: a failure prints SEED=… to replay it).
import {describe, expect, it} from 'vitest'
import {DueHeap} from '../../src/core/util/due-heap.js'
import {SeededRandom} from '../../src/core/util/random.js'

describe('DueHeap', () => {
  it('answers the earliest due time and takes the due keys as a full walk of every key would', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000)
    const random = new SeededRandom(seed)
    const heap = new DueHeap()
    const model = new Map<string, number>()
    let now = 0
    try {
      for (let step = 0; step < 20_000; step++) {
        const key = `node-${random.nextInt(200)}`
        const roll = random.next()
        if (roll < 0.55) {
          const due = now + random.nextInt(100) - 10
          heap.set(key, due)
          model.set(key, due)
        } else if (roll < 0.65) {
          heap.delete(key)
          model.delete(key)
        } else if (roll < 0.9) {
          now += random.nextInt(20)
          const expected = [...model].filter(([, due]) => due <= now)
          const taken = heap.takeDue(now)
          expect(new Set(taken)).toEqual(new Set(expected.map(([name]) => name)))
          expect(taken.length).toBe(expected.length)
          // Earliest first.
          const dues = taken.map((name) => model.get(name)!)
          expect(dues).toEqual([...dues].sort((left, right) => left - right))
          for (const name of taken) model.delete(name)
        }
        const earliest = model.size === 0 ? null : Math.min(...model.values())
        expect(heap.earliest()).toBe(earliest)
        expect(heap.size).toBe(model.size)
      }
    } catch (error) {
      console.error(`DueHeap randomized test failed: replay with SEED=${seed}`)
      throw error
    }
  })

  it('refuses a due time that is not a number', () => {
    expect(() => new DueHeap().set('a', Number.NaN)).toThrow(/not NaN/)
  })
})

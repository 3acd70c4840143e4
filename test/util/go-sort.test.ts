// Go's unstable sort (pdqsort): sorted output, a permutation of the input, and ties in the order
// Go leaves them, derived by tracing the algorithm by hand (the kubectl comparison tests in
// test/kubectl/go-sort-order.test.ts check longer inputs against the real kubectl's output).
import {describe, expect, it} from 'vitest'
import {goSort, goSortedIndexes, goSortSlice} from '../../src/core/util/go-sort.js'

/** A deterministic scramble of 0..n-1 keys with many ties. */
const tiedKeys = (length: number, distinct: number) => Array.from({length}, (_, index) => (index * 7 + (index >> 2)) % distinct)

describe('goSort', () => {
  it('sorts and permutes, for every length up to 300 and many tie patterns', () => {
    for (let length = 0; length <= 300; length += length < 40 ? 1 : 13) {
      for (const distinct of [1, 2, 3, 10, 1000]) {
        const keys = tiedKeys(length, distinct)
        const order = goSortedIndexes(length, (left, right) => keys[left]! < keys[right]!)
        expect([...order].sort((left, right) => left - right)).toEqual(Array.from({length}, (_, index) => index))
        for (let index = 1; index < length; index++) expect(keys[order[index - 1]!]!).toBeLessThanOrEqual(keys[order[index]!]!)
      }
    }
  })

  it('sorts descending, ascending and sawtooth inputs long enough for the ninther, the reversal and heapsort', () => {
    for (const keys of [Array.from({length: 500}, (_, index) => 500 - index), Array.from({length: 500}, (_, index) => index), Array.from({length: 777}, (_, index) => index % 50), Array.from({length: 600}, (_, index) => (index % 2 === 0 ? index : 600 - index))]) {
      const sorted = goSortSlice([...keys], (left, right) => left < right)
      expect(sorted).toEqual([...keys].sort((left, right) => left - right))
    }
  })

  it('keeps input order up to 12 elements (insertion sort) and for all-equal inputs', () => {
    const keys = [2, 1, 2, 1, 0, 2, 1, 0, 0, 2, 1, 0]
    expect(goSortedIndexes(keys.length, (left, right) => keys[left]! < keys[right]!)).toEqual([4, 7, 8, 11, 1, 3, 6, 10, 0, 2, 5, 9])
    expect(goSortedIndexes(100, () => false)).toEqual(Array.from({length: 100}, (_, index) => index))
  })

  it('moves a tie out of input order as Go does: 13 elements, one greater than the rest', () => {
    // Pivot at index 6 (no swaps: ascending hint); the partial insertion sort gives up (13 < 50);
    // the partition swaps the pivot to the front and finds it the smallest; insertion sort does the rest.
    const keys = [1, ...Array.from({length: 12}, () => 0)]
    expect(goSortedIndexes(keys.length, (left, right) => keys[left]! < keys[right]!)).toEqual([6, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 0])
  })

  it('calls only the given less and swap', () => {
    const items = tiedKeys(200, 4)
    let compares = 0
    goSort({
      length: items.length,
      less: (i, j) => {
        compares++
        return items[i]! < items[j]!
      },
      swap: (i, j) => ([items[i], items[j]] = [items[j]!, items[i]!]),
    })
    expect(items).toEqual([...items].sort((left, right) => left - right))
    expect(compares).toBeLessThan(200 * 20)
  })
})

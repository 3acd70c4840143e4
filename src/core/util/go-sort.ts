// Go's unstable sort (sort.Sort, sort.Slice, slices.SortFunc since Go 1.19: pattern-defeating
// quicksort), so that elements that compare equal come out in the order a Go tool prints them.
// kubectl sorts events, `get --sort-by` objects and table rows this way; a stable sort in their
// place keeps ties in input order, which the real kubectl does not. The three Go entry points run
// one algorithm over "less than" and "swap", so one implementation serves them all:
//   - ranges of 12 or fewer: insertion sort;
//   - the pivot: the middle of three samples (of three medians of neighbours from 50 up), whose
//     compare count also hints that the range is ascending (reversed when all compares swapped);
//   - a range that looks sorted gets a few insertion steps, and is done if they finish it;
//   - a range whose pivot equals the element before it (a run of equal keys) splits off the equal
//     part without recursing;
//   - after an unbalanced split, three elements are swapped with places from a xorshift generator
//     seeded with the range's length (Go 1.23's shifts 13, 17, 5: kubectl 1.32 is built with it,
//     and its orders match only with these); after bits.Len(n) such splits, heapsort finishes the range.

/** What Go's sort.Interface gives the algorithm: a length, a strict "less" and a swap, by index. */
export interface GoSortable {
  readonly length: number
  less(i: number, j: number): boolean
  swap(i: number, j: number): void
}

const insertionSortLengthMax = 12
const nintherLengthMin = 50
const partialInsertionStepsMax = 5
const partialInsertionShiftLengthMin = 50

/** The number of bits needed to write n (Go's bits.Len), for the non-negative lengths of arrays. */
function bitLength(n: number): number {
  return n <= 0 ? 0 : 32 - Math.clz32(n)
}

/** Sorts `data` as Go's sort.Sort does, equal elements included. */
export function goSort(data: GoSortable): void {
  const length = data.length
  if (length <= 1) return
  quicksort(data, 0, length, bitLength(length))
}

/** Sorts `items` in place as Go's sort.Slice / slices.SortFunc do with this "less". */
export function goSortSlice<T>(items: T[], less: (left: T, right: T) => boolean): T[] {
  goSort({
    length: items.length,
    less: (i, j) => less(items[i]!, items[j]!),
    swap: (i, j) => {
      const kept = items[i]!
      items[i] = items[j]!
      items[j] = kept
    },
  })
  return items
}

/** The order Go's sort.Sort leaves `length` elements in: out[k] is the index of the element now at k. */
export function goSortedIndexes(length: number, less: (i: number, j: number) => boolean): number[] {
  const indexes = Array.from({length}, (_, index) => index)
  return goSortSlice(indexes, less)
}

function insertionSort(data: GoSortable, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    for (let j = i; j > from && data.less(j, j - 1); j--) data.swap(j, j - 1)
  }
}

/** Restores the max-heap below `root` in the heap laid out at data[offset + lo .. offset + hi). */
function siftDown(data: GoSortable, root: number, hi: number, offset: number): void {
  for (;;) {
    let child = 2 * root + 1
    if (child >= hi) return
    if (child + 1 < hi && data.less(offset + child, offset + child + 1)) child++
    if (!data.less(offset + root, offset + child)) return
    data.swap(offset + root, offset + child)
    root = child
  }
}

function heapSort(data: GoSortable, from: number, to: number): void {
  const size = to - from
  for (let i = Math.trunc((size - 1) / 2); i >= 0; i--) siftDown(data, i, size, from)
  for (let i = size - 1; i >= 0; i--) {
    data.swap(from, from + i)
    siftDown(data, 0, i, from)
  }
}

type Hint = 'unknown' | 'increasing' | 'decreasing'

function quicksort(data: GoSortable, from: number, to: number, badPivotsLeft: number): void {
  let balanced = true
  let partitioned = true
  for (;;) {
    const length = to - from
    if (length <= insertionSortLengthMax) return insertionSort(data, from, to)
    if (badPivotsLeft === 0) return heapSort(data, from, to)
    if (!balanced) {
      scatter(data, from, to)
      badPivotsLeft--
    }
    let [pivot, hint] = choosePivot(data, from, to)
    if (hint === 'decreasing') {
      reverse(data, from, to)
      // The pivot keeps its distance from the range's start, now counted from its end.
      pivot = to - 1 - (pivot - from)
      hint = 'increasing'
    }
    if (balanced && partitioned && hint === 'increasing' && finishNearlySorted(data, from, to)) return
    // The element before the range is no greater than the pivot: the range holds nothing smaller,
    // so the elements equal to the pivot go first and need no more sorting.
    if (from > 0 && !data.less(from - 1, pivot)) {
      from = partitionEqual(data, from, to, pivot)
      continue
    }
    const [middle, wasPartitioned] = partition(data, from, to, pivot)
    partitioned = wasPartitioned
    const left = middle - from
    const right = to - middle
    const balanceLengthMin = Math.trunc(length / 8)
    if (left < right) {
      balanced = left >= balanceLengthMin
      quicksort(data, from, middle, badPivotsLeft)
      from = middle + 1
    } else {
      balanced = right >= balanceLengthMin
      quicksort(data, middle + 1, to, badPivotsLeft)
      to = middle
    }
  }
}

/** Moves the pivot to `from`, then splits: smaller ones before the returned place, the rest after. */
function partition(data: GoSortable, from: number, to: number, pivot: number): [number, boolean] {
  data.swap(from, pivot)
  let i = from + 1
  let j = to - 1
  while (i <= j && data.less(i, from)) i++
  while (i <= j && !data.less(j, from)) j--
  if (i > j) {
    data.swap(j, from)
    return [j, true]
  }
  data.swap(i, j)
  i++
  j--
  for (;;) {
    while (i <= j && data.less(i, from)) i++
    while (i <= j && !data.less(j, from)) j--
    if (i > j) break
    data.swap(i, j)
    i++
    j--
  }
  data.swap(j, from)
  return [j, false]
}

/** Splits a range with nothing smaller than the pivot into equal ones, then greater ones; returns where those start. */
function partitionEqual(data: GoSortable, from: number, to: number, pivot: number): number {
  data.swap(from, pivot)
  let i = from + 1
  let j = to - 1
  for (;;) {
    while (i <= j && !data.less(from, i)) i++
    while (i <= j && data.less(from, j)) j--
    if (i > j) return i
    data.swap(i, j)
    i++
    j--
  }
}

/**
 * A few insertion steps on a range that looks sorted; true when the range ends sorted. Go's
 * leftward shift runs down to index 1 of the whole array, not of the range, and so does this.
 */
function finishNearlySorted(data: GoSortable, from: number, to: number): boolean {
  let i = from + 1
  for (let step = 0; step < partialInsertionStepsMax; step++) {
    while (i < to && !data.less(i, i - 1)) i++
    if (i === to) return true
    if (to - from < partialInsertionShiftLengthMin) return false
    data.swap(i, i - 1)
    if (i - from >= 2) {
      for (let k = i - 1; k >= 1 && data.less(k, k - 1); k--) data.swap(k, k - 1)
    }
    if (to - i >= 2) {
      for (let k = i + 1; k < to && data.less(k, k - 1); k++) data.swap(k, k - 1)
    }
  }
  return false
}

const uint64Mask = (1n << 64n) - 1n

/** Swaps the three elements around the range's middle with places drawn from a xorshift seeded by the length. */
function scatter(data: GoSortable, from: number, to: number): void {
  const length = to - from
  if (length < 8) return
  let state = BigInt(length)
  const mask = BigInt((2 ** bitLength(length)) - 1)
  const middle = from + Math.trunc(length / 4) * 2
  for (let place = middle - 1; place <= middle + 1; place++) {
    state ^= (state << 13n) & uint64Mask
    state ^= state >> 17n
    state ^= (state << 5n) & uint64Mask
    let other = Number(state & mask)
    if (other >= length) other -= length
    data.swap(place, from + other)
  }
}

function choosePivot(data: GoSortable, from: number, to: number): [number, Hint] {
  const length = to - from
  const quarter = Math.trunc(length / 4)
  const swaps = {count: 0}
  let i = from + quarter
  let j = from + quarter * 2
  let k = from + quarter * 3
  if (length >= 8) {
    if (length >= nintherLengthMin) {
      i = median(data, i - 1, i, i + 1, swaps)
      j = median(data, j - 1, j, j + 1, swaps)
      k = median(data, k - 1, k, k + 1, swaps)
    }
    j = median(data, i, j, k, swaps)
  }
  // All twelve compares of a ninther found a pair out of order: the range likely descends.
  if (swaps.count === 0) return [j, 'increasing']
  if (swaps.count === 12) return [j, 'decreasing']
  return [j, 'unknown']
}

/** The index of the middle one of three by value, counting the compares that found a pair out of order. */
function median(data: GoSortable, a: number, b: number, c: number, swaps: {count: number}): number {
  const ordered = (x: number, y: number): [number, number] => {
    if (data.less(y, x)) {
      swaps.count++
      return [y, x]
    }
    return [x, y]
  }
  ;[a, b] = ordered(a, b)
  ;[b, c] = ordered(b, c)
  ;[a, b] = ordered(a, b)
  return b
}

function reverse(data: GoSortable, from: number, to: number): void {
  for (let i = from, j = to - 1; i < j; i++, j--) data.swap(i, j)
}

// Keys with a due time, the earliest found without looking at the others: a binary min-heap
// whose entries go stale when a key's time changes or the key leaves (they are skipped when they
// reach the top, and the heap is rebuilt when stale entries outnumber the live ones). Loops that
// ask "is anything due?" on every turn use it instead of walking every key (kube-proxy's periodic
// resync over 1,000 nodes walked them all on each look).
import {assert} from './assert.js'

/** No heap holds more keys than this (one per node or pod at kwok's stated scale, with room). */
export const dueHeapKeysMax = 1_000_000

export class DueHeap {
  /** Each key's due time: the authority; heap entries that disagree are stale. */
  private readonly dues = new Map<string, number>()
  private readonly entries: Array<{due: number; key: string}> = []

  get size(): number {
    return this.dues.size
  }

  /** Sets (or moves) the key's due time. */
  set(key: string, dueMilliseconds: number): void {
    assert(Number.isFinite(dueMilliseconds), `a due time is a number of milliseconds, not ${dueMilliseconds}`)
    if (this.dues.get(key) === dueMilliseconds) return
    assert(this.dues.has(key) || this.dues.size < dueHeapKeysMax, `a due-time heap holds ${dueHeapKeysMax} keys`)
    this.dues.set(key, dueMilliseconds)
    this.push({due: dueMilliseconds, key})
    if (this.entries.length > 2 * this.dues.size + 64) this.rebuild()
  }

  delete(key: string): void {
    this.dues.delete(key)
  }

  /** The earliest due time, or null when no key is held. */
  earliest(): number | null {
    this.dropStaleTop()
    return this.entries[0]?.due ?? null
  }

  /** Removes and returns the keys due at `nowMilliseconds` or before, earliest first. */
  takeDue(nowMilliseconds: number): string[] {
    const taken: string[] = []
    for (this.dropStaleTop(); this.entries.length > 0 && this.entries[0]!.due <= nowMilliseconds; this.dropStaleTop()) {
      const {key} = this.pop()
      this.dues.delete(key)
      taken.push(key)
    }
    return taken
  }

  private dropStaleTop(): void {
    while (this.entries.length > 0 && this.dues.get(this.entries[0]!.key) !== this.entries[0]!.due) this.pop()
  }

  private rebuild(): void {
    this.entries.length = 0
    for (const [key, due] of this.dues) this.push({due, key})
  }

  private push(entry: {due: number; key: string}): void {
    const entries = this.entries
    entries.push(entry)
    for (let index = entries.length - 1; index > 0; ) {
      const parent = (index - 1) >> 1
      if (entries[parent]!.due <= entries[index]!.due) break
      ;[entries[parent], entries[index]] = [entries[index]!, entries[parent]!]
      index = parent
    }
  }

  private pop(): {due: number; key: string} {
    const entries = this.entries
    const top = entries[0]!
    const last = entries.pop()!
    if (entries.length === 0) return top
    entries[0] = last
    for (let index = 0; ; ) {
      const left = 2 * index + 1
      const right = left + 1
      let smallest = index
      if (left < entries.length && entries[left]!.due < entries[smallest]!.due) smallest = left
      if (right < entries.length && entries[right]!.due < entries[smallest]!.due) smallest = right
      if (smallest === index) break
      ;[entries[smallest], entries[index]] = [entries[index]!, entries[smallest]!]
      index = smallest
    }
    return top
  }
}

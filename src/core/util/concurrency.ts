import {assert} from './assert.js'

/**
 * Runs `work` on every item, at most `workersMax` at once, as client-go's worker goroutines take
 * keys from one queue. After a failure no new item starts; the first error is thrown once the
 * work already started has settled.
 */
export async function forEachConcurrently<T>(items: readonly T[], workersMax: number, work: (item: T) => Promise<void>): Promise<void> {
  assert(Number.isInteger(workersMax) && workersMax >= 1, `workersMax must be a positive integer, not ${workersMax}`)
  let next = 0
  let failure: {error: unknown} | null = null
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const item = items[next++]!
      try {
        await work(item)
      } catch (error) {
        failure ??= {error}
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(workersMax, items.length)}, worker))
  if (failure) throw (failure as {error: unknown}).error
}

import type {KeySpan} from '../storage/kv-tables.js'

/**
 * etcd's key-range convention: no range end means the single key; range end "\0" means every
 * key from `key` on; key "\0" with range end "\0" means every key.
 */
export function spanOf(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeySpan | 'single' {
  if (!rangeEnd || rangeEnd.length === 0) return 'single'
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return {start: key, end: null}
  return {start: key, end: rangeEnd}
}

/** The range end that selects every key with `prefix` (etcd's clientv3.GetPrefixRangeEnd). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix)
  for (let index = end.length - 1; index >= 0; index--) {
    if (end[index]! < 0xff) {
      end[index]!++
      return end.slice(0, index + 1)
    }
  }
  // Every byte is 0xff: no key sorts after the prefix's range, so select to the end.
  return Uint8Array.of(0)
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let index = 0; index < length; index++) {
    const difference = a[index]! - b[index]!
    if (difference !== 0) return difference
  }
  return a.length - b.length
}

export function inSpan(key: Uint8Array, span: KeySpan): boolean {
  return compareBytes(key, span.start) >= 0 && (span.end === null || compareBytes(key, span.end) < 0)
}

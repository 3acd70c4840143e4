// How far V8 lets the heap grow past what its last full collection kept before it collects again.
// By default the factor depends on the heap's size and how fast the program allocates (up to about
// 2.5 times a heap of a few hundred MiB under `up`'s allocation rate), and the process keeps the
// pages of its highest point: at 1,000 nodes that headroom, not the live objects, made most of the
// peak resident memory. A long-running cluster (`kubemu up`) bounds it instead.
import {setFlagsFromString} from 'node:v8'

/** The heap grows by at most this share of what the last full collection kept (V8's --heap-growing-percent). */
export const heapGrowingPercent = 30

/** Bounds the heap's growth for the rest of the process (a V8 flag, read at each full collection). */
export function boundHeapGrowth(percent = heapGrowingPercent): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`)
}

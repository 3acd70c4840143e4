// How long the randomized, fault and scale runs are: a short run by default (the suite stays
// within its time budget), the full one with KUBEMU_TESTS_LONG=1 (before a release, or to hunt a
// rare failure). Either way a run is seeded and replayable with SEED.

/** KUBEMU_TESTS_LONG=1 (or the older KUBEMU_LONG=1) asks for the full runs. */
export const longTests = process.env.KUBEMU_TESTS_LONG === '1' || (process.env.KUBEMU_LONG ?? '') !== ''

/** The short figure by default, the long one under KUBEMU_TESTS_LONG=1. */
export function byTestLength<T>(short: T, long: T): T {
  return longTests ? long : short
}

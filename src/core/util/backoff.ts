/** An exponential back-off: `initial` after the first failure in a row, doubling per failure, at most `maximum`. */
export function doublingBackoffMilliseconds(initial: number, maximum: number, failuresInRow: number): number {
  // The exponent is capped so that a long run of failures stays a finite number.
  return Math.min(maximum, initial * 2 ** Math.min(Math.max(0, failuresInRow - 1), 30))
}

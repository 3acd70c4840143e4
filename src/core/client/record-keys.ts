// Keys of the records event recorders keep per event (client-go's caches key them by the event's
// whole identity: source, object, type, reason, message). Held as written, a key was about 150
// characters, several per pod; a digest of it is 16 (a string of 32 bytes in V8's heap, where 22
// took 40), and two identities share one with a probability of about 2^-96 per pair (below 2^-72
// among a recorder's 4,096 records).
import {createHash} from 'node:crypto'

/** Bytes of the SHA-256 digest a key keeps (96 bits, in 16 base64url characters). */
const recordKeyBytes = 12

/** The key of the record the parts identify: equal parts give equal keys, different ones different keys. */
export function recordKey(...parts: ReadonlyArray<string | undefined>): string {
  return createHash('sha256').update(JSON.stringify(parts.map((part) => part ?? ''))).digest().subarray(0, recordKeyBytes).toString('base64url')
}

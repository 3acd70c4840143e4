// Keys of the records event recorders keep per event (client-go's caches key them by the event's
// whole identity: source, object, type, reason, message). Held as written, a key was about 150
// characters, several per pod; a digest of it is 16 (a string of 32 bytes in V8's heap, where 22
// took 40), and two identities share one with a probability of about 2^-96 per pair (below 2^-72
// among a recorder's 4,096 records).
import * as crypto from 'node:crypto'

/** Bytes of the SHA-256 digest a key keeps (96 bits, in 16 base64url characters). */
const recordKeyBytes = 12

/** crypto.hash (Node 20.12 and later): one call instead of a Hash object per key, half the time of a kubelet's event keys. */
const hashOnce = (crypto as {hash?: (algorithm: string, data: string, outputEncoding: 'buffer') => Buffer}).hash

function sha256(text: string): Buffer {
  return hashOnce ? hashOnce('sha256', text, 'buffer') : crypto.createHash('sha256').update(text).digest()
}

/** The key of the record the parts identify: equal parts give equal keys, different ones different keys. */
export function recordKey(...parts: ReadonlyArray<string | undefined>): string {
  return sha256(JSON.stringify(parts.map((part) => part ?? ''))).subarray(0, recordKeyBytes).toString('base64url')
}

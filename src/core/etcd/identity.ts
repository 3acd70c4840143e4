import {createHash} from 'node:crypto'

/**
 * etcd's computeMemberId: sha1 of the sorted peer URLs and the cluster token (and, for a member
 * added later, the Unix time of the add), first 8 bytes.
 */
export function memberIdOf(peerUrls: readonly string[], clusterToken: string, addedAtUnixSeconds?: number): bigint {
  const material = [...peerUrls].sort().join('') + clusterToken + (addedAtUnixSeconds === undefined ? '' : String(addedAtUnixSeconds))
  return createHash('sha1').update(material).digest().readBigUInt64BE(0)
}

/** etcd's cluster genID: sha1 of the sorted member IDs as 8-byte big-endian numbers. */
export function clusterIdOf(memberIds: readonly bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const bytes = Buffer.alloc(8 * sorted.length)
  sorted.forEach((id, index) => bytes.writeBigUInt64BE(id, 8 * index))
  return createHash('sha1').update(bytes).digest().readBigUInt64BE(0)
}

/** Member IDs as etcd prints them: lower-case hex without padding. */
export function hexId(id: bigint): string {
  return id.toString(16)
}

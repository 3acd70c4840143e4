// Lease IDs as an etcd server hands them out when a grant names none.
import type {EtcdMember} from './member.js'

/** Lease IDs as etcd's idutil.Generator makes them: member bits, then time, then a counter. */
class LeaseIdGenerator {
  private suffix: bigint

  constructor(
    private readonly memberId: bigint,
    nowMilliseconds: number,
    granted: readonly bigint[],
  ) {
    this.suffix = (BigInt(nowMilliseconds) & ((1n << 40n) - 1n)) << 8n
    // etcd counts on its clock having moved since it last ran; a seeded cluster's clock stands
    // still between one-shot commands, so start past the IDs this member already handed out.
    const prefix = (memberId & 0xffffn) << 48n
    for (const id of granted) {
      if ((id & ~((1n << 48n) - 1n)) === prefix && (id & ((1n << 48n) - 1n)) > this.suffix) this.suffix = id & ((1n << 48n) - 1n)
    }
  }

  next(): bigint {
    this.suffix++
    const prefix = (this.memberId & 0xffffn) << 48n
    return (prefix | (this.suffix & ((1n << 48n) - 1n))) & ((1n << 63n) - 1n)
  }
}

/**
 * One generator per member, as etcd has one per server: the clients of a member (one per request
 * on the front door) never hand out the same ID twice, whatever the clock says.
 */
const leaseIdGenerators = new WeakMap<EtcdMember, LeaseIdGenerator>()

/** The next lease ID `member` hands out (its generator starts from the clock and the IDs it already gave). */
export function nextLeaseId(member: EtcdMember, nowMilliseconds: number): bigint {
  let leaseIds = leaseIdGenerators.get(member)
  if (!leaseIds) leaseIdGenerators.set(member, (leaseIds = new LeaseIdGenerator(member.layout.idNumber, nowMilliseconds, member.database.kv.listLeases().map((lease) => lease.id))))
  return leaseIds.next()
}

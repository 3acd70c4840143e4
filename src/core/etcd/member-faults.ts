import {type ClusterOptions, EmbeddedCluster} from './cluster.js'
import {Membership} from './membership.js'

export class UnknownMemberError extends Error {}

/** How long a started member may take to catch up before the command gives up waiting. */
export const catchUpMillisecondsMax = 30_000

function checkName(cluster: EmbeddedCluster, name: string): void {
  const names = cluster.layout.members.map((member) => member.name)
  if (!names.includes(name)) throw new UnknownMemberError(`no etcd member named "${name}" (members: ${names.join(', ')})`)
}

/** Stops a member of an open cluster (this process's): it stays down, unreachable, until started again. */
export function stopMemberOf(cluster: EmbeddedCluster, name: string): void {
  checkName(cluster, name)
  cluster.stopMember(name)
}

/** Starts a stopped member of an open cluster and lets it catch up with the leader (entries or a snapshot). */
export async function startMemberOf(cluster: EmbeddedCluster, name: string): Promise<{caughtUp: boolean}> {
  checkName(cluster, name)
  cluster.startMember(name)
  const member = cluster.member(name)!
  const caughtUp = await cluster.driveUntil(() => {
    const leader = cluster.leader()
    return leader !== null && member.appliedIndex() >= leader.raft.log.committed && member.raft.lead === leader.id
  }, catchUpMillisecondsMax)
  if (caughtUp) await new Membership(cluster, () => member, catchUpMillisecondsMax).publish(member)
  return {caughtUp}
}

/** Stops a member of the cluster in `folder` (opening it for the command). */
export async function stopMember(folder: string, name: string, options: ClusterOptions = {}): Promise<void> {
  const cluster = EmbeddedCluster.open(folder, options)
  try {
    stopMemberOf(cluster, name)
  } finally {
    await cluster.close()
  }
}

/** Starts a stopped member of the cluster in `folder` (opening it for the command). */
export async function startMember(folder: string, name: string, options: ClusterOptions = {}): Promise<{caughtUp: boolean}> {
  const cluster = EmbeddedCluster.open(folder, options)
  try {
    return await startMemberOf(cluster, name)
  } finally {
    await cluster.close()
  }
}

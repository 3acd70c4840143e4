import {clusterIdOf, hexId, memberIdOf} from './identity.js'

export interface MemberLayout {
  readonly name: string
  /** etcd's member ID as 16 hex digits; also the member's raft node ID. */
  readonly id: string
  readonly idNumber: bigint
  readonly clientUrl: string
  readonly peerUrl: string
}

export interface ClusterLayout {
  readonly token: string
  readonly clusterId: bigint
  readonly members: readonly MemberLayout[]
}

/** etcd's own local Procfile: three members on loopback. */
export const procfileMembers = [
  {name: 'infra1', clientUrl: 'http://127.0.0.1:2379', peerUrl: 'http://127.0.0.1:12380'},
  {name: 'infra2', clientUrl: 'http://127.0.0.1:22379', peerUrl: 'http://127.0.0.1:22380'},
  {name: 'infra3', clientUrl: 'http://127.0.0.1:32379', peerUrl: 'http://127.0.0.1:32380'},
] as const

export const procfileToken = 'etcd-cluster-1'

/** Members a cluster may have (names infra1 … infra99). */
export const membersMax = 99

/**
 * The name a member added over the wire is filed under: MemberAddRequest carries no name
 * (etcdctl keeps it for its ETCD_NAME line), so kubemu takes the next free name of the
 * Procfile's kind, for `kubemu member start`. Null when all are taken.
 */
export function nextMemberName(layout: ClusterLayout): string | null {
  const taken = new Set(layout.members.map((existing) => existing.name))
  for (let number = 1; number <= membersMax; number++) if (!taken.has(`infra${number}`)) return `infra${number}`
  return null
}

export function layoutOf(members: ReadonlyArray<{name: string; clientUrl: string; peerUrl: string}>, token: string): ClusterLayout {
  const withIds = members.map((member) => {
    const idNumber = memberIdOf([member.peerUrl], token)
    return {...member, idNumber, id: hexId(idNumber).padStart(16, '0')}
  })
  return {token, clusterId: clusterIdOf(withIds.map((member) => member.idNumber)), members: withIds}
}

export function defaultLayout(): ClusterLayout {
  return layoutOf(procfileMembers, procfileToken)
}

// Who a container's processes run as, as the container runtime sets it from the pod's and the
// container's securityContext: runAsUser and runAsGroup (the container's win), the image's user
// (root) otherwise; the supplementary groups are the primary group, fsGroup, supplementalGroups and
// (supplementalGroupsPolicy Merge, the default) the groups the image's /etc/group gives the user.
// The kernel keeps them sorted. Names come from the image's /etc/passwd and /etc/group, which
// know root and the system accounts only: uid 1000 shows as a number, as in a real container.
import type {Container, Pod} from '../../api/kinds.js'
import {repositoryOf} from './images.js'

export interface ProcessIdentity {
  readonly uid: number
  readonly gid: number
  /** Supplementary groups, ascending (getgroups). */
  readonly groups: readonly number[]
}

export const rootIdentity: ProcessIdentity = {uid: 0, gid: 0, groups: [0]}

/** busybox's and alpine's /etc/passwd and /etc/group (the accounts a tutorial meets). */
const userNames: ReadonlyMap<number, string> = new Map([[0, 'root'], [1, 'daemon'], [2, 'bin'], [3, 'sys'], [8, 'mail'], [33, 'www-data'], [65534, 'nobody']])
const groupNames: ReadonlyMap<number, string> = new Map([
  [0, 'root'], [1, 'daemon'], [2, 'bin'], [3, 'sys'], [4, 'adm'], [5, 'tty'], [6, 'disk'], [10, 'wheel'], [11, 'floppy'], [20, 'dialout'], [26, 'tape'], [27, 'video'], [33, 'www-data'], [100, 'users'], [65534, 'nogroup'],
])

/** The groups /etc/group lists root in, by image (busybox: wheel; alpine: its system groups; Debian-based images: none). */
function rootMemberships(image: string | undefined): readonly number[] {
  const repository = repositoryOf(image ?? '')
  if (/(^|\/)busybox$/.test(repository)) return [10]
  if (/(^|\/)alpine$/.test(repository)) return [1, 2, 3, 4, 6, 10, 11, 20, 26, 27]
  return []
}

export function userName(uid: number): string | null {
  return userNames.get(uid) ?? null
}

export function groupName(gid: number): string | null {
  return groupNames.get(gid) ?? null
}

type SecurityContext = {runAsUser?: number; runAsGroup?: number; fsGroup?: number; supplementalGroups?: number[]; supplementalGroupsPolicy?: string}

/** The identity the container's processes (its command, execs, probes) run with. */
export function identityOf(pod: Pod, container: Container): ProcessIdentity {
  const podContext = (pod.spec.securityContext ?? {}) as SecurityContext
  const containerContext = ((container as {securityContext?: SecurityContext}).securityContext ?? {}) as SecurityContext
  const uid = containerContext.runAsUser ?? podContext.runAsUser ?? 0
  const gid = containerContext.runAsGroup ?? podContext.runAsGroup ?? 0
  const fromImage = uid === 0 && podContext.supplementalGroupsPolicy !== 'Strict' ? rootMemberships(container.image) : []
  const groups = new Set<number>([gid, ...(podContext.fsGroup === undefined ? [] : [podContext.fsGroup]), ...(podContext.supplementalGroups ?? []), ...fromImage])
  return {uid, gid, groups: [...groups].sort((a, b) => a - b)}
}

/** The fsGroup the kubelet gives the pod's volumes (null: volumes keep root's group). */
export function fsGroupOf(pod: Pod): number | null {
  return ((pod.spec.securityContext ?? {}) as SecurityContext).fsGroup ?? null
}

/** busybox's id: `uid=0(root) gid=0(root) groups=0(root),10(wheel)`, numbers alone for accounts the image does not know. */
export function idText(identity: ProcessIdentity): string {
  const named = (id: number, name: string | null) => (name === null ? String(id) : `${id}(${name})`)
  return `uid=${named(identity.uid, userName(identity.uid))} gid=${named(identity.gid, groupName(identity.gid))} groups=${identity.groups.map((group) => named(group, groupName(group))).join(',')}`
}

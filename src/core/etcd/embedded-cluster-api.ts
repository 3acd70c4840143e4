// etcd's Cluster and Maintenance services on one member of the embedded cluster: member list and
// changes (the root role needed for changes), status, hash, alarms, leader moves and defragment.
import {etcdErrors, unconvertedAuthError} from '../mvcc/errors.js'
import {hashHistory} from '../mvcc/hash.js'
import type {ResponseHeader} from '../mvcc/types.js'
import type {AlarmMember, ClusterApi, MaintenanceApi, MemberInfo, StatusResponse} from './api.js'
import type {MemberRequests} from './member-requests.js'
import type {Membership} from './membership.js'
import {etcdVersion} from './version.js'

/** A member ID as raft and membership records spell it. */
const hex = (id: bigint) => id.toString(16).padStart(16, '0')

export function embeddedClusterApi(host: MemberRequests, membership: Membership): ClusterApi {
  const listed = async () => {
    const list = await memberList(host)
    return {header: list.header, members: list.members}
  }
  return {
    memberList: () => memberList(host),
    memberAdd: async (peerUrls, isLearner, name) => {
      await checkAdmin(host)
      const record = await membership.add(name, peerUrls, isLearner)
      return {...(await listed()), member: {id: BigInt(`0x${record.id}`), name: '', peerUrls, clientUrls: [], isLearner}}
    },
    memberRemove: async (id) => {
      await checkAdmin(host)
      await membership.remove(hex(id))
      return listed()
    },
    memberUpdate: async (id, peerUrls) => {
      await checkAdmin(host)
      await membership.update(hex(id), peerUrls)
      return listed()
    },
    memberPromote: async (id) => {
      await checkAdmin(host)
      await membership.promote(hex(id))
      return listed()
    },
  }
}

export function embeddedMaintenanceApi(host: MemberRequests, membership: Membership): MaintenanceApi {
  return {
    status: () => status(host),
    hashKv: (revision) => hashKv(host, revision),
    alarmList: () => alarmList(host),
    alarmDisarm: (alarm) => alarmDisarm(host, alarm),
    moveLeader: async (targetId) => {
      await membership.moveLeader(hex(targetId))
      return {header: host.header(host.serving().stateMachine.kv.currentRevision())}
    },
    defragment: async () => {
      await checkMaintenanceAdmin(host)
      const member = host.serving()
      member.database.defragment()
      return {header: host.header(member.stateMachine.kv.currentRevision())}
    },
  }
}

/** etcd's IsAdminPermitted, as the Cluster service checks it before a membership change. */
export async function checkAdmin(host: MemberRequests): Promise<void> {
  const member = await host.readyToServe()
  member.stateMachine.auth.checkAdmin(host.user())
}

/** The root role check of etcd's Maintenance service (defragment, hash, snapshot), with its unconverted errors. */
export async function checkMaintenanceAdmin(host: MemberRequests): Promise<void> {
  try {
    await checkAdmin(host)
  } catch (error) {
    throw unconvertedAuthError(error)
  }
}

async function memberList(host: MemberRequests): Promise<{header: ResponseHeader; members: MemberInfo[]}> {
  const member = host.serving()
  await host.embedded.linearizableRead(member, host.timeoutMilliseconds)
  // etcd lists members in the order of their IDs.
  const members = [...member.members()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((record) => ({
    id: BigInt(`0x${record.id}`),
    name: record.name,
    peerUrls: record.peerUrls,
    clientUrls: record.clientUrls,
    isLearner: record.isLearner,
  }))
  // etcd's Cluster API headers carry no revision.
  return {header: host.header(0), members}
}

async function status(host: MemberRequests): Promise<StatusResponse> {
  const member = host.serving()
  await host.embedded.driveUntil(() => member.raft.lead !== '', host.timeoutMilliseconds)
  const size = member.database.kv.sizeBytes()
  const alarms = member.database.kv.alarms().filter((entry) => entry.memberId === member.id)
  return {
    header: host.header(member.stateMachine.kv.currentRevision()),
    version: etcdVersion,
    dbSize: size,
    leader: member.raft.lead === '' ? 0n : BigInt(`0x${member.raft.lead}`),
    raftIndex: member.raft.log.committed,
    raftTerm: member.raft.term,
    raftAppliedIndex: member.appliedIndex(),
    errors: alarms.map((entry) => `memberID:${BigInt(`0x${entry.memberId}`)} alarm:${entry.alarm} `),
    dbSizeInUse: member.database.kv.sizeInUseBytes(),
    isLearner: !member.raft.isVoter(member.id),
  }
}

async function hashKv(host: MemberRequests, revision: number): Promise<{header: ResponseHeader; hash: number; compactRevision: number}> {
  await checkMaintenanceAdmin(host)
  const member = host.serving()
  const kv = member.stateMachine.kv
  const current = kv.currentRevision()
  const at = revision > 0 ? revision : current
  if (at > current) throw etcdErrors.futureRevision()
  if (at < kv.compactRevision()) throw etcdErrors.compacted()
  const hash = hashHistory(member.database.kv.historyThrough(at))
  return {header: host.header(current), hash, compactRevision: kv.compactRevision()}
}

async function alarmList(host: MemberRequests): Promise<{header: ResponseHeader; alarms: AlarmMember[]}> {
  const member = host.serving()
  await host.embedded.linearizableRead(member, host.timeoutMilliseconds)
  const alarms = member.database.kv.alarms().map((entry) => ({memberId: BigInt(`0x${entry.memberId}`), alarm: entry.alarm}))
  return {header: host.header(member.stateMachine.kv.currentRevision()), alarms}
}

async function alarmDisarm(host: MemberRequests, alarm: AlarmMember): Promise<{header: ResponseHeader; alarms: AlarmMember[]}> {
  const memberId = alarm.memberId.toString(16).padStart(16, '0')
  const kind = alarm.alarm === 'CORRUPT' ? 'CORRUPT' : 'NOSPACE'
  // As etcd, the answer lists the alarm only if it was raised (an inactive one is not disarmed).
  const wasActive = host.serving().database.kv.alarms().some((entry) => entry.memberId === memberId && entry.alarm === kind)
  await host.submit({alarm: {action: 'deactivate', memberId, alarm: kind}})
  return {header: host.header(host.serving().stateMachine.kv.currentRevision()), alarms: wasActive ? [alarm] : []}
}

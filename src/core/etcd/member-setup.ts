// A member's database before its raft node runs: opening (and bootstrapping) it, and the
// records it keeps of the cluster's configuration (the voters and learners raft uses, and the
// member list etcd's Cluster API shows).
import type {ConfChange, ConfState, Entry} from '../raft/types.js'
import {EntryType} from '../raft/types.js'
import {MemberDatabase} from '../storage/member-database.js'
import {encodeValue} from '../util/codec.js'
import {metaConfState} from './cluster-files.js'
import type {ClusterLayout, MemberLayout} from './layout.js'

const metaMembers = 'members'

/** A member as etcd's Cluster API lists it. */
export interface MemberRecord {
  readonly id: string
  readonly name: string
  readonly peerUrls: readonly string[]
  readonly clientUrls: readonly string[]
  readonly isLearner: boolean
}

/**
 * Opens (or creates) a member's database. A brand-new member starts, like etcd bootstrapping
 * a cluster, with the initial members as committed configuration entries at term 1.
 */
export function openMemberDatabase(path: string, layout: MemberLayout, cluster: ClusterLayout, initialMember: boolean): MemberDatabase {
  const database = MemberDatabase.open(path)
  try {
    database.ensureIdentity({clusterId: cluster.clusterId.toString(), memberId: layout.id, name: layout.name})
    if (database.getMeta(metaConfState) === null) {
      // A member added later starts empty, like `etcd --initial-cluster-state existing`: it
      // learns the configuration and the data from the leader (its log or a snapshot).
      if (initialMember) bootstrap(database, cluster)
      else database.transaction(() => database.setMeta(metaConfState, JSON.stringify({voters: [], learners: []})))
    }
    return database
  } catch (error) {
    database.close()
    throw error
  }
}

export function confStateOf(database: MemberDatabase): ConfState {
  return decodeConfState(database.getMeta(metaConfState))
}

function decodeConfState(value: string | null): ConfState {
  return value ? (JSON.parse(value) as ConfState) : {voters: [], learners: []}
}

export function readMemberRecords(database: MemberDatabase): MemberRecord[] {
  return JSON.parse(database.getMeta(metaMembers) ?? '[]') as MemberRecord[]
}

export function writeMemberRecords(database: MemberDatabase, members: readonly MemberRecord[]): void {
  database.setMeta(metaMembers, JSON.stringify(members))
}

/** The member list once an applied configuration change is taken into it. */
export function withConfChange(records: readonly MemberRecord[], change: ConfChange): MemberRecord[] {
  const members = [...records]
  const record = change.context ? (JSON.parse(change.context) as MemberRecord) : null
  const position = members.findIndex((member) => member.id === change.nodeId)
  if (change.type === 'removeNode') {
    if (position >= 0) members.splice(position, 1)
  } else if (change.type === 'addNode' && position >= 0) {
    members[position] = {...members[position]!, isLearner: false}
  } else if (record && position >= 0) {
    // updateNode: new peer URLs, or the name and client URLs a started member publishes.
    members[position] = {...members[position]!, name: record.name, peerUrls: record.peerUrls, clientUrls: record.clientUrls}
  } else if (record) {
    members.push(record)
  }
  return members
}

/** etcd's bootstrap: the initial members become configuration entries 1..n of term 1, committed. */
export function bootstrap(database: MemberDatabase, cluster: ClusterLayout): void {
  const entries: Entry[] = cluster.members.map((member, position) => {
    const record: MemberRecord = {id: member.id, name: member.name, peerUrls: [member.peerUrl], clientUrls: member.clientUrl ? [member.clientUrl] : [], isLearner: false}
    const change: ConfChange = {type: 'addNode', nodeId: member.id, context: JSON.stringify(record)}
    return {term: 1, index: position + 1, type: EntryType.ConfChange, data: encodeValue(change)}
  })
  database.transaction(() => {
    database.persistRaft({term: 1, vote: '', commit: entries.length}, entries, null)
    database.setMeta(metaConfState, JSON.stringify({voters: cluster.members.map((member) => member.id), learners: []}))
    database.setMeta(metaMembers, '[]')
  })
}

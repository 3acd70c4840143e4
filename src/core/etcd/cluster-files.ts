// What a cluster folder holds, readable without loading the Raft machinery: the member database
// paths, cluster.json (stopped, joined and removed members, and so the current layout) and a
// member's clean-stop record. Lock-free readers need only this; the writer of cluster.json too.
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {MemberDatabase} from '../storage/member-database.js'
import {type ClusterLayout, type MemberLayout, defaultLayout} from './layout.js'

export const clusterStateFileName = 'cluster.json'
export const metaCleanShutdown = 'clean_shutdown'
export const metaConfState = 'conf_state'

export interface CleanShutdown {
  readonly term: number
  readonly lead: string
}

export interface ClusterState {
  stopped: string[]
  /** Members added after bootstrap (etcdctl member add), in the order they were added. */
  joined?: Array<{name: string; id: string; peerUrl: string; clientUrl: string}>
  /** Members removed from the cluster; their databases stay on disk, unused. */
  removed?: string[]
  /** When each member last started (wall clock, ms): etcd's health checks count from there. */
  startedAt?: Record<string, number>
}

export function memberDatabasePath(folder: string, name: string): string {
  return join(folder, `${name}.db`)
}

export function readClusterState(folder: string): ClusterState {
  const path = join(folder, clusterStateFileName)
  if (!existsSync(path)) return {stopped: []}
  return JSON.parse(readFileSync(path, 'utf8')) as ClusterState
}

/** The record a cleanly stopped member leaves: the next process resumes without an election. */
export function readCleanShutdown(database: MemberDatabase): CleanShutdown | null {
  const marker = database.getMeta(metaCleanShutdown)
  return marker ? (JSON.parse(marker) as CleanShutdown) : null
}

/** The IDs of the members that vote, as a member's database records the configuration. */
export function readVoters(database: MemberDatabase): string[] {
  const value = database.getMeta(metaConfState)
  return value ? (JSON.parse(value) as {voters: string[]}).voters : []
}

/** The members this folder's cluster has now: the bootstrap ones, plus joined, minus removed. */
export function currentLayout(folder: string, base: ClusterLayout = defaultLayout()): ClusterLayout {
  const state = readClusterState(folder)
  const removed = new Set(state.removed ?? [])
  const joined: MemberLayout[] = (state.joined ?? []).map((member) => ({...member, idNumber: BigInt(`0x${member.id}`)}))
  return {...base, members: [...base.members, ...joined].filter((member) => !removed.has(member.name))}
}

/** Whether a member was part of the bootstrap configuration (and so bootstraps its log). */
export function isInitialMember(base: ClusterLayout, member: MemberLayout): boolean {
  return base.members.some((initial) => initial.id === member.id)
}

export function writeClusterState(folder: string, state: ClusterState): void {
  const path = join(folder, clusterStateFileName)
  writeFileSync(`${path}.tmp`, JSON.stringify(state) + '\n')
  renameSync(`${path}.tmp`, path)
}

// The vocabulary of the Raft core: what goes in (messages, proposals, ticks) and what comes out
// (a Ready batch). Everything here is plain data so a driver can persist and transport it.

export type NodeId = string

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

export interface Entry {
  readonly term: number
  readonly index: number
  readonly type: EntryType
  /** Opaque to Raft. An empty Normal entry is the no-op a new leader appends. */
  readonly data: Uint8Array
}

/** updateNode changes only what the layers above keep about a member (its URLs). */
export type ConfChangeType = 'addNode' | 'addLearner' | 'removeNode' | 'updateNode'

export interface ConfChange {
  readonly type: ConfChangeType
  readonly nodeId: NodeId
  /** Carried for the layers above (peer URLs, name); Raft only looks at nodeId. */
  readonly context?: string
}

export interface ConfState {
  readonly voters: readonly NodeId[]
  readonly learners: readonly NodeId[]
}

export interface HardState {
  readonly term: number
  readonly vote: NodeId | ''
  readonly commit: number
}

export interface SnapshotMetadata {
  readonly index: number
  readonly term: number
  readonly confState: ConfState
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata
  readonly data: Uint8Array
}

export type MessageType =
  /** Local: start a campaign (an election, or a pre-election with pre-vote), as a tick that times out does. */
  | 'MsgHup'
  | 'MsgProp'
  | 'MsgApp'
  | 'MsgAppResp'
  | 'MsgVote'
  | 'MsgVoteResp'
  | 'MsgPreVote'
  | 'MsgPreVoteResp'
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgSnap'
  | 'MsgSnapStatus'
  | 'MsgTimeoutNow'
  | 'MsgTransferLeader'
  | 'MsgReadIndex'
  | 'MsgReadIndexResp'
  | 'MsgUnreachable'

export interface Message {
  readonly type: MessageType
  readonly from: NodeId
  readonly to: NodeId
  readonly term: number
  /** MsgApp: index of the entry before `entries`; responses: the index acknowledged or rejected. */
  readonly index: number
  /** MsgApp: term of the entry at `index`; MsgVote: last log term of the candidate. */
  readonly logTerm: number
  readonly entries: readonly Entry[]
  readonly commit: number
  readonly reject: boolean
  /** On a rejected MsgAppResp: the follower's last index, so the leader can back off fast. */
  readonly rejectHint: number
  readonly snapshot?: Snapshot
  /** MsgReadIndex / heartbeats: the request context a read is waiting on. */
  readonly context?: string
}

export interface ReadState {
  readonly index: number
  readonly requestContext: string
}

export enum StateType {
  Follower = 'follower',
  PreCandidate = 'pre-candidate',
  Candidate = 'candidate',
  Leader = 'leader',
}

export interface SoftState {
  readonly lead: NodeId | ''
  readonly state: StateType
}

/**
 * What the driver must do next, in order: persist hardState/entries/snapshot durably, then send
 * messages, then apply committedEntries (and the snapshot), then call advance().
 */
export interface Ready {
  readonly softState: SoftState
  readonly hardState: HardState | null
  readonly entries: readonly Entry[]
  readonly snapshot: Snapshot | null
  readonly committedEntries: readonly Entry[]
  readonly messages: readonly Message[]
  readonly readStates: readonly ReadState[]
}

/** Randomness comes from outside so that a run is reproducible from its seed. */
export interface RandomSource {
  /** An integer in [0, bound). */
  nextInt(bound: number): number
}

export class RaftError extends Error {
  constructor(
    readonly code: 'ProposalDropped' | 'NotLeader' | 'ConfChangePending' | 'Compacted' | 'Unavailable',
    message: string,
  ) {
    super(message)
    this.name = 'RaftError'
  }
}

export function emptyMessage(type: MessageType, from: NodeId, to: NodeId, term: number): Message {
  return {type, from, to, term, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0}
}

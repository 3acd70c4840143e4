// How a trace prints the Raft core's plain data: one line per message, entry, state, in the
// shape of etcd-io/raft's interaction tests (`1->2 MsgVote Term:2 Log:1/10`), so a reader who
// knows one knows the other.
import {type ConfChange, type ConfState, type Entry, EntryType, type HardState, type Message, type Snapshot, StateType} from '../../src/core/raft/types.js'

const decoder = new TextDecoder()

const stateNames: Record<StateType, string> = {
  [StateType.Follower]: 'StateFollower',
  [StateType.PreCandidate]: 'StatePreCandidate',
  [StateType.Candidate]: 'StateCandidate',
  [StateType.Leader]: 'StateLeader',
}

export function formatState(state: StateType): string {
  return stateNames[state]
}

/** `1/3 EntryNormal "data"` or `2/5 EntryConfChange addNode 4`: term/index, type, payload. */
export function formatEntry(entry: Entry): string {
  const position = `${entry.term}/${entry.index}`
  if (entry.type === EntryType.ConfChange) {
    const change = JSON.parse(decoder.decode(entry.data)) as ConfChange
    return `${position} EntryConfChange ${change.type} ${change.nodeId}`
  }
  return `${position} EntryNormal ${JSON.stringify(decoder.decode(entry.data))}`
}

export function formatConfState(confState: ConfState): string {
  const learners = confState.learners.length > 0 ? ` Learners:[${confState.learners.join(' ')}]` : ''
  return `Voters:[${confState.voters.join(' ')}]${learners}`
}

export function formatSnapshot(snapshot: Snapshot): string {
  return `Index:${snapshot.metadata.index} Term:${snapshot.metadata.term} ${formatConfState(snapshot.metadata.confState)}`
}

export function formatHardState(hardState: HardState): string {
  return `HardState Term:${hardState.term} Vote:${hardState.vote || 0} Commit:${hardState.commit}`
}

/** Only what a message carries is shown: a rejection, the commit, entries, a snapshot, a read context. */
export function formatMessage(message: Message): string {
  let line = `${message.from}->${message.to} ${message.type} Term:${message.term} Log:${message.logTerm}/${message.index}`
  if (message.reject) line += ` Rejected (Hint: ${message.rejectHint})`
  if (message.commit !== 0) line += ` Commit:${message.commit}`
  if (message.entries.length > 0) line += ` Entries:[${message.entries.map(formatEntry).join(', ')}]`
  if (message.snapshot) line += ` Snapshot: ${formatSnapshot(message.snapshot)}`
  if (message.context) line += ` Context:${message.context}`
  return line
}

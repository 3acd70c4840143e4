// The raft core's log lines: what etcd-io/raft logs at each step of an election, in its words,
// which etcd writes to its log (and kubemu to the etcd pods' logs).
import {describe, expect, it} from 'vitest'
import {Raft, type RaftLogger, defaultRaftLimits} from '../../src/core/raft/raft.js'
import type {Message, NodeId} from '../../src/core/raft/types.js'
import {SeededRandom} from '../../src/core/util/random.js'

interface LoggedNode {
  readonly raft: Raft
  readonly lines: string[]
}

/** Three voters from a snapshot at index 2 of term 1 (as a bootstrapped cluster), each logging. */
function threeNodes(): Map<NodeId, LoggedNode> {
  const nodes = new Map<NodeId, LoggedNode>()
  for (const id of ['1', '2', '3']) {
    const lines: string[] = []
    const logger: RaftLogger = {info: (message) => lines.push(`INFO ${message}`), warning: (message) => lines.push(`WARN ${message}`)}
    const confState = {voters: ['1', '2', '3'], learners: []}
    const raft = new Raft({
      id,
      confState,
      ...defaultRaftLimits,
      random: new SeededRandom(Number(id)),
      preVote: true,
      checkQuorum: true,
      hardState: {term: 1, vote: '', commit: 2},
      snapshot: {metadata: {index: 2, term: 1, confState}, data: new Uint8Array()},
      entries: [],
      applied: 2,
      logger,
    })
    nodes.set(id, {raft, lines})
  }
  return nodes
}

/** Readies and messages until nothing moves (messages delivered in the order they were sent). */
function stabilize(nodes: Map<NodeId, LoggedNode>): void {
  for (let round = 0; round < 100; round++) {
    const sent: Message[] = []
    for (const {raft} of nodes.values()) {
      if (!raft.hasReady()) continue
      const ready = raft.ready()
      sent.push(...ready.messages)
      raft.advance(ready)
    }
    if (sent.length === 0) return
    for (const message of sent) nodes.get(message.to)?.raft.step(message)
  }
  throw new Error('the nodes did not settle')
}

describe('the raft core logs as etcd-io/raft does', () => {
  it('a pre-vote election, line by line on each member', () => {
    const nodes = threeNodes()
    for (const node of nodes.values()) expect(node.lines).toEqual([`INFO ${node.raft.id} became follower at term 1`])
    for (const node of nodes.values()) node.lines.length = 0
    nodes.get('1')!.raft.campaign()
    stabilize(nodes)
    expect(nodes.get('1')!.lines).toEqual([
      'INFO 1 is starting a new election at term 1',
      'INFO 1 became pre-candidate at term 1',
      'INFO 1 received MsgPreVoteResp from 1 at term 1',
      'INFO 1 [logterm: 1, index: 2] sent MsgPreVote request to 2 at term 1',
      'INFO 1 [logterm: 1, index: 2] sent MsgPreVote request to 3 at term 1',
      'INFO 1 received MsgPreVoteResp from 2 at term 1',
      'INFO 1 has received 2 MsgPreVoteResp votes and 0 vote rejections',
      'INFO 1 became candidate at term 2',
      'INFO 1 received MsgVoteResp from 1 at term 2',
      'INFO 1 [logterm: 1, index: 2] sent MsgVote request to 2 at term 2',
      'INFO 1 [logterm: 1, index: 2] sent MsgVote request to 3 at term 2',
      'INFO 1 received MsgVoteResp from 2 at term 2',
      'INFO 1 has received 2 MsgVoteResp votes and 0 vote rejections',
      'INFO 1 became leader at term 2',
    ])
    expect(nodes.get('2')!.lines).toEqual([
      'INFO 2 [logterm: 1, index: 2, vote: 0] cast MsgPreVote for 1 [logterm: 1, index: 2] at term 1',
      'INFO 2 [term: 1] received a MsgVote message with higher term from 1 [term: 2]',
      'INFO 2 became follower at term 2',
      'INFO 2 [logterm: 1, index: 2, vote: 0] cast MsgVote for 1 [logterm: 1, index: 2] at term 2',
    ])
  })

  it('a member that still hears its leader ignores a candidate, and a leader without a quorum steps down', () => {
    const nodes = threeNodes()
    nodes.get('1')!.raft.campaign()
    stabilize(nodes)
    for (const node of nodes.values()) node.lines.length = 0
    // Node 3 is cut off and campaigns at a higher term; node 2 still hears node 1.
    nodes.get('3')!.raft.campaign()
    const asked = nodes.get('3')!.raft.ready()
    nodes.get('3')!.raft.advance(asked)
    const preVote = asked.messages.find((message) => message.to === '2')!
    nodes.get('2')!.raft.step(preVote)
    expect(nodes.get('2')!.lines).toEqual([
      'INFO 2 [logterm: 2, index: 3, vote: 1] ignored MsgPreVote from 3 [logterm: 2, index: 3] at term 2: lease is not expired (remaining ticks: 10)',
    ])
    // The leader hears nobody for an election timeout: check-quorum makes it step down.
    const leader = nodes.get('1')!.raft
    for (let tick = 0; tick < 2 * defaultRaftLimits.electionTicks; tick++) leader.tick()
    expect(nodes.get('1')!.lines).toContain('WARN 1 stepped down to follower since quorum is not active')
    expect(nodes.get('1')!.lines).toContain('INFO 1 became follower at term 2')
  })
})

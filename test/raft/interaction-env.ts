// The world a trace file drives: Raft nodes with in-memory storage, a queue of messages between
// them that moves only when the trace says so, and one handler per trace command. Every handler
// returns the lines it prints; the replayer compares them with the file. The commands:
//
//   add-nodes N [voters=(1,2)] [learners=(3)] [index=I] [prevote=true] [checkquorum=true] [seed=S]
//   campaign ID...                 step MsgHup
//   process-ready ID...            one Ready each: persist, apply, advance, queue the messages
//   deliver-msgs ID...             step the messages queued for each
//   stabilize [ID...]              process-ready and deliver-msgs until nothing moves
//   drop-msgs [from=ID] [to=ID] [type=MsgX]    lose queued messages
//   isolate ID... / heal ID...     drop every message from or to them as it is sent
//   propose ID DATA | propose-conf-change ID addNode|addLearner|removeNode NODE
//   transfer-leadership from=ID to=ID
//   tick-election ID... | tick-heartbeat ID...
//   compact ID INDEX | restart ID [resume=LEAD]
//   status ID... | raft-state | raft-log ID...
import {Raft, defaultRaftLimits} from '../../src/core/raft/raft.js'
import {type ConfChangeType, type ConfState, type Entry, EntryType, type HardState, type Message, type NodeId, RaftError, type Snapshot, type SoftState, StateType} from '../../src/core/raft/types.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {formatConfState, formatEntry, formatHardState, formatMessage, formatSnapshot, formatState} from './trace-format.js'

/** Rounds of process-ready + deliver-msgs one `stabilize` may take before it calls the trace divergent. */
export const stabilizeRoundsMax = 200

const electionTicks = 10

export class TraceError extends Error {}

/** A command line: its name, its positional words, and its key=value (or key=(a,b)) options. */
export interface TraceCommand {
  readonly name: string
  readonly words: readonly string[]
  readonly options: ReadonlyMap<string, string[]>
}

/** What the node wrote durably, as a driver's storage would hold it; raft-log prints it. */
interface NodeStorage {
  hardState: HardState
  snapshot: Snapshot | null
  entries: Entry[]
  applied: number
}

interface TraceNode {
  readonly id: NodeId
  raft: Raft
  readonly storage: NodeStorage
  readonly preVote: boolean
  readonly checkQuorum: boolean
  readonly random: SeededRandom
  lastSoftState: SoftState
}

const encoder = new TextEncoder()

export class InteractionEnv {
  private readonly nodes = new Map<NodeId, TraceNode>()
  private queue: Message[] = []
  private readonly isolated = new Set<NodeId>()

  handle(command: TraceCommand): string[] {
    switch (command.name) {
      case 'add-nodes':
        return this.addNodes(command)
      case 'campaign':
        return this.each(command, (node) => {
          node.raft.campaign()
          return [this.summary(node)]
        })
      case 'process-ready':
        return this.each(command, (node) => this.processReady(node))
      case 'deliver-msgs':
        return this.each(command, (node) => this.deliver(node))
      case 'stabilize':
        return this.stabilize(command.words.length > 0 ? command.words.map((id) => this.node(id)) : [...this.nodes.values()])
      case 'drop-msgs':
        return this.dropMessages(command)
      case 'isolate':
      case 'heal':
        for (const id of command.words) {
          this.node(id)
          if (command.name === 'isolate') this.isolated.add(id)
          else this.isolated.delete(id)
        }
        return [`isolated: ${[...this.isolated].sort().join(' ') || 'none'}`]
      case 'propose':
        return this.attempt(() => this.node(command.words[0]).raft.propose(encoder.encode(command.words[1] ?? '')))
      case 'propose-conf-change': {
        const [id, type, nodeId] = command.words
        if (!type || !nodeId) throw new TraceError('usage: propose-conf-change ID addNode|addLearner|removeNode NODE')
        return this.attempt(() => this.node(id).raft.proposeConfChange({type: type as ConfChangeType, nodeId}))
      }
      case 'transfer-leadership': {
        const from = this.node(this.option(command, 'from'))
        return this.attempt(() => from.raft.transferLeadership(this.node(this.option(command, 'to')).id))
      }
      case 'tick-election':
        return this.tickElection(command.words.map((id) => this.node(id)))
      case 'tick-heartbeat':
        return this.each(command, (node) => {
          node.raft.tick()
          return [this.summary(node)]
        })
      case 'compact':
        return this.compact(this.node(command.words[0]), Number(command.words[1]))
      case 'restart':
        return this.restart(this.node(command.words[0]), command.options.get('resume')?.[0] ?? null)
      case 'status':
        return this.each(command, (node) => this.status(node))
      case 'raft-state':
        return [...this.nodes.values()].map((node) => this.summary(node))
      case 'raft-log':
        return this.each(command, (node) => this.raftLog(node))
    }
    throw new TraceError(`unknown command ${command.name}`)
  }

  // ---- nodes -------------------------------------------------------------------------------

  /** add-nodes N [voters=(1,2,3)] [learners=(4)] [index=I] [prevote=true] [checkquorum=true] [seed=S] */
  private addNodes(command: TraceCommand): string[] {
    const count = Number(command.words[0])
    if (!Number.isInteger(count) || count < 1) throw new TraceError('usage: add-nodes N [voters=(..)] [index=I] ...')
    const confState: ConfState = {voters: command.options.get('voters') ?? [], learners: command.options.get('learners') ?? []}
    const index = Number(command.options.get('index')?.[0] ?? 0)
    const seed = Number(command.options.get('seed')?.[0] ?? 1)
    const lines: string[] = []
    for (let added = 0; added < count; added++) {
      const id = String(this.nodes.size + 1)
      // Starting from a snapshot of the configuration at `index`, as a bootstrapped cluster would.
      const snapshot: Snapshot | null = index > 0 ? {metadata: {index, term: 1, confState}, data: new Uint8Array()} : null
      const storage: NodeStorage = {hardState: {term: snapshot ? 1 : 0, vote: '', commit: index}, snapshot, entries: [], applied: index}
      const node = {
        id,
        storage,
        preVote: command.options.get('prevote')?.[0] === 'true',
        checkQuorum: command.options.get('checkquorum')?.[0] === 'true',
        random: new SeededRandom(seed * 1000 + Number(id)),
      }
      const raft = this.newRaft(node, confState)
      const traceNode: TraceNode = {...node, raft, lastSoftState: raft.softState()}
      this.nodes.set(id, traceNode)
      lines.push(`${this.summary(traceNode)} ${formatConfState(raft.confState())}`)
    }
    return lines
  }

  private newRaft(node: Pick<TraceNode, 'id' | 'storage' | 'preVote' | 'checkQuorum' | 'random'>, confState: ConfState): Raft {
    return new Raft({
      id: node.id,
      confState,
      ...defaultRaftLimits,
      electionTicks,
      random: node.random,
      preVote: node.preVote,
      checkQuorum: node.checkQuorum,
      hardState: node.storage.hardState,
      snapshot: node.storage.snapshot,
      entries: node.storage.entries,
      applied: node.storage.applied,
    })
  }

  /** restart ID [resume=LEAD]: a new process from the node's storage; `resume` is the driver's clean-stop decision. */
  private restart(node: TraceNode, resume: NodeId | null): string[] {
    node.raft = this.newRaft(node, node.raft.confState())
    if (resume === node.id) node.raft.resumeLeading()
    else if (resume) node.raft.resumeFollowing(resume)
    node.lastSoftState = node.raft.softState()
    this.queue = this.queue.filter((message) => message.from !== node.id)
    return [this.summary(node)]
  }

  private node(id: string | undefined): TraceNode {
    const node = id === undefined ? undefined : this.nodes.get(id)
    if (!node) throw new TraceError(`no node ${id ?? '(none given)'}; nodes: ${[...this.nodes.keys()].join(' ') || 'none'}`)
    return node
  }

  private each(command: TraceCommand, work: (node: TraceNode) => string[]): string[] {
    if (command.words.length === 0) throw new TraceError(`${command.name} needs node ids`)
    return command.words.flatMap((id) => work(this.node(id)))
  }

  private option(command: TraceCommand, key: string): string {
    const value = command.options.get(key)?.[0]
    if (value === undefined) throw new TraceError(`${command.name} needs ${key}=`)
    return value
  }

  /** A call into the core whose refusal is part of the trace, not a failure of it. */
  private attempt(work: () => void): string[] {
    try {
      work()
      return ['ok']
    } catch (error) {
      if (error instanceof RaftError) return [`error: ${error.code}: ${error.message}`]
      throw error
    }
  }

  private summary(node: TraceNode): string {
    const {raft} = node
    const role = raft.isVoter(node.id) ? 'Voter' : raft.confState().learners.includes(node.id) ? 'Learner' : 'NonMember'
    return `${node.id}: ${formatState(raft.state)} (${role}) Term:${raft.term} Lead:${raft.lead || 0}`
  }

  // ---- the driver loop ---------------------------------------------------------------------

  /** One Ready: persist, queue the messages, apply, advance, printed as etcd-io/raft prints it. */
  private processReady(node: TraceNode): string[] {
    const {raft, storage} = node
    if (!raft.hasReady()) return []
    const ready = raft.ready()
    const lines = [`> ${node.id} handling Ready`]
    if (ready.softState.lead !== node.lastSoftState.lead || ready.softState.state !== node.lastSoftState.state) {
      lines.push(`  Lead:${ready.softState.lead || 0} State:${formatState(ready.softState.state)}`)
      node.lastSoftState = ready.softState
    }
    if (ready.hardState) {
      lines.push(`  ${formatHardState(ready.hardState)}`)
      storage.hardState = ready.hardState
    }
    if (ready.snapshot) {
      lines.push(`  Snapshot ${formatSnapshot(ready.snapshot)}`)
      storage.snapshot = ready.snapshot
      storage.entries = storage.entries.filter((entry) => entry.index > ready.snapshot!.metadata.index)
      storage.applied = ready.snapshot.metadata.index
    }
    if (ready.entries.length > 0) {
      lines.push('  Entries:', ...ready.entries.map((entry) => `  ${formatEntry(entry)}`))
      const first = ready.entries[0]!.index
      storage.entries = [...storage.entries.filter((entry) => entry.index < first), ...ready.entries]
    }
    if (ready.committedEntries.length > 0) {
      lines.push('  CommittedEntries:', ...ready.committedEntries.map((entry) => `  ${formatEntry(entry)}`))
      for (const entry of ready.committedEntries) {
        if (entry.type === EntryType.ConfChange) {
          const confState = raft.applyConfChange(JSON.parse(new TextDecoder().decode(entry.data)))
          lines.push(`  applied ${formatConfState(confState)}`)
        }
        storage.applied = entry.index
      }
    }
    raft.advance(ready)
    if (ready.messages.length > 0) lines.push('  Messages:')
    for (const message of ready.messages) {
      const cut = this.isolated.has(message.from) || this.isolated.has(message.to)
      lines.push(`  ${formatMessage(message)}${cut ? ' (dropped: isolated)' : ''}`)
      if (!cut) this.queue.push(message)
    }
    for (const readState of ready.readStates) lines.push(`  ReadState Index:${readState.index} Context:${readState.requestContext}`)
    return lines
  }

  /** Steps every message queued for `node`, in the order they were sent. */
  private deliver(node: TraceNode): string[] {
    const incoming = this.queue.filter((message) => message.to === node.id)
    if (incoming.length === 0) return []
    this.queue = this.queue.filter((message) => message.to !== node.id)
    const lines = [`> ${node.id} receiving messages`]
    for (const message of incoming) {
      lines.push(`  ${formatMessage(message)}`)
      try {
        node.raft.step(message)
      } catch (error) {
        if (!(error instanceof RaftError)) throw error
        lines.push(`  error: ${error.code}: ${error.message}`)
      }
    }
    return lines
  }

  /** Readies and deliveries, round after round, until nothing moves among `nodes`. */
  private stabilize(nodes: readonly TraceNode[]): string[] {
    const lines: string[] = []
    for (let round = 0; round < stabilizeRoundsMax; round++) {
      const before = lines.length
      for (const node of nodes) lines.push(...this.processReady(node))
      for (const node of nodes) lines.push(...this.deliver(node))
      if (lines.length === before) return lines
    }
    throw new TraceError(`stabilize did not settle within ${stabilizeRoundsMax} rounds`)
  }

  /** drop-msgs [from=ID] [to=ID] [type=MsgX]: queued messages that are lost on the way. */
  private dropMessages(command: TraceCommand): string[] {
    const matches = (message: Message): boolean =>
      (command.options.get('from')?.[0] ?? message.from) === message.from &&
      (command.options.get('to')?.[0] ?? message.to) === message.to &&
      (command.options.get('type')?.[0] ?? message.type) === message.type
    const dropped = this.queue.filter(matches)
    this.queue = this.queue.filter((message) => !matches(message))
    return dropped.length > 0 ? dropped.map((message) => `dropped: ${formatMessage(message)}`) : ['nothing to drop']
  }

  // ---- time --------------------------------------------------------------------------------

  /**
   * Ticks the nodes together, one tick at a time, until the first of them campaigns (each draws
   * its randomized election timeout, below 2×electionTicks, from its seeded random) or a leader
   * steps down (check-quorum: after an interval without hearing from a quorum). Says who moved
   * after how many ticks.
   */
  private tickElection(nodes: readonly TraceNode[]): string[] {
    if (nodes.length === 0) throw new TraceError('tick-election needs node ids')
    const before = nodes.map((node) => ({term: node.raft.term, state: node.raft.state, ready: node.raft.hasReady()}))
    for (let tick = 1; tick <= 2 * electionTicks; tick++) {
      for (const node of nodes) node.raft.tick()
      const moved = nodes.filter((node, position) => {
        const was = before[position]!
        // A leader's heartbeats make a Ready at every tick: only its stepping down counts.
        const campaigned = was.state !== StateType.Leader && !was.ready && node.raft.hasReady()
        return campaigned || node.raft.term !== was.term || node.raft.state !== was.state
      })
      if (moved.length > 0) return [`after ${tick} ticks: ${moved.map((node) => node.id).join(' ')}`, ...nodes.map((node) => this.summary(node))]
    }
    return [`nothing changed in ${2 * electionTicks} ticks`, ...nodes.map((node) => this.summary(node))]
  }

  // ---- storage -----------------------------------------------------------------------------

  /** compact ID INDEX: the application snapshots at INDEX and the log before it goes. */
  private compact(node: TraceNode, index: number): string[] {
    const term = node.raft.log.term(index)
    if (!Number.isInteger(index) || term === null || index > node.storage.applied) {
      throw new TraceError(`node ${node.id} cannot compact at ${index} (applied ${node.storage.applied})`)
    }
    const snapshot: Snapshot = {metadata: {index, term, confState: node.raft.confState()}, data: new Uint8Array()}
    node.storage.snapshot = snapshot
    node.storage.entries = node.storage.entries.filter((entry) => entry.index > index)
    node.raft.compact(snapshot)
    return this.raftLog(node)
  }

  private raftLog(node: TraceNode): string[] {
    const {snapshot, entries} = node.storage
    const lines = snapshot ? [`snapshot ${formatSnapshot(snapshot)}`] : []
    lines.push(...entries.map(formatEntry))
    return lines.length > 0 ? lines : ['log is empty']
  }

  private status(node: TraceNode): string[] {
    const {raft} = node
    const lines = [`${this.summary(node)} Commit:${raft.log.committed} Applied:${node.storage.applied} LastIndex:${raft.log.lastIndex()}`]
    if (raft.state !== StateType.Leader) return lines
    const members = [...raft.confState().voters, ...raft.confState().learners].sort()
    for (const id of members) {
      const progress = raft.progressOf(id)
      if (progress) lines.push(`  ${id}: State${progress.state[0]!.toUpperCase()}${progress.state.slice(1)} match=${progress.match} next=${progress.next}`)
    }
    return lines
  }
}

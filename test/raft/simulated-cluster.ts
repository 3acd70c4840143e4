// A deterministic world for the Raft core: simulated members with durable state that survives
// crashes, a network that drops, delays, duplicates and partitions, and checkers for the five
// safety properties of the Raft paper, run after every step.
import {Raft, defaultRaftLimits} from '../../src/core/raft/raft.js'
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  type NodeId,
  RaftError,
  type Snapshot,
  StateType,
} from '../../src/core/raft/types.js'
import {SeededRandom} from '../../src/core/util/random.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface FaultRates {
  drop: number
  duplicate: number
  delayTicksMax: number
}

export const calmNetwork: FaultRates = {drop: 0, duplicate: 0, delayTicksMax: 0}

/** What survives a crash: exactly what the driver wrote before acknowledging anything. */
interface DurableState {
  hardState: HardState
  snapshot: Snapshot | null
  entries: Entry[]
  applied: number
  confState: ConfState
  machine: string[]
}

interface SimulatedMember {
  readonly id: NodeId
  durable: DurableState
  raft: Raft | null
  removed: boolean
}

interface InFlight {
  deliverAt: number
  message: Message
}

export class SafetyViolation extends Error {}

export class SimulatedCluster {
  readonly members = new Map<NodeId, SimulatedMember>()
  readonly random: SeededRandom
  now = 0
  faults: FaultRates = calmNetwork
  /** Members in different groups cannot talk; null means no partition. */
  partition: NodeId[][] | null = null
  readonly compactEveryEntries = 32
  readonly acknowledged = new Set<string>()
  private network: InFlight[] = []
  private readonly leaderOfTerm = new Map<number, NodeId>()
  /** Committed entries, with the lowest term in which any member saw them committed. */
  private readonly committed = new Map<number, {term: number; data: string; committedInTerm: number}>()
  private readonly applied = new Map<number, string>()
  private readonly leaderLog = new Map<NodeId, {term: number; lastIndex: number; lastTerm: number}>()
  private readonly pendingProposals = new Map<string, NodeId>()
  private nextMemberNumber: number
  readonly networkInFlightMax = 20000

  constructor(seed: number, voters: number) {
    this.random = new SeededRandom(seed)
    const ids = Array.from({length: voters}, (_, index) => `n${index + 1}`)
    this.nextMemberNumber = voters + 1
    // Like etcd's bootstrap: the initial configuration is the first entries of every log, so a
    // member added later learns it by replaying the log.
    const bootstrap: Entry[] = ids.map((id, index) => ({
      term: 1,
      index: index + 1,
      type: EntryType.ConfChange,
      data: encoder.encode(JSON.stringify({type: 'addNode', nodeId: id} satisfies ConfChange)),
    }))
    for (const id of ids) {
      this.members.set(id, {
        id,
        removed: false,
        raft: null,
        durable: {
          hardState: {term: 1, vote: '', commit: bootstrap.length},
          snapshot: null,
          entries: [...bootstrap],
          applied: bootstrap.length,
          confState: {voters: ids, learners: []},
          machine: [],
        },
      })
      this.start(id)
    }
  }

  start(id: NodeId): void {
    const member = this.members.get(id)!
    if (member.raft || member.removed) return
    const durable = member.durable
    // A crash between persisting a received snapshot and applying it: apply it now, as etcd
    // does when its backend is behind the snapshot on disk.
    if (durable.snapshot && durable.snapshot.metadata.index > durable.applied) {
      durable.machine = JSON.parse(decoder.decode(durable.snapshot.data)) as string[]
      durable.applied = durable.snapshot.metadata.index
      durable.confState = durable.snapshot.metadata.confState
    }
    member.raft = new Raft({
      id,
      confState: durable.confState,
      ...defaultRaftLimits,
      entriesPerMessageMax: 8,
      inflightMessagesMax: 16,
      random: this.random,
      preVote: true,
      checkQuorum: true,
      hardState: durable.hardState,
      snapshot: durable.snapshot,
      entries: durable.entries,
      applied: durable.applied,
    })
  }

  crash(id: NodeId): void {
    const member = this.members.get(id)!
    member.raft = null
    this.leaderLog.delete(id)
  }

  live(): SimulatedMember[] {
    return [...this.members.values()].filter((member) => member.raft !== null)
  }

  leader(): SimulatedMember | null {
    let best: SimulatedMember | null = null
    for (const member of this.live()) {
      if (member.raft!.state === StateType.Leader && (!best || member.raft!.term > best.raft!.term)) best = member
    }
    return best
  }

  voters(): NodeId[] {
    const leader = this.leader()
    return leader ? leader.raft!.confState().voters.slice() : []
  }

  propose(id: NodeId, value: string): boolean {
    const raft = this.members.get(id)?.raft
    if (!raft) return false
    try {
      raft.propose(encoder.encode(value))
      this.pendingProposals.set(value, id)
      return true
    } catch (error) {
      if (error instanceof RaftError) return false
      throw error
    }
  }

  proposeConfChange(change: ConfChange): boolean {
    const leader = this.leader()
    if (!leader) return false
    try {
      leader.raft!.proposeConfChange(change)
      return true
    } catch (error) {
      if (error instanceof RaftError) return false
      throw error
    }
  }

  newMemberId(): NodeId {
    const id = `n${this.nextMemberNumber++}`
    this.members.set(id, {
      id,
      removed: false,
      raft: null,
      durable: {hardState: {term: 0, vote: '', commit: 0}, snapshot: null, entries: [], applied: 0, confState: {voters: [], learners: []}, machine: []},
    })
    return id
  }

  /** One tick of simulated time: timers fire, due messages arrive, every member runs its Ready loop. */
  step(): void {
    this.now++
    for (const member of this.live()) member.raft!.tick()
    this.processAll()
    const due: InFlight[] = []
    const later: InFlight[] = []
    for (const item of this.network) (item.deliverAt <= this.now ? due : later).push(item)
    this.network = later
    // Messages that arrive in the same tick arrive in any order.
    for (let index = due.length - 1; index > 0; index--) {
      const other = this.random.nextInt(index + 1)
      ;[due[index], due[other]] = [due[other]!, due[index]!]
    }
    for (const {message} of due) {
      const target = this.members.get(message.to)
      if (!target?.raft) {
        if (message.type === 'MsgSnap') this.members.get(message.from)?.raft?.reportSnapshot(message.to, true)
        continue
      }
      target.raft.step(message)
      if (message.type === 'MsgSnap') this.members.get(message.from)?.raft?.reportSnapshot(message.to, false)
      this.processAll()
    }
    this.processAll()
    this.checkSafety()
  }

  private processAll(): void {
    for (let round = 0; round < 100; round++) {
      let progressed = false
      for (const member of this.live()) {
        if (member.raft!.hasReady()) {
          this.processReady(member)
          progressed = true
        }
      }
      if (!progressed) return
    }
  }

  /** The driver loop: persist, then send, then apply, then advance. */
  private processReady(member: SimulatedMember): void {
    const raft = member.raft!
    // The etcd driver opens a write transaction only for a Ready that readyHasStorageWork() announces.
    const storageWorkAnnounced = raft.readyHasStorageWork()
    const ready = raft.ready()
    const storageWork = ready.snapshot !== null || ready.entries.length > 0 || ready.hardState !== null || ready.committedEntries.length > 0
    if (storageWorkAnnounced !== storageWork) throw new SafetyViolation(`member ${member.id}: readyHasStorageWork() said ${storageWorkAnnounced}, the Ready ${storageWork ? 'has' : 'has no'} storage work`)
    const durable = member.durable
    if (ready.snapshot) {
      durable.snapshot = ready.snapshot
      durable.entries = []
    }
    if (ready.entries.length > 0) {
      const first = ready.entries[0]!.index
      durable.entries = durable.entries.filter((entry) => entry.index < first).concat(ready.entries)
    }
    if (ready.hardState) durable.hardState = ready.hardState
    this.trackCommitted(member, raft.log.committed)
    // A crash after persisting but before sending is a legal place to die.
    if (this.faults.drop > 0 && this.random.chance(0.001)) {
      this.crash(member.id)
      return
    }
    for (const message of ready.messages) this.send(message)
    if (ready.snapshot) {
      durable.machine = JSON.parse(decoder.decode(ready.snapshot.data)) as string[]
      durable.applied = ready.snapshot.metadata.index
      durable.confState = ready.snapshot.metadata.confState
    }
    for (const entry of ready.committedEntries) this.apply(member, entry)
    raft.advance(ready)
    if (member.removed) {
      this.crash(member.id)
      return
    }
    this.maybeCompact(member)
  }

  private apply(member: SimulatedMember, entry: Entry): void {
    const durable = member.durable
    this.assertSafety(entry.index === durable.applied + 1, `${member.id} applied ${entry.index} after ${durable.applied}`)
    durable.applied = entry.index
    if (entry.type === EntryType.ConfChange) {
      const change = JSON.parse(decoder.decode(entry.data)) as ConfChange
      durable.confState = member.raft!.applyConfChange(change)
      if (change.type === 'removeNode' && change.nodeId === member.id) member.removed = true
      this.recordApplied(member, entry.index, `conf:${decoder.decode(entry.data)}`)
      return
    }
    if (entry.data.length === 0) {
      this.recordApplied(member, entry.index, '')
      return
    }
    const value = decoder.decode(entry.data)
    durable.machine.push(value)
    this.recordApplied(member, entry.index, value)
    if (this.pendingProposals.get(value) === member.id) {
      this.acknowledged.add(value)
      this.pendingProposals.delete(value)
    }
  }

  private maybeCompact(member: SimulatedMember): void {
    const durable = member.durable
    const snapshotIndex = durable.snapshot?.metadata.index ?? 0
    if (durable.applied <= snapshotIndex) return
    if (durable.applied - snapshotIndex < this.compactEveryEntries) return
    const raft = member.raft!
    const term = raft.log.term(durable.applied)
    if (term === null) return
    const snapshot: Snapshot = {
      metadata: {index: durable.applied, term, confState: durable.confState},
      data: encoder.encode(JSON.stringify(durable.machine)),
    }
    durable.snapshot = snapshot
    durable.entries = durable.entries.filter((entry) => entry.index > durable.applied)
    raft.compact(snapshot)
  }

  private send(message: Message): void {
    const lost = this.network.length >= this.networkInFlightMax || this.cut(message.from, message.to) || this.random.chance(this.faults.drop)
    if (lost) {
      // Like etcd's transport, a snapshot that could not be sent is reported back to the leader.
      if (message.type === 'MsgSnap') this.members.get(message.from)?.raft?.reportSnapshot(message.to, true)
      return
    }
    const copies = this.random.chance(this.faults.duplicate) ? 2 : 1
    for (let copy = 0; copy < copies; copy++) {
      const delay = this.faults.delayTicksMax > 0 ? this.random.nextInt(this.faults.delayTicksMax + 1) : 0
      this.network.push({deliverAt: this.now + delay, message})
    }
  }

  private cut(from: NodeId, to: NodeId): boolean {
    if (!this.partition) return false
    const groupOf = (id: NodeId) => this.partition!.findIndex((group) => group.includes(id))
    return groupOf(from) !== groupOf(to)
  }

  // ---- the five safety properties ----------------------------------------------------------

  private assertSafety(condition: boolean, message: string): asserts condition {
    if (!condition) throw new SafetyViolation(`tick ${this.now}: ${message}\n${this.describe()}`)
  }

  private trackCommitted(member: SimulatedMember, commit: number): void {
    const raft = member.raft!
    for (let index = Math.max(commit - 64, raft.log.firstIndex()); index <= commit; index++) {
      const entry = raft.log.entryAt(index)
      if (!entry) continue
      const data = entryKey(entry)
      const known = this.committed.get(index)
      if (known) {
        this.assertSafety(known.term === entry.term && known.data === data, `${member.id} committed ${index} as term ${entry.term}, others as term ${known.term}`)
        known.committedInTerm = Math.min(known.committedInTerm, raft.term)
      } else {
        this.committed.set(index, {term: entry.term, data, committedInTerm: raft.term})
      }
    }
  }

  /** State machine safety: no two members apply different entries at the same index. */
  private recordApplied(member: SimulatedMember, index: number, data: string): void {
    const known = this.applied.get(index)
    if (known === undefined) this.applied.set(index, data)
    else this.assertSafety(known === data, `${member.id} applied ${JSON.stringify(data)} at ${index}, others applied ${JSON.stringify(known)}`)
  }

  checkSafety(): void {
    const live = this.live()
    for (const member of live) {
      const raft = member.raft!
      if (raft.state !== StateType.Leader) {
        this.leaderLog.delete(member.id)
        continue
      }
      // Election safety: at most one leader per term.
      const known = this.leaderOfTerm.get(raft.term)
      this.assertSafety(known === undefined || known === member.id, `two leaders in term ${raft.term}: ${known} and ${member.id}`)
      this.leaderOfTerm.set(raft.term, member.id)
      // Leader append-only: a leader never removes or rewrites its own entries.
      const previous = this.leaderLog.get(member.id)
      if (previous && previous.term === raft.term) {
        this.assertSafety(raft.log.lastIndex() >= previous.lastIndex, `leader ${member.id} shrank its log`)
        const term = raft.log.term(previous.lastIndex)
        this.assertSafety(term === null || term === previous.lastTerm, `leader ${member.id} rewrote entry ${previous.lastIndex}`)
      }
      this.leaderLog.set(member.id, {term: raft.term, lastIndex: raft.log.lastIndex(), lastTerm: raft.log.lastTerm()})
      // Leader completeness: a leader holds every entry committed in an earlier term.
      for (const [index, entry] of this.committed) {
        if (index < raft.log.firstIndex() || entry.committedInTerm >= raft.term) continue
        const held = raft.log.entryAt(index)
        this.assertSafety(held !== null && held.term === entry.term && entryKey(held) === entry.data, `leader ${member.id} of term ${raft.term} lacks committed entry ${index}`)
      }
    }
    // Log matching: same index and term means identical logs up to there.
    for (let a = 0; a < live.length; a++) {
      for (let b = a + 1; b < live.length; b++) this.checkLogMatching(live[a]!.raft!, live[b]!.raft!)
    }
    // The committed map only needs what a leader may still hold; older entries are in snapshots.
    if (this.committed.size > 4096) {
      const keys = [...this.committed.keys()].sort((x, y) => x - y)
      for (const key of keys.slice(0, keys.length - 2048)) this.committed.delete(key)
    }
  }

  private checkLogMatching(a: Raft, b: Raft): void {
    const low = Math.max(a.log.firstIndex(), b.log.firstIndex())
    let index = Math.min(a.log.lastIndex(), b.log.lastIndex())
    while (index >= low && a.log.term(index) !== b.log.term(index)) index--
    for (; index >= low; index--) {
      const left = a.log.entryAt(index)!
      const right = b.log.entryAt(index)!
      this.assertSafety(left.term === right.term && entryKey(left) === entryKey(right), `logs of ${a.id} and ${b.id} differ at ${index} below a matching entry`)
    }
  }

  /** Heals every fault and runs until every live member has applied the leader's commit. */
  settle(ticksMax: number): boolean {
    this.faults = calmNetwork
    this.partition = null
    for (const member of this.members.values()) if (!member.removed) this.start(member.id)
    for (let tick = 0; tick < ticksMax; tick++) {
      this.step()
      const leader = this.leader()
      if (!leader) continue
      const commit = leader.raft!.log.committed
      const voters = new Set(leader.raft!.confState().voters.concat(leader.raft!.confState().learners))
      const caughtUp = this.live().every((member) => !voters.has(member.id) || member.durable.applied === commit)
      if (caughtUp && leader.raft!.log.term(commit) === leader.raft!.term) return true
    }
    return false
  }

  /** One line per member, for failure messages. */
  describe(): string {
    return [...this.members.values()]
      .map((member) => {
        const raft = member.raft
        if (!raft) return `${member.id}: ${member.removed ? 'removed' : 'down'} applied=${member.durable.applied}`
        const conf = raft.confState()
        const progress =
          raft.state === StateType.Leader
            ? ' progress=' + conf.voters.concat(conf.learners).map((id) => `${id}:${JSON.stringify(raft.progressOf(id))}`).join(' ')
            : ''
        return `${member.id}: ${raft.state} term=${raft.term} lead=${raft.lead} last=${raft.log.lastIndex()} commit=${raft.log.committed} applied=${member.durable.applied} voters=${conf.voters.join(',')} learners=${conf.learners.join(',')}${progress}`
      })
      .join('\n')
  }

  machineOf(id: NodeId): readonly string[] {
    return this.members.get(id)!.durable.machine
  }
}

function entryKey(entry: Entry): string {
  return `${entry.type}:${decoder.decode(entry.data)}`
}

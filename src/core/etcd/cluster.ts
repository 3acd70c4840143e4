import type {ApplyOutcome, InternalRequest} from '../mvcc/state-machine.js'
import {StorageError} from '../storage/errors.js'
import {resolve} from 'node:path'
import type {RaftLogger} from '../raft/raft.js'
import {StateType} from '../raft/types.js'
import type {MemberDatabase} from '../storage/member-database.js'
import {WriterLock} from '../storage/writer-lock.js'
import {assert} from '../util/assert.js'
import {type Clock, systemClock} from '../util/clock.js'
import {SeededRandom} from '../util/random.js'
import {clusterRandomness} from '../seed.js'
import type {RaftPosition} from './api.js'
import {type ClusterLayout, type MemberLayout, defaultLayout} from './layout.js'
import {proposeThrough, readThrough} from './cluster-requests.js'
import {EtcdMember, type MemberEvents, snapshotEveryEntriesDefault} from './member.js'
import {memberThreadsEnabled, memberThreadsLog} from './member-thread.js'
import {confStateOf, openMemberDatabase} from './member-setup.js'
import {InProcessTransport} from './transport.js'
import {requestTrace} from './request-trace.js'
import {currentLayout, isInitialMember, memberDatabasePath, readCleanShutdown, readClusterState, writeClusterState} from './cluster-files.js'

export {memberDatabasePath, readClusterState} from './cluster-files.js'

/** etcd's default heartbeat interval: one raft tick of real time when the loop must wait. */
export const tickMilliseconds = 100
/** Ticks run back to back, without waiting, before real time must pass (elections, catch-up). */
export const virtualTicksMax = 400
/** Delivery rounds in one pump; a healthy cluster goes quiet after a handful. */
export const pumpRoundsMax = 10_000
/**
 * How long one pump keeps the event loop before it lets the loop's I/O in (an unseeded cluster).
 * The three members share one loop with the front door and the API servers, where etcd's members
 * each have their own process: a Ready that applies a DeleteRange of 50,000 keys takes a member
 * ~150 ms, and without a limit the three applied back to back held every client ~0.5–1 s.
 */
export const pumpBusyMillisecondsMax = 50
/**
 * A member's Ready this long (a DeleteRange of tens of thousands of keys: 0.4–1.6 s of SQL and
 * COMMIT per member on a busy machine) makes the pump that goes on after it wait until the loop
 * has caught up with the I/O that queued meanwhile, or heavyReadyCatchUpMillisecondsMax at most: a
 * request needs a few turns of the loop, and with a pump on each, it waited behind all three
 * members' applies. Caught up: a timer of loopCatchUpProbeMilliseconds fired at most
 * loopCaughtUpLagMilliseconds late (no other callback held the loop meanwhile).
 */
export const heavyReadyMillisecondsMin = 100
// Kept short: under a callback that holds the loop ~7 ms every turn the probe is never on time,
// and each wait runs to this cap with every pump held (200 ms made a big DeleteRange 0.6 s slower
// for every client); 25 ms still lets a few turns' I/O through between members' applies.
export const heavyReadyCatchUpMillisecondsMax = 25
export const loopCatchUpProbeMilliseconds = 5
export const loopCaughtUpLagMilliseconds = 2
export const lockWaitMillisecondsDefault = 10_000
/** A member's elections are logged at most once per this much cluster time (etcd's election timeout is 1 s). */
export const memberElectionLogIntervalMilliseconds = 1_000
/** Raft log lines a cluster holds before the host gives it a sink (a new cluster's first election is a few dozen). */
export const memberLogLinesHeldMax = 1_000

/**
 * One line of a member's log, as etcd 3.4 writes it: from its raft (etcd-io/raft's messages) or
 * from its peer transport (rafthttp's), with its level and when it was written.
 */
export interface MemberLogLine {
  readonly member: string
  readonly source: 'raft' | 'rafthttp'
  readonly level: 'INFO' | 'WARN' | 'ERROR'
  readonly message: string
  readonly atMilliseconds: number
}

export type MemberLogSink = (line: MemberLogLine) => void

/** The raft log sinks of the cluster folders this process serves (a process serves one cluster, tests a few). */
const memberLogSinks = new Map<string, MemberLogSink>()
const memberLogSinksMax = 64

/**
 * Sends the raft log lines of every member of the cluster in `folder` that this process runs to
 * `sink` (the host writes them to the etcd pods' logs), from clusters opened before or after.
 */
export function sendMemberLogOf(folder: string, sink: MemberLogSink): void {
  memberLogSinks.delete(resolve(folder))
  memberLogSinks.set(resolve(folder), sink)
  if (memberLogSinks.size > memberLogSinksMax) memberLogSinks.delete(memberLogSinks.keys().next().value as string)
}

export interface ClusterOptions {
  readonly clock?: Clock
  /** Seeds election timeouts and transport faults; a test passes one to replay a run. */
  readonly seed?: number
  readonly lockWaitMilliseconds?: number
  readonly layout?: ClusterLayout
  /** Applied entries between snapshots (etcd's --snapshot-count); small in tests. */
  readonly snapshotEveryEntries?: number
  /**
   * Each member persists and applies in a thread of its own (member-thread.ts); by default as
   * `up` asked (KUBEMU_MEMBER_THREADS=1). A seeded cluster keeps its members in-process.
   */
  readonly memberThreads?: boolean
  /** Where a member's crash is told (its thread ended); standard error by default. */
  readonly log?: (line: string) => void
  /** How long a pump keeps the loop before the loop's I/O goes first (pumpBusyMillisecondsMax); tests pass 0. */
  readonly pumpBusyMilliseconds?: number
}

/**
 * The embedded etcd cluster of one kubemu process: every live member in-process, wired by the
 * in-process transport, driven by one loop. Opening it takes the cluster's writer lock.
 */
export class EmbeddedCluster {
  readonly transport: InProcessTransport
  readonly clock: Clock
  private readonly membersByName = new Map<string, EtcdMember>()
  private readonly membersById = new Map<string, EtcdMember>()
  private closed = false
  /**
   * Drives waiting on the members' fsyncs: for the next one to end, or (a seeded cluster) for
   * every write counted when the drive began.
   */
  private syncWaiters: Array<{readonly writes: ReadonlyArray<[EtcdMember, number]> | null; readonly resume: () => void}> = []
  /**
   * A seeded cluster waits for every member's fsync before it answers, as before a quorum's were
   * enough: which of three disks ends first must not decide the order of its writes, or the same
   * seed would not replay the same run.
   */
  private readonly waitsForEveryFsync: boolean
  private releaseScheduled = false
  /** The last pump stopped at pumpBusyMillisecondsMax with work left; a pump of its own follows. */
  private pumpYielded = false
  /** A pump yielded and the pump of its own that goes on is not run yet. */
  private yieldPending = false
  /** Drives waiting for that pump. */
  private yieldWaiters: Array<() => void> = []
  /** The member the next round starts with: after the one a yield stopped at. */
  private pumpResumeAt = 0
  private pumpBusyMilliseconds = pumpBusyMillisecondsMax
  /** See heavyReadyMillisecondsMin; tests set their own. */
  heavyReady: {readonly milliseconds: number; readonly catchUpMillisecondsMax: number} = {milliseconds: heavyReadyMillisecondsMin, catchUpMillisecondsMax: heavyReadyCatchUpMillisecondsMax}
  /** When the pending yield began (traced, see request-trace.ts). */
  private yieldedAt = 0

  private constructor(
    readonly folder: string,
    public layout: ClusterLayout,
    private readonly lock: WriterLock,
    private readonly random: SeededRandom,
    clock: Clock,
    private readonly base: ClusterLayout,
    readonly snapshotEveryEntries: number,
    seeded: boolean,
    private readonly memberThreads: boolean,
    private readonly log: (line: string) => void,
  ) {
    this.waitsForEveryFsync = seeded
    this.clock = clock
    this.transport = new InProcessTransport(random.nextInt(2 ** 31))
  }

  static open(folder: string, options: ClusterOptions = {}): EmbeddedCluster {
    const base = options.layout ?? defaultLayout()
    const lock = WriterLock.acquire(folder, options.lockWaitMilliseconds ?? lockWaitMillisecondsDefault)
    // Election timeouts follow the cluster's seed, if it has one.
    const clusterSeed = clusterRandomness(folder).seedOf('etcd')
    const random = new SeededRandom(options.seed ?? clusterSeed ?? (Date.now() ^ (process.pid << 8)))
    const layout = currentLayout(folder, base)
    // Threads only where the order of their answers cannot change a seeded run's output.
    const memberThreads = (options.memberThreads ?? memberThreadsEnabled()) && clusterSeed === null && options.seed === undefined
    const log = options.log ?? memberThreadsLog() ?? ((line: string) => process.stderr.write(`${line}\n`))
    const cluster = new EmbeddedCluster(folder, layout, lock, random, options.clock ?? systemClock, base, options.snapshotEveryEntries ?? snapshotEveryEntriesDefault, clusterSeed !== null, memberThreads, log)
    cluster.pumpBusyMilliseconds = options.pumpBusyMilliseconds ?? pumpBusyMillisecondsMax
    try {
      const stopped = new Set(readClusterState(folder).stopped)
      const databases = new Map<MemberLayout, MemberDatabase>()
      try {
        for (const member of layout.members) {
          if (stopped.has(member.name)) continue
          databases.set(member, cluster.openDatabase(member))
        }
      } catch (error) {
        for (const database of databases.values()) database.close()
        throw error
      }
      // A member starts when the cluster is created or when `kubemu member start` runs it.
      const state = readClusterState(folder)
      const startedAt = {...(state.startedAt ?? {})}
      for (const member of databases.keys()) startedAt[member.name] ??= cluster.clock.nowMilliseconds()
      if (Object.keys(startedAt).length !== Object.keys(state.startedAt ?? {}).length) writeClusterState(folder, {...state, startedAt})
      const resumeLeader = decideResumeLeader(databases)
      try {
        // After a crash, check every file before trusting it; a clean stop needs no check.
        if (!resumeLeader) for (const database of databases.values()) database.verify()
      } catch (error) {
        for (const database of databases.values()) database.close()
        throw error
      }
      for (const [member, database] of databases) {
        const marker = readCleanShutdown(database)
        const resume = resumeLeader && marker?.lead === resumeLeader ? resumeLeader : null
        cluster.add(EtcdMember.start(database, member, cluster.random, resume, cluster.snapshotEveryEntries, cluster.memberEvents(member.name), cluster.memberThreads))
      }
      // A brand-new cluster (every member still at the bootstrap term) elects its first member,
      // as etcd's Procfile cluster, started in order, does in practice.
      const started = cluster.members()
      if (started.length > 0 && started.every((member) => member.raft.term === 1 && member.raft.vote === '')) started[0]!.raft.campaign()
      return cluster
    } catch (error) {
      lock.release()
      throw error
    }
  }

  /** Where the members' raft log lines go (see sendMemberLogOf); held, newest kept, while there is none. */
  private memberLogHeld: MemberLogLine[] = []

  /** Writes a line of `member`'s log (held while no sink is set for the folder). */
  private writeMemberLog(member: string, source: MemberLogLine['source'], level: MemberLogLine['level'], message: string): void {
    const line: MemberLogLine = {member, source, level, message, atMilliseconds: this.clock.nowMilliseconds()}
    const sink = memberLogSinks.get(resolve(this.folder))
    if (sink) {
      for (const held of this.memberLogHeld.splice(0)) sink(held)
      return sink(line)
    }
    this.memberLogHeld.push(line)
    if (this.memberLogHeld.length > memberLogLinesHeldMax) this.memberLogHeld.shift()
  }

  /** When each member's last logged election began (cluster time), and the members whose current election goes unlogged. */
  private readonly electionLoggedAt = new Map<string, number>()
  private readonly electionUnlogged = new Set<string>()

  /**
   * A member's raft lines, its elections logged at most once per memberElectionLogIntervalMilliseconds
   * of cluster time: while no quorum answers, the driver's back-to-back virtual ticks start many
   * elections within a millisecond of cluster time, where etcd's member campaigns once every
   * election timeout. Leaders found and won always show.
   */
  private raftLogOf(member: string): RaftLogger {
    const write = (level: MemberLogLine['level'], message: string) => {
      if (message.includes(' is starting a new election at term ')) {
        const now = this.clock.nowMilliseconds()
        const last = this.electionLoggedAt.get(member)
        if (last !== undefined && now - last < memberElectionLogIntervalMilliseconds) {
          this.electionUnlogged.add(member)
          return
        }
        this.electionLoggedAt.set(member, now)
        this.electionUnlogged.delete(member)
      } else if (this.electionUnlogged.has(member)) {
        if (!message.startsWith('raft.node: ') && !message.includes(' became leader at term ')) return
        this.electionUnlogged.delete(member)
      }
      this.writeMemberLog(member, 'raft', level, message)
    }
    return {info: (message) => write('INFO', message), warning: (message) => write('WARN', message)}
  }

  /** What the running members' peer transports log when `peer` goes away or comes back (rafthttp's lines). */
  private logPeerConnections(peer: EtcdMember, connected: boolean): void {
    for (const member of this.membersByName.values()) {
      if (member === peer) continue
      const lines: Array<[MemberLogLine['level'], string]> = connected
        ? [
            ['INFO', `peer ${peer.id} became active`],
            ...(['Message reader', 'MsgApp v2 reader', 'Message writer', 'MsgApp v2 writer'] as const).map((stream): [MemberLogLine['level'], string] => ['INFO', `established a TCP streaming connection with peer ${peer.id} (stream ${stream})`]),
          ]
        : [
            ['WARN', `lost the TCP streaming connection with peer ${peer.id} (stream Message reader)`],
            ['ERROR', `failed to read ${peer.id} on stream Message (unexpected EOF)`],
            ['INFO', `peer ${peer.id} became inactive (message send to peer failed)`],
            ['WARN', `lost the TCP streaming connection with peer ${peer.id} (stream MsgApp v2 reader)`],
          ]
      for (const [level, message] of lines) this.writeMemberLog(member.layout.name, 'rafthttp', level, message)
      // The started member's transport connects to each running peer too.
      if (connected) {
        this.writeMemberLog(peer.layout.name, 'rafthttp', 'INFO', `peer ${member.id} became active`)
        for (const stream of ['Message reader', 'MsgApp v2 reader', 'Message writer', 'MsgApp v2 writer']) this.writeMemberLog(peer.layout.name, 'rafthttp', 'INFO', `established a TCP streaming connection with peer ${member.id} (stream ${stream})`)
      }
    }
  }

  private memberEvents(name: string): MemberEvents {
    return {
      raftLog: this.raftLogOf(name),
      synced: () => this.synced(),
      crashed: (reason) => {
        if (this.closed || !this.membersByName.has(name)) return
        this.log(`etcd: member ${name} crashed (${reason}); the cluster goes on without it, \`kubemu member start ${name}\` runs it again`)
        this.detach(name)
        this.synced()
      },
    }
  }

  private add(member: EtcdMember): void {
    member.gathersWritesWhileSyncing = !this.waitsForEveryFsync
    this.membersByName.set(member.layout.name, member)
    this.membersById.set(member.id, member)
  }

  members(): EtcdMember[] {
    return [...this.membersByName.values()]
  }

  /** The raft entry that made `revision`, as the first member that remembers it tells (all agree: raft's log matching). */
  raftPositionOf(revision: number): RaftPosition | null {
    for (const member of this.membersByName.values()) {
      const position = member.raftPositionOf(revision)
      if (position) return position
    }
    return null
  }

  member(name: string): EtcdMember | null {
    return this.membersByName.get(name) ?? null
  }

  memberById(id: string): EtcdMember | null {
    return this.membersById.get(id) ?? null
  }

  leader(): EtcdMember | null {
    let leader: EtcdMember | null = null
    for (const member of this.membersByName.values()) {
      if (member.raft.state !== StateType.Leader) continue
      // Raft's election safety: one leader at most in a term.
      assert(!leader || leader.raft.term !== member.raft.term, `${leader?.id} and ${member.id} both lead term ${member.raft.term}`)
      if (!leader || member.raft.term > leader.raft.term) leader = member
    }
    return leader
  }

  // ---- the driver loop ---------------------------------------------------------------------

  /**
   * Delivers messages and processes Ready batches until the cluster goes quiet, or, with
   * `answered`, until it says the caller has its answer: what is left (the followers applying
   * what the leader just answered) goes on in a pump of its own on the next turn of the loop,
   * after the answer has left.
   */
  pump(answered?: () => boolean): boolean {
    let progressed = false
    this.pumpYielded = false
    // One pump at a time gets the loop's time: while a pump that yielded waits for its turn, a
    // drive's pump leaves the work to it (the limit is per turn of the loop, not per pump).
    if (this.yieldPending) {
      this.pumpYielded = true
      return false
    }
    // A seeded run must not depend on how fast this machine is: it never yields on time.
    const yieldsAt = this.waitsForEveryFsync ? Number.POSITIVE_INFINITY : performance.now() + this.pumpBusyMilliseconds
    const members = [...this.membersByName.values()]
    for (let round = 0; round < pumpRoundsMax; round++) {
      if (round > 0 && answered?.()) {
        this.pumpSoon()
        return true
      }
      let active = false
      // A round resumes after the member a yield stopped at, so that one member's long Readies
      // cannot keep the others and the messages waiting.
      const first = this.pumpResumeAt % Math.max(1, members.length)
      this.pumpResumeAt = 0
      for (let turn = 0; turn < members.length; turn++) {
        const member = members[(first + turn) % members.length]!
        if (!this.membersByName.has(member.layout.name)) continue
        const readyStarted = performance.now()
        try {
          if (member.outputs.releaseDurable()) active = true
          if (member.processReady(this.transport)) active = true
        } catch (error) {
          if (!(error instanceof StorageError)) throw error
          // etcd exits a member whose disk fails (a WAL fsync, a backend commit): that member goes
          // down, its waiters fail, and a quorum of the others goes on serving.
          this.memberEvents(member.layout.name).crashed!(`its disk failed: ${error.message}`)
          active = true
          continue
        }
        if (active && performance.now() >= yieldsAt) {
          this.pumpResumeAt = first + turn + 1
          return this.yieldPump(performance.now() - readyStarted >= this.heavyReady.milliseconds)
        }
      }
      for (const message of this.transport.takeDue()) {
        const target = this.membersById.get(message.to)
        const sender = this.membersById.get(message.from)
        if (!target) {
          if (message.type === 'MsgSnap') sender?.raft.reportSnapshot(message.to, true)
          continue
        }
        target.raft.step(message)
        if (message.type === 'MsgSnap') sender?.raft.reportSnapshot(message.to, false)
        active = true
      }
      if (!active && this.transport.pending() === 0) return progressed
      progressed ||= active
      if (performance.now() >= yieldsAt) return this.yieldPump()
    }
    return progressed
  }

  /** Ends a pump that used its time with work left: the loop's I/O goes first, then a pump of its own goes on. */
  private yieldPump(afterHeavyReady = false): true {
    this.pumpYielded = true
    this.yieldPending = true
    if (requestTrace) this.yieldedAt = performance.now()
    this.pumpSoon(afterHeavyReady ? this.heavyReady.catchUpMillisecondsMax : 0)
    return true
  }

  /** Resolves once the pump a yield scheduled has run (at once when none is pending). */
  private afterYieldedPump(): Promise<void> {
    if (!this.yieldPending) return Promise.resolve()
    return new Promise((resume) => this.yieldWaiters.push(resume))
  }

  /** Whether some member holds outputs until an fsync in flight ends. */
  private syncing(): boolean {
    for (const member of this.membersByName.values()) if (member.outputs.holding || member.writing || member.waitingForWriteLock) return true
    return false
  }

  /**
   * Resolves once one more of the members' fsyncs in flight has ended (or at once when none can):
   * a quorum's fsyncs are enough to commit, so a drive looks again after each one rather than
   * waiting for the slowest member's.
   */
  private nextSyncEnd(): Promise<void> {
    if (this.members().every((member) => member.outputs.syncedThrough(member.outputs.writes) && !member.writing && !member.waitingForWriteLock)) return Promise.resolve()
    const writes = this.waitsForEveryFsync ? this.members().map((member): [EtcdMember, number] => [member, member.outputs.writes]) : null
    return new Promise((resume) => this.syncWaiters.push({writes, resume}))
  }

  /**
   * A member's fsync ended: the drives waiting for one go on, and what it covered goes out even
   * when no request is driving (a follower's watch events, the answers of its applies).
   */
  private synced(): void {
    const waiting = this.syncWaiters
    this.syncWaiters = []
    for (const waiter of waiting) {
      if (!waiter.writes || waiter.writes.every(([member, writes]) => member.outputs.syncedThrough(writes))) waiter.resume()
      else this.syncWaiters.push(waiter)
    }
    this.pumpSoon()
  }

  /** Pumps on the next turn of the loop, or once the loop caught up (see heavyReadyMillisecondsMin), once however often it is asked before then. */
  private pumpSoon(catchUpMillisecondsMax = 0): void {
    // A pump already scheduled waits for the catch-up too: it would run the next member's long Ready at once.
    this.catchUpMillisecondsWanted = Math.max(this.catchUpMillisecondsWanted, catchUpMillisecondsMax)
    if (this.releaseScheduled || this.closed) return
    this.releaseScheduled = true
    setImmediate(() => this.scheduledPump())
  }

  /** What a long Ready asked the next pump to wait for (0: nothing). */
  private catchUpMillisecondsWanted = 0

  private scheduledPump(): void {
    if (this.catchUpMillisecondsWanted > 0 && !this.closed) {
      const wait = this.catchUpMillisecondsWanted
      this.catchUpMillisecondsWanted = 0
      afterLoopCaughtUp(() => this.scheduledPump(), wait)
      return
    }
    this.releaseScheduled = false
    if (requestTrace && this.yieldPending) requestTrace.event({kind: 'pump-yield', member: '', start: this.yieldedAt, end: performance.now()})
    this.yieldPending = false
    // A failure here shows again, to the next request that drives.
    if (!this.closed) try {
      this.pump()
    } catch {}
    const waiting = this.yieldWaiters
    this.yieldWaiters = []
    for (const resume of waiting) resume()
  }

  /** Whether a majority of the voters runs, by the configuration of the leader or else of the running member furthest along. */
  quorumRunning(): boolean {
    let furthest: EtcdMember | undefined
    for (const member of this.membersByName.values()) if (furthest === undefined || member.appliedIndex() > furthest.appliedIndex()) furthest = member
    const source = this.leader() ?? furthest
    if (source === undefined) return false
    const voters = source.raft.confState().voters
    const running = voters.filter((voter) => this.membersById.has(voter)).length
    return running >= Math.floor(voters.length / 2) + 1
  }

  tickAll(): void {
    for (const member of this.membersByName.values()) member.raft.tick()
  }

  /**
   * Runs the cluster until `attempt` says it is done. Ticks first run back to back (all members
   * are here, so an election needs no real waiting); past that, real time passes, one tick at a
   * time, until the deadline.
   */
  async driveUntil(attempt: () => boolean, timeoutMilliseconds: number, answered?: () => boolean): Promise<boolean> {
    assert(!this.closed, 'the cluster is closed')
    const deadline = this.clock.nowMilliseconds() + timeoutMilliseconds
    // The time slept counts too: a cluster clock that stands still (`up --manual-clock`) would
    // never reach the deadline, and a request to a member that cannot answer would wait forever.
    let sleptMilliseconds = 0
    let virtualTicks = 0
    const startedAt = performance.now()
    // Done before driving: another request's pump may already have done the work, and pumping
    // now would commit the proposals of requests still gathering alone.
    if (attempt()) return true
    for (;;) {
      this.pump(this.waitsForEveryFsync ? undefined : answered)
      if (attempt()) return true
      // The pump let the loop's I/O in with work left: driving goes on after the pump that goes on
      // with it (no tick: nothing timed out), within the drive's time measured on the wall.
      if (this.pumpYielded) {
        if (timeoutMilliseconds > 0 && performance.now() - startedAt >= timeoutMilliseconds) return false
        await this.afterYieldedPump()
        continue
      }
      // Outputs wait on fsyncs: ticking meanwhile would only call elections nobody can answer.
      if (this.syncing()) {
        await this.nextSyncEnd()
        continue
      }
      if (virtualTicks < virtualTicksMax) {
        virtualTicks++
        this.tickAll()
        continue
      }
      if (this.clock.nowMilliseconds() >= deadline || sleptMilliseconds >= timeoutMilliseconds) return false
      // Under a clock that stands still no member can start while this request waits (a fault
      // waits its turn behind it), so without a quorum running the wait could only end in failure:
      // fail now, as the wait would, instead of holding a settle for seconds of wall time per request.
      if (this.clock.standsStill === true && !this.quorumRunning()) return false
      await this.clock.sleep(tickMilliseconds)
      sleptMilliseconds += tickMilliseconds
      this.tickAll()
    }
  }

  /** See cluster-requests.ts: group commit through `member`, answered once it applied them all. */
  proposeAll(member: EtcdMember, requests: readonly InternalRequest[], timeoutMilliseconds: number): Promise<ApplyOutcome[]> {
    return proposeThrough(this, member, requests, timeoutMilliseconds)
  }

  async propose(member: EtcdMember, request: InternalRequest, timeoutMilliseconds: number): Promise<ApplyOutcome> {
    const [outcome] = await this.proposeAll(member, [request], timeoutMilliseconds)
    return outcome!
  }

  /** ReadIndex through `member`: returns once it has applied everything committed before the call. */
  linearizableRead(member: EtcdMember, timeoutMilliseconds: number): Promise<void> {
    return readThrough(this, member, timeoutMilliseconds)
  }

  /**
   * Drives until everything committed is applied on every running voter under a leader of the
   * current term (after a member stopped: the election and its first entry everywhere); false
   * past the bound, e.g. with no quorum left.
   */
  settle(timeoutMilliseconds: number): Promise<boolean> {
    // A learner catching up (a member just added) may take long; the voters decide what serves.
    return this.driveUntil(() => this.settled(false), timeoutMilliseconds)
  }

  /** Everything committed is applied everywhere (on the voters alone without `learners`), under a leader of the current term. */
  private settled(learners = true): boolean {
    const leader = this.leader()
    if (!leader) return false
    const commit = leader.raft.log.committed
    if (leader.raft.log.term(commit) !== leader.raft.term) return false
    const configuration = leader.raft.confState()
    const inConfiguration = new Set([...configuration.voters, ...(learners ? configuration.learners : [])])
    return this.members().every(
      (member) =>
        !inConfiguration.has(member.id) ||
        (member.appliedIndex() === commit && member.raft.lead === leader.id && !member.raft.hasReady() && !member.outputs.holding && !member.writing),
    )
  }

  // ---- member faults -----------------------------------------------------------------------

  stoppedMembers(): string[] {
    return readClusterState(this.folder).stopped
  }

  stopMember(name: string): void {
    const state = readClusterState(this.folder)
    if (!state.stopped.includes(name)) writeClusterState(this.folder, {...state, stopped: [...state.stopped, name].sort()})
    this.detach(name)
  }

  /** Takes a member out of this process (stopped or removed); its database stays. */
  detach(name: string): void {
    const member = this.membersByName.get(name)
    if (!member) return
    this.membersByName.delete(name)
    this.membersById.delete(member.id)
    member.close()
    this.logPeerConnections(member, false)
  }

  /** Re-reads which members the cluster has (after a member was added or removed). */
  reloadLayout(): void {
    this.layout = currentLayout(this.folder, this.base)
  }

  startMember(name: string): void {
    const layout = this.layout.members.find((member) => member.name === name)
    assert(layout, `no member named ${name}`)
    const state = readClusterState(this.folder)
    if (this.membersByName.has(name)) return
    writeClusterState(this.folder, {
      ...state,
      stopped: state.stopped.filter((stopped) => stopped !== name),
      startedAt: {...(state.startedAt ?? {}), [name]: this.clock.nowMilliseconds()},
    })
    const database = this.openDatabase(layout)
    const member = EtcdMember.start(database, layout, this.random, null, this.snapshotEveryEntries, this.memberEvents(name), this.memberThreads)
    this.add(member)
    this.logPeerConnections(member, true)
  }

  /**
   * A member's database. A seeded cluster's members wait for the write lock while the checkpointer
   * holds it, where others leave the Ready to raft and try again: how many entries a Ready holds,
   * and so where the raft log is cut, must not depend on when the checkpointer's thread ran, or the
   * same seed would not print the same `kubemu status`.
   */
  private openDatabase(layout: MemberLayout): MemberDatabase {
    const database = openMemberDatabase(memberDatabasePath(this.folder, layout.name), layout, this.base, isInitialMember(this.base, layout))
    database.waitsForWriteLock = this.waitsForEveryFsync
    return database
  }

  // ---- suspension --------------------------------------------------------------------------

  /**
   * Suspends the cluster: lets followers catch up, records the leader in every member so the
   * next command resumes without an election, then releases the files and the lock.
   */
  async close(): Promise<void> {
    if (this.closed) return
    try {
      if (await this.driveUntil(() => this.settled(), 0)) {
        const leader = this.leader()!
        for (const member of this.members()) member.markCleanShutdown({term: leader.raft.term, lead: leader.id})
      }
    } finally {
      this.closed = true
      for (const member of this.members()) member.close()
      this.lock.release()
    }
  }

  /** Stops without the clean-stop record, as a crash would leave things (for tests). */
  abandon(): void {
    this.closed = true
    for (const member of this.members()) member.close()
    this.lock.release()
  }
}

/** Runs `run` once a probe timer fires on time (the loop has nothing queued), or after `waitMillisecondsMax`. */
function afterLoopCaughtUp(run: () => void, waitMillisecondsMax: number): void {
  const started = performance.now()
  const probe = () => {
    const due = performance.now() + loopCatchUpProbeMilliseconds
    setTimeout(() => {
      const now = performance.now()
      if (now - due > loopCaughtUpLagMilliseconds && now - started < waitMillisecondsMax) probe()
      else run()
    }, loopCatchUpProbeMilliseconds)
  }
  probe()
}

/**
 * The leader to resume: the one whose own record says it led when the last process stopped,
 * provided a quorum of voters is running now. Without a quorum a real leader would long have
 * stepped down (check-quorum), so nobody resumes and writes fail as they would on etcd.
 */
function decideResumeLeader(databases: Map<MemberLayout, MemberDatabase>): string | null {
  for (const [member, database] of databases) {
    const marker = readCleanShutdown(database)
    if (!marker || marker.lead !== member.id) continue
    if (database.loadHardState().term !== marker.term) continue
    const voters = confStateOf(database).voters
    const running = new Set([...databases.keys()].map((layout) => layout.id))
    const live = voters.filter((voter) => running.has(voter)).length
    if (live >= Math.floor(voters.length / 2) + 1) return member.id
  }
  return null
}

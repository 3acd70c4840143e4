// What `kubemu up` runs between its front doors: the masters (their API servers behind one
// balancing front port, their schedulers and controller managers electing leaders), the loops on
// the cluster clock, and the operations its control endpoints offer (time, member and master
// faults). One thing at a time: a tick of the loops, an advance of the clock and a fault never
// interleave.
import {clusterRandomness} from '../seed.js'
import type {ApiResponse, TrustedRequest, UserInfo} from '../api/wire.js'
import {ApiError} from '../apiserver/api-errors.js'
import type {RequestHandler} from '../client/client.js'
import type {ControlPlane, ControlPlaneOptions} from '../controlplane/control-plane.js'
import type {EmbeddedCluster} from '../etcd/cluster.js'
import {readClusterState} from '../etcd/cluster-files.js'
import {catchUpMillisecondsMax, startMemberOf, stopMemberOf, UnknownMemberError} from '../etcd/member-faults.js'
import type {StaticPodHealth} from '../kubelet/static-pods.js'
import type {EtcdFrontDoor} from '../server/etcd-grpc.js'
import type {ClusterClock} from './clock.js'
import {HostRequestError, type HostOperations} from './control-api.js'
import {checkMemberName, lastingOutage, masterFor, quorumLossWarning, recordMasterStopped} from './faults.js'
import type {AdvanceResult, AuthenticatingHandler, FaultAction, FaultKind, FaultResult, TimeReading} from './cluster-host.js'
import {ApiServerIdentityLeases} from './apiserver-leases.js'
import {MasterSet, masterIdentities} from './master-set.js'
import type {ComponentLogFile} from './component-logs.js'
import type {MasterLayout} from '../api/masters.js'
import {readHostState, updateHostState} from './state.js'
import {runThrough, type StepResult} from './stepper.js'
import {staticPodHealthOf} from './static-pod-health.js'
import {assert} from '../util/assert.js'

/** How often `up` records how far the cluster has run (a later one-shot command replays from there). */
export const settledRecordMillisecondsInterval = 5_000

export interface UpRuntimeOptions {
  readonly folder: string
  /** Each master's kube-apiserver by node name (its etcd client prefers the master's member and fails over). */
  readonly apiServers: ReadonlyMap<string, AuthenticatingHandler>
  readonly cluster: EmbeddedCluster
  readonly masters: readonly MasterLayout[]
  readonly clock: ClusterClock
  readonly log: (line: string) => void
  readonly frontDoor: () => EtcdFrontDoor | null
  /** The control plane's own containers' logs (the elected components write theirs there). */
  readonly componentLogs?: ComponentLogFile
  /** Told when a stopped master starts again (its kube-apiserver is a new process). */
  readonly masterStarted?: (node: string) => void
  /** `health`: the masters' static pods as the runtime knows them (its own faults stop and start them). */
  readonly plane: (server: RequestHandler, active: NonNullable<ControlPlaneOptions['active']>, health: StaticPodHealth) => ControlPlane
  /**
   * The cluster clock stands still and moves only with `kubemu time advance` (`up --manual-clock`):
   * the loops collapse the kubelets' simulated delays as one-shot commands do, and a client's
   * write is answered once the loops have settled it, so a script's output repeats run after run.
   */
  readonly manualClock?: boolean
  /**
   * The cluster has a seed: one API server takes every request (see ApiBalancer) and clients wait
   * for the loops' first settle, so the bootstrap's random draws never interleave with theirs.
   */
  readonly seeded?: boolean
}

/**
 * HAProxy in front of the API servers: round robin over the running masters'. On a seeded cluster
 * the first running master's takes every request instead: concurrent writes through different etcd
 * members would be ordered by which member's disk answers first, and the run would not repeat.
 */
class ApiBalancer implements AuthenticatingHandler {
  private next = 0

  constructor(
    private readonly servers: ReadonlyMap<string, AuthenticatingHandler>,
    private readonly running: () => readonly MasterLayout[],
    /** Told after a client's write (not the control plane's own): the loops look at once; the answer waits for what it returns. */
    private readonly onClientWrite: () => Promise<void>,
    /** What a client's request waits for before it is served (the loops' first settle, under a manual clock). */
    private readonly clientsServed: () => Promise<void>,
    private readonly firstRunningOnly: boolean,
    /**
     * Runs a client's write between two turns of the loops (a manual clock), or at once: a write
     * landing in the middle of a settle is seen in one round or another by timing, so the loops
     * would write their statuses once or twice and a seeded run would not repeat.
     */
    private readonly betweenTurns: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  async handle(request: TrustedRequest): Promise<ApiResponse> {
    if (request.user === undefined) await this.clientsServed()
    const clientWrite = request.user === undefined && !readMethods.has(request.method) && !streamingSubresource.test(request.path) && !answeredReview.test(request.path)
    // The master is chosen once the write's turn has come: a master stopped meanwhile serves nothing.
    const response = clientWrite ? await this.betweenTurns(() => this.serve(request)) : await this.serve(request)
    // The control plane's clients carry their user; a client's request comes with credentials.
    if (request.user === undefined && !readMethods.has(request.method) && !answeredReview.test(request.path) && response.status < 300) await this.onClientWrite()
    return response
  }

  /** Asks a running master's API server; none running is the 503 every request meets then. */
  authenticatedUser(request: TrustedRequest): Promise<UserInfo | null> {
    const server = this.pick()
    return server ? server.authenticatedUser(request) : Promise.reject(noApiServerRunning())
  }

  private serve(request: TrustedRequest): Promise<ApiResponse> {
    const server = this.pick()
    return server ? server.handle(request) : Promise.resolve({status: 503, warnings: [], body: noApiServerRunning().toStatus()})
  }

  /** The running master's API server the next request goes to, or null when every master is stopped. */
  private pick(): AuthenticatingHandler | null {
    const running = this.running()
    if (running.length === 0) return null
    const master = this.firstRunningOnly ? running[0]! : running[this.next++ % running.length]!
    return this.servers.get(master.node)!
  }
}

/** What the front port answers while every master is stopped (nothing behind it could). */
function noApiServerRunning(): ApiError {
  return new ApiError(503, 'ServiceUnavailable', 'no kube-apiserver is running: every master is stopped (kubemu master start NODE)')
}

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS'])
/**
 * Writes that last as long as a client's session (a pod's exec, attach and port-forward, the
 * proxy of a pod, service or node): never held between turns. Only the subresource's place
 * counts: a namespace or an object named `proxy` is written like any other.
 */
const streamingSubresource = /^\/api\/v1\/(?:namespaces\/[^/]+\/)?(?:pods|services|nodes)\/[^/]+\/(?:exec|attach|portforward|proxy)(?:\/|$)/

/**
 * The reviews (access, rules, token, self) are answered from the API server's caches and never
 * stored: a create of one is no write to hold between turns (a control plane waiting on etcd
 * without a quorum must not keep `kubectl auth can-i` waiting).
 */
const answeredReview = /^\/apis\/(?:authorization\.k8s\.io\/v1\/(?:namespaces\/[^/]+\/localsubjectaccessreviews|selfsubjectaccessreviews|subjectaccessreviews|selfsubjectrulesreviews)|authentication\.k8s\.io\/v1\/(?:tokenreviews|selfsubjectreviews))\/?$/

export class UpRuntime {
  readonly balancer: AuthenticatingHandler
  readonly operations: HostOperations
  private readonly masterSet: MasterSet
  private readonly identityLeases: ApiServerIdentityLeases
  private readonly plane: ControlPlane
  /** The work in progress: ticks, advances and faults run one after another. */
  private turn: Promise<unknown> = Promise.resolve()
  private lastLeader: string | null = null
  /** Aborted by a client's write: the loops' sleep ends, as kube's informers deliver at once. */
  private wake = new AbortController()
  private lastRecorded = Number.NEGATIVE_INFINITY
  /** Under a manual clock, the answers to clients' writes that wait for the next tick to end. */
  private settleWaiters: Array<() => void> = []
  /** The loops have stopped: no tick will come to answer a waiting write. */
  private stopped = false
  /** Resolved when the first tick has ended (or `up` stops): on a seeded cluster clients wait for it. */
  private readonly firstTick: Promise<void>
  private firstTickEnded: () => void = () => {}
  /**
   * The masters stopped, by node name. While `up` runs only its own faults change them (every
   * command goes through it), so they are read once and kept: each request asks which masters
   * run, and a stat of the host state per request was about 1% of up's CPU under load.
   */
  private readonly stoppedMasters: Set<string>
  /**
   * The etcd members stopped (cluster.json), read again after each member fault of the runtime's:
   * the mirror pods' loop asks at every turn, and reading the file each time was about 1% of up's
   * CPU in the kwok bench.
   */
  private stoppedMembers: ReadonlySet<string>

  constructor(private readonly options: UpRuntimeOptions) {
    this.stoppedMasters = new Set(readHostState(options.folder).stoppedMasters)
    this.stoppedMembers = new Set(readClusterState(options.folder).stopped)
    for (const master of options.masters) assert(options.apiServers.has(master.node), `no kube-apiserver for master ${master.node}`)
    this.firstTick = new Promise((resolve) => (this.firstTickEnded = resolve))
    this.balancer = new ApiBalancer(options.apiServers, () => this.runningMasters(), () => this.clientWrote(), () => (options.seeded ? this.firstTick : Promise.resolve()), options.seeded === true, (work) => (options.manualClock ? this.exclusive(work) : work()))
    // The control plane's own clients reach the API servers as the front port would send them.
    this.identityLeases = new ApiServerIdentityLeases(options.masters, options.apiServers, options.log, clusterRandomness(options.folder).uuids('kube-apiserver/identity'))
    this.masterSet = new MasterSet(this.balancer, options.masters, masterIdentities(options.folder, options.masters, true), (master) => this.isStopped(master), options.clock, options.log, options.componentLogs)
    const health = staticPodHealthOf({masterStopped: (node) => this.stoppedMasters.has(node), memberStopped: (member) => this.stoppedMembers.has(member)}, options.masters)
    this.plane = options.plane(this.balancer, {scheduler: () => this.masterSet.leads('kube-scheduler'), controllerManager: () => this.masterSet.leads('kube-controller-manager')}, health)
    this.operations = {
      folder: () => options.folder,
      time: () => this.time(),
      advance: (milliseconds) => this.exclusive(() => this.advance(milliseconds)),
      fault: (kind, name, action, force) => this.exclusive(() => this.fault(kind, name, action, force)),
    }
  }

  /** The controllers' work-queue depths (read-only, for `status` and the web page). */
  queueDepths(): Array<{name: string; queued: number; waiting: number}> {
    return this.plane.queueDepths()
  }

  /** The loops look at once; under a manual clock the client's answer waits until a tick that starts now has ended. */
  private clientWrote(): Promise<void> {
    // Once per tick: Node's abort() makes a DOMException (with its stack) at every call, even on
    // an aborted controller, and every client write calls this.
    if (!this.wake.signal.aborted) this.wake.abort()
    if (!this.options.manualClock || this.stopped) return Promise.resolve()
    return new Promise((resolve) => this.settleWaiters.push(resolve))
  }

  /** Whether the loops collapse simulated delays, as one-shot commands do (the clock would never reach them). */
  private get collapseDelays(): boolean {
    return this.options.manualClock === true
  }

  private isStopped(master: MasterLayout): boolean {
    return this.stoppedMasters.has(master.node)
  }

  private runningMasters(): MasterLayout[] {
    return this.options.masters.filter((master) => !this.isStopped(master))
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work, work)
    this.turn = result.catch(() => {})
    return result
  }

  /** Runs the masters and the loops until `signal` aborts. */
  async run(signal: AbortSignal, tickMilliseconds: number): Promise<void> {
    let lastError: string | null = null
    // Stopping wakes the sleep too (one listener for the run, not one per tick).
    signal.addEventListener('abort', () => this.wake.abort(), {once: true})
    try {
      while (!signal.aborted) {
        // The writes answered so far are settled by this tick: their answers wait for its end.
        const waiters = this.settleWaiters
        this.settleWaiters = []
        try {
          await this.exclusive(() => this.tick())
          if (lastError !== null) this.options.log('recovered: the loops run again')
          lastError = null
        } catch (error) {
          // `up` never dies from what a request or a fault does: the next tick tries again
          // (said once, not every tick, while the same error lasts).
          const message = error instanceof Error ? error.message : String(error)
          if (message !== lastError) this.options.log(`error: ${message}; retrying every tick`)
          lastError = message
        } finally {
          for (const resolve of waiters) resolve()
          this.firstTickEnded()
        }
        if (!this.wake.signal.aborted) await this.options.clock.sleep(tickMilliseconds, this.wake.signal)
        if (!signal.aborted) this.wake = new AbortController()
      }
    } finally {
      await this.turn
      this.stopped = true
      for (const resolve of this.settleWaiters.splice(0)) resolve()
      this.firstTickEnded()
      this.plane.stop()
      await this.masterSet.release()
      this.recordSettled(true)
    }
  }

  /** One turn: leader election, then whatever the loops have due. */
  private async tick(): Promise<void> {
    this.reportEtcdLeader()
    await this.masterSet.elect(this.options.clock.nowMilliseconds())
    await this.identityLeases.reconcile(this.options.clock.nowMilliseconds(), (master) => !this.isStopped(master))
    const result = await this.plane.settle(this.collapseDelays)
    if (!result.settled) this.options.log(`warning: the loops did not settle within ${result.rounds} rounds`)
    this.recordSettled(false)
  }

  /** etcd's leader changes show in the log, as etcd's own "elected leader" lines. */
  private reportEtcdLeader(): void {
    const leader = this.options.cluster.leader()
    const name = leader?.layout.name ?? null
    if (name === this.lastLeader) return
    this.lastLeader = name
    this.options.log(leader ? `etcd: ${name} is the leader at term ${leader.raft.term}` : 'etcd: no leader')
  }

  private recordSettled(force: boolean): void {
    const now = this.options.clock.nowMilliseconds()
    if (!force && now - this.lastRecorded < settledRecordMillisecondsInterval) return
    this.lastRecorded = now
    // Whatever a one-shot command noted of its idle loops no longer holds once up's loops run.
    updateHostState(this.options.folder, ({workDeferred: _done, idle: _ran, ...state}) => ({...state, settledAtMilliseconds: Math.max(state.settledAtMilliseconds ?? 0, now)}))
  }

  private time(): TimeReading {
    const {clock} = this.options
    return {now: clock.nowMilliseconds(), offsetMilliseconds: clock.offsetMilliseconds, ...(clock.seeded ? {seeded: true} : {}), ...(clock.standsStill ? {standsStill: true} : {})}
  }

  private async advance(milliseconds: number): Promise<AdvanceResult> {
    const clock = this.options.clock
    const from = clock.nowMilliseconds()
    const offset = clock.offsetMilliseconds
    const stepped = {
      settle: async () => {
        await this.masterSet.elect(clock.nowMilliseconds())
        await this.identityLeases.reconcile(clock.nowMilliseconds(), (master) => !this.isStopped(master))
        return this.plane.settle(this.collapseDelays)
      },
      nextDue: () => this.plane.nextDue(),
    }
    let result: StepResult = {steps: 0, unsettled: 0}
    try {
      result = await runThrough(stepped, clock, milliseconds, undefined, (error) => lastingOutage(this.options.folder, error, this.runningMasters().length === 0))
    } finally {
      clock.moveForward(Math.max(0, offset + milliseconds - clock.offsetMilliseconds))
      clock.persist(this.options.folder)
      this.recordSettled(true)
    }
    const {steps, outage} = result
    if (outage) this.options.log(`error: ${outage.reason}; the loops stood still for the rest of the advance`)
    this.options.log(`cluster time moved forward ${milliseconds / 1000}s in ${steps} ${steps === 1 ? 'step' : 'steps'}`)
    return {from, to: from + milliseconds, steps, ...(outage ? {outage} : {})}
  }

  private async fault(kind: FaultKind, name: string, action: FaultAction, force: boolean): Promise<FaultResult> {
    if (kind === 'members') {
      try {
        checkMemberName(this.options.folder, name)
      } catch (error) {
        if (error instanceof UnknownMemberError) throw new HostRequestError(error.message)
        throw error
      }
      if (action === 'stop') {
        const warning = this.refuseQuorumLoss([name], force)
        await this.stopMember(name, warning === null)
        return {message: `member ${name} stopped`, warning}
      }
      const {caughtUp} = await this.startMember(name)
      return {message: caughtUp ? `member ${name} started` : `member ${name} started; it has not caught up yet (no leader?)`, warning: null}
    }
    const master = masterFor(name)
    const stopped = this.isStopped(master)
    if ((action === 'stop') === stopped) throw new HostRequestError(`master ${master.node} is already ${stopped ? 'stopped' : 'running'}`)
    const memberStopped = this.options.cluster.member(master.member) === null
    const parts = `etcd member ${master.member}, kube-apiserver, kube-scheduler and kube-controller-manager`
    if (action === 'stop') {
      const warning = memberStopped ? null : this.refuseQuorumLoss([master.member], force)
      if (!memberStopped) await this.stopMember(master.member, warning === null)
      recordMasterStopped(this.options.folder, master, true)
      this.stoppedMasters.add(master.node)
      this.options.log(`master ${master.node} stopped: ${parts}`)
      return {message: `master ${master.node} stopped: ${parts}`, warning}
    }
    if (memberStopped) await this.startMember(master.member)
    recordMasterStopped(this.options.folder, master, false)
    this.stoppedMasters.delete(master.node)
    this.options.masterStarted?.(master.node)
    this.options.log(`master ${master.node} started: ${parts}`)
    return {message: `master ${master.node} started: ${parts}`, warning: null}
  }

  /** Under `up` a stop that loses the quorum stops the running cluster: only with --force. */
  private refuseQuorumLoss(members: readonly string[], force: boolean): string | null {
    const warning = quorumLossWarning(this.options.folder, members)
    if (warning && !force) throw new HostRequestError(`${warning}; run it again with --force to stop it anyway`, 409)
    return warning
  }

  /**
   * With a quorum left (`elect`), the stop returns once the others have a leader and all applied
   * its first entry, as etcd settles within an election timeout: the next command finds the
   * cluster as it will stay, and a seeded run repeats what a status prints.
   */
  private async stopMember(name: string, elect: boolean): Promise<void> {
    stopMemberOf(this.options.cluster, name)
    this.stoppedMembers = new Set(readClusterState(this.options.folder).stopped)
    await this.options.frontDoor()?.stopMember(name)
    this.options.log(`etcd: member ${name} stopped`)
    if (elect && !(await this.options.cluster.settle(catchUpMillisecondsMax))) this.options.log(`etcd: the running members had not all applied a leader's first entry ${catchUpMillisecondsMax / 1000} s after ${name} stopped`)
  }

  private async startMember(name: string): Promise<{caughtUp: boolean}> {
    try {
      return await this.startedMember(name)
    } finally {
      this.stoppedMembers = new Set(readClusterState(this.options.folder).stopped)
    }
  }

  private async startedMember(name: string): Promise<{caughtUp: boolean}> {
    const result = await startMemberOf(this.options.cluster, name)
    await this.options.frontDoor()?.startMember(name)
    this.options.log(`etcd: member ${name} started${result.caughtUp ? ' and caught up' : ''}`)
    return result
  }
}

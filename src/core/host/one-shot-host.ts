// One-shot mode: the command's own process runs the cluster. The Kubernetes side opens on first
// use (reads lock-free, the first write takes the writer lock); before reading, the control plane
// replays the time that passed since it last ran; after a change, it settles.
import {FileCredentials} from '../apiserver/authentication/credentials.js'
import {AsyncLocalStorage} from 'node:async_hooks'
import {mkdirSync} from 'node:fs'
import type {BootstrapController} from '../apiserver/bootstrap-controller.js'
import {compactWhenDue} from '../apiserver/compactor.js'
import type {KubernetesConnection} from '../apiserver/open.js'
import {ApiClientError} from '../client/client.js'
import type {SettleResult} from '../controlplane/runner.js'
import {type ClusterClock, openClusterClock} from './clock.js'
import {readClusterState} from '../etcd/cluster-files.js'
import {startMember, stopMember} from '../etcd/member-faults.js'
import {HostRequestError} from './control-api.js'
import {checkMemberName, isMasterStopped, lastingOutage, masterFor, quorumLossWarning, recordMasterStopped} from './faults.js'
import {type AdvanceResult, type ClusterHost, type FaultAction, type FaultKind, type FaultResult, type HostOptions, type KubernetesHandler, type TimeReading, waitEnvironmentVariable} from './cluster-host.js'
import type {Clock} from '../util/clock.js'
import {type IdleLoops, readHostState, updateHostState} from './state.js'
import {autoregistrationDue, registerAtStart} from './autoregistration.js'
import {defaultMasters} from '../api/masters.js'
import {staticPodHealthFromFolder} from './static-pod-health.js'
import {runThrough, type SteppedPlane, type StepProgress, type StepResult} from './stepper.js'
import {clusterContainers, type SimulatedContainers} from '../kubelet/containers.js'
import {hostPodNetwork} from './pod-network.js'
import {ComponentLogFile, ComponentLogStreams, memberLogToComponentLogs} from './component-logs.js'
import {sendMemberLogOf} from '../etcd/cluster.js'
import type {Profile} from '../scheduler/profile.js'
import {clusterSchedulerProfiles} from './scheduler-config.js'
import {FileSyncedRules} from '../proxy/synced-rules.js'
import {FileSchedulingReports} from '../scheduler/reports.js'
import {FileAutoscalerMemory} from '../controllers/autoscaler-memory.js'
import {clusterRandomness} from '../seed.js'
import {nodeLeaseRenewMilliseconds} from '../kubelet/heartbeat.js'
import {compactionIntervalMilliseconds} from '../apiserver/compactor.js'
import {compactRevisionKey} from '../store/store.js'

/**
 * Time since the control plane last ran below which a command does not replay it: scripts that
 * run commands back to back stay quick and lock-free; a kubelet heartbeats every 10 s anyway.
 */
export const catchUpMillisecondsMin = 1_000

/**
 * The longest a command skips the replay after a settle that left no loop with work due sooner
 * (and the store unchanged since): the kubelets' Lease renewal period, the finest step a replay
 * of an idle cluster takes anyway, so what runs at every settle rather than when due (the
 * masters' leader-election renewals, the API server's checks of its own objects) is never staler
 * than in a replay.
 */
export const idleSkipMillisecondsMax = nodeLeaseRenewMilliseconds

/** Every master is stopped: no kube-apiserver answers (the kubectl clone prints the real connection error). */
export class NoApiServerError extends Error {
  constructor() {
    super('no kube-apiserver is running: every master is stopped (kubemu master start NODE)')
  }
}

export class OneShotHost implements ClusterHost {
  readonly up = null
  readonly clock: ClusterClock
  private connection: KubernetesConnection | null = null
  private opening: Promise<KubernetesConnection> | null = null
  private bootstrap: BootstrapController | null = null

  constructor(
    readonly folder: string,
    private readonly options: HostOptions,
  ) {
    mkdirSync(folder, {recursive: true})
    this.clock = options.clock ?? openClusterClock(folder, options.wallClock)
    this.syncedRules = new FileSyncedRules(folder)
    // The connection exists before its first settle runs the kubelets (whose probes use the network).
    const network = hostPodNetwork(async () => (this.connection ?? (await this.connect())).api, this.clock, this.syncedRules, clusterRandomness(folder).numbers('kube-proxy'), folder, () => this.containers)
    this.containers = clusterContainers(folder, () => network, this.clock, options.containerTools ?? null)
    this.componentLogs = new ComponentLogFile(folder)
    sendMemberLogOf(folder, memberLogToComponentLogs(this.componentLogs))
  }

  /** The control plane's own containers' logs (etcd's members, the elected components). */
  private readonly componentLogs: ComponentLogFile

  /** What runs in the containers: the kubelets' and the API server's exec and logs share it. */
  private readonly containers: SimulatedContainers
  /** The nodes' kube-proxy rules: their kube-proxies write them, the pod network reads them. */
  private readonly syncedRules: FileSyncedRules

  /** The scheduler's profiles from the cluster's configuration file, read before anything is opened. */
  private schedulerProfiles: Profile[] | undefined

  private async connect(): Promise<KubernetesConnection> {
    if (this.connection) return this.connection
    // A configuration kube-scheduler would refuse stops the command before it changes anything.
    this.schedulerProfiles ??= clusterSchedulerProfiles(this.folder)
    this.opening ??= import('../apiserver/open.js').then(async ({openKubernetes}) => {
      this.connection = await openKubernetes({environment: this.options.environment, clusterName: this.options.clusterName, clock: this.clock, apiServerClock: this.apiServerClock, containerStreams: new ComponentLogStreams(this.containers, this.componentLogs)})
      // A folder this kubemu's API servers have not started on (made now, or by an older kubemu):
      // their autoregister controllers register the built-in APIServices first, quietly. A
      // failure (etcd without a quorum) leaves it to the next command.
      if (autoregistrationDue(this.folder)) await registerAtStart(this.connection.api, this.folder)
      // A fresh cluster starts: its kubelets register and the masters' static pods come up
      // before the command looks at it.
      if (this.connection.bootstrapped) {
        const {FileKubeletCredentials, joinDefaultKubelets} = await import('../kubelet/client-credentials.js')
        joinDefaultKubelets(new FileKubeletCredentials(this.folder))
        await this.settleNow()
      }
      return this.connection
    })
    return this.opening
  }

  async kubernetes(): Promise<KubernetesHandler> {
    // With every master stopped no API server runs: the front port refuses, as HAProxy with no backend would.
    if (defaultMasters.every((master) => isMasterStopped(this.folder, master))) throw new NoApiServerError()
    const {api} = await this.connect()
    return {handle: (request) => this.clientRequest.run(true, () => this.serving(() => api.handle(request)))}
  }

  /** Client requests being served now (a proxy serves several at once): the writer lock stays while one runs. */
  private requestsInFlight = 0
  /** Whether a release was asked for while the writer was in use: it happens once nothing uses it. */
  private releaseWhenIdle = false
  /** The release under way: a request that starts meanwhile waits for it, and opens the cluster again. */
  private releasing: Promise<void> | null = null

  /** Waits out a release under way (whether it failed is its caller's to see). */
  private async afterRelease(): Promise<void> {
    while (this.releasing) await this.releasing.catch(() => {})
  }

  private async serving<T>(work: () => Promise<T>): Promise<T> {
    await this.afterRelease()
    this.requestsInFlight++
    try {
      return await work()
    } finally {
      this.requestsInFlight--
      this.releaseIfIdle()
    }
  }

  /** Set in the async work of a client's request (a command's), not in the host's own loops. */
  private readonly clientRequest = new AsyncLocalStorage<true>()
  /** The settle, catch-up or advance running now: they run one at a time. */
  private driving: Promise<void> | null = null

  /**
   * The clock the API server reads and waits on. A request that waits on it waits for what a
   * controller is about to write (the ServiceAccount admission looks again for the default
   * account of a namespace created a moment before). Under `up` the loops run meanwhile; here
   * nothing else runs, so the loops settle while the clock's wait runs (once at a time), and the
   * request looks again at a cluster that has caught up: a Namespace and a Pod in one file are
   * created as under `up`. KUBEMU_WAIT=false leaves the loops' work for later, as it asks.
   */
  private readonly apiServerClock: Clock = {
    nowMilliseconds: () => this.clock.nowMilliseconds(),
    sleep: async (milliseconds, signal) => {
      const runLoops = this.clientRequest.getStore() === true && this.driving === null && this.options.environment[waitEnvironmentVariable] !== 'false'
      if (!runLoops) return this.clock.sleep(milliseconds, signal)
      const settled = this.clientRequest.exit(() => this.settle()).catch((error: unknown) => {
        // The loops cannot reach the API server (no etcd quorum): the request's own answer tells.
        if (!(error instanceof ApiClientError)) throw error
      })
      await Promise.all([settled, this.clock.sleep(milliseconds, signal)])
    },
  }

  /** Runs `work` when no other settle, catch-up or advance runs (they share the control plane's state files). */
  private async exclusively<T>(work: () => Promise<T>): Promise<T> {
    while (this.driving || this.releasing) {
      await this.driving
      await this.afterRelease()
    }
    const running = work()
    const done = running.then(() => {}, () => {})
    this.driving = done
    try {
      return await running
    } finally {
      if (this.driving === done) {
        this.driving = null
        this.releaseIfIdle()
      }
    }
  }

  /**
   * The control plane as the masters run it: kube-scheduler and kube-controller-manager act only
   * while a running master holds their Lease (a suspended cluster's processes resume with their
   * identities), then the loops settle.
   */
  private async plane(): Promise<SteppedPlane & {stop(): void; idleUntil(): number}> {
    const [{ControlPlane}, {MasterSet, masterIdentities}, {BootstrapController}, {FileKubeletCredentials}, connection] = await Promise.all([import('../controlplane/control-plane.js'), import('./master-set.js'), import('../apiserver/bootstrap-controller.js'), import('../kubelet/client-credentials.js'), this.connect()])
    // kube-apiserver's bootstrap controllers and allocator repair, on their periods; they write
    // only what is missing, and their periods do not make steps of their own.
    const bootstrap = (this.bootstrap ??= new BootstrapController(connection.api, this.clock, readHostState(this.folder).settledAtMilliseconds, () => defaultMasters.filter((master) => !isMasterStopped(this.folder, master)).map((master) => master.node)))
    const masters = new MasterSet(connection.api, defaultMasters, masterIdentities(this.folder, defaultMasters, false), (master) => isMasterStopped(this.folder, master), this.clock, () => {}, this.componentLogs)
    const plane = new ControlPlane(connection.api, this.clock, clusterRandomness(this.folder).numbers('kube-scheduler'), undefined, {
      active: {scheduler: () => masters.leads('kube-scheduler'), controllerManager: () => masters.leads('kube-controller-manager')},
      staticPodHealth: staticPodHealthFromFolder(this.folder),
      containers: this.containers,
      rootCertificate: () => new FileCredentials(this.folder).certificates(this.clock.nowMilliseconds()).authority.certificate, certificateAuthority: () => new FileCredentials(this.folder).certificates(this.clock.nowMilliseconds()).authority,
      schedulerProfiles: this.schedulerProfiles,
      syncedRules: this.syncedRules,
      schedulingReports: new FileSchedulingReports(this.folder),
      autoscalerMemory: new FileAutoscalerMemory(this.folder),
      kubeletCredentials: {store: new FileKubeletCredentials(this.folder), random: clusterRandomness(this.folder).numbers('kubelet')},
    })
    let compactorSteppedAt = readHostState(this.folder).compactorSteppedAtMilliseconds
    return {
      idleUntil: () => {
        const now = this.clock.nowMilliseconds()
        const dues = [plane.nextDue(), bootstrap.leakRepairDue(), compactorSteppedAt === undefined ? null : compactorSteppedAt + compactionIntervalMilliseconds, now + idleSkipMillisecondsMax]
        return Math.min(...dues.filter((due): due is number => due !== null))
      },
      settle: async () => {
        await masters.elect(this.clock.nowMilliseconds())
        if (this.clock.nowMilliseconds() >= bootstrap.nextDue()) await bootstrap.reconcile()
        // kube-apiserver's compactor, on cluster time (it makes no steps of its own).
        const now = this.clock.nowMilliseconds()
        if (await compactWhenDue(connection.store, now, compactorSteppedAt)) {
          compactorSteppedAt = now
          updateHostState(this.folder, (state) => ({...state, compactorSteppedAtMilliseconds: now}))
        }
        return plane.settle()
      },
      nextDue: () => {
        const dues = [plane.nextDue(), bootstrap.leakRepairDue()].filter((due): due is number => due !== null)
        return dues.length > 0 ? Math.min(...dues) : null
      },
      stop: () => plane.stop(),
    }
  }

  /** Notes that the loops ran up to now; with `idleUntil`, that none has work before then while the store stays as it is now. */
  private async recordSettled(idleUntil?: number): Promise<void> {
    const now = this.clock.nowMilliseconds()
    const idle = idleUntil !== undefined && idleUntil > now ? await this.idleLoops(idleUntil) : undefined
    updateHostState(this.folder, ({workDeferred: _done, idle: _before, ...state}) => ({...state, settledAtMilliseconds: Math.max(state.settledAtMilliseconds ?? 0, now), ...(idle ? {idle} : {})}))
  }

  /** The store's revision now, kept with `untilMilliseconds`; undefined when the store cannot tell. */
  private async idleLoops(untilMilliseconds: number): Promise<IdleLoops | undefined> {
    const revision = await this.storeRevision()
    return revision === null ? undefined : {untilMilliseconds, revision}
  }

  private async storeRevision(): Promise<number | null> {
    if (!this.connection) return null
    try {
      return (await this.connection.store.get(compactRevisionKey)).revision
    } catch {
      // The store cannot be read (a member's file damaged, no quorum): nothing is skipped on it,
      // and the command's own request meets the same failure and reports it.
      return null
    }
  }

  /**
   * Whether the loops have nothing to do now: they settled at `settledAt`, noted when their
   * next work was due, and nothing was written since (a write by any command, `etcdctl` included,
   * moves the revision). Replaying then would only build the control plane to find no work.
   */
  private async idleNow(now: number, settledAt: number, idle: IdleLoops | undefined): Promise<boolean> {
    if (!idle || now < settledAt || now >= idle.untilMilliseconds) return false
    return (await this.storeRevision()) === idle.revision
  }

  async defer(): Promise<void> {
    updateHostState(this.folder, (state) => ({...state, workDeferred: true}))
  }

  settle(): Promise<SettleResult> {
    return this.exclusively(() => this.settleNow())
  }

  private async settleNow(): Promise<SettleResult> {
    const plane = await this.plane()
    let idleUntil: number | undefined
    try {
      const result = await plane.settle()
      if (result.settled) idleUntil = plane.idleUntil()
      return result
    } finally {
      plane.stop()
      await this.recordSettled(idleUntil)
    }
  }

  catchUp(onProgress?: (progress: StepProgress) => void): Promise<void> {
    return this.exclusively(() => this.catchUpNow(onProgress))
  }

  private async catchUpNow(onProgress?: (progress: StepProgress) => void): Promise<void> {
    await this.connect()
    const {settledAtMilliseconds: settledAt, workDeferred, idle} = readHostState(this.folder)
    const now = this.clock.nowMilliseconds()
    if (settledAt === undefined) return workDeferred ? void (await this.settleNow()) : this.recordSettled()
    if (!workDeferred && (now - settledAt < catchUpMillisecondsMin || (await this.idleNow(now, settledAt, idle)))) return
    this.clock.replayFrom(Math.min(settledAt, now))
    const plane = await this.plane()
    try {
      const {unsettled} = await runThrough(plane, this.clock, now - Math.min(settledAt, now), onProgress)
      await this.recordSettled(unsettled === 0 ? plane.idleUntil() : undefined)
    } catch (error) {
      // The API server cannot serve the loops (no etcd quorum): the cluster stands still, as a
      // real one would, and the command's own request reports the failure.
      if (!(error instanceof ApiClientError)) throw error
    } finally {
      plane.stop()
      this.clock.catchUpToWall()
    }
  }

  advance(milliseconds: number, onProgress?: (progress: StepProgress) => void): Promise<AdvanceResult> {
    return this.exclusively(() => this.advanceNow(milliseconds, onProgress))
  }

  private async advanceNow(milliseconds: number, onProgress?: (progress: StepProgress) => void): Promise<AdvanceResult> {
    try {
      await this.catchUpNow(onProgress)
    } catch (error) {
      const {KubernetesUnavailableError} = await import('../apiserver/open.js')
      if (!(error instanceof KubernetesUnavailableError)) throw error
      // No API server opens (etcd has no quorum): the time passes with the control plane idle,
      // and the next command starts from the new time rather than replaying the outage as served.
      const from = this.clock.nowMilliseconds()
      this.clock.moveForward(milliseconds)
      this.clock.persist(this.folder)
      await this.recordSettled()
      return {from, to: from + milliseconds, steps: 1, outage: {atMilliseconds: from, reason: error.status.message ?? error.message}}
    }
    const from = this.clock.nowMilliseconds()
    const offset = this.clock.offsetMilliseconds
    const plane = await this.plane()
    let stepped: StepResult = {steps: 0, unsettled: 0}
    try {
      stepped = await runThrough(plane, this.clock, milliseconds, onProgress, (error) => lastingOutage(this.folder, error, defaultMasters.every((master) => isMasterStopped(this.folder, master))))
    } finally {
      plane.stop()
      // Wall time passed while the loops ran: the offset grows by exactly what was asked.
      this.clock.moveForward(Math.max(0, offset + milliseconds - this.clock.offsetMilliseconds))
      this.clock.persist(this.folder)
      await this.recordSettled()
    }
    return {from, to: from + milliseconds, steps: stepped.steps, ...(stepped.outage ? {outage: stepped.outage} : {})}
  }

  async time(): Promise<TimeReading> {
    return {now: this.clock.nowMilliseconds(), offsetMilliseconds: this.clock.offsetMilliseconds, ...(this.clock.seeded ? {seeded: true} : {})}
  }

  async fault(kind: FaultKind, name: string, action: FaultAction, _force: boolean): Promise<FaultResult> {
    // The members run in this process only while a fault is applied: nothing else may hold them.
    await this.close()
    // The loops see a stopped or started master or member in files, not in the store: the next
    // command must replay, not skip as if the loops were idle.
    updateHostState(this.folder, ({idle: _changed, ...state}) => state)
    const options = {clock: this.clock}
    if (kind === 'members') {
      checkMemberName(this.folder, name)
      if (action === 'stop') {
        const warning = quorumLossWarning(this.folder, [name])
        await stopMember(this.folder, name, options)
        return {message: `member ${name} stopped`, warning}
      }
      const {caughtUp} = await startMember(this.folder, name, options)
      return {message: caughtUp ? `member ${name} started` : `member ${name} started (still catching up with the leader)`, warning: null}
    }
    const master = masterFor(name)
    const stopped = isMasterStopped(this.folder, master)
    if ((action === 'stop') === stopped) throw new HostRequestError(`master ${master.node} is already ${stopped ? 'stopped' : 'running'}`)
    const memberStopped = readClusterState(this.folder).stopped.includes(master.member)
    let warning: string | null = null
    if (action === 'stop') {
      if (!memberStopped) {
        warning = quorumLossWarning(this.folder, [master.member])
        await stopMember(this.folder, master.member, options)
      }
      recordMasterStopped(this.folder, master, true)
      return {message: `master ${master.node} stopped: etcd member ${master.member}, kube-apiserver, kube-scheduler and kube-controller-manager`, warning}
    }
    if (memberStopped) await startMember(this.folder, master.member, options)
    recordMasterStopped(this.folder, master, false)
    return {message: `master ${master.node} started: etcd member ${master.member}, kube-apiserver, kube-scheduler and kube-controller-manager`, warning}
  }

  /**
   * Gives the writer lock back once nothing in this process uses the cluster: closing it under a
   * settle or a request would leave their watches on members that are gone (a proxy's request
   * ending while the loops catch up froze the loops for good).
   */
  async release(): Promise<void> {
    // One under way does what was asked.
    if (this.releasing) return this.releasing
    this.releaseWhenIdle = true
    this.releaseIfIdle()
    await this.releasing
  }

  private releaseIfIdle(): void {
    if (!this.releaseWhenIdle || this.driving || this.requestsInFlight > 0 || this.releasing) return
    this.releaseWhenIdle = false
    const store = this.connection?.store as {releaseWriter?: () => Promise<void>} | undefined
    const releasing = (this.releasing = Promise.resolve(store?.releaseWriter?.()).finally(() => {
      if (this.releasing === releasing) this.releasing = null
    }))
    // A failure shows to the caller that asked (release() awaits it); one that asked earlier learns nothing more.
    releasing.catch(() => {})
  }

  async close(): Promise<void> {
    await this.afterRelease()
    await this.connection?.close()
    this.connection = null
    this.opening = null
    this.bootstrap = null
  }
}


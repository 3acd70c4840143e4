// Runs control loops until the cluster settles (one-shot mode): informers catch up with what the
// loops wrote (each waits until its watch has shown this process's own writes), loops process
// what is due, and again, until a round finds nothing to do or the bound is hit. Simulated
// delays (the kubelet's) collapse to zero; delays on the wall clock (grace periods, schedules,
// deadlines) are left for a later command or for `kubemu up`.
//
// A loop that fails (a broken invariant, an error it does not handle, a handler of its that
// threw) is reported with its component's name and built again after a back-off, as a kubelet
// restarts a crashed kube-controller-manager: a fresh instance whose handlers get the informers'
// caches, so its state is rebuilt. An informer that cannot list or watch is reported and lists
// again after a back-off (client-go's reflector); until it has listed once, the loops that read
// it wait, as controllers wait for their caches to sync; after, they go on with its cache as it
// was. The other loops keep going.
import type {ApiClient} from '../client/client.js'
import type {BuiltLoop, ControlLoop, InformerFactory} from '../client/informer-factory.js'
import type {SharedInformer} from '../client/shared-informer.js'
import {doublingBackoffMilliseconds} from '../util/backoff.js'
import type {Clock} from '../util/clock.js'

/** One settle runs at most this many rounds (a Deployment rollout of 1,000 pods needs a few dozen). */
export const settleRoundsMax = 500

/** A failed loop is built again after this back-off, doubling per failure in a row up to the maximum (the kubelet's crash-loop back-off). */
export const loopRestartBackoffInitialMilliseconds = 10_000
export const loopRestartBackoffMaxMilliseconds = 300_000
/** A loop that ran this long since its last failure starts again from the initial back-off. */
export const loopRestartBackoffResetMilliseconds = 600_000
/** An informer that failed lists again after this back-off, doubling up to the maximum (client-go's reflector). */
export const informerRetryBackoffInitialMilliseconds = 800
export const informerRetryBackoffMaxMilliseconds = 30_000
/** With delays collapsed (one settle of a one-shot command), a loop is built again, or an informer retried, at most this often. */
export const retriesPerSettleMax = 3

/** A control loop as the control plane declares it: its component (for the log) and how to build it. */
export interface LoopDefinition {
  /** `kube-controller-manager`, `kube-scheduler`, `kubelet` */
  readonly component: string
  /** A fresh instance: it asks `informers` for what it reads and adds its handlers there. */
  build(informers: InformerFactory): ControlLoop
}

export interface SettleResult {
  readonly rounds: number
  readonly processed: number
  /** False when the bound was hit with work left. */
  readonly settled: boolean
  /** The failures of loops and informers during this settle, as reported. */
  readonly failures: readonly string[]
}

interface LoopSlot {
  readonly definition: LoopDefinition
  readonly owner: string
  built: BuiltLoop | null
  name: string
  failuresInRow: number
  lastFailureAt: number
  restartAt: number
  retriesThisSettle: number
}

interface InformerFailure {
  message: string
  failuresInRow: number
  retryAt: number
  retriesThisSettle: number
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export class ControlPlaneRunner {
  private readonly slots: LoopSlot[]
  private readonly failingInformers = new Map<SharedInformer, InformerFailure>()
  /** Informers that have listed once: when they fail later, their loops go on with the cache as it was. */
  private readonly listedInformers = new Set<SharedInformer>()
  private failures: string[] = []
  private collapseDelays = true

  constructor(
    private readonly informers: InformerFactory,
    private readonly clients: readonly ApiClient[],
    definitions: readonly LoopDefinition[],
    private readonly clock: Clock,
    private readonly report: (line: string) => void = () => {},
  ) {
    this.slots = definitions.map((definition, index) => ({definition, owner: `loop-${index}`, built: null, name: `${definition.component} loop ${index + 1}`, failuresInRow: 0, lastFailureAt: Number.NEGATIVE_INFINITY, restartAt: 0, retriesThisSettle: 0}))
    for (const slot of this.slots) this.build(slot)
  }

  /** Builds a slot's loop; a constructor that throws is a failure like any other. */
  private build(slot: LoopSlot): void {
    try {
      slot.built = this.informers.build(slot.owner, () => slot.definition.build(this.informers))
      slot.name = slot.built.loop.name
    } catch (error) {
      this.informers.drop(slot.owner)
      this.loopFailed(slot, error)
    }
  }

  /** The loops running now (a failed one is absent until it is built again). */
  get loops(): ControlLoop[] {
    return this.slots.flatMap((slot) => (slot.built ? [slot.built.loop] : []))
  }

  private note(line: string): void {
    this.failures.push(line)
    this.report(line)
  }

  private loopFailed(slot: LoopSlot, error: unknown): void {
    const now = this.clock.nowMilliseconds()
    if (now - slot.lastFailureAt >= loopRestartBackoffResetMilliseconds) slot.failuresInRow = 0
    slot.failuresInRow++
    slot.lastFailureAt = now
    const delay = doublingBackoffMilliseconds(loopRestartBackoffInitialMilliseconds, loopRestartBackoffMaxMilliseconds, slot.failuresInRow)
    slot.restartAt = now + delay
    this.informers.drop(slot.owner)
    slot.built = null
    const when = this.collapseDelays ? (slot.retriesThisSettle < retriesPerSettleMax ? 'restarting it' : 'restarting it with the next command') : `restarting it in ${delay / 1000} s`
    this.note(`${slot.definition.component}: ${slot.name} failed: ${messageOf(error)}; ${when}`)
  }

  private informerFailed(informer: SharedInformer, error: unknown): void {
    informer.stop()
    const failure = this.failingInformers.get(informer) ?? {message: '', failuresInRow: 0, retryAt: 0, retriesThisSettle: 0}
    failure.failuresInRow++
    const delay = doublingBackoffMilliseconds(informerRetryBackoffInitialMilliseconds, informerRetryBackoffMaxMilliseconds, failure.failuresInRow)
    failure.retryAt = this.clock.nowMilliseconds() + delay
    const message = messageOf(error)
    // Reported once until it changes: a broken list is retried every 30 s for as long as it lasts.
    const next = this.collapseDelays ? '' : `; next try in ${delay / 1000} s`
    const meanwhile = this.listedInformers.has(informer) ? 'the loops that read it go on with its cache as it was' : 'the loops that read it wait until it lists'
    if (message !== failure.message) this.note(`informer of ${informer.resource.resource}: ${message}; ${meanwhile}${next}`)
    failure.message = message
    this.failingInformers.set(informer, failure)
  }

  private due(retryAt: number, retriesThisSettle: number): boolean {
    return this.collapseDelays ? retriesThisSettle < retriesPerSettleMax : retryAt <= this.clock.nowMilliseconds()
  }

  /** Brings every informer up to date with the writes of this process's clients. */
  private async catchUp(): Promise<void> {
    for (const informer of this.informers.all()) {
      const failure = this.failingInformers.get(informer)
      if (failure) {
        if (!this.due(failure.retryAt, failure.retriesThisSettle)) continue
        failure.retriesThisSettle++
      }
      let target = 0
      for (const client of this.clients) target = Math.max(target, client.writtenRevision(informer.resource))
      try {
        await informer.sync(target)
        this.listedInformers.add(informer)
        if (failure) {
          this.failingInformers.delete(informer)
          this.report(`informer of ${informer.resource.resource}: listed again`)
        }
      } catch (error) {
        this.informerFailed(informer, error)
      }
    }
    for (const {owner, error} of this.informers.takeHandlerFailures()) {
      const slot = this.slots.find((candidate) => candidate.owner === owner)
      if (slot?.built) this.loopFailed(slot, error)
    }
  }

  /** Builds again the failed loops whose back-off has passed. */
  private restartDue(): void {
    for (const slot of this.slots) {
      if (slot.built || !this.due(slot.restartAt, slot.retriesThisSettle)) continue
      slot.retriesThisSettle++
      this.build(slot)
    }
  }

  /** A running loop whose informers have all listed (client-go's WaitForCacheSync). */
  private ready(slot: LoopSlot): ControlLoop | null {
    if (!slot.built) return null
    for (const informer of slot.built.informers) if (!this.listedInformers.has(informer)) return null
    return slot.built.loop
  }

  private hasWork(slot: LoopSlot): boolean {
    const loop = this.ready(slot)
    if (!loop) return false
    try {
      return loop.hasWork(this.collapseDelays)
    } catch (error) {
      this.loopFailed(slot, error)
      return false
    }
  }

  async settle(collapseDelays = true): Promise<SettleResult> {
    this.collapseDelays = collapseDelays
    this.failures = []
    for (const slot of this.slots) slot.retriesThisSettle = 0
    for (const failure of this.failingInformers.values()) failure.retriesThisSettle = 0
    for (const informer of this.informers.all()) {
      try {
        await informer.start()
        this.listedInformers.add(informer)
      } catch (error) {
        this.informerFailed(informer, error)
      }
    }
    let processed = 0
    for (let round = 1; round <= settleRoundsMax; round++) {
      await this.catchUp()
      this.restartDue()
      let roundProcessed = 0
      for (const slot of this.slots) {
        if (!this.hasWork(slot)) continue
        try {
          const count = await slot.built!.loop.process(collapseDelays)
          roundProcessed += count
          // The next loop sees what this one wrote (the node lifecycle controller, the kubelets' Leases).
          if (count > 0) await this.catchUp()
        } catch (error) {
          this.loopFailed(slot, error)
        }
      }
      processed += roundProcessed
      if (roundProcessed === 0) {
        await this.catchUp()
        this.restartDue()
        if (!this.slots.some((slot) => this.hasWork(slot))) return {rounds: round, processed, settled: true, failures: this.failures}
      }
    }
    return {rounds: settleRoundsMax, processed, settled: false, failures: this.failures}
  }

  /** The clock time of the earliest work a running loop scheduled for later, a loop's restart or an informer's retry, or null. */
  nextDue(): number | null {
    let earliest: number | null = null
    const consider = (due: number | null) => {
      if (due !== null && (earliest === null || due < earliest)) earliest = due
    }
    for (const slot of this.slots) consider(slot.built ? slot.built.loop.nextDue() : slot.restartAt)
    for (const failure of this.failingInformers.values()) consider(failure.retryAt)
    return earliest
  }

  stop(): void {
    for (const informer of this.informers.all()) informer.stop()
  }
}

// Runs control loops until the cluster settles (one-shot mode): informers catch up with what the
// loops wrote (each waits until its watch has shown this process's own writes), loops process
// what is due, and again, until a round finds nothing to do or the bound is hit. Simulated
// delays (the kubelet's) collapse to zero; delays on the wall clock (grace periods, schedules,
// deadlines) are left for a later command or for `kubemu up`.
import type {ApiClient} from '../client/client.js'
import type {ControlLoop, InformerFactory} from '../client/informer-factory.js'

/** One settle runs at most this many rounds (a Deployment rollout of 1,000 pods needs a few dozen). */
export const settleRoundsMax = 500

export interface SettleResult {
  readonly rounds: number
  readonly processed: number
  /** False when the bound was hit with work left. */
  readonly settled: boolean
}

export class ControlPlaneRunner {
  constructor(
    private readonly informers: InformerFactory,
    private readonly clients: readonly ApiClient[],
    private readonly loops: readonly ControlLoop[],
  ) {}

  /** Brings every informer up to date with the writes of this process's clients. */
  async catchUp(): Promise<void> {
    for (const informer of this.informers.all()) {
      let target = 0
      for (const client of this.clients) target = Math.max(target, client.writtenRevision(informer.resource))
      await informer.sync(target)
    }
  }

  async settle(collapseDelays = true): Promise<SettleResult> {
    for (const informer of this.informers.all()) await informer.start()
    let processed = 0
    for (let round = 1; round <= settleRoundsMax; round++) {
      await this.catchUp()
      let roundProcessed = 0
      for (const loop of this.loops) {
        if (!loop.hasWork(collapseDelays)) continue
        const processed = await loop.process(collapseDelays)
        roundProcessed += processed
        // The next loop sees what this one wrote (the node lifecycle controller, the kubelets' Leases).
        if (processed > 0) await this.catchUp()
      }
      processed += roundProcessed
      if (roundProcessed === 0) {
        await this.catchUp()
        if (!this.loops.some((loop) => loop.hasWork(collapseDelays))) return {rounds: round, processed, settled: true}
      }
    }
    return {rounds: settleRoundsMax, processed, settled: false}
  }

  stop(): void {
    for (const informer of this.informers.all()) informer.stop()
  }
}

// Runs the control plane through a span of cluster time in order: from one due moment to the
// next (a node's grace period ending, a CronJob's schedule, a toleration running out, a back-off),
// settling at each, so that what a cluster that kept running would have done happens at the time
// it would have happened. Used by `kubemu time advance` and by one-shot commands catching up.
import {ApiClientError} from '../client/client.js'
import type {SettleResult} from '../controlplane/runner.js'
import {assert} from '../util/assert.js'
import type {ClusterClock} from './clock.js'

/**
 * The longest step between two settles when nothing is due sooner: the kubelet's node status
 * report period (5 min). Kubelets renew their Leases at the start of every settle, before the
 * node lifecycle controller looks, and leader-election holders before their standbys, so healthy
 * nodes stay Ready and leaders lead across a step (the node monitor's grace checks of such nodes
 * need no settle of their own, so an idle cluster's day is under 300 steps). etcd leases expire
 * within a step of their deadline.
 */
export const stepMillisecondsMax = 300_000
/** The shortest step: work that stays due (a failing retry) cannot stall the replay. */
export const stepMillisecondsMin = 100
/** Steps in one run (a year of 30 s steps fits). */
export const stepsMax = 1_100_000

export interface SteppedPlane {
  settle(): Promise<SettleResult>
  /** The cluster time of the earliest work scheduled for later, or null. */
  nextDue(): number | null
}

export interface StepProgress {
  readonly steps: number
  /** Cluster time reached and the time to reach. */
  readonly now: number
  readonly target: number
}

export interface StepResult {
  readonly steps: number
  /** Settles that hit their round bound with work left. */
  readonly unsettled: number
  /** When the loops' requests could not be served, from when and why (the rest of the span passed without them). */
  readonly outage?: Outage
}

export interface Outage {
  /** Cluster time of the settle that failed. */
  readonly atMilliseconds: number
  readonly reason: string
}

/**
 * Moves `clock` forward by `milliseconds`, settling `plane` at every due moment on the way. A
 * settle that fails with an error `outageOf` recognizes (the API server cannot serve: no etcd
 * quorum) ends the settling: nothing this span runs can bring the service back (a fault waits its
 * turn), so the rest of the time passes at once with the control plane idle, as a real cluster's
 * time passes while its controllers' requests fail. Any other error ends the run.
 */
export async function runThrough(plane: SteppedPlane, clock: ClusterClock, milliseconds: number, onProgress?: (progress: StepProgress) => void, outageOf?: (error: unknown) => string | null): Promise<StepResult> {
  assert(milliseconds >= 0, `cannot run through ${milliseconds} ms`)
  const target = clock.nowMilliseconds() + milliseconds
  let steps = 0
  let unsettled = 0
  let outage: Outage | undefined
  const settle = async () => {
    try {
      if (!(await plane.settle()).settled) unsettled++
    } catch (error) {
      const reason = outageOf?.(error) ?? null
      if (reason === null) throw error
      outage = {atMilliseconds: clock.nowMilliseconds(), reason}
    }
  }
  await settle()
  for (let left = target - clock.nowMilliseconds(); left > 0; left = target - clock.nowMilliseconds()) {
    steps++
    assert(steps <= stepsMax, `more than ${stepsMax} steps to run through ${milliseconds} ms`)
    if (outage !== undefined) {
      clock.moveForward(left)
      break
    }
    const now = clock.nowMilliseconds()
    const due = plane.nextDue()
    let step = Math.min(left, stepMillisecondsMax)
    if (due !== null && due > now) step = Math.min(step, due - now)
    clock.moveForward(Math.min(left, Math.max(step, stepMillisecondsMin)))
    await settle()
    onProgress?.({steps, now: clock.nowMilliseconds(), target})
  }
  return {steps, unsettled, ...(outage ? {outage} : {})}
}

/** A settle's failure for want of the API server (a 5xx: no etcd quorum, no API server running), else null. */
export function apiServerOutage(error: unknown): string | null {
  return error instanceof ApiClientError && error.code >= 500 ? error.message : null
}

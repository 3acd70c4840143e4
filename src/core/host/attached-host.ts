// A host around a Kubernetes API this process already runs and serves, which the caller owns:
// tests put kubemu's kubectl and the real one side by side on one API server. Its control plane
// runs in this process when a command settles the cluster; the rest of the cluster (members,
// clock offset, faults) is the caller's, so those calls are refused.
import type {SettleResult} from '../controlplane/runner.js'
import {type Clock, systemClock} from '../util/clock.js'
import type {AdvanceResult, ClusterHost, FaultResult, KubernetesHandler, TimeReading} from './cluster-host.js'
import type {UpMarker} from './up-marker.js'

export interface AttachedHostOptions {
  /** The cluster folder the API server keeps its files in. */
  readonly folder: string
  /** The plain-HTTP URL the API server is served at (what the kubeconfig names); none when it is only called in-process. */
  readonly url?: string
  readonly clock?: Clock
  /** The control plane's randomness (tie-breaks, name suffixes). */
  readonly random?: () => number
}

/** A call an attached host cannot answer: the caller, not the host, drives that part of the cluster. */
export class AttachedHostError extends Error {
  constructor(call: string) {
    super(`${call} is not available on an API server this process was handed: its caller drives the cluster`)
    this.name = 'AttachedHostError'
  }
}

export class AttachedHost implements ClusterHost {
  readonly folder: string
  readonly clock: Clock
  /** Where the API server is served while the command runs, as under `kubemu up`; null when it is not served. */
  readonly up: UpMarker | null
  private readonly random: () => number

  constructor(
    private readonly api: KubernetesHandler,
    options: AttachedHostOptions,
  ) {
    this.folder = options.folder
    this.clock = options.clock ?? systemClock
    this.random = options.random ?? Math.random
    this.up = options.url === undefined ? null : {pid: process.pid, url: options.url, started: new Date(this.clock.nowMilliseconds()).toISOString()}
  }

  async kubernetes(): Promise<KubernetesHandler> {
    return this.api
  }

  /** The caller keeps the cluster's time: there is nothing to replay. */
  async catchUp(): Promise<void> {}

  /** The scheduler, the controllers and the kubelets run in this process until nothing is left to do. */
  async settle(): Promise<SettleResult | null> {
    const {ControlPlane} = await import('../controlplane/control-plane.js')
    const plane = new ControlPlane(this.api, this.clock, this.random)
    try {
      return await plane.settle()
    } finally {
      plane.stop()
    }
  }

  async defer(): Promise<void> {}

  async advance(): Promise<AdvanceResult> {
    throw new AttachedHostError('time advance')
  }

  async time(): Promise<TimeReading> {
    throw new AttachedHostError('the cluster time')
  }

  async fault(): Promise<FaultResult> {
    throw new AttachedHostError('stopping or starting members and masters')
  }

  async release(): Promise<void> {}

  /** The API server stays the caller's to close. */
  async close(): Promise<void> {}
}

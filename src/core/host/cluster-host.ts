// What a command holds when it reaches a cluster (the ClusterHost) and the shapes its calls
// answer with. Its own file so the two hosts (one-shot, through `up`) and the control endpoints
// import these without importing openHost, which loads the hosts.
import type {ApiResponse, TrustedRequest, UserInfo} from '../api/wire.js'
import type {ContainerTools} from '../kubelet/shell/process-context.js'
import type {HttpExchangeTrace} from '../client/http-handler.js'
import type {SettleResult} from '../controlplane/runner.js'
import type {Clock} from '../util/clock.js'
import type {ClusterClock} from './clock.js'
import type {Outage, StepProgress} from './stepper.js'
import type {UpMarker} from './up-marker.js'

export type FaultAction = 'stop' | 'start'

/** `KUBEMU_WAIT=false` leaves the control plane's work for a later command (one-shot mode). */
export const waitEnvironmentVariable = 'KUBEMU_WAIT'

export interface TimeReading {
  readonly now: number
  readonly offsetMilliseconds: number
  /** The cluster was created with a seed: its clock counts from the seeded epoch, not wall time. */
  readonly seeded?: boolean
  /** It stands still between `kubemu time advance`s (a seeded cluster outside `up`, or `up --manual-clock`). */
  readonly standsStill?: boolean
}

export interface KubernetesHandler {
  /** `trace`: filled in with what the connection did, when the API server is reached over one. */
  handle(request: TrustedRequest, trace?: HttpExchangeTrace): Promise<ApiResponse>
}

/** A Kubernetes API that also says who a request's credentials are without serving it (an API server's authentication step alone). */
export interface AuthenticatingHandler extends KubernetesHandler {
  /** The user, or null when the credentials authenticate no one; throws the ApiError a request would be answered with when the API server cannot tell. */
  authenticatedUser(request: TrustedRequest): Promise<UserInfo | null>
}

export interface AdvanceResult {
  /** Cluster time before and after. */
  readonly from: number
  readonly to: number
  readonly steps: number
  /** The loops could not be served from this moment on (no etcd quorum): the rest of the time passed without them. */
  readonly outage?: Outage
}

export type FaultKind = 'members' | 'masters'

export interface FaultResult {
  readonly message: string
  /** Said before the change (a quorum lost), or null. */
  readonly warning: string | null
}

export interface ClusterHost {
  readonly folder: string
  /** The cluster clock as this process sees it. */
  readonly clock: Clock
  /** The running `kubemu up` this host goes through, or null in one-shot mode. */
  readonly up: UpMarker | null
  /** The Kubernetes API: the in-process API server, or the one `up` serves. */
  kubernetes(): Promise<KubernetesHandler>
  /** Brings the cluster up to now, as a cluster that had kept running would be (one-shot mode). */
  catchUp(onProgress?: (progress: StepProgress) => void): Promise<void>
  /** Runs the control plane until nothing is left to do (one-shot mode; `up` does it by itself). */
  settle(): Promise<SettleResult | null>
  /** Leaves the work of a change for the next command that runs the loops (KUBEMU_WAIT=false). */
  defer(): Promise<void>
  /** Moves cluster time forward, running everything that happens in between in order. */
  advance(milliseconds: number, onProgress?: (progress: StepProgress) => void): Promise<AdvanceResult>
  /** Cluster time and its offset from wall time. */
  time(): Promise<TimeReading>
  /** Stops or starts an etcd member, or all of a master's components; says what it did. */
  fault(kind: FaultKind, name: string, action: FaultAction, force: boolean): Promise<FaultResult>
  /** Gives the writer lock back (before waiting on other processes); the host stays usable. */
  release(): Promise<void>
  close(): Promise<void>
}

export interface HostOptions {
  readonly environment: NodeJS.ProcessEnv
  readonly clusterName?: string
  /** The wall clock under the cluster clock (tests inject one). */
  readonly wallClock?: Clock
  /** The cluster clock to use (a command that already read it); opened from the folder otherwise. */
  readonly clock?: ClusterClock
  /** The tools an exec may run in the containers (etcdctl in etcd's images), from the layer above; none without. */
  readonly containerTools?: ContainerTools
}

/** The members' URLs of the etcd front door `up` serves (undefined before it serves, and one-shot). */
export type ServedEtcd = () => Readonly<Record<string, string>> | undefined

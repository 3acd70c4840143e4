// The host of a cluster that `kubemu up` drives: every request goes to that process (its
// loopback Kubernetes API and its control endpoints), never to the files, so no command waits on
// the writer lock and the running loops see every change at once.
import {FileCredentials} from '../apiserver/authentication/credentials.js'
import {HttpRequestHandler} from '../client/http-handler.js'
import {type ClusterClock, openClusterClock} from './clock.js'
import {callControl} from './control-api.js'
import type {AdvanceResult, ClusterHost, FaultAction, FaultKind, FaultResult, HostOptions, KubernetesHandler, TimeReading} from './cluster-host.js'
import type {UpMarker} from './up-marker.js'

export class RemoteHost implements ClusterHost {
  readonly clock: ClusterClock
  private readonly handler: HttpRequestHandler

  constructor(
    readonly folder: string,
    readonly up: UpMarker,
    options: HostOptions,
  ) {
    // kubectl's requests carry their own credentials; kubemu's components (status, node) act as
    // their users through the admin's token and impersonation, as an authorizing proxy does.
    this.handler = new HttpRequestHandler(up.url, () => new FileCredentials(folder).adminToken())
    // `up` keeps the offset in host.json whenever its clock moves.
    this.clock = options.clock ?? openClusterClock(folder, options.wallClock)
  }

  private adminToken(): string {
    return new FileCredentials(this.folder).adminToken()
  }

  async kubernetes(): Promise<KubernetesHandler> {
    return this.handler
  }

  /** `up` keeps its cluster running: there is nothing to catch up. */
  async catchUp(): Promise<void> {}

  /** `up` runs its loops by itself. */
  async settle(): Promise<null> {
    return null
  }

  /** `up` runs its loops by itself: nothing is left for later. */
  async defer(): Promise<void> {}

  advance(milliseconds: number): Promise<AdvanceResult> {
    return callControl<AdvanceResult>(this.up.url, this.adminToken(), 'POST', 'time/advance', {milliseconds})
  }

  time(): Promise<TimeReading> {
    return callControl<TimeReading>(this.up.url, this.adminToken(), 'GET', 'time')
  }

  fault(kind: FaultKind, name: string, action: FaultAction, force: boolean): Promise<FaultResult> {
    return callControl<FaultResult>(this.up.url, this.adminToken(), 'POST', `${kind}/${encodeURIComponent(name)}/${action}`, {force})
  }

  async release(): Promise<void> {}

  async close(): Promise<void> {}
}

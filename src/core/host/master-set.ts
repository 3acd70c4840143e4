// The three masters' kube-scheduler and kube-controller-manager, active-passive as in an HA
// control plane: every running master's two candidates try to acquire or renew their Leases in
// kube-system (client-go's leader election, identity `<node>_<uuid>`); the loops of a component run
// only while a running master holds its Lease. A stopped master stops renewing without releasing
// (it crashed, as far as the others know): a standby takes over once the Lease has run out.
import {clusterRandomness} from '../seed.js'
import {assert} from '../util/assert.js'
import {readHostState, updateHostState} from './state.js'
import type {KubeObject} from '../api/object.js'
import {apiServerUser} from '../apiserver/authentication/user.js'
import {ApiClient, type RequestHandler} from '../client/client.js'
import {EventRecorder} from '../client/events.js'
import {LeaderElector, readLease} from '../controlplane/leader-election.js'
import type {Clock} from '../util/clock.js'
import type {MasterLayout} from '../api/masters.js'
import {type ComponentLogFile, leaseAcquiredLines} from './component-logs.js'

export const electedComponents = ['kube-scheduler', 'kube-controller-manager'] as const
export type ElectedComponent = (typeof electedComponents)[number]

interface Candidate {
  readonly master: MasterLayout
  readonly component: ElectedComponent
  readonly elector: LeaderElector
}

export class MasterSet {
  private readonly candidates: Candidate[] = []
  /** The master whose candidate leads each component, as last seen. */
  private readonly leaders = new Map<ElectedComponent, string | null>()
  private readonly events: ReadonlyMap<ElectedComponent, EventRecorder>
  private readonly client: ApiClient

  constructor(
    server: RequestHandler,
    readonly masters: readonly MasterLayout[],
    identities: ReadonlyMap<string, string>,
    private readonly isStopped: (master: MasterLayout) => boolean,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
    /** Where the components' own log lines go (their static pods' logs). */
    private readonly componentLogs: ComponentLogFile | null = null,
  ) {
    for (const master of masters) {
      const identity = identities.get(master.node)
      assert(identity !== undefined && identity.startsWith(`${master.node}_`), `master ${master.node} has no identity of its own`)
      for (const component of electedComponents) {
        const client = new ApiClient(server, apiServerUser, component)
        this.candidates.push({master, component, elector: new LeaderElector(client, component, identity)})
      }
    }
    this.client = new ApiClient(server, apiServerUser, 'kubemu')
    this.events = new Map(electedComponents.map((component) => [component, new EventRecorder(this.client, {component}, clock)]))
  }

  /** Whether a running master leads `component` (its loops may run). */
  leads(component: ElectedComponent): boolean {
    const leader = this.leaders.get(component)
    return leader !== null && leader !== undefined
  }

  leaderOf(component: ElectedComponent): string | null {
    return this.leaders.get(component) ?? null
  }

  /** One round of leader election for every running master's candidates. */
  async elect(now: number): Promise<void> {
    for (const component of electedComponents) {
      let leader: Candidate | null = null
      // The holder renews first: a running leader renews every 2 s and never lets its Lease lapse,
      // so a standby must not find it expired when the clock was moved on in one step.
      const holder = await this.holderOf(component)
      const candidates = this.candidates.filter((candidate) => candidate.component === component)
      candidates.sort((a, b) => Number(b.elector.identity === holder) - Number(a.elector.identity === holder))
      for (const candidate of candidates) {
        if (this.isStopped(candidate.master)) {
          // Its process is gone: it neither renews nor releases.
          candidate.elector.forget()
          continue
        }
        if (await candidate.elector.tryOrReport(now, this.log)) leader = candidate
      }
      // A resumed process (a one-shot command) that still holds its Lease did not become leader now.
      const previous = this.leaders.has(component) ? this.leaders.get(component)! : holder
      const next = leader?.elector.identity ?? null
      this.leaders.set(component, next)
      if (previous === next) continue
      if (leader) {
        this.log(`leader election: ${next} leads ${component} (master ${leader.master.node})`)
        this.componentLogs?.append(`${component}/${leader.master.node}`, leaseAcquiredLines(component, next!, now))
        await this.recordLeaderEvent(component, next!)
      } else if (previous) {
        this.log(`leader election: nobody leads ${component} (its Lease was held by ${previous})`)
      }
    }
  }

  private async holderOf(component: ElectedComponent): Promise<string | null> {
    const lease = await readLease<KubeObject & {spec?: {holderIdentity?: string}}>(this.client, component)
    return lease?.spec?.holderIdentity || null
  }

  /** kube's LeaderElection event on the Lease: "<identity> became leader". */
  private async recordLeaderEvent(component: ElectedComponent, identity: string): Promise<void> {
    const lease: KubeObject = {apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: {name: component, namespace: 'kube-system'}}
    await this.events.get(component)!.record(lease, 'Normal', 'LeaderElection', `${identity} became leader`).catch(() => {})
  }

  /** Releases what the running masters hold (a clean stop of `up`, as ReleaseOnCancel). */
  async release(): Promise<void> {
    for (const candidate of this.candidates) {
      if (this.isStopped(candidate.master)) continue
      await candidate.elector.release(this.clock.nowMilliseconds()).catch(() => {})
    }
  }
}

/**
 * The masters' leader-election identities: kept in host.json, so one-shot commands resume the
 * processes a suspended cluster had; `fresh` (a new `kubemu up`) starts new ones, as restarted
 * components get new identities from client-go.
 */
export function masterIdentities(folder: string, masters: readonly MasterLayout[], fresh: boolean): ReadonlyMap<string, string> {
  const kept = readHostState(folder).masterIdentities ?? {}
  const newUuid = clusterRandomness(folder).uuids('leader-election')
  const identities = new Map(masters.map((master) => {
    const known = kept[master.node]
    return [master.node, !fresh && known?.startsWith(`${master.node}_`) ? known : `${master.node}_${newUuid()}`]
  }))
  if (masters.some((master) => kept[master.node] !== identities.get(master.node))) {
    updateHostState(folder, (state) => ({...state, masterIdentities: Object.fromEntries(identities)}))
  }
  return identities
}

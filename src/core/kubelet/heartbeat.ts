// A simulated kubelet's heartbeat: its Lease in kube-node-lease renewed every 10 s (a quarter
// of the 40 s lease), and the node's Ready condition, back to True when a stopped node starts.
// A node annotated kubemu.io/stopped (by `kubemu node stop`) sends nothing: its kubelet is down.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {healthyNodeConditions} from '../apiserver/bootstrap.js'
import {type ApiClient, ApiClientError, isAlreadyExists, isConflict, isNotFound} from '../client/client.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {Node} from '../api/kinds.js'
import {assert} from '../util/assert.js'
import {doublingBackoffMilliseconds} from '../util/backoff.js'
import {forEachConcurrently} from '../util/concurrency.js'
import {type NodeImage, nodeStatusImages} from './node-images.js'

export const stoppedAnnotation = 'kubemu.io/stopped'
export const nodeLeaseDurationSeconds = 40
export const nodeLeaseRenewMilliseconds = 10_000
/** The kubelet reports node status at least this often even when nothing changed (5 minutes). */
export const nodeStatusReportMilliseconds = 300_000
/** A refused heartbeat is tried again after this back-off, doubling up to the maximum (the kubelet's node lease controller). */
export const heartbeatRetryInitialMilliseconds = 100
export const heartbeatRetryMaxMilliseconds = 7_000
/** Nodes whose heartbeats are written at once. */
export const heartbeatsInFlightMax = 64
/** Nodes whose due time waits to be worked out again at most (more: a broken invariant, as every node has one name). */
export const heartbeatChangedNodesMax = 1_000_000

type Lease = KubeObject & {spec?: {holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string}}
type Condition = {type: string; status: string; lastHeartbeatTime?: string; lastTransitionTime?: string; reason?: string; message?: string}

export function isStopped(node: Node): boolean {
  return node.metadata.annotations?.[stoppedAnnotation] === 'true'
}

/** Renews the node's Lease when due; true when it wrote. */
export async function renewLease(client: ApiClient, node: Node, lease: Lease | undefined, now: number): Promise<boolean> {
  const name = String(node.metadata.name)
  const renewed = Date.parse(lease?.spec?.renewTime ?? '') || 0
  if (lease && now - renewed < nodeLeaseRenewMilliseconds) return false
  const spec = {holderIdentity: name, leaseDurationSeconds: nodeLeaseDurationSeconds, renewTime: formatTimestamp(now).replace('Z', '.000000Z')}
  const owner = [{apiVersion: 'v1', kind: 'Node', name, uid: String(node.metadata.uid)}]
  const update = (current: Lease) => client.update(resources.leases, {...current, kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', spec: {...current.spec, ...spec}})
  try {
    if (lease) await update(lease)
    else await client.create(resources.leases, {kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: {name, namespace: 'kube-node-lease', ownerReferences: owner}, spec})
  } catch (error) {
    // The cached Lease is older than the kubelet's last renewal (its informer has not caught up):
    // the kubelet's lease controller renews from the Lease as it is now, as kube's retries do.
    if (isConflict(error)) await update(await client.get<Lease>(resources.leases, 'kube-node-lease', name))
    else if (!isAlreadyExists(error) && !isNotFound(error)) throw error
  }
  return true
}

/**
 * Posts Ready=True (and the heartbeat time) when the node is not Ready, its last report is old, or
 * its images changed (the kubelet's status sync, every 10 s: a pulled image shows by the next one).
 */
export async function reportNodeStatus(client: ApiClient, node: Node, now: number, images: readonly NodeImage[] = []): Promise<boolean> {
  const conditions = ((node.status as {conditions?: Condition[]} | undefined)?.conditions ?? []).map((condition) => ({...condition}))
  const ready = conditions.find((condition) => condition.type === 'Ready')
  const stale = now - (Date.parse(ready?.lastHeartbeatTime ?? '') || 0) >= nodeStatusReportMilliseconds
  const listed = nodeStatusImages(images)
  const imagesChanged = listed.length > 0 && JSON.stringify(node.status?.images ?? []) !== JSON.stringify(listed)
  if (ready?.status === 'True' && !stale && !imagesChanged) return false
  if (ready?.status === 'True' && !stale) {
    await client.update(resources.nodes, {...node, kind: 'Node', apiVersion: 'v1', status: {...(node.status ?? {}), images: listed}}, 'status')
    return true
  }
  const at = formatTimestamp(now)
  const next = Object.entries(healthyNodeConditions).map(([type, [status, reason, message]]) => {
    const before = conditions.find((condition) => condition.type === type)
    return {type, status, lastHeartbeatTime: at, lastTransitionTime: before?.status === status ? (before.lastTransitionTime ?? at) : at, reason, message}
  })
  await client.update(resources.nodes, {...node, kind: 'Node', apiVersion: 'v1', status: {...(node.status ?? {}), conditions: next, ...(listed.length > 0 ? {images: listed} : {})}}, 'status')
  return true
}

/**
 * Every running node's heartbeat, each node's on its own as separate kubelet processes would beat.
 * When each node is next due is kept per node and worked out again only for the node a Node or
 * Lease event (or a refusal) names: with a thousand nodes renewing their Leases every 10 s, a scan
 * of every node's Lease and conditions after each event cost more than the beats.
 */
export class NodeHeartbeats {
  /** Nodes whose last heartbeat was refused: how many times in a row, and when to try again. */
  private readonly refused = new Map<string, {times: number; retryAt: number}>()
  /** When each running node is next due (a stopped or unknown node has no entry). */
  private readonly dueAtByNode = new Map<string, number>()
  /** Nodes whose due time is to be worked out again; null: every node (before the first look). */
  private changed: Set<string> | null = null
  /** The earliest of dueAtByNode (null: none), or undefined when it must be found again. */
  private earliestDueAt: number | null | undefined = undefined

  constructor(
    private readonly clientFor: (node: string) => ApiClient,
    private readonly nodes: Informer<Node>,
    private readonly leases: Informer<KubeObject>,
    /** The images each node holds (what its status lists). */
    private readonly imagesOf: (node: string) => readonly NodeImage[] = () => [],
  ) {
    nodes.onEvent((event) => this.changedNode(String(event.object.metadata.name)))
    leases.onEvent((event) => {
      if (event.object.metadata.namespace === 'kube-node-lease') this.changedNode(String(event.object.metadata.name))
    })
  }

  private changedNode(name: string): void {
    if (this.changed === null) return
    assert(this.changed.size < heartbeatChangedNodesMax, `${heartbeatChangedNodesMax} nodes wait for their heartbeat due time`)
    this.changed.add(name)
  }

  /**
   * When the node's kubelet next beats: its Lease renewal every 10 s, at once when it has no
   * Lease or is not Ready, after its back-off when refused; null for a stopped node. Its status
   * sync goes with the renewal, as the kubelet's runs every 10 s too.
   */
  private dueAt(node: Node): number | null {
    if (isStopped(node)) return null
    const retryAt = this.refused.get(String(node.metadata.name))?.retryAt
    if (retryAt !== undefined) return retryAt
    const lease = this.leases.get(`kube-node-lease/${node.metadata.name}`) as {spec?: {renewTime?: string}} | undefined
    const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready')
    if (!lease || ready?.status !== 'True') return 0
    return (Date.parse(lease.spec?.renewTime ?? '') || 0) + nodeLeaseRenewMilliseconds
  }

  /** Works out again the due times of the nodes that changed; the earliest is found again only if it may have moved later. */
  private refresh(): void {
    const names = this.changed ?? this.nodes.list().map((node) => String(node.metadata.name))
    if (this.changed === null) this.dueAtByNode.clear()
    this.changed = new Set()
    for (const name of names) {
      const before = this.dueAtByNode.get(name)
      const node = this.nodes.get(name)
      const at = node ? this.dueAt(node) : null
      if (at === null) this.dueAtByNode.delete(name)
      else this.dueAtByNode.set(name, at)
      if (this.earliestDueAt === undefined) continue
      if (at !== null && (this.earliestDueAt === null || at < this.earliestDueAt)) this.earliestDueAt = at
      else if (before !== undefined && before === this.earliestDueAt && at !== before) this.earliestDueAt = undefined
    }
  }

  /** The earliest cluster time some running node's heartbeat is due, or null when none runs. */
  nextDue(): number | null {
    if (this.changed === null || this.changed.size > 0) this.refresh()
    if (this.earliestDueAt === undefined) {
      let earliest: number | null = null
      for (const at of this.dueAtByNode.values()) if (earliest === null || at < earliest) earliest = at
      this.earliestDueAt = earliest
    }
    return this.earliestDueAt
  }

  /** Whether some running node's Lease or Ready status is due. */
  due(now: number): boolean {
    const at = this.nextDue()
    return at !== null && at <= now
  }

  /** Beats for every node due; how many writes (or refusals) that took. */
  async beat(now: number): Promise<number> {
    let written = 0
    this.nextDue()
    const due: Node[] = []
    for (const [name, at] of this.dueAtByNode) {
      const node = at <= now ? this.nodes.get(name) : undefined
      if (node) due.push(node)
    }
    await forEachConcurrently(due, heartbeatsInFlightMax, async (node) => {
      const name = String(node.metadata.name)
      try {
        if (await renewLease(this.clientFor(name), node, this.leases.get(`kube-node-lease/${node.metadata.name}`) as never, now)) written++
        if (await reportNodeStatus(this.clientFor(name), node, now, this.imagesOf(name))) written++
        this.refused.delete(name)
      } catch (error) {
        // A refused heartbeat is tried again after a back-off, as a kubelet retries.
        if (!(error instanceof ApiClientError)) throw error
        const times = (this.refused.get(name)?.times ?? 0) + 1
        this.refused.set(name, {times, retryAt: now + doublingBackoffMilliseconds(heartbeatRetryInitialMilliseconds, heartbeatRetryMaxMilliseconds, times)})
        written++
      }
      // Written Leases come back by their events; a refusal or a retry changes the due time here.
      this.changedNode(name)
    })
    return written
  }
}

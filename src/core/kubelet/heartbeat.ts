// A simulated kubelet's heartbeat: its Lease in kube-node-lease renewed every 10 s (a quarter
// of the 40 s lease), and the node's Ready condition, back to True when a stopped node starts.
// A node annotated kubemu.io/stopped (by `kubemu node stop`) sends nothing: its kubelet is down.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {healthyNodeConditions} from '../apiserver/bootstrap.js'
import {type ApiClient, ApiClientError, isAlreadyExists, isConflict, isNotFound} from '../client/client.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {Node} from '../api/kinds.js'
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

/** Every running node's heartbeat, each node's on its own as separate kubelet processes would beat. */
export class NodeHeartbeats {
  /** Nodes whose last heartbeat was refused: how many times in a row, and when to try again. */
  private readonly refused = new Map<string, {times: number; retryAt: number}>()
  /**
   * The earliest time some node's heartbeat is due (null: none, a stopped cluster), or undefined
   * until computed again: the kubelets ask at every turn of the loops, and a scan of every node's
   * Lease each time cost as much as the beats at a few hundred nodes. Any Node or Lease event
   * (and a refusal) makes it stale.
   */
  private earliestDueAt: number | null | undefined = undefined

  constructor(
    private readonly clientFor: (node: string) => ApiClient,
    private readonly nodes: Informer<Node>,
    private readonly leases: Informer<KubeObject>,
    /** The images each node holds (what its status lists). */
    private readonly imagesOf: (node: string) => readonly NodeImage[] = () => [],
  ) {
    const forget = () => {
      this.earliestDueAt = undefined
    }
    nodes.onEvent(forget)
    leases.onEvent(forget)
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

  /** The earliest cluster time some running node's heartbeat is due, or null when none runs. */
  nextDue(): number | null {
    if (this.earliestDueAt === undefined) {
      let earliest: number | null = null
      for (const node of this.nodes.list()) {
        const at = this.dueAt(node)
        if (at !== null && (earliest === null || at < earliest)) earliest = at
      }
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
    const due = (node: Node) => {
      const at = this.dueAt(node)
      return at !== null && at <= now
    }
    await forEachConcurrently(this.nodes.list().filter(due), heartbeatsInFlightMax, async (node) => {
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
    })
    // Written Leases come back by their events; the refusals and retries change it here.
    this.earliestDueAt = undefined
    return written
  }
}

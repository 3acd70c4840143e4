// The node lifecycle controller (kube-controller-manager 1.32) and the taint-based eviction it
// drives: a node whose kubelet has not renewed its Lease or posted status for 40 s
// (nodeMonitorGracePeriod) has its conditions set to Unknown and is tainted
// node.kubernetes.io/unreachable (NotReady: not-ready) with NoSchedule and NoExecute; pods that do
// not tolerate a NoExecute taint are deleted, at once or after their tolerationSeconds. A node
// that reports Ready again loses the taints. Pod GC removes pods bound to nodes that are gone.
import {formatTimestamp, type KubeObject, sameJson} from '../api/object.js'
import {type ApiClient, isConflict, isNotFound, objectKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import {podsByNodeName} from '../client/pod-indexes.js'
import {toleratesTaint} from '../scheduler/plugins/node-plugins.js'
import type {Node, Pod, Taint} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'

export const nodeMonitorGracePeriodMilliseconds = 40_000
const unreachable = 'node.kubernetes.io/unreachable'
const notReady = 'node.kubernetes.io/not-ready'
const unschedulableTaint = 'node.kubernetes.io/unschedulable'

type Condition = {type: string; status: string; lastHeartbeatTime?: string; lastTransitionTime?: string; reason?: string; message?: string}

const conditionsOf = (node: Node) => ((node.status as {conditions?: Condition[]} | undefined)?.conditions ?? [])

export class NodeLifecycleController extends Controller {
  private readonly nodes: Informer<Node>
  private readonly leases: Informer<KubeObject>
  private readonly pods: Informer<Pod>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    private readonly recorder: EventRecorder,
    clock: Clock,
    private readonly heartbeatsEverySettle: (node: Node) => boolean = () => false,
  ) {
    super('node-lifecycle-controller', clock)
    this.nodes = informers.informer<Node>(resources.nodes)
    this.leases = informers.informer<KubeObject>(resources.leases)
    this.pods = informers.informer<Pod>(resources.pods)
    this.pods.addIndex(podsByNodeName)
    this.nodes.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(String(event.object.metadata.name))
    })
    this.pods.onEvent((event) => {
      if (event.type !== 'DELETED' && event.object.spec.nodeName) this.queue.add(event.object.spec.nodeName)
    })
  }

  /**
   * When this controller's work is due, for stepping the cluster clock. A node whose kubelet
   * heartbeats at every settle (before this controller looks) will be found alive at its next
   * grace check whenever that comes, so that check alone does not need a settle of its own —
   * unless a NoExecute taint may evict pods at a set time. The checks still run at every settle.
   */
  override nextDue(): number | null {
    return this.queue.nextDue((name) => {
      const node = this.nodes.get(name)
      return node !== undefined && this.heartbeatsEverySettle(node) && !(node.spec?.taints ?? []).some((taint) => taint.effect === 'NoExecute')
    })
  }

  /** When the node's kubelet last said it was alive: its Lease or its Ready heartbeat. */
  private lastProbe(node: Node): number {
    const lease = this.leases.get(`kube-node-lease/${node.metadata.name}`) as {spec?: {renewTime?: string}} | undefined
    const ready = conditionsOf(node).find((condition) => condition.type === 'Ready')
    return Math.max(Date.parse(lease?.spec?.renewTime ?? '') || 0, Date.parse(ready?.lastHeartbeatTime ?? '') || 0, Date.parse(String(node.metadata.creationTimestamp ?? '')) || 0)
  }

  protected async reconcile(name: string, now: number): Promise<void> {
    let node = this.nodes.get(name)
    if (!node) return
    const probe = this.lastProbe(node)
    const ready = conditionsOf(node).find((condition) => condition.type === 'Ready')
    if (now - probe > nodeMonitorGracePeriodMilliseconds && ready?.status !== 'Unknown') {
      const at = formatTimestamp(now)
      const conditions = conditionsOf(node).map((condition) => ({...condition, status: 'Unknown', lastTransitionTime: at, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.'}))
      node = await this.client.update<Node>(resources.nodes, {...node, kind: 'Node', apiVersion: 'v1', status: {...(node.status ?? {}), conditions}}, 'status')
      await this.recorder.record({...node, kind: 'Node', apiVersion: 'v1'}, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`)
    } else if (now - probe <= nodeMonitorGracePeriodMilliseconds) {
      this.queue.addAfter(name, probe + nodeMonitorGracePeriodMilliseconds + 1 - now)
    }
    if (conditionsOf(node).find((condition) => condition.type === 'Ready')?.status === 'Unknown') await this.markPodsNotReady(node, now)
    const status = conditionsOf(node).find((condition) => condition.type === 'Ready')?.status ?? 'Unknown'
    const wanted: string[] = status === 'Unknown' ? [unreachable] : status === 'False' ? [notReady] : []
    const at = formatTimestamp(now)
    const taints = (node.spec?.taints ?? []).filter((taint) => ![unreachable, notReady, unschedulableTaint].includes(taint.key))
    const kept = (key: string, effect: string): Taint => (node!.spec?.taints ?? []).find((taint) => taint.key === key && taint.effect === effect) ?? {key, effect, ...(effect === 'NoExecute' ? {timeAdded: at} : {})}
    for (const key of wanted) taints.push(kept(key, 'NoSchedule'), kept(key, 'NoExecute'))
    if (node.spec?.unschedulable) taints.push(kept(unschedulableTaint, 'NoSchedule'))
    if (!sameJson(taints, node.spec?.taints ?? [])) {
      node = await this.client.patch<Node>(resources.nodes, '', name, {spec: {taints: taints.length > 0 ? taints : null}})
    }
    await this.evict(node, now)
  }

  /**
   * kube's MarkPodsNotReady: the pods of a node that stopped reporting are no longer Ready (so the
   * endpoints controller drops them from Services); their kubelet, if it comes back, reports again.
   */
  private async markPodsNotReady(node: Node, now: number): Promise<void> {
    const at = formatTimestamp(now)
    for (const pod of this.pods.byIndex(podsByNodeName.name, String(node.metadata.name))) {
      const conditions = (pod.status?.conditions ?? []) as Condition[]
      if (!conditions.some((condition) => condition.type === 'Ready' && condition.status !== 'False')) continue
      const marked = conditions.map((condition) => (condition.type === 'Ready' ? {...condition, status: 'False', lastTransitionTime: at} : condition))
      try {
        await this.client.update(resources.pods, {...pod, kind: 'Pod', apiVersion: 'v1', status: {...pod.status, conditions: marked}}, 'status')
        await this.recorder.record({...pod, kind: 'Pod', apiVersion: 'v1'}, 'Warning', 'NodeNotReady', 'Node is not ready')
      } catch (error) {
        // Changed or gone meanwhile: the pod's next event brings the node back to the queue.
        if (!isNotFound(error) && !isConflict(error)) throw error
      }
    }
  }

  /** Taint-based eviction: pods that do not tolerate the node's NoExecute taints, now or after tolerationSeconds. */
  private async evict(node: Node, now: number): Promise<void> {
    const noExecute = (node.spec?.taints ?? []).filter((taint) => taint.effect === 'NoExecute')
    if (noExecute.length === 0) return
    for (const pod of this.pods.byIndex(podsByNodeName.name, String(node.metadata.name))) {
      if (pod.metadata.deletionTimestamp) continue
      let due = now
      for (const taint of noExecute) {
        const tolerations = (pod.spec.tolerations ?? []).filter((toleration) => toleratesTaint(toleration, taint))
        if (tolerations.length === 0) {
          due = now
          break
        }
        const seconds = tolerations.map((toleration) => toleration.tolerationSeconds).filter((value): value is number => value !== undefined)
        if (seconds.length < tolerations.length) {
          due = Number.POSITIVE_INFINITY
          continue
        }
        due = Math.max(due, (Date.parse(taint.timeAdded ?? '') || now) + Math.min(...seconds) * 1000)
      }
      if (!Number.isFinite(due)) continue
      if (due > now) {
        this.queue.addAfter(String(node.metadata.name), due - now)
        continue
      }
      await this.recorder.record({...pod, kind: 'Pod', apiVersion: 'v1'}, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`)
      try {
        await this.client.delete(resources.pods, String(pod.metadata.namespace), String(pod.metadata.name), {preconditions: {uid: String(pod.metadata.uid)}})
      } catch (error) {
        if (!isNotFound(error) && !isConflict(error)) throw error
      }
    }
  }
}

/** Pod GC (kube-controller-manager 1.32): pods bound to a node that no longer exists are deleted at once. */
export class PodGarbageCollector extends Controller {
  private readonly nodes: Informer<Node>
  private readonly pods: Informer<Pod>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
  ) {
    super('pod-garbage-collector', clock)
    this.nodes = informers.informer<Node>(resources.nodes)
    this.pods = informers.informer<Pod>(resources.pods)
    this.pods.addIndex(podsByNodeName)
    this.pods.onEvent((event) => {
      if (event.type !== 'DELETED' && event.object.spec.nodeName) this.queue.add(objectKey(event.object))
    })
    this.nodes.onEvent((event) => {
      if (event.type === 'DELETED') for (const pod of this.pods.byIndex(podsByNodeName.name, String(event.object.metadata.name))) this.queue.add(objectKey(pod))
    })
  }

  protected async reconcile(key: string): Promise<void> {
    const pod = this.pods.get(key)
    if (!pod?.spec.nodeName || this.nodes.get(pod.spec.nodeName)) return
    await this.client.delete(resources.pods, String(pod.metadata.namespace), String(pod.metadata.name), {gracePeriodSeconds: 0, preconditions: {uid: String(pod.metadata.uid)}})
  }
}

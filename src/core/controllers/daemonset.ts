// The DaemonSet controller (kube-controller-manager 1.32): one pod on every node that the pod
// template's node selector, node affinity and tolerations allow, placed through a required node
// affinity on the node's name (the scheduler binds it); the daemon tolerations kube adds; rolling
// updates within maxUnavailable (default 1); the DaemonSet status counts.
import {areObjectsOrAbsent, type KubeObject, sameJson} from '../api/object.js'
import {type ApiClient, ApiClientError, isNotFound, objectKey, splitKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {kindRef, resources} from '../client/resources.js'
import {matchesNodeSelectorAndAffinity, tolerated} from '../scheduler/plugins/node-plugins.js'
import type {Node, Pod, Toleration} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {PodOwnerController} from './controller.js'
import {ControllerHistory} from './controller-history.js'
import {intOrPercent, podTemplateHash} from './deployment-util.js'
import {isPodAvailable, isPodReady, isWorkload, podFromTemplate, type Workload} from './pod-control.js'

const hashLabel = 'controller-revision-hash'

/** The tolerations kube's daemon controller adds to every daemon pod. */
export const daemonTolerations: readonly Toleration[] = [
  {key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute'},
  {key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute'},
  {key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule'},
  {key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule'},
  {key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule'},
  {key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule'},
]

type DaemonSet = Workload & {spec: Workload['spec'] & {updateStrategy?: {type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: {maxUnavailable?: number | string}}}}
const isDaemonSet = (object: KubeObject): object is DaemonSet => isWorkload(object) && areObjectsOrAbsent(object.spec, 'updateStrategy')

/** A host-network daemon pod also tolerates a node whose network is not set up yet (kube adds it for those alone). */
const hostNetworkDaemonToleration: Toleration = {key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule'}

/**
 * The tolerations with `toleration` added, as kube's AddOrUpdateTolerationInPodSpec does: one of
 * the same key, operator, value and effect is replaced where it stands (a template's
 * `tolerationSeconds: 300` on not-ready gives way to the daemon's infinite one), any other added last.
 */
function addOrUpdateToleration(tolerations: readonly Toleration[], toleration: Toleration): Toleration[] {
  const matches = (existing: Toleration) => (existing.key ?? '') === (toleration.key ?? '') && (existing.operator ?? 'Equal') === (toleration.operator ?? 'Equal') && (existing.value ?? '') === (toleration.value ?? '') && (existing.effect ?? '') === (toleration.effect ?? '')
  return tolerations.some(matches) ? tolerations.map((existing) => (matches(existing) ? toleration : existing)) : [...tolerations, toleration]
}

/** The pod a DaemonSet runs on each node, with the tolerations the controller adds to it (kube's AddOrUpdateDaemonPodTolerations). */
function daemonPodTemplate(set: DaemonSet): Pod {
  const templateSpec = set.spec.template?.spec ?? {containers: []}
  const added = templateSpec.hostNetwork ? [...daemonTolerations, hostNetworkDaemonToleration] : daemonTolerations
  return {metadata: {}, spec: {...templateSpec, tolerations: added.reduce(addOrUpdateToleration, [...(templateSpec.tolerations ?? [])])}}
}

/** The pod's affinity with its required node affinity replaced by the node's name (kube's ReplaceDaemonSetPodNodeNameNodeAffinity): preferred terms and pod (anti-)affinity stay. */
function nodeNameAffinity(affinity: Pod['spec']['affinity'], node: string): NonNullable<Pod['spec']['affinity']> {
  const required = {nodeSelectorTerms: [{matchFields: [{key: 'metadata.name', operator: 'In' as const, values: [node]}]}]}
  return {...(affinity ?? {}), nodeAffinity: {...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required}}
}

export class DaemonSetController extends PodOwnerController<DaemonSet> {
  /** kube-controller-manager's default --concurrent-daemonset-syncs. */
  protected override readonly workers = 2

  private readonly nodes: Informer<Node>
  private readonly history: ControllerHistory

  constructor(client: ApiClient, informers: InformerFactory, recorder: EventRecorder, clock: Clock) {
    super('daemonset-controller', client, informers, recorder, clock, kindRef(resources.daemonSets, 'DaemonSet', isDaemonSet), 'DaemonSet')
    this.nodes = informers.informer<Node>(resources.nodes)
    this.history = new ControllerHistory(client, informers.informer<KubeObject>(resources.controllerRevisions), 'DaemonSet')
    // As kube's updateNode: a node that comes or goes concerns every DaemonSet; a node that
    // changes, only those for which it changes whether their pod should run there (its labels,
    // taints): a status write (images, heartbeats) leaves them alone.
    this.nodes.onEvent((event) => {
      for (const set of this.owners.list()) {
        if (event.type === 'MODIFIED' && event.previous) {
          const template = daemonPodTemplate(set)
          const [before, after] = [this.shouldRun(template, event.previous), this.shouldRun(template, event.object)]
          if (before.run === after.run && before.continueRunning === after.continueRunning) continue
        }
        this.queue.add(objectKey(set))
      }
    })
  }


  /**
   * Whether a daemon pod of this template should run on the node, and whether one already there
   * may go on running (kube's NodeShouldRunDaemonPod): a NoSchedule taint it does not tolerate
   * keeps a new pod off the node but leaves a running one; a NoExecute one, or a node the
   * template's nodeName, selector or affinity rules out, does neither.
   */
  private shouldRun(template: Pod, node: Node): {run: boolean; continueRunning: boolean} {
    const name = String(node.metadata.name)
    const neither = {run: false, continueRunning: false}
    if (template.spec.nodeName && template.spec.nodeName !== name) return neither
    // The node's name and labels are all it reads: a NodeInfo per node would parse its allocatable quantities, at every node event for every node.
    if (!matchesNodeSelectorAndAffinity(template, {name, labels: node.metadata.labels ?? {}})) return neither
    const untolerated = (node.spec?.taints ?? []).filter((taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerated(template.spec.tolerations, taint))
    if (untolerated.some((taint) => taint.effect === 'NoExecute')) return neither
    return {run: untolerated.length === 0, continueRunning: true}
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    const set = this.owners.get(key)
    if (!set || set.metadata.deletionTimestamp) return
    const {namespace} = splitKey(key)
    const hash = podTemplateHash(set.spec.template)
    const setObject = {...set, kind: 'DaemonSet', apiVersion: 'apps/v1'}
    const template = daemonPodTemplate(set)
    const owned = this.ownedPods(set)
    const currentRevision = await this.history.current(set, {...(set.spec.template?.metadata?.labels ?? {}), [hashLabel]: hash})
    const nodeOf = (pod: Pod) => pod.spec.nodeName ?? ((pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values ?? [])[0])
    const decisions = new Map(this.nodes.list().map((node) => [String(node.metadata.name), {node, ...this.shouldRun(template, node)}]))
    const wanted = [...decisions.values()].filter((decision) => decision.run).map((decision) => decision.node)
    const wantedNames = new Set(wanted.map((node) => String(node.metadata.name)))
    // Nodes that have a daemon pod they should not (kept while they may go on running).
    const misscheduledNodes = new Set<string>()
    for (const pod of owned) {
      if (pod.metadata.deletionTimestamp) continue
      const node = nodeOf(pod)
      const decision = node ? decisions.get(node) : undefined
      if (node && !decision?.run) misscheduledNodes.add(node)
      if (node && !decision?.continueRunning) {
        await this.client.delete(resources.pods, namespace, String(pod.metadata.name), {preconditions: {uid: String(pod.metadata.uid)}})
      } else if (pod.status?.phase === 'Failed') {
        await this.client.delete(resources.pods, namespace, String(pod.metadata.name), {preconditions: {uid: String(pod.metadata.uid)}})
      }
    }
    let createFailure: ApiClientError | null = null
    for (const node of wanted) {
      const name = String(node.metadata.name)
      if (owned.some((pod) => nodeOf(pod) === name && pod.status?.phase !== 'Failed')) continue
      const pod = podFromTemplate(set, 'apps/v1', 'DaemonSet', `${set.metadata.name}-`)
      pod.metadata.labels = {...pod.metadata.labels, [hashLabel]: hash, 'pod-template-generation': String(set.metadata.generation ?? 1)}
      pod.spec.tolerations = template.spec.tolerations
      pod.spec.affinity = nodeNameAffinity(pod.spec.affinity, name)
      try {
        const made = await this.client.create<Pod>(resources.pods, pod)
        await this.recorder.record(setObject, 'Normal', 'SuccessfulCreate', `Created pod: ${made.metadata.name}`)
      } catch (error) {
        // As kube's syncNodes: the other nodes still get theirs, the status is written, then the error retries the set.
        if (!(error instanceof ApiClientError)) throw error
        await this.recorder.record(setObject, 'Warning', 'FailedCreate', `Error creating: ${error.message}`)
        createFailure ??= error
      }
    }
    // Rolling update: old pods go, at most maxUnavailable of the daemon pods unavailable at once.
    if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const maxUnavailable = Math.max(1, intOrPercent(set.spec.updateStrategy?.rollingUpdate?.maxUnavailable, '1', wanted.length, false))
      const live = owned.filter((pod) => !pod.metadata.deletionTimestamp && wantedNames.has(String(nodeOf(pod))))
      let unavailable = wanted.length - live.filter((pod) => isPodAvailable(pod, set.spec.minReadySeconds ?? 0, now)).length
      for (const pod of live) {
        if (pod.metadata.labels?.[hashLabel] === hash || unavailable >= maxUnavailable) continue
        await this.client.delete(resources.pods, namespace, String(pod.metadata.name), {preconditions: {uid: String(pod.metadata.uid)}})
        if (isPodAvailable(pod, set.spec.minReadySeconds ?? 0, now)) unavailable++
      }
    }
    const live = owned.filter((pod) => !pod.metadata.deletionTimestamp && wantedNames.has(String(nodeOf(pod))))
    const scheduled = live.filter((pod) => pod.spec.nodeName)
    const current = set.status ?? {}
    const status: Record<string, unknown> = {
      ...current,
      currentNumberScheduled: scheduled.length,
      desiredNumberScheduled: wanted.length,
      numberMisscheduled: misscheduledNodes.size,
      numberReady: live.filter(isPodReady).length,
      numberAvailable: live.filter((pod) => isPodAvailable(pod, set.spec.minReadySeconds ?? 0, now)).length,
      updatedNumberScheduled: scheduled.filter((pod) => pod.metadata.labels?.[hashLabel] === hash).length,
      observedGeneration: set.metadata.generation ?? 1,
    }
    status.numberUnavailable = wanted.length - Number(status.numberAvailable)
    await this.history.truncate(set, new Set([currentRevision, ...owned.map((pod) => `${set.metadata.name}-${pod.metadata.labels?.[hashLabel] ?? ''}`)]))
    for (const field of ['numberAvailable', 'numberUnavailable', 'updatedNumberScheduled']) if (status[field] === 0) delete status[field]
    if (!sameJson(status, current)) {
      try {
        await this.client.update(resources.daemonSets, {...setObject, status}, 'status')
      } catch (error) {
        if (!isNotFound(error)) throw error
      }
    }
    if (createFailure) throw createFailure
  }
}

// The HPA controller (kube-controller-manager 1.32's horizontal-pod-autoscaler): every HPA is
// synced every 15 s (--horizontal-pod-autoscaler-sync-period), the first time 15 s after it was
// created. A sync reads the target's scale subresource (any kind that has one: the resource is
// found through discovery), computes the replicas each metric asks for from the metrics API
// (resource metrics as metrics-server serves them; no custom or external metrics API is served),
// bounds them (see hpa-scaling-rules.ts), scales through the scale subresource, and writes the
// status, its AbleToScale/ScalingActive/ScalingLimited conditions and kube's events.
import {areObjectsOrAbsent, formatTimestamp, isJsonObject, type KubeObject, sameJson} from '../api/object.js'
import {canonicalQuantity, milliValue, parseQuantity} from '../api/quantity.js'
import {type ApiClient, ApiClientError, objectKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {kindRef, resources} from '../client/resources.js'
import {type LabelSelector, matchesLabels, parseLabelSelector, SelectorError} from '../api/selectors.js'
import type {Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {parseGoDurationMilliseconds} from '../util/go-duration.js'
import {Controller} from './controller.js'
import {type AutoscalerMemory, MemoryAutoscalerMemory} from './autoscaler-memory.js'
import {type Behavior, historyAnnotation, normalize, normalizeWithBehavior, readHistory, recordInitial, recordScale, type Verdict, writeHistory} from './hpa-scaling-rules.js'
import {type PodMetric, rawResourceReplicas, ReplicaCalculationError, resourceReplicas} from './replica-calculator.js'

/** --horizontal-pod-autoscaler-sync-period. */
export const syncPeriodMilliseconds = 15_000

type Json = Record<string, unknown>
interface Condition {type: string; status: string; lastTransitionTime?: string; reason: string; message: string}
type Hpa = KubeObject & {
  spec: {scaleTargetRef: {kind: string; name: string; apiVersion?: string}; minReplicas?: number; maxReplicas: number; metrics?: Json[]; behavior?: Behavior}
  status?: {lastScaleTime?: string; currentReplicas?: number; desiredReplicas?: number; currentMetrics?: Json[]; conditions?: Condition[]}
}
const isHpa = (object: KubeObject): object is Hpa =>
  isJsonObject(object.spec) && isJsonObject(object.spec.scaleTargetRef) && typeof object.spec.maxReplicas === 'number' && areObjectsOrAbsent(object, 'status')
type Scale = KubeObject & {spec?: {replicas?: number}; status?: {replicas?: number; selector?: string}}

/** A failure of one metric: what it tells the event and the ScalingActive condition. */
class MetricError extends Error {
  constructor(
    readonly reason: string,
    readonly eventMessage: string,
    message: string,
  ) {
    super(message)
  }
}

const asObject = (value: unknown): Json => (isJsonObject(value) ? value : {})
const milliQuantity = (milli: number) => canonicalQuantity(`${milli}m`)

/**
 * The selector each HPA last synced with (kube's hpaSelectors): which HPAs control a pod, so two
 * HPAs over the same pods are refused as AmbiguousSelector.
 */
export class AutoscalerSelectors {
  private readonly selectors = new Map<string, {namespace: string; selector: LabelSelector}>()

  put(key: string, namespace: string, selector: LabelSelector): void {
    this.selectors.set(key, {namespace, selector})
  }

  delete(key: string): void {
    this.selectors.delete(key)
  }

  has(key: string): boolean {
    return this.selectors.has(key)
  }

  /** The HPAs (namespace/name, sorted) whose selectors take any of these pods. */
  controlling(pods: readonly Pod[]): string[] {
    const keys = new Set<string>()
    for (const pod of pods) {
      for (const [key, entry] of this.selectors) if (entry.namespace === pod.metadata.namespace && matchesLabels(entry.selector, pod.metadata.labels)) keys.add(key)
    }
    return [...keys].sort()
  }
}

export class HorizontalPodAutoscalerController extends Controller {
  private readonly autoscalers: Informer<Hpa>
  private readonly pods: Informer<Pod>
  private readonly selectors = new AutoscalerSelectors()

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    private readonly recorder: EventRecorder,
    clock: Clock,
    private readonly memory: AutoscalerMemory = new MemoryAutoscalerMemory(),
  ) {
    super('horizontal-pod-autoscaler', clock)
    this.autoscalers = informers.informer(kindRef(resources.horizontalPodAutoscalers, 'HorizontalPodAutoscaler', isHpa))
    this.pods = informers.informer<Pod>(resources.pods)
    // kube's fixed-interval rate limiter: an HPA is synced every period whatever changes in between.
    this.autoscalers.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.addAfter(objectKey(event.object), this.untilNextSync(event.object))
      else {
        this.selectors.delete(objectKey(event.object))
        if (event.object.metadata.uid) this.memory.forget(event.object.metadata.uid)
      }
    })
  }

  /**
   * The syncs fall every period from the HPA's creation, so a cluster suspended between commands
   * keeps their rhythm (a controller manager that restarts would start its own).
   */
  private untilNextSync(hpa: KubeObject): number {
    const now = this.clock.nowMilliseconds()
    const created = Date.parse(String(hpa.metadata.creationTimestamp ?? '')) || now
    const periods = Math.floor(Math.max(0, now - created) / syncPeriodMilliseconds) + 1
    return created + periods * syncPeriodMilliseconds - now
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    const hpa = this.autoscalers.get(key)
    if (!hpa || hpa.metadata.deletionTimestamp) return
    try {
      await new AutoscalerSync(this.client, this.recorder, this.pods, this.selectors, () => this.autoscalers.list(), structuredClone(hpa), now, this.memory).run()
    } finally {
      this.queue.addAfter(key, this.untilNextSync(hpa))
    }
  }
}

/** One sync of one HPA (reconcileAutoscaler). */
class AutoscalerSync {
  private readonly conditions: Condition[]
  private readonly history
  private readonly object: KubeObject

  constructor(
    private readonly client: ApiClient,
    private readonly recorder: EventRecorder,
    private readonly pods: Informer<Pod>,
    private readonly selectors: AutoscalerSelectors,
    private readonly autoscalers: () => readonly Hpa[],
    private readonly hpa: Hpa,
    private readonly now: number,
    private readonly memory: AutoscalerMemory,
  ) {
    this.conditions = structuredClone(hpa.status?.conditions ?? [])
    this.history = readHistory(memory.read(String(hpa.metadata.uid)) ?? hpa.metadata.annotations?.[historyAnnotation])
    this.object = {...hpa, kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2'}
  }

  private setCondition(type: string, verdict: Verdict): void {
    let condition = this.conditions.find((entry) => entry.type === type)
    if (!condition) this.conditions.push((condition = {type, status: '', reason: '', message: ''}))
    if (condition.status !== verdict.status) condition.lastTransitionTime = formatTimestamp(this.now)
    Object.assign(condition, {status: verdict.status, reason: verdict.reason, message: verdict.message})
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.recorder.record(this.object, type, reason, message)
  }

  async run(): Promise<void> {
    const hpa = this.hpa
    const namespace = String(hpa.metadata.namespace)
    const target = hpa.spec.scaleTargetRef
    let scalePath: string
    let scale: Scale
    try {
      scalePath = await this.scalePath(target, namespace)
      scale = (await this.client.request('GET', scalePath)).body as Scale
    } catch (error) {
      if (!(error instanceof ApiClientError || error instanceof MappingError)) throw error
      await this.event('Warning', 'FailedGetScale', error.message)
      this.setCondition('AbleToScale', {status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${error.message}`})
      return this.finish(hpa.status?.currentReplicas ?? 0, hpa.status?.desiredReplicas ?? 0, hpa.status?.currentMetrics, false)
    }
    this.setCondition('AbleToScale', {status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale"})
    const currentReplicas = scale.spec?.replicas ?? 0
    recordInitial(this.history, currentReplicas, this.now)
    const minReplicas = hpa.spec.minReplicas ?? 1
    let desired = 0
    let reason = ''
    let rescale = true
    let statuses: Json[] | undefined
    if (currentReplicas === 0 && minReplicas !== 0) {
      rescale = false
      this.setCondition('ScalingActive', {status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero'})
    } else if (currentReplicas > hpa.spec.maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas'
      desired = hpa.spec.maxReplicas
    } else if (currentReplicas < minReplicas) {
      reason = 'Current number of replicas below Spec.MinReplicas'
      desired = minReplicas
    } else {
      const computed = await this.replicasForMetrics(scale, namespace)
      statuses = computed.statuses
      if (computed.error) {
        await this.finish(currentReplicas, hpa.status?.desiredReplicas ?? 0, statuses, false)
        await this.event('Warning', 'FailedComputeMetricsReplicas', computed.error)
        return
      }
      desired = computed.replicas
      if (desired > currentReplicas) reason = `${computed.metric} above target`
      if (desired < currentReplicas) reason = 'All metrics below target'
      const normalized = hpa.spec.behavior
        ? normalizeWithBehavior(this.history, hpa.spec.behavior, this.now, currentReplicas, desired, minReplicas, hpa.spec.maxReplicas)
        : normalize(this.history, this.now, currentReplicas, desired, minReplicas, hpa.spec.maxReplicas)
      this.setCondition('AbleToScale', normalized.ableToScale)
      this.setCondition('ScalingLimited', normalized.scalingLimited)
      desired = normalized.replicas
      rescale = desired !== currentReplicas
    }
    if (rescale) {
      try {
        await this.client.request('PUT', scalePath, {body: {kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: {name: target.name, namespace, resourceVersion: scale.metadata.resourceVersion}, spec: {replicas: desired}}})
      } catch (error) {
        if (!(error instanceof ApiClientError)) throw error
        await this.event('Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${error.message}`)
        this.setCondition('AbleToScale', {status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${error.message}`})
        return this.finish(currentReplicas, hpa.status?.desiredReplicas ?? 0, statuses, false)
      }
      this.setCondition('AbleToScale', {status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}`})
      await this.event('Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`)
      recordScale(this.history, hpa.spec.behavior, currentReplicas, desired, this.now)
    } else desired = currentReplicas
    await this.finish(currentReplicas, desired, statuses, rescale)
  }

  /** The scale subresource's path: the target kind's resource in its group and version, from discovery. */
  private async scalePath(target: Hpa['spec']['scaleTargetRef'], namespace: string): Promise<string> {
    const apiVersion = target.apiVersion ?? ''
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : ''
    const base = group ? `/apis/${apiVersion}` : `/api/${apiVersion || 'v1'}`
    let listing: {resources?: Array<{name: string; kind: string}>} = {}
    try {
      listing = (await this.client.request('GET', base)).body as typeof listing
    } catch (error) {
      if (!(error instanceof ApiClientError && error.code === 404)) throw error
    }
    const found = (listing.resources ?? []).find((entry) => entry.kind === target.kind && !entry.name.includes('/'))
    if (!found) throw new MappingError(`no matches for kind "${target.kind}" in group "${group}"`)
    return `${base}/namespaces/${namespace}/${found.name}/${target.name}/scale`
  }

  /**
   * The selectors of the namespace's other HPAs that this process has not synced yet (a one-shot
   * command starts with none), read from their targets' scale as their own sync would.
   */
  private async registerSiblings(namespace: string): Promise<void> {
    for (const sibling of this.autoscalers()) {
      const key = objectKey(sibling)
      if (sibling.metadata.namespace !== namespace || sibling.metadata.deletionTimestamp || this.selectors.has(key)) continue
      try {
        const scale = (await this.client.request('GET', await this.scalePath(sibling.spec.scaleTargetRef, namespace))).body as Scale
        if (scale.status?.selector) this.selectors.put(key, namespace, parseLabelSelector(scale.status.selector))
      } catch (error) {
        // A sibling whose target cannot be read has no selector yet, as its own sync would find.
        if (!(error instanceof ApiClientError || error instanceof MappingError || error instanceof SelectorError)) throw error
      }
    }
  }

  /** computeReplicasForMetrics: the largest proposal of the valid metrics. */
  private async replicasForMetrics(scale: Scale, namespace: string): Promise<{replicas: number; metric: string; statuses: Json[]; error?: string}> {
    const specs = this.hpa.spec.metrics ?? []
    const selectorText = scale.status?.selector ?? ''
    if (selectorText === '') {
      await this.event('Warning', 'SelectorRequired', 'selector is required')
      this.setCondition('ScalingActive', {status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector"})
      return {replicas: 0, metric: '', statuses: [], error: 'selector is required'}
    }
    let pods: Pod[]
    try {
      const selector = parseLabelSelector(selectorText)
      this.selectors.put(objectKey(this.hpa), namespace, selector)
      pods = this.pods.list().filter((pod) => pod.metadata.namespace === namespace && matchesLabels(selector, pod.metadata.labels))
    } catch (error) {
      if (!(error instanceof SelectorError)) throw error
      const message = `couldn't convert selector into a corresponding internal selector object: ${error.message}`
      await this.event('Warning', 'InvalidSelector', message)
      this.setCondition('ScalingActive', {status: 'False', reason: 'InvalidSelector', message})
      return {replicas: 0, metric: '', statuses: [], error: message}
    }
    await this.registerSiblings(namespace)
    const controlling = this.selectors.controlling(pods)
    if (controlling.length > 1) {
      const message = `pods by selector ${selectorText} are controlled by multiple HPAs: [${controlling.join(' ')}]`
      await this.event('Warning', 'AmbiguousSelector', message)
      this.setCondition('ScalingActive', {status: 'False', reason: 'AmbiguousSelector', message})
      return {replicas: 0, metric: '', statuses: [], error: message}
    }
    const statuses: Json[] = specs.map(() => ({type: ''}))
    const specReplicas = scale.spec?.replicas ?? 0
    let replicas = 0
    let metric = ''
    let invalid = 0
    let firstError: MetricError | null = null
    for (const [index, spec] of specs.entries()) {
      try {
        const proposal = await this.replicasForMetric(spec, specReplicas, selectorText, pods, namespace)
        statuses[index] = proposal.status
        if (replicas === 0 || proposal.replicas > replicas) [replicas, metric] = [proposal.replicas, proposal.metric]
      } catch (error) {
        if (!(error instanceof MetricError)) throw error
        await this.event('Warning', error.reason, error.eventMessage)
        firstError ??= error
        invalid++
      }
    }
    if (firstError && (invalid >= specs.length || replicas < specReplicas)) {
      this.setCondition('ScalingActive', {status: 'False', reason: firstError.reason, message: `the HPA was unable to compute the replica count: ${firstError.eventMessage}`})
      return {replicas: 0, metric: '', statuses, error: `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}`}
    }
    this.setCondition('ScalingActive', {status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metric}`})
    return {replicas, metric, statuses}
  }

  private async replicasForMetric(spec: Json, currentReplicas: number, selector: string, pods: Pod[], namespace: string): Promise<{replicas: number; metric: string; status: Json}> {
    const type = String(spec.type ?? '')
    if (type === 'Resource' || type === 'ContainerResource') {
      const field = type === 'Resource' ? 'resource' : 'containerResource'
      const source = asObject(spec[field])
      const name = String(source.name ?? '')
      const container = type === 'ContainerResource' ? String(source.container ?? '') : ''
      const target = asObject(source.target)
      const reason = type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric'
      const failed = (message: string) => new MetricError(reason, message, message)
      try {
        const metrics = await this.resourceMetrics(name, container, namespace, selector)
        if (target.averageValue !== undefined) {
          const targetMilli = Number(milliValue(parseQuantity(String(target.averageValue))))
          const {replicas, rawAverageMilli} = rawResourceReplicas(currentReplicas, targetMilli, name, pods, metrics, this.now)
          return {replicas, metric: `${name} resource`, status: {type, [field]: {name, current: {averageValue: milliQuantity(rawAverageMilli)}, ...(container ? {container} : {})}}}
        }
        if (typeof target.averageUtilization !== 'number') throw failed('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set')
        const computed = resourceReplicas(currentReplicas, target.averageUtilization, name, container, pods, metrics, this.now)
        const metric = type === 'Resource' ? `${name} resource utilization (percentage of request)` : `${name} container resource utilization (percentage of request)`
        return {replicas: computed.replicas, metric, status: {type, [field]: {name, current: {averageUtilization: computed.utilization, averageValue: milliQuantity(computed.rawAverageMilli)}, ...(container ? {container} : {})}}}
      } catch (error) {
        if (error instanceof ReplicaCalculationError) throw failed(`failed to get ${name} utilization: ${error.message}`)
        throw error
      }
    }
    // kubemu serves no custom.metrics.k8s.io or external.metrics.k8s.io API.
    const sources: Record<string, [reason: string, api: string]> = {
      Pods: ['FailedGetPodsMetric', 'custom metrics API (custom.metrics.k8s.io)'],
      Object: ['FailedGetObjectMetric', 'custom metrics API (custom.metrics.k8s.io)'],
      External: ['FailedGetExternalMetric', 'external metrics API (external.metrics.k8s.io)'],
    }
    const known = sources[type]
    if (!known) {
      const message = `unknown metric source type "${type}"`
      throw new MetricError('InvalidMetricSourceType', message, message)
    }
    const metricName = String(asObject(asObject(spec[type.toLowerCase()]).metric).name ?? '')
    const message = `unable to get metric ${metricName}: unable to fetch metrics from ${known[1].split(' (')[0]}: no ${known[1]} registered`
    throw new MetricError(known[0], message, `failed to get ${type.toLowerCase()} metric value: ${message}`)
  }

  /** Each pod's use of the resource from the metrics API (GetResourceMetric), in milli-units. */
  private async resourceMetrics(resource: string, container: string, namespace: string, selector: string): Promise<Map<string, PodMetric>> {
    let items: Array<{metadata: {name: string}; timestamp?: string; window?: string; containers?: Array<{name: string; usage?: Record<string, string>}>}>
    try {
      const body = (await this.client.request('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods`, {query: {labelSelector: selector}})).body as {items?: typeof items}
      items = body.items ?? []
    } catch (error) {
      if (!(error instanceof ApiClientError)) throw error
      throw new ReplicaCalculationError(`unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${error.message}`)
    }
    if (items.length === 0) throw new ReplicaCalculationError(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`)
    const metrics = new Map<string, PodMetric>()
    for (const item of items) {
      const containers = (item.containers ?? []).filter((entry) => !container || entry.name === container)
      if (containers.length === 0 || containers.some((entry) => entry.usage?.[resource] === undefined)) continue
      const milli = containers.reduce((sum, entry) => sum + Number(milliValue(parseQuantity(entry.usage![resource]!))), 0)
      metrics.set(item.metadata.name, {milliValue: milli, timestampMilliseconds: Date.parse(item.timestamp ?? '') || this.now, windowMilliseconds: item.window ? parseGoDurationMilliseconds(item.window) : 0})
    }
    return metrics
  }

  /** setStatus + updateStatusIfNeeded, and the controller's memory of recommendations when it changed. */
  private async finish(currentReplicas: number, desiredReplicas: number, metrics: Json[] | undefined, rescaled: boolean): Promise<void> {
    const before = this.hpa.status ?? {}
    const status: Json = {}
    const lastScaleTime = rescaled ? formatTimestamp(this.now) : before.lastScaleTime
    if (lastScaleTime !== undefined) status.lastScaleTime = lastScaleTime
    if (currentReplicas !== 0) status.currentReplicas = currentReplicas
    status.desiredReplicas = desiredReplicas
    if (metrics && metrics.length > 0) status.currentMetrics = metrics
    if (this.conditions.length > 0) status.conditions = this.conditions
    const namespace = String(this.hpa.metadata.namespace)
    if (!sameJson(status, before)) await this.client.update(resources.horizontalPodAutoscalers, {...this.object, status} as KubeObject, 'status')
    this.memory.write(String(this.hpa.metadata.uid), writeHistory(this.history))
    // An HPA from an older kubemu kept the history on itself; it now lives beside the cluster.
    if (this.hpa.metadata.annotations?.[historyAnnotation] !== undefined) {
      await this.client.patch(resources.horizontalPodAutoscalers, namespace, String(this.hpa.metadata.name), {metadata: {annotations: {[historyAnnotation]: null}}})
    }
  }
}

class MappingError extends Error {}

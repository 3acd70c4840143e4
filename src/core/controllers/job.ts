// The Job controller (kube-controller-manager 1.32, NonIndexed and Indexed completion): runs up
// to `parallelism` pods at a time until `completions` have succeeded, counts failures against
// `backoffLimit` (replacements wait 10 s, doubling, on the wall clock), honours
// activeDeadlineSeconds and suspend, tracks pods with the batch.kubernetes.io/job-tracking
// finalizer, and reports active, ready, succeeded and failed pods with kube's conditions.
import {formatTimestamp, type KubeObject, sameJson} from '../api/object.js'
import {type ApiClient, ApiClientError, isConflict, isNotFound, splitKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import {kindRef, resources} from '../client/resources.js'
import type {Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {PodOwnerController} from './controller.js'
import {controllerOf, isPodReady, isWorkload, podFromTemplate, type Workload} from './pod-control.js'

export const jobTrackingFinalizer = 'batch.kubernetes.io/job-tracking'
const completionIndexAnnotation = 'batch.kubernetes.io/job-completion-index'
/** Replacements of failed pods wait this long, doubling per failure, at most 6 minutes (kube's). */
export const jobBackoffInitialMilliseconds = 10_000
export const jobBackoffMaxMilliseconds = 360_000

type Job = Workload & {
  spec: Workload['spec'] & {completions?: number; parallelism?: number; backoffLimit?: number; activeDeadlineSeconds?: number; suspend?: boolean; completionMode?: 'NonIndexed' | 'Indexed'}
  status?: {active?: number; ready?: number; succeeded?: number; failed?: number; startTime?: string; completionTime?: string; conditions?: Array<Record<string, unknown>>; completedIndexes?: string}
}

const isJob = (object: KubeObject): object is Job => isWorkload(object)

const isFinished = (job: Job) => (job.status?.conditions ?? []).some((condition) => (condition.type === 'Complete' || condition.type === 'Failed') && condition.status === 'True')

export class JobController extends PodOwnerController<Job> {
  /** kube-controller-manager's default --concurrent-job-syncs. */
  protected override readonly workers = 5

  constructor(client: ApiClient, informers: InformerFactory, recorder: EventRecorder, clock: Clock) {
    super('job-controller', client, informers, recorder, clock, kindRef(resources.jobs, 'Job', isJob), 'Job')
  }


  private async releasePod(pod: Pod): Promise<void> {
    const finalizers = (pod.metadata.finalizers ?? []).filter((finalizer) => finalizer !== jobTrackingFinalizer)
    if (finalizers.length === (pod.metadata.finalizers ?? []).length) return
    try {
      await this.client.patch(resources.pods, String(pod.metadata.namespace), String(pod.metadata.name), {metadata: {finalizers: finalizers.length > 0 ? finalizers : null, uid: pod.metadata.uid}})
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) throw error
    }
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    const job = this.owners.get(key)
    const {namespace} = splitKey(key)
    const owned = job ? this.ownedPods(job) : []
    if (!job || job.metadata.deletionTimestamp) {
      for (const pod of this.pods.list().filter((pod) => pod.metadata.namespace === namespace && controllerOf(pod)?.kind === 'Job' && (pod.metadata.finalizers ?? []).includes(jobTrackingFinalizer))) {
        if (!this.owners.get(`${namespace}/${controllerOf(pod)!.name}`)) await this.releasePod(pod)
      }
      return
    }
    const jobObject = {...job, kind: 'Job', apiVersion: 'batch/v1'}
    const succeededPods = owned.filter((pod) => pod.status?.phase === 'Succeeded')
    const failedPods = owned.filter((pod) => pod.status?.phase === 'Failed' || (pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded'))
    const active = owned.filter((pod) => pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !pod.metadata.deletionTimestamp)
    // Counts include pods counted before whose objects are gone; terminal pods are counted once.
    const counted = {succeeded: job.status?.succeeded ?? 0, failed: job.status?.failed ?? 0}
    const newlySucceeded = succeededPods.filter((pod) => (pod.metadata.finalizers ?? []).includes(jobTrackingFinalizer))
    const newlyFailed = failedPods.filter((pod) => (pod.metadata.finalizers ?? []).includes(jobTrackingFinalizer))
    const indexed = job.spec.completionMode === 'Indexed'
    const completedIndexes = new Set<number>(parseIndexes(job.status?.completedIndexes ?? ''))
    for (const pod of newlySucceeded) if (indexed) completedIndexes.add(Number(pod.metadata.annotations?.[completionIndexAnnotation] ?? -1))
    const succeeded = indexed ? completedIndexes.size : counted.succeeded + newlySucceeded.length
    const failed = counted.failed + newlyFailed.length
    const completions = job.spec.completions ?? (job.spec.parallelism === undefined ? 1 : null)
    const parallelism = job.spec.parallelism ?? 1
    const backoffLimit = job.spec.backoffLimit ?? 6
    const at = formatTimestamp(now)
    const startTime = job.status?.startTime ?? (job.spec.suspend ? undefined : at)
    let conditions = [...(job.status?.conditions ?? [])]
    const condition = (type: string, reason: string, message: string) => ({type, status: 'True', lastProbeTime: at, lastTransitionTime: at, reason, message})
    let finished = isFinished(job)
    let completionTime = job.status?.completionTime
    const deadlineExceeded = job.spec.activeDeadlineSeconds !== undefined && startTime !== undefined && Date.parse(startTime) + job.spec.activeDeadlineSeconds * 1000 <= now
    if (!finished) {
      if (failed > backoffLimit || deadlineExceeded) {
        const [reason, message] = deadlineExceeded ? ['DeadlineExceeded', 'Job was active longer than specified deadline'] : ['BackoffLimitExceeded', 'Job has reached the specified backoff limit']
        conditions = [...conditions, condition('FailureTarget', reason, message), condition('Failed', reason, message)]
        finished = true
        await this.recorder.record(jobObject, 'Warning', reason, message)
      } else if (completions !== null && succeeded >= completions) {
        conditions = [...conditions, condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'), condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods')]
        completionTime = at
        finished = true
        await this.recorder.record(jobObject, 'Normal', 'Completed', 'Job completed')
      }
    }
    let createFailure: ApiClientError | null = null
    if (finished) {
      for (const pod of active) await this.client.delete(resources.pods, namespace, String(pod.metadata.name), {preconditions: {uid: String(pod.metadata.uid)}})
    } else if (!job.spec.suspend) {
      const remaining = completions === null ? parallelism : completions - succeeded
      const wanted = Math.max(0, Math.min(parallelism, remaining))
      const backoffUntil = newlyFailed.length + counted.failed > 0 ? this.lastFailure(failedPods) + Math.min(jobBackoffMaxMilliseconds, jobBackoffInitialMilliseconds * 2 ** (failed - 1)) : 0
      if (active.length < wanted && backoffUntil > now) this.queue.addAfter(key, backoffUntil - now)
      else if (active.length < wanted) {
        const busyIndexes = new Set(active.map((pod) => Number(pod.metadata.annotations?.[completionIndexAnnotation] ?? -1)))
        for (let created = 0; created < wanted - active.length; created++) {
          const pod = podFromTemplate(job, 'batch/v1', 'Job', `${job.metadata.name}-`)
          pod.metadata.finalizers = [jobTrackingFinalizer]
          if (indexed) {
            let index = 0
            while (completedIndexes.has(index) || busyIndexes.has(index)) index++
            if (completions !== null && index >= completions) break
            busyIndexes.add(index)
            pod.metadata.generateName = `${job.metadata.name}-${index}-`
            pod.metadata.annotations = {...pod.metadata.annotations, [completionIndexAnnotation]: String(index)}
            pod.metadata.labels = {...pod.metadata.labels, [completionIndexAnnotation]: String(index)}
          }
          try {
            const made = await this.client.create<Pod>(resources.pods, pod)
            await this.recorder.record(jobObject, 'Normal', 'SuccessfulCreate', `Created pod: ${made.metadata.name}`)
          } catch (error) {
            if (!(error instanceof ApiClientError)) throw error
            await this.recorder.record(jobObject, 'Warning', 'FailedCreate', `Error creating: ${error.message}`)
            // As kube's syncJob: the status still counts what there is; the error then retries the Job.
            createFailure = error
            break
          }
        }
      } else if (active.length > wanted) {
        for (const pod of active.slice(wanted)) await this.client.delete(resources.pods, namespace, String(pod.metadata.name), {preconditions: {uid: String(pod.metadata.uid)}})
      }
    }
    const status: Record<string, unknown> = {
      ...(job.status ?? {}),
      ...(startTime ? {startTime} : {}),
      active: finished ? 0 : active.length,
      ready: active.filter(isPodReady).length,
      succeeded,
      failed,
      terminating: owned.filter((pod) => pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed').length,
      uncountedTerminatedPods: {},
      conditions: conditions.length > 0 ? conditions : undefined,
      ...(completionTime ? {completionTime} : {}),
      ...(indexed ? {completedIndexes: formatIndexes([...completedIndexes])} : {}),
    }
    for (const field of ['active', 'succeeded', 'failed', 'terminating']) if (status[field] === 0) delete status[field]
    if (status.conditions === undefined) delete status.conditions
    if (!sameJson(status, job.status ?? {})) {
      await this.client.update(resources.jobs, {...job, kind: 'Job', apiVersion: 'batch/v1', status}, 'status')
    }
    // Counted pods give up their tracking finalizer once the status holds them.
    for (const pod of [...newlySucceeded, ...newlyFailed]) await this.releasePod(pod)
    if (!finished && job.spec.activeDeadlineSeconds !== undefined && startTime) this.queue.addAfter(key, Date.parse(startTime) + job.spec.activeDeadlineSeconds * 1000 - now)
    if (createFailure) throw createFailure
  }

  private lastFailure(pods: readonly Pod[]): number {
    let last = 0
    for (const pod of pods) {
      for (const status of ((pod.status as {containerStatuses?: Array<{state?: {terminated?: {finishedAt?: string}}}>} | undefined)?.containerStatuses ?? [])) {
        last = Math.max(last, Date.parse(status.state?.terminated?.finishedAt ?? '') || 0)
      }
    }
    return last
  }
}

/** "0,2-4" → [0, 2, 3, 4] */
function parseIndexes(text: string): number[] {
  const indexes: number[] = []
  for (const part of text.split(',').filter(Boolean)) {
    const [first, last] = part.split('-').map(Number)
    for (let index = first!; index <= (last ?? first!); index++) indexes.push(index)
  }
  return indexes
}

function formatIndexes(indexes: number[]): string {
  const sorted = [...new Set(indexes)].filter((index) => index >= 0).sort((left, right) => left - right)
  const parts: string[] = []
  for (let start = 0; start < sorted.length; ) {
    let end = start
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end++
    parts.push(start === end ? String(sorted[start]) : `${sorted[start]}-${sorted[end]}`)
    start = end + 1
  }
  return parts.join(',')
}

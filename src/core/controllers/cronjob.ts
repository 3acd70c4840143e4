// The CronJob controller (kube-controller-manager 1.32, cronjob-controller v2): at each scheduled
// time (on the wall clock), a Job from the jobTemplate named `<cronjob>-<minutes since epoch>`,
// within startingDeadlineSeconds, under concurrencyPolicy (Allow, Forbid, Replace) and suspend;
// finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit are deleted.
import {areObjectsOrAbsent, formatTimestamp, isJsonObject, type KubeObject, sameJson} from '../api/object.js'
import {type ApiClient, isAlreadyExists, isNotFound, objectKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {kindRef, resources} from '../client/resources.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'
import {CronScheduleError, missedSchedules, nextScheduleTime, parseCronSchedule, scheduleEverFires} from './cron-schedule.js'
import {controllerOf, ownerReference} from './pod-control.js'

type CronJob = KubeObject & {
  spec: {schedule: string; timeZone?: string; startingDeadlineSeconds?: number; concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace'; suspend?: boolean; successfulJobsHistoryLimit?: number; failedJobsHistoryLimit?: number; jobTemplate?: {metadata?: {labels?: Record<string, string>; annotations?: Record<string, string>}; spec?: Record<string, unknown>}}
  status?: {active?: Array<{kind: string; namespace: string; name: string; uid: string; apiVersion: string; resourceVersion?: string}>; lastScheduleTime?: string; lastSuccessfulTime?: string}
}
type Job = KubeObject & {status?: {conditions?: Array<{type: string; status: string}>; completionTime?: string}}

const finished = (job: Job) => (job.status?.conditions ?? []).find((condition) => (condition.type === 'Complete' || condition.type === 'Failed') && condition.status === 'True')?.type ?? null

export class CronJobController extends Controller {
  private readonly cronJobs: Informer<CronJob>
  private readonly jobs: Informer<Job>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    private readonly recorder: EventRecorder,
    clock: Clock,
  ) {
    super('cronjob-controller', clock)
    this.cronJobs = informers.informer(kindRef(resources.cronJobs, 'CronJob', (object): object is CronJob => isJsonObject(object.spec) && typeof object.spec.schedule === 'string' && areObjectsOrAbsent(object, 'status')))
    this.jobs = informers.informer(kindRef(resources.jobs, 'Job', (object): object is Job => areObjectsOrAbsent(object, 'status')))
    this.cronJobs.onEvent((event) => this.queue.add(objectKey(event.object)))
    this.jobs.onEvent((event) => {
      const owner = controllerOf(event.object)
      if (owner?.kind === 'CronJob') this.queue.add(`${event.object.metadata.namespace}/${owner.name}`)
    })
  }

  protected async reconcile(key: string, now: number): Promise<void> {
    const cronJob = this.cronJobs.get(key)
    if (!cronJob || cronJob.metadata.deletionTimestamp) return
    const cronObject = {...cronJob, kind: 'CronJob', apiVersion: 'batch/v1'}
    const namespace = String(cronJob.metadata.namespace)
    const owned = this.jobs.list().filter((job) => job.metadata.namespace === namespace && controllerOf(job)?.uid === cronJob.metadata.uid)
    const active = owned.filter((job) => finished(job) === null)
    let schedule
    try {
      if (cronJob.spec.timeZone && !['UTC', 'Etc/UTC'].includes(cronJob.spec.timeZone)) throw new CronScheduleError(`unknown time zone ${cronJob.spec.timeZone}`)
      schedule = parseCronSchedule(cronJob.spec.schedule)
    } catch (error) {
      if (!(error instanceof CronScheduleError)) throw error
      await this.recorder.record(cronObject, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cronJob.spec.schedule)} : ${error.message}`)
      return
    }
    if (!cronJob.spec.suspend && !scheduleEverFires(schedule)) {
      // kube-controller-manager finds no two schedule times to measure between.
      await this.recorder.record(cronObject, 'Warning', 'InvalidSchedule', `invalid schedule: ${cronJob.spec.schedule} : time difference between two schedules is less than 1 second`)
      return
    }
    const status: NonNullable<CronJob['status']> = {...(cronJob.status ?? {})}
    const lastSuccess = owned.filter((job) => finished(job) === 'Complete').map((job) => Date.parse(job.status?.completionTime ?? '') || 0).reduce((latest, time) => Math.max(latest, time), 0)
    if (lastSuccess > 0) status.lastSuccessfulTime = formatTimestamp(lastSuccess)
    status.active = active.map((job) => ({kind: 'Job', namespace, name: String(job.metadata.name), uid: String(job.metadata.uid), apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion}))
    if (!cronJob.spec.suspend) {
      const since = Date.parse(status.lastScheduleTime ?? String(cronJob.metadata.creationTimestamp)) || now
      const deadline = cronJob.spec.startingDeadlineSeconds
      const earliest = deadline !== undefined ? Math.max(since, now - deadline * 1000) : since
      const {latest, count} = missedSchedules(schedule, earliest, now)
      if (count > 100) await this.recorder.record(cronObject, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew')
      if (latest !== null) {
        const policy = cronJob.spec.concurrencyPolicy ?? 'Allow'
        if (policy === 'Forbid' && active.length > 0) {
          await this.recorder.record(cronObject, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid')
        } else {
          if (policy === 'Replace') {
            for (const job of active) {
              await this.client.delete(resources.jobs, namespace, String(job.metadata.name), {propagationPolicy: 'Background'})
              await this.recorder.record(cronObject, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`)
            }
            status.active = []
          }
          const name = `${cronJob.metadata.name}-${Math.floor(latest / 60_000)}`
          const template = cronJob.spec.jobTemplate ?? {}
          try {
            const job = await this.client.create<Job>(resources.jobs, {
              kind: 'Job',
              apiVersion: 'batch/v1',
              metadata: {
                name,
                namespace,
                labels: {...(template.metadata?.labels ?? {})},
                annotations: {...(template.metadata?.annotations ?? {}), 'batch.kubernetes.io/cronjob-scheduled-timestamp': formatTimestamp(latest).replace('Z', '+00:00')},
                ownerReferences: [ownerReference(cronJob, 'batch/v1', 'CronJob')],
              },
              spec: structuredClone(template.spec ?? {}),
            })
            status.active = [...(status.active ?? []), {kind: 'Job', namespace, name, uid: String(job.metadata.uid), apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion}]
            await this.recorder.record(cronObject, 'Normal', 'SuccessfulCreate', `Created job ${name}`)
          } catch (error) {
            if (!isAlreadyExists(error)) throw error
          }
          status.lastScheduleTime = formatTimestamp(latest)
        }
      }
      const next = nextScheduleTime(schedule, now)
      if (next !== null) this.queue.addAfter(key, next - now + 100)
    }
    await this.cleanup(cronJob, owned)
    if (!sameJson(status, cronJob.status ?? {})) {
      if (status.active?.length === 0) delete status.active
      await this.client.update(resources.cronJobs, {...cronObject, status}, 'status')
    }
  }

  private async cleanup(cronJob: CronJob, owned: Job[]): Promise<void> {
    const byAge = (left: Job, right: Job) => String(left.metadata.creationTimestamp).localeCompare(String(right.metadata.creationTimestamp))
    for (const [kind, limit] of [['Complete', cronJob.spec.successfulJobsHistoryLimit ?? 3], ['Failed', cronJob.spec.failedJobsHistoryLimit ?? 1]] as const) {
      const done = owned.filter((job) => finished(job) === kind).sort(byAge)
      for (const job of done.slice(0, Math.max(0, done.length - limit))) {
        try {
          await this.client.delete(resources.jobs, String(job.metadata.namespace), String(job.metadata.name), {propagationPolicy: 'Background'})
          await this.recorder.record({...cronJob, kind: 'CronJob', apiVersion: 'batch/v1'}, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`)
        } catch (error) {
          if (!isNotFound(error)) throw error
        }
      }
    }
  }
}

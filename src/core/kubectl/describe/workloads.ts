// kubectl describe for workloads: deployments (with their replica sets), replica sets, jobs and cron jobs,
// in kubectl 1.32's layout.
import type {KubeObject} from '../../api/object.js'
import {humanDuration} from '../../util/go-duration.js'
import {type DescribeContext, controlledBy, eventsFor, labelSelectorQuery, objectHeader, podStatuses, selectorText} from './context.js'
import {describeEvents, describePodTemplate, describeReplicaConditions} from './pods.js'
import {DescribeWriter, list, printAnnotations, printLabels, record, rfc1123z, text} from './writer.js'

function replicaSetsByLabels(sets: readonly KubeObject[]): string {
  if (sets.length === 0) return '<none>'
  return sets.map((set) => `${set.metadata.name ?? ''} (${Number(record(set.status).replicas ?? 0)}/${Number(record(set.spec).replicas ?? 0)} replicas created)`).join(', ')
}

export async function describeDeployment(deployment: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(deployment.spec)
  const status = record(deployment.status)
  objectHeader(writer, deployment, {created: true})
  printLabels(writer, 'Labels', deployment.metadata.labels)
  printAnnotations(writer, 'Annotations', deployment.metadata.annotations)
  writer.write(0, `Selector:\t${selectorText(spec.selector)}\n`)
  const replicas = Number(spec.replicas ?? 0)
  writer.write(0, `Replicas:\t${replicas} desired | ${Number(status.updatedReplicas ?? 0)} updated | ${Number(status.replicas ?? 0)} total | ${Number(status.availableReplicas ?? 0)} available | ${Number(status.unavailableReplicas ?? 0)} unavailable\n`)
  const strategy = record(spec.strategy)
  writer.write(0, `StrategyType:\t${text(strategy.type)}\n`)
  writer.write(0, `MinReadySeconds:\t${Number(spec.minReadySeconds ?? 0)}\n`)
  if (strategy.rollingUpdate !== undefined) {
    const rolling = record(strategy.rollingUpdate)
    writer.write(0, `RollingUpdateStrategy:\t${text(rolling.maxUnavailable)} max unavailable, ${text(rolling.maxSurge)} max surge\n`)
  }
  describePodTemplate(writer, record(spec.template))
  const conditions = list(status.conditions)
  if (conditions.length > 0) {
    writer.write(0, 'Conditions:\n  Type\tStatus\tReason\n')
    writer.write(1, '----\t------\t------\n')
    for (const condition of conditions) writer.write(1, `${text(condition.type)} \t${text(condition.status)}\t${text(condition.reason)}\n`)
  }
  // kubectl reads the events, then the replica sets the selector selects (in chunks), keeping those the deployment controls.
  const events = await eventsFor(context, deployment)
  const selector = labelSelectorQuery(spec.selector)
  const sets = (await context.list('apps', 'replicasets', deployment.metadata.namespace ?? '', selector === '' ? undefined : {labelSelector: selector})).filter((set) =>
    (set.metadata.ownerReferences ?? []).some((reference) => reference.controller === true && reference.uid === deployment.metadata.uid),
  )
  const templateHash = (set: KubeObject) => set.metadata.labels?.['pod-template-hash']
  const revision = deployment.metadata.annotations?.['deployment.kubernetes.io/revision']
  const newSet = sets.find((set) => set.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision && templateHash(set) !== undefined) ?? null
  const oldSets = sets.filter((set) => set !== newSet && Number(record(set.spec).replicas ?? 0) > 0)
  // kubectl 1.32 leaves both lines out while the deployment has no replica set yet.
  if (newSet || oldSets.length > 0) {
    writer.write(0, `OldReplicaSets:\t${replicaSetsByLabels(oldSets)}\n`)
    writer.write(0, `NewReplicaSet:\t${replicaSetsByLabels(newSet ? [newSet] : [])}\n`)
  }
  describeEvents(writer, events, context.nowMilliseconds)
  return writer.toString()
}

/** Name, namespace, selector, labels, annotations and owner: how workload descriptions begin. */
function workloadHeader(writer: DescribeWriter, object: KubeObject): void {
  objectHeader(writer, object)
  writer.write(0, `Selector:\t${selectorText(record(object.spec).selector)}\n`)
  printLabels(writer, 'Labels', object.metadata.labels)
  printAnnotations(writer, 'Annotations', object.metadata.annotations)
  const controller = controlledBy(object)
  if (controller) writer.write(0, `Controlled By:\t${controller}\n`)
}

export async function describeReplicaSet(set: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(set.spec)
  const status = record(set.status)
  workloadHeader(writer, set)
  writer.write(0, `Replicas:\t${Number(status.replicas ?? 0)} current / ${Number(spec.replicas ?? 0)} desired\n`)
  writer.write(0, `Pods Status:\t${await podStatuses(context, set.metadata.namespace ?? '', set)}\n`)
  describePodTemplate(writer, record(spec.template))
  describeReplicaConditions(writer, set)
  describeEvents(writer, await eventsFor(context, set), context.nowMilliseconds)
  return writer.toString()
}

export async function describeJob(job: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(job.spec)
  const status = record(job.status)
  workloadHeader(writer, job)
  writer.write(0, `Parallelism:\t${Number(spec.parallelism ?? 1)}\n`)
  writer.write(0, `Completions:\t${spec.completions === undefined ? '<unset>' : Number(spec.completions)}\n`)
  writer.write(0, `Completion Mode:\t${text(spec.completionMode) || 'NonIndexed'}\n`)
  writer.write(0, `Suspend:\t${spec.suspend === true}\n`)
  writer.write(0, `Backoff Limit:\t${Number(spec.backoffLimit ?? 6)}\n`)
  if (status.startTime !== undefined) writer.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`)
  if (status.completionTime !== undefined) {
    writer.write(0, `Completed At:\t${rfc1123z(status.completionTime)}\n`)
    writer.write(0, `Duration:\t${humanDuration(Date.parse(text(status.completionTime)) - Date.parse(text(status.startTime)))}\n`)
  }
  if (spec.activeDeadlineSeconds !== undefined) writer.write(0, `Active Deadline Seconds:\t${Number(spec.activeDeadlineSeconds)}s\n`)
  // kubectl shows the ready count when the job controller reports one (status.ready is set).
  const ready = status.ready !== undefined ? ` (${Number(status.ready)} Ready)` : ''
  writer.write(0, `Pods Statuses:\t${Number(status.active ?? 0)} Active${ready} / ${Number(status.succeeded ?? 0)} Succeeded / ${Number(status.failed ?? 0)} Failed\n`)
  describePodTemplate(writer, record(spec.template))
  describeEvents(writer, await eventsFor(context, job), context.nowMilliseconds)
  return writer.toString()
}

/** Go's printBoolPtr: True, False, or <unset> for a nil pointer. */
const boolPointerText = (value: unknown) => (value === undefined || value === null ? '<unset>' : value === true ? 'True' : 'False')

/** kubectl's describeCronJob: the schedule and its policies, the job template, the last schedule and the active jobs. */
export async function describeCronJob(cronJob: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(cronJob.spec)
  const status = record(cronJob.status)
  const setOrUnset = (value: unknown, unit = '') => (value === undefined || value === null ? '<unset>' : `${Number(value)}${unit}`)
  writer.write(0, `Name:\t${cronJob.metadata.name ?? ''}\n`)
  writer.write(0, `Namespace:\t${cronJob.metadata.namespace ?? ''}\n`)
  printLabels(writer, 'Labels', cronJob.metadata.labels)
  printAnnotations(writer, 'Annotations', cronJob.metadata.annotations)
  writer.write(0, `Schedule:\t${text(spec.schedule)}\n`)
  writer.write(0, `Concurrency Policy:\t${text(spec.concurrencyPolicy)}\n`)
  writer.write(0, `Suspend:\t${boolPointerText(spec.suspend)}\n`)
  writer.write(0, `Successful Job History Limit:\t${setOrUnset(spec.successfulJobsHistoryLimit)}\n`)
  writer.write(0, `Failed Job History Limit:\t${setOrUnset(spec.failedJobsHistoryLimit)}\n`)
  writer.write(0, `Starting Deadline Seconds:\t${setOrUnset(spec.startingDeadlineSeconds, 's')}\n`)
  const jobSpec = record(record(spec.jobTemplate).spec)
  writer.write(0, `Selector:\t${jobSpec.selector === undefined || jobSpec.selector === null ? '<unset>' : selectorText(jobSpec.selector)}\n`)
  writer.write(0, `Parallelism:\t${setOrUnset(jobSpec.parallelism)}\n`)
  writer.write(0, `Completions:\t${setOrUnset(jobSpec.completions)}\n`)
  if (jobSpec.activeDeadlineSeconds !== undefined && jobSpec.activeDeadlineSeconds !== null) writer.write(0, `Active Deadline Seconds:\t${Number(jobSpec.activeDeadlineSeconds)}s\n`)
  describePodTemplate(writer, record(jobSpec.template))
  writer.write(0, `Last Schedule Time:\t${status.lastScheduleTime ? rfc1123z(status.lastScheduleTime) : '<unset>'}\n`)
  const active = list(status.active)
  writer.write(0, `Active Jobs:\t${active.length === 0 ? '<none>' : active.map((job) => text(job.name)).join(', ')}\n`)
  describeEvents(writer, await eventsFor(context, cronJob), context.nowMilliseconds)
  return writer.toString()
}

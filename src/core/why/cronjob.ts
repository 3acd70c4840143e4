// Why a CronJob did not fire: suspended, a schedule that never comes, runs skipped by its
// concurrency policy, or starts missed past startingDeadlineSeconds.
import type {KubeObject} from '../api/object.js'
import {missedSchedules, nextScheduleTime, parseCronSchedule, scheduleEverFires} from '../controllers/cron-schedule.js'
import {resources} from '../client/resources.js'
import {diagnosis, type Diagnosis, duration, fields, list, text, timeOf} from './diagnosis.js'
import {eventFacts, type WhyReader} from './reader.js'

export async function explainCronJob(cronJob: KubeObject, label: string, reader: WhyReader): Promise<Diagnosis> {
  const namespace = text(cronJob.metadata.namespace)
  const spec = fields(cronJob.spec)
  const status = fields(cronJob.status)
  const events = await reader.events(cronJob)
  const lastScheduled = timeOf(status.lastScheduleTime)
  const facts = [`schedule "${text(spec.schedule)}"${spec.timeZone ? ` (${text(spec.timeZone)})` : ''}, concurrencyPolicy ${text(spec.concurrencyPolicy) || 'Allow'}${spec.startingDeadlineSeconds !== undefined ? `, startingDeadlineSeconds ${text(spec.startingDeadlineSeconds)}` : ''}`]
  facts.push(`last scheduled: ${lastScheduled === null ? 'never' : `${text(status.lastScheduleTime)} (${duration(reader.now - lastScheduled)} ago)`}`)
  const active = list(status.active).map((reference) => text(reference.name))
  if (active.length > 0) facts.push(`active jobs: ${active.join(', ')}`)
  facts.push(...eventFacts(events, ['InvalidSchedule', 'UnexpectedJob', 'JobAlreadyActive', 'MissSchedule', 'FailedNeedsStart', 'FailedCreate', 'TooManyMissedTimes']))
  if (spec.suspend === true) return diagnosis(label, namespace, 'Suspended', true, `${label} is suspended (spec.suspend: true): the CronJob controller starts no Job until it is resumed (\`kubectl patch cronjob ${text(cronJob.metadata.name)} -p '{"spec":{"suspend":false}}'\`). Runs missed meanwhile are started on resume only within startingDeadlineSeconds.`, facts)
  let schedule
  try {
    schedule = parseCronSchedule(text(spec.schedule))
  } catch (error) {
    return diagnosis(label, namespace, 'InvalidSchedule', true, `${label}'s schedule "${text(spec.schedule)}" cannot be parsed: ${(error as Error).message}.`, facts)
  }
  if (!scheduleEverFires(schedule)) return diagnosis(label, namespace, 'InvalidSchedule', true, `${label}'s schedule "${text(spec.schedule)}" names a time that never comes (such as 31 February): the controller reports InvalidSchedule and never starts a Job.`, facts)
  const created = timeOf(cronJob.metadata.creationTimestamp) ?? reader.now
  const next = nextScheduleTime(schedule, lastScheduled ?? created)
  const nextText = next === null ? 'never' : new Date(next).toISOString().replace('.000Z', 'Z')
  facts.push(`next scheduled time: ${nextText}`)
  const policy = text(spec.concurrencyPolicy) || 'Allow'
  if (policy === 'Forbid' && active.length > 0 && next !== null && next <= reader.now) {
    return diagnosis(label, namespace, 'Skipping', true, `${label} did not start its run of ${nextText}: concurrencyPolicy Forbid skips a run while a previous Job (${active.join(', ')}) is still active.`, facts)
  }
  const deadline = spec.startingDeadlineSeconds === undefined ? null : Number(spec.startingDeadlineSeconds) * 1000
  if (deadline !== null && next !== null && next + deadline < reader.now) {
    const missed = missedSchedules(schedule, lastScheduled ?? created, reader.now)
    return diagnosis(label, namespace, 'MissedDeadline', true, `${label} missed ${missed.count} scheduled run(s) by more than startingDeadlineSeconds (${Number(spec.startingDeadlineSeconds)} s): the controller did not run when they were due (a stopped controller manager, or cluster time moved past them), and a run too late to start in its deadline is skipped.`, facts)
  }
  if (next !== null && next <= reader.now) return diagnosis(label, namespace, 'Due', false, `${label}'s run of ${nextText} is due: the CronJob controller starts it at its next pass. Nothing is wrong yet.`, facts)
  const jobs = (await reader.list(resources.jobs, namespace)).filter((job) => (job.metadata.ownerReferences ?? []).some((reference) => reference.uid === cronJob.metadata.uid))
  facts.push(`jobs it owns: ${jobs.length}`)
  return diagnosis(label, namespace, 'Scheduled', false, `Nothing is wrong: ${label} fires next at ${nextText}${next !== null ? ` (in ${duration(next - reader.now)} of cluster time; \`kubemu time advance\` moves it forward)` : ''}.`, facts)
}

// Cron schedules (robfig/cron's standard fields) and the CronJob controller on the injected clock:
// Jobs at their scheduled minutes, named by the minute, Forbid honoured, history limited.
import {afterEach, describe, expect, it} from 'vitest'
import {resources} from '../../src/core/client/resources.js'
import {CronScheduleError, missedSchedules, nextScheduleTime, parseCronSchedule} from '../../src/core/controllers/cron-schedule.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

const at = (text: string) => Date.parse(text)
const iso = (milliseconds: number | null) => (milliseconds === null ? null : new Date(milliseconds).toISOString())

describe('cron schedules', () => {
  it('steps, ranges, lists, names and shorthands, as robfig/cron reads them', () => {
    expect(iso(nextScheduleTime(parseCronSchedule('*/15 * * * *'), at('2026-11-23T12:07:30Z')))).toBe('2026-11-23T12:15:00.000Z')
    expect(iso(nextScheduleTime(parseCronSchedule('0 9-17/4 * * mon-fri'), at('2026-11-21T12:00:00Z')))).toBe('2026-11-23T09:00:00.000Z')
    expect(iso(nextScheduleTime(parseCronSchedule('30 2 1,15 * *'), at('2026-11-23T00:00:00Z')))).toBe('2026-12-01T02:30:00.000Z')
    expect(iso(nextScheduleTime(parseCronSchedule('@hourly'), at('2026-11-23T12:00:00Z')))).toBe('2026-11-23T13:00:00.000Z')
    expect(iso(nextScheduleTime(parseCronSchedule('0 0 * * 7'), at('2026-11-23T00:00:00Z')))).toBe('2026-11-29T00:00:00.000Z')
    // Day of month and day of week both restricted: either matches.
    expect(iso(nextScheduleTime(parseCronSchedule('0 0 13 * fri'), at('2026-11-23T00:00:00Z')))).toBe('2026-11-27T00:00:00.000Z')
    expect(missedSchedules(parseCronSchedule('* * * * *'), at('2026-11-23T12:00:00Z'), at('2026-11-23T12:05:30Z'))).toEqual({latest: at('2026-11-23T12:05:00Z'), count: 5})
    expect(() => parseCronSchedule('* * * *')).toThrow(CronScheduleError)
    expect(() => parseCronSchedule('61 * * * *')).toThrow(CronScheduleError)
  })
})

describe('CronJob controller (injected clock)', () => {
  const clusters: InProcessCluster[] = []
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.close()
  })

  it('creates a Job at each scheduled minute, runs it, keeps 3 successful ones', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 12, 0, 30))
    const cluster = await inProcessCluster(clock, 9)
    clusters.push(cluster)
    const admin = cluster.admin
    const settle = async () => expect((await cluster.settle()).settled).toBe(true)
    await admin.create(resources.cronJobs, {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: {name: 'tick', namespace: 'default'},
      spec: {schedule: '*/2 * * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: 'Never', containers: [{name: 'c', image: 'busybox'}]}}}}},
    } as never)
    await settle()
    expect((await admin.list(resources.jobs, 'default')).items).toHaveLength(0)
    const jobNames = async () => (await admin.list(resources.jobs, 'default')).items.map((job) => job.metadata.name).sort()
    for (let minute = 1; minute <= 10; minute++) {
      clock.advance(60_000)
      await settle()
    }
    // Scheduled at 12:02, 12:04, …, 12:10; the first two were deleted once three newer ones had succeeded.
    const minutes = (hhmm: string) => String(Math.floor(Date.parse(`2026-11-23T${hhmm}:00Z`) / 60_000))
    expect(await jobNames()).toEqual([`tick-${minutes('12:06')}`, `tick-${minutes('12:08')}`, `tick-${minutes('12:10')}`])
    const cronJob = await admin.get<{status: {lastScheduleTime: string; lastSuccessfulTime: string}} & import('../../src/core/api/object.js').KubeObject>(resources.cronJobs, 'default', 'tick')
    expect(cronJob.status.lastScheduleTime).toBe('2026-11-23T12:10:00Z')
    expect(cronJob.status.lastSuccessfulTime).toBe('2026-11-23T12:10:30Z')
  }, 60_000)
})

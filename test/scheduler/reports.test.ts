// The scheduler's report store: each pod's last attempt kept in the cluster folder, bounded, read
// back by uid from another instance (another process), forgotten when the pod goes.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {FileSchedulingReports, readSchedulingReport, type SchedulingReport, schedulingReportLinesMax, schedulingReportsFileName, schedulingReportsMax} from '../../src/core/scheduler/reports.js'
import {temporaryFolder} from '../support/temp.js'

const report = (outcome: string): SchedulingReport => ({time: '2026-01-01T00:00:00Z', profile: 'default-scheduler', weights: {NodeResourcesFit: 1}, outcome, evaluatedNodes: 6, feasibleNodes: 3, nodes: [{node: 'worker-1', filter: 'passed', scores: {NodeResourcesFit: 90}, total: 90}]})

describe('the scheduling report file', () => {
  it('keeps the last attempt per pod uid, for a reader of the folder', () => {
    const folder = temporaryFolder()
    const reports = new FileSchedulingReports(folder)
    reports.write('uid-a', report('Unschedulable'))
    reports.write('uid-b', report('Scheduled to worker-2'))
    reports.write('uid-a', report('Scheduled to worker-1'))
    expect(readSchedulingReport(folder, 'uid-a')?.outcome).toBe('Scheduled to worker-1')
    expect(readSchedulingReport(folder, 'uid-b')?.outcome).toBe('Scheduled to worker-2')
    expect(readSchedulingReport(folder, 'uid-c')).toBeNull()
    expect(readSchedulingReport(temporaryFolder(), 'uid-a')).toBeNull()
  })

  it('forgets a pod that is gone; a later instance sees it forgotten and writes no line for unknown pods', () => {
    const folder = temporaryFolder()
    new FileSchedulingReports(folder).write('uid-a', report('Unschedulable'))
    const later = new FileSchedulingReports(folder)
    later.forget('uid-a')
    later.forget('never-reported')
    expect(readSchedulingReport(folder, 'uid-a')).toBeNull()
    expect(readFileSync(join(folder, schedulingReportsFileName), 'utf8').trim().split('\n')).toHaveLength(2)
  })

  it('keeps only the pods that exist when the scheduler starts', () => {
    const folder = temporaryFolder()
    const reports = new FileSchedulingReports(folder)
    for (const uid of ['uid-a', 'uid-b', 'uid-c']) reports.write(uid, report('Unschedulable'))
    new FileSchedulingReports(folder).retain(new Set(['uid-b', 'uid-d']))
    expect(['uid-a', 'uid-b', 'uid-c'].map((uid) => readSchedulingReport(folder, uid) !== null)).toEqual([false, true, false])
  })

  it(`holds at most ${schedulingReportsMax} pods' reports and ${schedulingReportLinesMax} lines, dropping the oldest`, () => {
    const folder = temporaryFolder()
    const reports = new FileSchedulingReports(folder)
    for (let index = 0; index < schedulingReportLinesMax + 10; index++) reports.write(`uid-${index}`, report(`Scheduled to worker-${index}`))
    const lines = readFileSync(join(folder, schedulingReportsFileName), 'utf8').trim().split('\n')
    expect(lines.length).toBeLessThanOrEqual(schedulingReportLinesMax)
    expect(readSchedulingReport(folder, 'uid-0')).toBeNull()
    expect(readSchedulingReport(folder, `uid-${schedulingReportLinesMax + 9}`)?.outcome).toBe(`Scheduled to worker-${schedulingReportLinesMax + 9}`)
    expect(readSchedulingReport(folder, `uid-${schedulingReportLinesMax + 10 - schedulingReportsMax}`)).not.toBeNull()
    expect(readSchedulingReport(folder, `uid-${schedulingReportLinesMax + 9 - schedulingReportsMax}`)).toBeNull()
  })

  it('skips a line cut short by a crash', () => {
    const folder = temporaryFolder()
    new FileSchedulingReports(folder).write('uid-a', report('Unschedulable'))
    writeFileSync(join(folder, schedulingReportsFileName), `${readFileSync(join(folder, schedulingReportsFileName), 'utf8')}{"uid":"uid-b","rep`)
    expect(readSchedulingReport(folder, 'uid-a')?.outcome).toBe('Unschedulable')
    expect(readSchedulingReport(folder, 'uid-b')).toBeNull()
    new FileSchedulingReports(folder).write('uid-c', report('Scheduled to worker-3'))
    expect(readSchedulingReport(folder, 'uid-c')?.outcome).toBe('Scheduled to worker-3')
  })

  it('sees what another instance appends, forgets or rewrites after its own reads', () => {
    const folder = temporaryFolder()
    const first = new FileSchedulingReports(folder)
    first.write('uid-a', report('Unschedulable'))
    expect(first.read('uid-b')).toBeNull()
    const second = new FileSchedulingReports(folder)
    second.write('uid-b', report('Scheduled to worker-2'))
    expect(first.read('uid-b')?.outcome).toBe('Scheduled to worker-2')
    second.forget('uid-a')
    expect(first.read('uid-a')).toBeNull()
    first.write('uid-c', report('Scheduled to worker-3'))
    expect(second.read('uid-c')?.outcome).toBe('Scheduled to worker-3')
    // Enough lines for the second to rewrite the file (a new file renamed into place).
    for (let index = 0; index <= schedulingReportLinesMax; index++) second.write('uid-d', report(`Scheduled to worker-${index}`))
    expect(first.read('uid-d')?.outcome).toBe(`Scheduled to worker-${schedulingReportLinesMax}`)
    expect(first.read('uid-c')?.outcome).toBe('Scheduled to worker-3')
    expect(first.read('uid-a')).toBeNull()
  })
})

// Where a slow write's time goes, behind KUBEMU_ETCD_TRACE=<file> (a diagnosis aid for
// bench/etcd-perf.bench.ts; off, every hook is one null check). Each proposal is timed from the
// call to its answer; one slower than KUBEMU_ETCD_TRACE_MS (200 by default) is written to the file
// as a JSON line with its raft entry's stages on every member (appended in a Ready, made durable
// by an fsync, applied) and what happened meanwhile: each member's long Readies, its fsyncs, its
// waits for the checkpointer's write lock, the event loop's stalls and garbage collections (those
// of 50 ms or more also go to <file>.events as they happen).
import {appendFileSync, readFileSync} from 'node:fs'
import {PerformanceObserver, performance} from 'node:perf_hooks'

/** Events of the timeline kept (the oldest go first). */
const timelineEventsMax = 50_000
/** Stages kept per member, by raft index (older ones go first). */
const stagesKeptMax = 200_000
/** How often the loop's stall detector runs, and the stall it reports. */
const loopProbeMilliseconds = 10
const loopStallReportedMilliseconds = 30
/** Events of the timeline this long are also written to `<file>.events` as they happen. */
const timelineEventWrittenMilliseconds = 50
/** Events of the timeline shown with a slow request: the longest this many of its window. */
const eventsShownMax = 25

interface TimelineEvent {
  readonly kind: 'ready' | 'fsync' | 'lock-busy' | 'loop-stall' | 'gc' | 'pump-yield'
  readonly member: string
  readonly start: number
  readonly end: number
  readonly detail?: string
}

interface EntryStages {
  appended?: number
  durable?: number
  applied?: number
}

interface Pending {
  readonly member: string
  readonly start: number
  proposed?: number
  index?: number
}

export class RequestTrace {
  private readonly timeline: TimelineEvent[] = []
  private readonly stages = new Map<string, Map<number, EntryStages>>()
  private readonly pending = new Map<string, Pending>()
  private lead = ''
  private readonly origin = performance.timeOrigin

  constructor(
    private readonly file: string,
    private readonly slowMilliseconds: number,
  ) {
    let expected = performance.now() + loopProbeMilliseconds
    let scheduled = schedulerTimes()
    let readies = this.readyMilliseconds
    const probe = setInterval(() => {
      const now = performance.now()
      const times = schedulerTimes()
      if (now - expected >= loopStallReportedMilliseconds) {
        // On the CPU (the loop's own work) or runnable but not running (a machine with no core to spare).
        const detail = `on CPU ${Math.round(times.running - scheduled.running)} ms, waiting for a CPU ${Math.round(times.waiting - scheduled.waiting)} ms, members' Readies ${Math.round(this.readyMilliseconds - readies)} ms`
        this.event({kind: 'loop-stall', member: '', start: expected - loopProbeMilliseconds, end: now, detail})
      }
      scheduled = times
      readies = this.readyMilliseconds
      expected = now + loopProbeMilliseconds
    }, loopProbeMilliseconds)
    probe.unref()
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.duration >= 5) this.event({kind: 'gc', member: '', start: entry.startTime, end: entry.startTime + entry.duration})
    }).observe({entryTypes: ['gc']})
  }

  /** The members' Readies' time so far (their SQL and commits on the loop). */
  private readyMilliseconds = 0

  event(event: TimelineEvent): void {
    // The long ones also go to a file of their own as they happen, for what follows a slow write's answer.
    if (event.end - event.start >= timelineEventWrittenMilliseconds) {
      appendFileSync(`${this.file}.events`, `${JSON.stringify({...event, at: new Date(this.origin + event.start).toISOString(), ms: Math.round(event.end - event.start)})}\n`)
    }
    this.timeline.push(event)
    if (this.timeline.length > timelineEventsMax) this.timeline.splice(0, this.timeline.length - timelineEventsMax)
  }

  /** A proposal starts through `member`. */
  started(id: string, member: string): void {
    this.pending.set(id, {member, start: performance.now()})
  }

  proposed(id: string): void {
    const pending = this.pending.get(id)
    if (pending && pending.proposed === undefined) pending.proposed = performance.now()
  }

  /** The raft entry carrying a request (learnt where it is applied). */
  carries(id: string, index: number): void {
    const pending = this.pending.get(id)
    if (pending) pending.index = index
  }

  leads(member: string): void {
    this.lead = member
  }

  private stage(member: string, index: number): EntryStages {
    let byIndex = this.stages.get(member)
    if (!byIndex) this.stages.set(member, (byIndex = new Map()))
    let stages = byIndex.get(index)
    if (!stages) {
      byIndex.set(index, (stages = {}))
      if (byIndex.size > stagesKeptMax) byIndex.delete(byIndex.keys().next().value as number)
    }
    return stages
  }

  /** A member's Ready wrote entries [first, last] and applied [appliedFirst, appliedLast]. */
  ready(member: string, start: number, entries: readonly number[], applied: readonly number[], detail: string): void {
    const end = performance.now()
    this.readyMilliseconds += end - start
    for (const index of entries) this.stage(member, index).appended ??= end
    for (const index of applied) this.stage(member, index).applied ??= end
    if (end - start >= 5) this.event({kind: 'ready', member, start, end, detail})
  }

  /** A member's thread applied entries [first, last] (in-process members' applies are stamped with their Ready). */
  applied(member: string, first: number, last: number): void {
    const now = performance.now()
    // A snapshot installed skips far ahead: only the stages kept are stamped.
    for (let index = Math.max(first, last - stagesKeptMax + 1); index <= last; index++) this.stage(member, index).applied ??= now
  }

  /** A member's outputs of entries through `last` went out, their fsync done. */
  durable(member: string, last: number, count: number): void {
    const now = performance.now()
    for (let index = last - count + 1; index <= last; index++) this.stage(member, index).durable ??= now
  }

  /** The request was answered (or failed): a slow one is written to the file. */
  finished(id: string): void {
    const pending = this.pending.get(id)
    if (!pending) return
    this.pending.delete(id)
    const end = performance.now()
    if (end - pending.start < this.slowMilliseconds) return
    const at = (time: number | undefined) => (time === undefined ? null : Math.round(time - pending.start))
    const members: Record<string, {appended: number | null; durable: number | null; applied: number | null}> = {}
    if (pending.index !== undefined) {
      for (const [member, byIndex] of this.stages) {
        const stages = byIndex.get(pending.index)
        members[member] = {appended: at(stages?.appended), durable: at(stages?.durable), applied: at(stages?.applied)}
      }
    }
    const during = this.eventsDuring(pending.start, end)
    const line = {
      at: new Date(this.origin + pending.start).toISOString(),
      ms: Math.round(end - pending.start),
      member: pending.member,
      lead: this.lead,
      proposed: at(pending.proposed),
      index: pending.index ?? null,
      members,
      during,
    }
    appendFileSync(this.file, `${JSON.stringify(line)}\n`)
  }

  /** The longest events of the timeline between start and end, from start in ms. */
  private eventsDuring(start: number, end: number) {
    return this.timeline
      .filter((event) => event.end > start && event.start < end)
      .sort((a, b) => b.end - b.start - (a.end - a.start))
      .slice(0, eventsShownMax)
      .map((event) => ({kind: event.kind, member: event.member, from: Math.round(event.start - start), ms: Math.round(event.end - event.start), ...(event.detail ? {detail: event.detail} : {})}))
  }

  /**
   * A gRPC call's stream closed on the front door (server/etcd-front-door-trace.ts): one slower
   * than the threshold (from its connection's accept, for a connection's first call) is written to
   * `<file>.front` with its steps in ms from its stream's arrival.
   */
  frontDoor(member: string, path: string, arrived: number, steps: Readonly<Record<string, number | undefined>>): void {
    const end = performance.now()
    // A connection's first call counts from the connection's accept (a step before its arrival).
    const start = Math.min(arrived, ...Object.values(steps).filter((time): time is number => time !== undefined))
    if (end - start < this.slowMilliseconds) return
    const at: Record<string, number> = {}
    for (const [step, time] of Object.entries(steps)) if (time !== undefined && step !== 'arrived') at[step] = Math.round(time - arrived)
    const line = {at: new Date(this.origin + start).toISOString(), ms: Math.round(end - start), member, path, steps: at, during: this.eventsDuring(start, end)}
    appendFileSync(`${this.file}.front`, `${JSON.stringify(line)}\n`)
  }
}

/** The main thread's time on a CPU and waiting for one (ms), from the kernel's scheduler statistics. */
function schedulerTimes(): {running: number; waiting: number} {
  try {
    const [running, waiting] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number)
    return {running: running! / 1e6, waiting: waiting! / 1e6}
  } catch {
    return {running: 0, waiting: 0}
  }
}

/** The trace of this process, or null (the default): see the top of this file. */
export const requestTrace: RequestTrace | null = process.env.KUBEMU_ETCD_TRACE
  ? new RequestTrace(process.env.KUBEMU_ETCD_TRACE, Number(process.env.KUBEMU_ETCD_TRACE_MS ?? 200))
  : null

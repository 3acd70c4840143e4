// The scheduler's last attempt for each pod (the nodes it scored, each filter's verdict, the
// profile), kept beside the cluster rather than on the pod: a real cluster's pods carry no such
// annotation. In memory, or a JSON-lines file in the cluster folder that one-shot commands and
// `kubemu up` share: each attempt or forgotten pod is one appended line (cheap for the scheduler),
// the last line for a uid wins, and the file is rewritten with only the newest reports (renamed
// into place, so a reader in another process never sees half of it) once it holds too many lines.
import {appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export const schedulingReportsFileName = 'scheduling-reports.jsonl'
/** Pods whose last attempt is kept (the oldest reports go first). */
export const schedulingReportsMax = 1_000
/** Lines the file holds before it is rewritten with the newest reports alone. */
export const schedulingReportLinesMax = 2 * schedulingReportsMax
/** A file larger than this is not read (it is not one the scheduler wrote). */
export const schedulingReportsFileBytesMax = 64 * 1024 * 1024

/** One node as the attempt saw it: its filter verdict and, when it passed, each plugin's weighted score. */
export interface SchedulingReportNode {
  readonly node: string
  /** `passed`, or `Plugin: reason, reason`. */
  readonly filter: string
  readonly scores?: Record<string, number>
  readonly total?: number
}

export interface SchedulingReport {
  /** Cluster time of the attempt (RFC 3339). */
  readonly time: string
  /** The profile's schedulerName. */
  readonly profile: string
  /** Each score plugin's weight in that profile. */
  readonly weights: Record<string, number>
  /** `Scheduled to NODE`, `Unschedulable`, or `Waiting for volumes to bind on NODE`. */
  readonly outcome: string
  /**
   * While VolumeBinding's PreBind waits for the pod's claims: the chosen node and since when (cluster
   * milliseconds), so a scheduler started by a later command keeps the same bindTimeoutSeconds deadline.
   */
  readonly waitingForVolumes?: {readonly node: string; readonly sinceMilliseconds: number}
  readonly evaluatedNodes: number
  readonly feasibleNodes: number
  /** The best scored nodes, then the rejected ones (at most attemptNodesRecordedMax). */
  readonly nodes: readonly SchedulingReportNode[]
}

export interface SchedulingReportStore {
  /** Records a pod's last attempt (replacing the one before). */
  write(podUid: string, report: SchedulingReport): void
  /** Forgets a pod that is gone. */
  forget(podUid: string): void
  /** Forgets every pod but these (the pods that exist when the scheduler starts: others went while it was not watching). */
  retain(podUids: ReadonlySet<string>): void
  read(podUid: string): SchedulingReport | null
}

/** One line of the file: a pod's report, or its removal. */
type ReportLine = {readonly uid: string; readonly report: SchedulingReport} | {readonly uid: string; readonly forgotten: true}

/** Reports by uid, oldest first, from lines in the order written (a line that does not parse is skipped: a write cut short). */
function latestReports(lines: readonly string[]): Map<string, SchedulingReport> {
  const reports = new Map<string, SchedulingReport>()
  addLines(reports, lines)
  return reports
}

/** Applies lines, in the order written, to reports by uid (oldest first), keeping the newest schedulingReportsMax. */
function addLines(reports: Map<string, SchedulingReport>, lines: readonly string[]): void {
  for (const text of lines) {
    let line: ReportLine
    try {
      line = JSON.parse(text) as ReportLine
    } catch {
      continue
    }
    if (typeof line?.uid !== 'string') continue
    reports.delete(line.uid)
    if ('report' in line) reports.set(line.uid, line.report)
  }
  while (reports.size > schedulingReportsMax) reports.delete(reports.keys().next().value as string)
}

function fileLines(path: string): string[] {
  if (!existsSync(path) || statSync(path).size > schedulingReportsFileBytesMax) return []
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '')
}

/** The scheduler's last attempt for a pod of the cluster whose folder is given, or null when none is kept. */
export function readSchedulingReport(clusterFolder: string, podUid: string): SchedulingReport | null {
  return latestReports(fileLines(join(clusterFolder, schedulingReportsFileName))).get(podUid) ?? null
}

export class MemorySchedulingReports implements SchedulingReportStore {
  private readonly reports = new Map<string, SchedulingReport>()

  write(podUid: string, report: SchedulingReport): void {
    this.reports.delete(podUid)
    this.reports.set(podUid, report)
    if (this.reports.size > schedulingReportsMax) this.reports.delete(this.reports.keys().next().value as string)
  }

  forget(podUid: string): void {
    this.reports.delete(podUid)
  }

  retain(podUids: ReadonlySet<string>): void {
    for (const uid of [...this.reports.keys()]) if (!podUids.has(uid)) this.reports.delete(uid)
  }

  read(podUid: string): SchedulingReport | null {
    return this.reports.get(podUid) ?? null
  }
}

/** What this process knows of the file: where its last read ended, and the reports and line count up to there. */
interface FileView {
  /** The file's inode: a compaction by another process renames a new file into place. */
  readonly inode: number
  /** Bytes read, always at the end of a whole line. */
  bytes: number
  lines: number
  readonly reports: Map<string, SchedulingReport>
}

export class FileSchedulingReports implements SchedulingReportStore {
  private readonly path: string
  /**
   * The file as last read or written, brought up to date by reading only what was appended since
   * (the scheduler reads a report for every pod it schedules: reading the whole file each time
   * made scheduling quadratic in the pods reported).
   */
  private view: FileView | null = null

  constructor(folder: string) {
    this.path = join(folder, schedulingReportsFileName)
  }

  write(podUid: string, report: SchedulingReport): void {
    this.append({uid: podUid, report})
  }

  forget(podUid: string): void {
    // Most pods that go were never reported on (mirror pods, another scheduler's): no line for them.
    if (this.current().reports.has(podUid)) this.append({uid: podUid, forgotten: true})
  }

  retain(podUids: ReadonlySet<string>): void {
    for (const uid of [...this.current().reports.keys()]) if (!podUids.has(uid)) this.forget(uid)
  }

  read(podUid: string): SchedulingReport | null {
    return this.current().reports.get(podUid) ?? null
  }

  /** The view, after reading what another process appended or rewrote since the last look. */
  private current(): FileView {
    if (!existsSync(this.path)) return (this.view = {inode: -1, bytes: 0, lines: 0, reports: new Map()})
    const {ino: inode, size} = statSync(this.path)
    const view = this.view
    if (view && view.inode === inode && view.bytes === size) return view
    if (view && view.inode === inode && view.bytes < size && size - view.bytes <= schedulingReportsFileBytesMax) {
      const appended = readBytes(this.path, view.bytes, size - view.bytes)
      const whole = appended.lastIndexOf('\n') + 1
      const lines = appended.slice(0, whole).split('\n').filter((line) => line !== '')
      addLines(view.reports, lines)
      view.lines += lines.length
      view.bytes += Buffer.byteLength(appended.slice(0, whole))
      return view
    }
    const text = size > schedulingReportsFileBytesMax ? '' : readFileSync(this.path, 'utf8')
    // A line a crash cut short ends here, so the next one starts on a line of its own.
    if (text !== '' && !text.endsWith('\n')) appendFileSync(this.path, '\n')
    const lines = text.split('\n').filter((line) => line !== '')
    const reports = new Map<string, SchedulingReport>()
    addLines(reports, lines)
    const written = statSync(this.path)
    return (this.view = {inode: written.ino, bytes: written.size, lines: lines.length, reports})
  }

  private append(line: ReportLine): void {
    const view = this.current()
    const text = `${JSON.stringify(line)}\n`
    appendFileSync(this.path, text)
    const {ino: inode, size} = statSync(this.path)
    if (view.inode === -1 || inode !== view.inode || size !== view.bytes + Buffer.byteLength(text)) {
      // Another process wrote beside this one (or the file was new): read it whole next time.
      this.view = null
      return
    }
    addLines(view.reports, [text])
    view.bytes = size
    if (++view.lines > schedulingReportLinesMax) this.compact()
  }

  private compact(): void {
    const reports = latestReports(fileLines(this.path))
    const temporary = `${this.path}.tmp`
    writeFileSync(temporary, [...reports].map(([uid, report]) => `${JSON.stringify({uid, report})}\n`).join(''))
    renameSync(temporary, this.path)
    this.view = null
  }
}

/** `length` bytes of the file from `position`, as text. */
function readBytes(path: string, position: number, length: number): string {
  const file = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(length)
    const read = readSync(file, buffer, 0, length, position)
    return buffer.toString('utf8', 0, read)
  } finally {
    closeSync(file)
  }
}

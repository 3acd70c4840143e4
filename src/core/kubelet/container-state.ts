// What execs changed in each container's files, kept by the kubelet outside the API objects (a
// runtime's writable layer): one record per exec that changed something, with its cluster time,
// so a container's run replays them at their moments; and, the same way, what attaches sent on
// the container's open stdin; and which Services a run's start could link in the very second it
// started (see servicesOfStartSecond); and, through served-requests.ts, the requests its web
// server answered (its access log), and through replayed-requests.ts those its own command sent
// (kept with the run that sent them). In memory, or a file in the cluster
// folder that one-shot commands and `kubemu up` share (written whole and renamed into place).
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {KubeObject} from '../api/object.js'
import type {FileChange} from './shell/filesystem.js'
import {FileServedRequests, MemoryServedRequests, type ServedRecord, type ServedRequestStore} from './served-requests.js'
import {ReplayedRequests} from './replayed-requests.js'

export const containerStateFileName = 'containers.json'
export const probeEventsFileName = 'probe-events.json'
export const startSecondServicesFileName = 'start-second-services.json'
export const objectVersionsFileName = 'object-versions.json'
/** Exec records kept per container run (the oldest go first). */
export const execRecordsPerContainerMax = 1_000
/** Container runs with records kept (the least recently changed go first). */
export const containerRunsMax = 10_000

export interface ExecRecord {
  readonly atMilliseconds: number
  readonly changes: readonly FileChange[]
  /** What an attach sent on the container's stdin then (its files unchanged). */
  readonly stdin?: string
  /** The attach closed the container's stdin then (stdinOnce): its reader sees the end. */
  readonly closesStdin?: boolean
}

/** A container run: pod uid, container name, restart count. */
export function containerRunKey(podUid: string, container: string, restartCount: number): string {
  return `${podUid}/${container}/${restartCount}`
}

export interface ContainerStateStore extends ServedRequestStore {
  /** The requests containers' own commands sent, kept with the runs that sent them. */
  readonly replayed: ReplayedRequests
  records(key: string): readonly ExecRecord[]
  add(key: string, record: ExecRecord): void
  /** The cluster time up to which a run's probe failures have their events (the kubelet's prober memory). */
  eventsRecordedUntil(key: string): number | null
  setEventsRecordedUntil(key: string, atMilliseconds: number): void
  /**
   * The Services (`namespace/name`) created in the whole second a run started that the kubelet
   * knew when it started the run; null when it knew none. Timestamps have whole seconds, so for a
   * Service of that second only this tells whether it existed at the start (and is linked into
   * the run's environment). Recorded only then, which is rare: no write per container start.
   */
  servicesOfStartSecond(key: string): readonly string[] | null
  setServicesOfStartSecond(key: string, services: readonly string[]): void
  /** A ConfigMap's or Secret's versions the kubelet saw (`resource/namespace/name`, object-versions.ts), oldest first. */
  objectVersions(key: string): readonly ObjectVersion[]
  setObjectVersions(key: string, versions: readonly ObjectVersion[]): void
}

/** An object's content as it was written at a moment (its managed fields' time). */
export interface ObjectVersion {
  readonly writtenAtMilliseconds: number
  readonly object: KubeObject
}

type ObjectVersionTable = Record<string, readonly ObjectVersion[]>

type Marks = Record<string, number>
type StartSecondServices = Record<string, string[]>

/** The table with `key` set last, the least recently set keys dropped past containerRunsMax. */
function boundedMarks<T>(marks: Record<string, T>, key: string, value: T): Record<string, T> {
  const {[key]: _old, ...rest} = marks
  const keys = Object.keys(rest)
  const kept = keys.length >= containerRunsMax ? Object.fromEntries(keys.slice(keys.length - containerRunsMax + 1).map((other) => [other, rest[other]!])) : rest
  return {...kept, [key]: value}
}

type Table = Record<string, ExecRecord[]>

/** The table with `record` appended to `key`'s list (at most `perKeyMax`, the oldest dropped), the least recently changed keys dropped past containerRunsMax. */
function bounded<T>(table: Record<string, T[]>, key: string, record: T, perKeyMax: number): Record<string, T[]> {
  return boundedMarks(table, key, [...(table[key] ?? []), record].slice(-perKeyMax))
}

export class MemoryContainerState implements ContainerStateStore {
  private table: Table = {}

  records(key: string): readonly ExecRecord[] {
    return this.table[key] ?? []
  }

  add(key: string, record: ExecRecord): void {
    this.table = bounded(this.table, key, record, execRecordsPerContainerMax)
  }

  private marks: Marks = {}

  eventsRecordedUntil(key: string): number | null {
    return this.marks[key] ?? null
  }

  setEventsRecordedUntil(key: string, atMilliseconds: number): void {
    this.marks = boundedMarks(this.marks, key, atMilliseconds)
  }

  private startSecondServices: StartSecondServices = {}

  servicesOfStartSecond(key: string): readonly string[] | null {
    return this.startSecondServices[key] ?? null
  }

  setServicesOfStartSecond(key: string, services: readonly string[]): void {
    this.startSecondServices = boundedMarks(this.startSecondServices, key, [...services])
  }

  private versions: ObjectVersionTable = {}

  objectVersions(key: string): readonly ObjectVersion[] {
    return this.versions[key] ?? []
  }

  setObjectVersions(key: string, versions: readonly ObjectVersion[]): void {
    this.versions = boundedMarks(this.versions, key, versions)
  }

  private readonly served = new MemoryServedRequests()
  readonly replayed = ReplayedRequests.inMemory()

  servedRequests(key: string): readonly ServedRecord[] {
    return this.served.servedRequests(key)
  }

  addServedRequest(key: string, record: ServedRecord): void {
    this.served.addServedRequest(key, record)
  }
}

export class ContainerStateFileError extends Error {}

export class FileContainerState implements ContainerStateStore {
  private readonly path: string
  private readonly marksPath: string
  private readonly startSecondPath: string
  private readonly versionsPath: string
  private readonly served: FileServedRequests
  readonly replayed: ReplayedRequests

  constructor(folder: string) {
    this.served = new FileServedRequests(folder)
    this.replayed = ReplayedRequests.inFolder(folder)
    this.path = join(folder, containerStateFileName)
    this.marksPath = join(folder, probeEventsFileName)
    this.startSecondPath = join(folder, startSecondServicesFileName)
    this.versionsPath = join(folder, objectVersionsFileName)
  }

  private read<T>(path: string): Partial<T> {
    if (!existsSync(path)) return {}
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Partial<T>) : {}
    } catch (error) {
      throw new ContainerStateFileError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  private write(path: string, value: unknown): void {
    writeFileSync(`${path}.tmp`, `${JSON.stringify(value)}\n`)
    renameSync(`${path}.tmp`, path)
  }

  records(key: string): readonly ExecRecord[] {
    return this.read<Table>(this.path)[key] ?? []
  }

  add(key: string, record: ExecRecord): void {
    this.write(this.path, bounded(this.read<Table>(this.path) as Table, key, record, execRecordsPerContainerMax))
  }

  eventsRecordedUntil(key: string): number | null {
    const at = this.read<Marks>(this.marksPath)[key]
    return typeof at === 'number' ? at : null
  }

  setEventsRecordedUntil(key: string, atMilliseconds: number): void {
    this.write(this.marksPath, boundedMarks(this.read<Marks>(this.marksPath) as Marks, key, atMilliseconds))
  }

  servicesOfStartSecond(key: string): readonly string[] | null {
    const services = this.read<StartSecondServices>(this.startSecondPath)[key]
    return Array.isArray(services) ? services.map(String) : null
  }

  setServicesOfStartSecond(key: string, services: readonly string[]): void {
    this.write(this.startSecondPath, boundedMarks(this.read<StartSecondServices>(this.startSecondPath) as StartSecondServices, key, [...services]))
  }

  objectVersions(key: string): readonly ObjectVersion[] {
    const versions = this.read<ObjectVersionTable>(this.versionsPath)[key]
    return Array.isArray(versions) ? versions : []
  }

  setObjectVersions(key: string, versions: readonly ObjectVersion[]): void {
    this.write(this.versionsPath, boundedMarks(this.read<ObjectVersionTable>(this.versionsPath) as ObjectVersionTable, key, versions))
  }

  servedRequests(key: string): readonly ServedRecord[] {
    return this.served.servedRequests(key)
  }

  addServedRequest(key: string, record: ServedRecord): void {
    this.served.addServedRequest(key, record)
  }
}

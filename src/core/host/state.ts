// What the host keeps with a cluster besides the members' databases: the cluster clock's offset
// from wall time and which masters are stopped (`<cluster folder>/host.json`). Written whole and
// renamed into place, so a reader never sees half of it.
import {readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export const hostStateFileName = 'host.json'

export interface HostState {
  /** Cluster time minus wall time, in milliseconds (never negative: time only moves forward). */
  readonly clockOffsetMilliseconds: number
  /** Masters (by node name) whose components are stopped. */
  readonly stoppedMasters: readonly string[]
  /** Cluster time up to which the control plane has run (one-shot mode catches up from there). */
  readonly settledAtMilliseconds?: number
  /** Each master's leader-election identity (`<node>_<uuid>`), as its running processes hold it. */
  readonly masterIdentities?: Readonly<Record<string, string>>
  /** Cluster time of kube-apiserver's last compaction step (one-shot mode steps again an interval later). */
  readonly compactorSteppedAtMilliseconds?: number
  /** A command changed the cluster and left the loops' work for later (KUBEMU_WAIT=false). */
  readonly workDeferred?: boolean
  /**
   * What the loops left when they last settled (one-shot mode): no loop had work before
   * `untilMilliseconds` (cluster time) unless the store changed past `revision`, so a command
   * before then has nothing to replay.
   */
  readonly idle?: IdleLoops
  /** The built-in APIServices the API servers registered when they last started (none in a folder from before kubemu had them). */
  readonly autoregisteredApiServices?: readonly string[]
}

export interface IdleLoops {
  readonly untilMilliseconds: number
  readonly revision: number
}

export const emptyHostState: HostState = {clockOffsetMilliseconds: 0, stoppedMasters: []}

export class HostStateError extends Error {}

/** Host states parsed, by file path, with the file's identity then: reused while the file is unchanged. */
const hostStatesRead = new Map<string, {readonly inode: number; readonly modifiedMilliseconds: number; readonly bytes: number; readonly state: HostState}>()
/** Cluster folders whose parsed state one process keeps (a process serves one cluster, tests a few). */
const hostStatesReadMax = 16

/**
 * The host state of a cluster folder. `up` asks on every request and loop turn whether a master
 * is stopped, so the parsed file is kept while a stat says it has not changed (every write
 * renames a new file into place, so its inode changes).
 */
export function readHostState(folder: string): HostState {
  const path = join(folder, hostStateFileName)
  const stat = statSync(path, {throwIfNoEntry: false})
  if (!stat) return emptyHostState
  const known = hostStatesRead.get(path)
  if (known && known.inode === stat.ino && known.modifiedMilliseconds === stat.mtimeMs && known.bytes === stat.size) return known.state
  const state = parseHostState(path)
  hostStatesRead.delete(path)
  hostStatesRead.set(path, {inode: stat.ino, modifiedMilliseconds: stat.mtimeMs, bytes: stat.size, state})
  if (hostStatesRead.size > hostStatesReadMax) hostStatesRead.delete(hostStatesRead.keys().next().value as string)
  return state
}

function parseHostState(path: string): HostState {
  let parsed: Partial<HostState>
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<HostState>
  } catch (error) {
    throw new HostStateError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const offset = parsed.clockOffsetMilliseconds
  return {
    clockOffsetMilliseconds: typeof offset === 'number' && Number.isFinite(offset) && offset >= 0 ? offset : 0,
    stoppedMasters: Array.isArray(parsed.stoppedMasters) ? parsed.stoppedMasters.filter((name): name is string => typeof name === 'string') : [],
    ...(parsed.workDeferred === true ? {workDeferred: true} : {}),
    ...(parsed.masterIdentities && typeof parsed.masterIdentities === 'object' ? {masterIdentities: parsed.masterIdentities} : {}),
    ...(typeof parsed.compactorSteppedAtMilliseconds === 'number' && Number.isFinite(parsed.compactorSteppedAtMilliseconds) ? {compactorSteppedAtMilliseconds: parsed.compactorSteppedAtMilliseconds} : {}),
    ...(typeof parsed.settledAtMilliseconds === 'number' && Number.isFinite(parsed.settledAtMilliseconds) ? {settledAtMilliseconds: parsed.settledAtMilliseconds} : {}),
    ...(isIdleLoops(parsed.idle) ? {idle: {untilMilliseconds: parsed.idle.untilMilliseconds, revision: parsed.idle.revision}} : {}),
    ...(Array.isArray(parsed.autoregisteredApiServices) ? {autoregisteredApiServices: parsed.autoregisteredApiServices.filter((name): name is string => typeof name === 'string')} : {}),
  }
}

function isIdleLoops(value: unknown): value is IdleLoops {
  const idle = value as Partial<IdleLoops> | null | undefined
  return typeof idle === 'object' && idle !== null && Number.isFinite(idle.untilMilliseconds) && Number.isSafeInteger(idle.revision)
}

export function writeHostState(folder: string, state: HostState): void {
  const path = join(folder, hostStateFileName)
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state)}\n`)
  renameSync(`${path}.tmp`, path)
  // A file's times may not move within a few milliseconds: this process's next read parses it again.
  hostStatesRead.delete(path)
}

export function updateHostState(folder: string, change: (state: HostState) => HostState): HostState {
  const next = change(readHostState(folder))
  writeHostState(folder, next)
  return next
}

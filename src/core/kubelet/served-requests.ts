// The requests each container run's web server answered, which its access log writes (a
// runtime keeps a container's stdout): kept per run, at most servedRequestsPerContainerMax a
// run (the oldest go first) and servedRunsMax runs (the least recently served go first). On disk,
// one file per run in the cluster folder's served-requests/, so a request rewrites only its run's
// file; one-shot commands and `kubemu up` share them (written whole and renamed into place).
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {AccessLogFormat, ServedRequest} from '../network/access-log.js'

export const servedRequestsFolderName = 'served-requests'
/** Requests a container run's server keeps for its access log (the oldest go first; probes are never kept: their lines come from the spec). */
export const servedRequestsPerContainerMax = 1_000
/** Container runs whose served requests are kept (the least recently served go first). */
export const servedRunsMax = 1_000

/** A request a container's web server answered, with the format its access log writes it in. */
export interface ServedRecord extends ServedRequest {
  readonly format: AccessLogFormat
}

export interface ServedRequestStore {
  /** The requests the run's web server answered (its access log's lines), oldest first. */
  servedRequests(key: string): readonly ServedRecord[]
  addServedRequest(key: string, record: ServedRecord): void
}

export class MemoryServedRequests implements ServedRequestStore {
  /** Map order is insertion order: a run served again moves last. */
  private readonly runs = new Map<string, ServedRecord[]>()

  servedRequests(key: string): readonly ServedRecord[] {
    return this.runs.get(key) ?? []
  }

  addServedRequest(key: string, record: ServedRecord): void {
    const records = [...(this.runs.get(key) ?? []), record].slice(-servedRequestsPerContainerMax)
    this.runs.delete(key)
    this.runs.set(key, records)
    for (const oldest of this.runs.keys()) {
      if (this.runs.size <= servedRunsMax) break
      this.runs.delete(oldest)
    }
  }
}

export class ServedRequestsFileError extends Error {}

export class FileServedRequests implements ServedRequestStore {
  private readonly folder: string

  constructor(clusterFolder: string) {
    this.folder = join(clusterFolder, servedRequestsFolderName)
  }

  /** A run's file: its key (pod uid, container name, restart count: no character a file name cannot hold but the slashes). */
  private pathOf(key: string): string {
    return join(this.folder, `${key.replace(/\//g, '_')}.json`)
  }

  servedRequests(key: string): readonly ServedRecord[] {
    const path = this.pathOf(key)
    if (!existsSync(path)) return []
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown
      return Array.isArray(parsed) ? (parsed as ServedRecord[]) : []
    } catch (error) {
      throw new ServedRequestsFileError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  addServedRequest(key: string, record: ServedRecord): void {
    const path = this.pathOf(key)
    const records = [...this.servedRequests(key), record].slice(-servedRequestsPerContainerMax)
    mkdirSync(this.folder, {recursive: true})
    writeFileSync(`${path}.tmp`, `${JSON.stringify(records)}\n`)
    renameSync(`${path}.tmp`, path)
    this.dropLeastRecent()
  }

  /** Past servedRunsMax runs, the files written longest ago go. */
  private dropLeastRecent(): void {
    const names = readdirSync(this.folder).filter((name) => name.endsWith('.json'))
    if (names.length <= servedRunsMax) return
    const byAge = names.map((name) => ({name, modified: statSync(join(this.folder, name)).mtimeMs})).sort((a, b) => a.modified - b.modified)
    for (const {name} of byAge.slice(0, names.length - servedRunsMax)) rmSync(join(this.folder, name), {force: true})
  }
}

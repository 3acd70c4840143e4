// The requests each container run's web server answered, which its access log writes (a
// runtime keeps a container's stdout): kept per run, at most servedRequestsPerContainerMax a
// run (the oldest go first) and servedRunsMax runs (the least recently served go first). On disk,
// one file per run in the cluster folder's served-requests/, so a request rewrites only its run's
// file; one-shot commands and `kubemu up` share them (written whole and renamed into place).
import {join} from 'node:path'
import type {AccessLogFormat, ServedRequest} from '../network/access-log.js'
import {JsonFolder} from './json-folder.js'

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
  private readonly files: JsonFolder

  constructor(clusterFolder: string) {
    this.files = new JsonFolder(join(clusterFolder, servedRequestsFolderName), (message) => new ServedRequestsFileError(message))
  }

  servedRequests(key: string): readonly ServedRecord[] {
    const parsed = this.files.read(key, 'error')
    return Array.isArray(parsed) ? (parsed as ServedRecord[]) : []
  }

  addServedRequest(key: string, record: ServedRecord): void {
    this.files.write(key, [...this.servedRequests(key), record].slice(-servedRequestsPerContainerMax))
    this.files.dropLeastRecent(servedRunsMax)
  }
}

// The requests a container's own command sends to web servers, kept with the run that sends them.
// The command is replayed in virtual time whenever its run is looked at (by the kubelet, `kubectl
// logs`, an exec), and each replay sends its requests again: logged as served, a request would
// leave a line per replay. Here a replay hands over every request it met with its moment, and
// the run keeps one line per moment: what a replay found up to the cluster time it was looked at
// is settled (a later replay, which may reach another backend through the Service, changes none
// of it); what it found ahead of that time (the kubelet looks an hour ahead) is provisional and
// the next replay's word replaces it. A run that ended (its command exited, a probe or a deletion
// killed it) keeps nothing after its end. A server's access log reads the lines of every run that
// reached it (an index: server run → client runs; and the runs whose end is not known yet, which
// the kubelet ends when their pods are gone). In memory, or files in the cluster folder's
// replayed-requests/ that one-shot commands and `kubemu up` share (written whole, renamed into place).
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {ServedRecord} from './served-requests.js'
import {servedRequestsPerContainerMax} from './served-requests.js'

export const replayedRequestsFolderName = 'replayed-requests'
/** A client run's settled requests kept (the oldest go first), and as many provisional ones (the soonest kept). */
export const replayedRequestsPerRunMax = servedRequestsPerContainerMax
/** Client runs whose requests are kept (the least recently replayed go first). */
export const replayedClientRunsMax = 1_000
/** Server runs in the index, and client runs per server run (the oldest go first). */
export const replayedIndexServersMax = 1_000
export const replayedIndexClientsPerServerMax = 1_000

/** A request one replay of a client run met: the server run that answered it (see containerRunKey) and its line. */
export interface ReplayedRequest {
  readonly server: string
  readonly record: ServedRecord
}

interface ClientRun {
  /** The latest cluster time a replay of the run was looked at: requests up to it are settled. */
  readonly lookedAtMilliseconds: number
  /** When the run ended, once known: no request after it was sent. */
  readonly endsAtMilliseconds: number | null
  readonly requests: readonly ReplayedRequest[]
}

/** Server run → the client runs that reached it; and the client runs whose end is not known yet. */
interface Index {
  readonly servers: Record<string, string[]>
  readonly open: readonly string[]
}

function indexOf(value: unknown): Index {
  const index = value !== null && typeof value === 'object' ? (value as Partial<Index>) : {}
  return {servers: index.servers ?? {}, open: index.open ?? []}
}

/** Where the records live: named JSON documents. */
interface JsonDocuments {
  read(name: string): unknown
  write(name: string, value: unknown): void
  /** Past `max` documents (the index aside), the least recently written go. */
  bound(max: number): void
}

export class ReplayedRequestsFileError extends Error {}

const indexName = 'index'

class MemoryDocuments implements JsonDocuments {
  private readonly documents = new Map<string, unknown>()

  read(name: string): unknown {
    return this.documents.get(name)
  }

  write(name: string, value: unknown): void {
    this.documents.delete(name)
    this.documents.set(name, value)
  }

  bound(max: number): void {
    for (const name of this.documents.keys()) {
      if (this.documents.size <= max + 1) break
      if (name !== indexName) this.documents.delete(name)
    }
  }
}

class FolderDocuments implements JsonDocuments {
  constructor(private readonly folder: string) {}

  /** A document's file: run keys hold no character a file name cannot but the slashes. */
  private pathOf(name: string): string {
    return join(this.folder, `${name.replace(/\//g, '_')}.json`)
  }

  read(name: string): unknown {
    const path = this.pathOf(name)
    if (!existsSync(path)) return undefined
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as unknown
    } catch (error) {
      throw new ReplayedRequestsFileError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  write(name: string, value: unknown): void {
    const path = this.pathOf(name)
    mkdirSync(this.folder, {recursive: true})
    writeFileSync(`${path}.tmp`, `${JSON.stringify(value)}\n`)
    renameSync(`${path}.tmp`, path)
  }

  bound(max: number): void {
    const names = readdirSync(this.folder).filter((name) => name.endsWith('.json') && name !== `${indexName}.json`)
    if (names.length <= max) return
    const byAge = names.map((name) => ({name, modified: statSync(join(this.folder, name)).mtimeMs})).sort((a, b) => a.modified - b.modified)
    for (const {name} of byAge.slice(0, names.length - max)) rmSync(join(this.folder, name), {force: true})
  }
}

function clientRunOf(value: unknown): ClientRun | null {
  if (value === null || typeof value !== 'object' || !Array.isArray((value as ClientRun).requests)) return null
  return value as ClientRun
}

function atOf(request: ReplayedRequest): number {
  return request.record.atMilliseconds
}

export class ReplayedRequests {
  private constructor(private readonly documents: JsonDocuments) {}

  static inMemory(): ReplayedRequests {
    return new ReplayedRequests(new MemoryDocuments())
  }

  static inFolder(clusterFolder: string): ReplayedRequests {
    return new ReplayedRequests(new FolderDocuments(join(clusterFolder, replayedRequestsFolderName)))
  }

  /**
   * What one replay of the client run found up to `untilMilliseconds`, the run looked at
   * `lookedAtMilliseconds` (never after until); `endsAtMilliseconds`: the run's end when the
   * looker knows it. Returns the moment past which provisional requests were cut to the bound
   * (the run should be looked at again then), or null.
   */
  record(client: string, lookedAtMilliseconds: number, untilMilliseconds: number, found: readonly ReplayedRequest[], endsAtMilliseconds: number | null = null): number | null {
    if (lookedAtMilliseconds > untilMilliseconds) throw new RangeError(`a replay looked at ${lookedAtMilliseconds} cannot end before it, at ${untilMilliseconds}`)
    const old = clientRunOf(this.documents.read(client))
    if (!old && found.length === 0) return null
    const settledUntil = old?.lookedAtMilliseconds ?? Number.NEGATIVE_INFINITY
    const ends = [old?.endsAtMilliseconds, endsAtMilliseconds].filter((at): at is number => typeof at === 'number')
    const endsAt = ends.length > 0 ? Math.min(...ends) : null
    const merged = [
      ...(old?.requests ?? []).filter((request) => atOf(request) <= settledUntil || atOf(request) > untilMilliseconds),
      ...found.filter((request) => atOf(request) > settledUntil && atOf(request) <= untilMilliseconds),
    ]
      .filter((request) => endsAt === null || atOf(request) <= endsAt)
      .sort((a, b) => atOf(a) - atOf(b))
    const lookedAt = Math.max(settledUntil, lookedAtMilliseconds)
    const settled = merged.filter((request) => atOf(request) <= lookedAt).slice(-replayedRequestsPerRunMax)
    const ahead = merged.filter((request) => atOf(request) > lookedAt)
    const kept = ahead.slice(0, replayedRequestsPerRunMax)
    this.documents.write(client, {lookedAtMilliseconds: lookedAt, endsAtMilliseconds: endsAt, requests: [...settled, ...kept]} satisfies ClientRun)
    this.documents.bound(replayedClientRunsMax)
    this.index(client, [...settled, ...kept], old?.requests ?? [], endsAt === null)
    return ahead.length > kept.length ? atOf(kept.at(-1)!) : null
  }

  /** The client run ended at `atMilliseconds` (its pod deleted, a probe killed it): requests after it were never sent. */
  end(client: string, atMilliseconds: number): void {
    const old = clientRunOf(this.documents.read(client))
    if (old && (old.endsAtMilliseconds === null || old.endsAtMilliseconds > atMilliseconds)) {
      const requests = old.requests.filter((request) => atOf(request) <= atMilliseconds)
      this.documents.write(client, {...old, endsAtMilliseconds: atMilliseconds, requests} satisfies ClientRun)
    }
    this.index(client, [], [], false)
  }

  /** The client runs with requests kept whose end is not known yet (the kubelet ends those of pods that are gone). */
  openRuns(): readonly string[] {
    return indexOf(this.documents.read(indexName)).open
  }

  /** The lines of the server run's access log that client runs' own commands left up to `untilMilliseconds`. */
  servedBy(server: string, untilMilliseconds: number): ServedRecord[] {
    const clients = indexOf(this.documents.read(indexName)).servers[server] ?? []
    const records: ServedRecord[] = []
    for (const client of clients) {
      const run = clientRunOf(this.documents.read(client))
      for (const request of run?.requests ?? []) if (request.server === server && atOf(request) <= untilMilliseconds) records.push(request.record)
    }
    return records.sort((a, b) => a.atMilliseconds - b.atMilliseconds)
  }

  /**
   * Adds the client to the index of each server it reached that did not list it, and to the open
   * runs (or takes it out once ended); written only when that changes, which is rare.
   */
  private index(client: string, requests: readonly ReplayedRequest[], before: readonly ReplayedRequest[], open: boolean): void {
    const known = new Set(before.map((request) => request.server))
    const reached = [...new Set(requests.map((request) => request.server))].filter((server) => !known.has(server))
    const index = indexOf(this.documents.read(indexName))
    const servers = {...index.servers}
    let changed = false
    for (const server of reached) {
      const clients = servers[server] ?? []
      if (clients.includes(client)) continue
      delete servers[server]
      servers[server] = [...clients, client].slice(-replayedIndexClientsPerServerMax)
      changed = true
    }
    const names = Object.keys(servers)
    for (const server of names.slice(0, Math.max(0, names.length - replayedIndexServersMax))) delete servers[server]
    const listed = index.open.includes(client)
    if (listed !== open) changed = true
    if (!changed) return
    const others = index.open.filter((other) => other !== client)
    this.documents.write(indexName, {servers, open: open ? [...others, client].slice(-replayedClientRunsMax) : others} satisfies Index)
  }
}

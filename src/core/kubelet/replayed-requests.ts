// The requests a container's own command sends to web servers, kept with the run that sends them.
// The command is replayed in virtual time whenever its run is looked at (by the kubelet, `kubectl
// logs`, an exec), and each replay sends its requests again: logged as served, a request would
// leave a line per replay. Here a replay hands over every request it met with its moment, and
// the run keeps one line per moment: what a replay found up to the cluster time it was looked at,
// and what a server's log has shown, is settled (a later replay, which may reach another backend
// through the Service, changes none of it); what it found ahead of that time (the kubelet looks an
// hour ahead) is provisional and the next replay's word replaces it (the requests of the exec
// probes only when that replay ran them). A run that ended (its command exited, a probe or a deletion
// killed it) keeps nothing after its end. A server's access log reads the lines of every run that
// reached its container during its run (an index: server run → client runs; and the runs whose end is not known yet, which
// the kubelet ends when their pods are gone). In memory, or files in the cluster folder's
// replayed-requests/ that one-shot commands and `kubemu up` share (written whole, renamed into place).
import {join} from 'node:path'
import {JsonFolder} from './json-folder.js'
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

/**
 * A request one replay of a client run met: the server container that answered it (its pod's uid
 * and its name: a server's log takes those of its run's time), its line, and whether an exec
 * probe of the client sent it (only the kubelet's look runs the probes).
 */
export interface ReplayedRequest {
  readonly server: string
  readonly record: ServedRecord
  readonly probe?: true
}

interface ClientRun {
  /** Requests up to this cluster time are settled: the run was looked at then, or a server's log showed them. */
  readonly lookedAtMilliseconds: number
  /** The latest moment a replay of the run reached (or the cut of what it found ahead): what the run sent is known up to it. */
  readonly knownUntilMilliseconds: number
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
  private readonly files: JsonFolder

  constructor(folder: string) {
    this.files = new JsonFolder(folder, (message) => new ReplayedRequestsFileError(message))
  }

  /** A file that is not JSON counts as absent: its lines are lost, never the server's whole log. */
  read(name: string): unknown {
    return this.files.read(name, 'absent')
  }

  write(name: string, value: unknown): void {
    this.files.write(name, value)
  }

  bound(max: number): void {
    this.files.dropLeastRecent(max, indexName)
  }
}

function clientRunOf(value: unknown): ClientRun | null {
  if (value === null || typeof value !== 'object' || !Array.isArray((value as ClientRun).requests)) return null
  const run = value as ClientRun
  return {...run, knownUntilMilliseconds: run.knownUntilMilliseconds ?? run.lookedAtMilliseconds}
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
   * looker knows it; `probesRan`: the replay ran the run's exec probes (else the probes' requests
   * kept stay as they are). Returns the moment past which provisional requests were cut to the
   * bound (the run should be looked at again then), or null.
   */
  record(client: string, lookedAtMilliseconds: number, untilMilliseconds: number, found: readonly ReplayedRequest[], endsAtMilliseconds: number | null = null, probesRan = false): number | null {
    if (lookedAtMilliseconds > untilMilliseconds) throw new RangeError(`a replay looked at ${lookedAtMilliseconds} cannot end before it, at ${untilMilliseconds}`)
    const old = clientRunOf(this.documents.read(client))
    if (!old && found.length === 0) return null
    const settledUntil = old?.lookedAtMilliseconds ?? Number.NEGATIVE_INFINITY
    const ends = [old?.endsAtMilliseconds, endsAtMilliseconds].filter((at): at is number => typeof at === 'number')
    const endsAt = ends.length > 0 ? Math.min(...ends) : null
    // This replay's word replaces what was not settled up to its end, except the probes' requests when it did not run them.
    const replaced = (request: ReplayedRequest) => atOf(request) > settledUntil && atOf(request) <= untilMilliseconds && (probesRan || request.probe !== true)
    const merged = [...(old?.requests ?? []).filter((request) => !replaced(request)), ...found.filter(replaced)]
      .filter((request) => endsAt === null || atOf(request) <= endsAt)
      .sort((a, b) => atOf(a) - atOf(b))
    const lookedAt = Math.max(settledUntil, lookedAtMilliseconds)
    const settled = merged.filter((request) => atOf(request) <= lookedAt).slice(-replayedRequestsPerRunMax)
    const ahead = merged.filter((request) => atOf(request) > lookedAt)
    const kept = ahead.slice(0, replayedRequestsPerRunMax)
    const cutAt = ahead.length > kept.length ? atOf(kept.at(-1)!) : null
    const knownUntil = Math.max(old?.knownUntilMilliseconds ?? Number.NEGATIVE_INFINITY, cutAt ?? untilMilliseconds)
    this.documents.write(client, {lookedAtMilliseconds: lookedAt, knownUntilMilliseconds: knownUntil, endsAtMilliseconds: endsAt, requests: [...settled, ...kept]} satisfies ClientRun)
    this.documents.bound(replayedClientRunsMax)
    this.index(client, [...settled, ...kept], old?.requests ?? [], endsAt === null)
    return cutAt
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

  /**
   * The lines of a server run's access log that client runs' own commands left from its start to
   * `untilMilliseconds` (`server`: its container, see ReplayedRequest). What a log showed is
   * settled: a later replay of the client (which may reach another backend) changes none of it.
   */
  servedBy(server: string, fromMilliseconds: number, untilMilliseconds: number): ServedRecord[] {
    const clients = indexOf(this.documents.read(indexName)).servers[server] ?? []
    const records: ServedRecord[] = []
    for (const client of clients) {
      const run = clientRunOf(this.documents.read(client))
      if (!run) continue
      for (const request of run.requests) if (request.server === server && atOf(request) >= fromMilliseconds && atOf(request) <= untilMilliseconds) records.push(request.record)
      const settledUntil = Math.min(untilMilliseconds, run.knownUntilMilliseconds)
      if (settledUntil > run.lookedAtMilliseconds) this.documents.write(client, {...run, lookedAtMilliseconds: settledUntil} satisfies ClientRun)
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

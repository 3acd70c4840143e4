// `kubemu status --watch`: follows the snapshots a running `kubemu up` streams (one JSON line per
// change). Without `up` nothing runs between commands, so there is nothing to follow.
import {FileCredentials} from '../apiserver/authentication/credentials.js'
import {clusterFolder} from '../home.js'
import {runningUp} from '../host/up-marker.js'
import {uiWatchPath} from '../ui/paths.js'
import type {ClusterStatus} from './model.js'
import {StatusUnavailableError} from './cluster-status.js'

/** A stream line longer than this is not a snapshot `up` sent (a snapshot of a large cluster stays well below). */
export const watchLineBytesMax = 64 * 1024 * 1024
/** After a stream ends (`up` bounds each), how many times in a row a new one is asked for before giving up. */
export const watchReconnectsInRowMax = 3

export class StatusWatchNeedsUpError extends Error {
  constructor() {
    super('status --watch follows a running cluster: start `kubemu up` first (without it the cluster is suspended between commands; `kubemu status` shows one snapshot)')
  }
}

/**
 * What changed for a reader: everything but what moves on every tick of a live cluster, the clock,
 * the Leases' renewals and the raft indexes their writes advance (roles, terms and health count).
 */
export function changeKey(status: ClusterStatus): string {
  return JSON.stringify({
    ...status,
    time: null,
    leases: status.leases.map((lease) => ({...lease, renewTime: null})),
    members: status.members.map((member) => ({name: member.name, role: member.role, term: member.term, healthy: member.healthy, error: member.error})),
  })
}

async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffered = ''
  const reader = body.getReader()
  for (;;) {
    const {value, done} = await reader.read()
    if (done) return
    buffered += decoder.decode(value, {stream: true})
    if (buffered.length > watchLineBytesMax) throw new StatusUnavailableError(`kubemu up sent a status line over ${watchLineBytesMax} bytes`)
    let end: number
    while ((end = buffered.indexOf('\n')) >= 0) {
      yield buffered.slice(0, end)
      buffered = buffered.slice(end + 1)
    }
  }
}

/** The snapshots of the cluster as they change, until `signal` aborts or `up` stops. */
export async function* watchStatus(environment: NodeJS.ProcessEnv, signal: AbortSignal): AsyncGenerator<ClusterStatus> {
  const folder = clusterFolder(environment)
  let reconnects = 0
  while (!signal.aborted) {
    const up = runningUp(folder)
    if (!up) {
      if (reconnects === 0) throw new StatusWatchNeedsUpError()
      throw new StatusUnavailableError('kubemu up stopped')
    }
    let response: Response
    try {
      response = await fetch(new URL(uiWatchPath, up.url), {headers: {authorization: `Bearer ${new FileCredentials(folder).adminToken()}`}, signal})
    } catch (error) {
      if (signal.aborted) return
      throw new StatusUnavailableError(`kubemu up at ${up.url} does not answer (${error instanceof Error ? error.message : String(error)})`)
    }
    if (!response.ok || !response.body) throw new StatusUnavailableError(`kubemu up answered ${response.status}: ${(await response.text()).slice(0, 200)}`)
    let received = false
    try {
      for await (const line of lines(response.body)) {
        if (!line.trim()) continue
        const event = JSON.parse(line) as {type: string; object: ClusterStatus}
        received = true
        yield event.object
      }
    } catch (error) {
      if (signal.aborted) return
      // `up` going away closes the stream mid-way: said below when it no longer runs.
      if (!(error instanceof TypeError)) throw error
    }
    reconnects = received ? 1 : reconnects + 1
    if (reconnects > watchReconnectsInRowMax) throw new StatusUnavailableError('kubemu up ends the status stream without sending anything')
  }
}

// What pods/NAME/attach streams: the container's output from the moment of the attach on (a real
// attach replays nothing), as its command prints it on the cluster clock, until that run of the
// container ends (it exits, restarts, or the pod goes). A container made to be attached to
// (stdin: true, as `kubectl run -i` makes it) shows its run from the start: its command runs at
// once in simulated time, before any client could attach, and `run -it` is there to see it. A
// simulated container's output is its log, so this reads the log as time passes and sends what is
// new. The WebSocket front door (server/websocket-streams.ts) and kubemu's own `kubectl attach`
// stream with it. A container with a terminal (tty: true) streams what its terminal shows, as it
// comes, character by character: the echo of each key, the prompt before any newline, each line
// ended with CR NL. An attach to one without stdin starts at its current line (busybox redraws its
// prompt when the attach resizes the terminal).
import {terminalViewQuery} from './pod-logs.js'

/** One request to the API server (a path under /api/v1, its query): its status and body. */
export type AttachAsk = (path: string, query?: Record<string, string>) => Promise<{status: number; body: unknown}>

/** How often an attach looks for new output. */
export const attachPollMilliseconds = 250
/** How often an attach to a terminal looks for what it shows (each key's echo comes back within it). */
export const terminalPollMilliseconds = 100
/** An attach detaches after this long at most (a real one waits until interrupted). */
export const attachMillisecondsMax = 24 * 3600 * 1000

type RunStatus = {name: string; restartCount?: number; state?: {running?: {startedAt?: string}}}

/** The container's current run (its start and restart count), or null when it does not run. */
export function containerRunOf(pod: unknown, container: string): string | null {
  const status = ((pod as {status?: unknown} | null)?.status ?? {}) as {containerStatuses?: RunStatus[]; ephemeralContainerStatuses?: RunStatus[]}
  const found = [...(status.containerStatuses ?? []), ...(status.ephemeralContainerStatuses ?? [])].find((entry) => entry.name === container)
  const startedAt = found?.state?.running?.startedAt
  return startedAt ? `${startedAt} ${found?.restartCount ?? 0}` : null
}

type StreamSpec = {name?: string; stdin?: boolean; tty?: boolean}

function containerSpecOf(pod: unknown, container: string): StreamSpec | undefined {
  const spec = ((pod as {spec?: unknown} | null)?.spec ?? {}) as {containers?: StreamSpec[]; ephemeralContainers?: StreamSpec[]}
  return [...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].find((entry) => entry.name === container)
}

/** Whether the container was made to be attached to (stdin: true). */
function takesStdin(pod: unknown, container: string): boolean {
  return containerSpecOf(pod, container)?.stdin === true
}

/** Whether the container has a terminal (tty: true). */
export function hasTerminal(pod: unknown, container: string): boolean {
  return containerSpecOf(pod, container)?.tty === true
}

export interface AttachFollow {
  readonly ask: AttachAsk
  /** Waits this long (the caller's clock: wall time under `up`, the session's in kubectl). */
  readonly wait: (milliseconds: number) => Promise<void>
  /** The clock the bound is kept on. */
  readonly now: () => number
  /** Sends output on. */
  readonly emit: (text: string) => void
  /** Whether the other side went away (the attach ends). */
  readonly closed?: () => boolean
  /** Called once the attach stands (what was there before it is known): an input sent now shows its output. */
  readonly attached?: () => Promise<void>
}

/**
 * Follows the container of `podPath` (`/api/v1/namespaces/NS/pods/NAME`) from now until its run
 * ends. Returns at once when the container does not run (after the output of its last run, for a
 * container made to be attached to).
 */
export async function followAttachedOutput(follow: AttachFollow, podPath: string, container: string): Promise<void> {
  const logLines = async (previous: boolean): Promise<string[]> => {
    const response = await follow.ask(`${podPath}/log`, {container, ...(previous ? {previous: 'true'} : {})})
    return response.status < 400 ? String(response.body ?? '').split('\n').slice(0, -1) : []
  }
  const first = await follow.ask(podPath)
  if (first.status < 400 && hasTerminal(first.body, container)) return followTerminal(follow, podPath, container, first.body)
  const attachedRun = first.status < 400 ? containerRunOf(first.body, container) : null
  const replays = first.status < 400 && takesStdin(first.body, container)
  if (attachedRun === null) {
    // Ended already (a quick command): a container made to be attached to shows that run.
    const lines = replays ? await logLines(false) : []
    if (lines.length > 0) follow.emit(lines.map((line) => `${line}\n`).join(''))
    return
  }
  let shown = replays ? 0 : (await logLines(false)).length
  await follow.attached?.()
  const show = (lines: readonly string[]) => {
    if (lines.length > shown) follow.emit(lines.slice(shown).map((line) => `${line}\n`).join(''))
    shown = Math.max(shown, lines.length)
  }
  const deadline = follow.now() + attachMillisecondsMax
  while (follow.now() < deadline && !follow.closed?.()) {
    await follow.wait(attachPollMilliseconds)
    const current = await follow.ask(podPath)
    if (current.status >= 400) return
    const run = containerRunOf(current.body, container)
    if (run === attachedRun) {
      show(await logLines(false))
      continue
    }
    // The run ended: the rest of what it printed (its log is the previous one once the container runs again).
    show(await logLines(run !== null))
    return
  }
}

/** What a container's terminal has shown of its run so far, as its log holds it (lines ended by NL, the unfinished last line too). */
async function terminalShows(follow: AttachFollow, podPath: string, container: string, previous: boolean): Promise<string> {
  const response = await follow.ask(`${podPath}/log`, {container, [terminalViewQuery]: 'true', ...(previous ? {previous: 'true'} : {})})
  return response.status < 400 ? String(response.body ?? '') : ''
}

/**
 * Follows a container with a terminal, character by character, until its run ends: what comes
 * from the attach on as the terminal shows it (each NL as CR NL). What it printed before, for one
 * made to be attached to (its command ran at once, before any attach could), shows as its log
 * holds it, as kubectl shows a run it could not attach to in time.
 */
async function followTerminal(follow: AttachFollow, podPath: string, container: string, pod: unknown): Promise<void> {
  const attachedRun = containerRunOf(pod, container)
  const replays = takesStdin(pod, container)
  if (attachedRun === null) {
    const shown = replays ? await terminalShows(follow, podPath, container, false) : ''
    if (shown) follow.emit(shown)
    return
  }
  const start = await terminalShows(follow, podPath, container, false)
  if (replays && start) follow.emit(start)
  let shown = replays ? start.length : start.lastIndexOf('\n') + 1
  const show = (text: string) => {
    if (text.length > shown) follow.emit(text.slice(shown).replace(/\n/g, '\r\n'))
    shown = Math.max(shown, text.length)
  }
  if (!replays) show(start)
  await follow.attached?.()
  const deadline = follow.now() + attachMillisecondsMax
  while (follow.now() < deadline && !follow.closed?.()) {
    await follow.wait(terminalPollMilliseconds)
    const current = await follow.ask(podPath)
    if (current.status >= 400) return
    const run = containerRunOf(current.body, container)
    show(await terminalShows(follow, podPath, container, run !== attachedRun && run !== null))
    if (run !== attachedRun) return
  }
}

// GET pods/NAME/log and POST pods/NAME/exec: what kube-apiserver gets from the kubelet's
// container runtime, asked of the simulated one the host gives the API server (its containers
// run their commands through a simulated shell). Here: kube's errors for a container still
// waiting, a missing previous run or an unknown container, and the log's query options
// (timestamps, sinceSeconds/sinceTime, tailLines, limitBytes).
import type {KubeObject} from '../api/object.js'
import type {ExecSessionAnswer, TextFollow} from '../api/wire.js'
import {type ApiError, apiErrors} from './api-errors.js'

type ContainerStatus = {name: string; restartCount?: number; state?: {waiting?: {reason?: string}; running?: {startedAt?: string}; terminated?: {startedAt?: string; finishedAt?: string; exitCode?: number}}; lastState?: {terminated?: {startedAt?: string; finishedAt?: string; exitCode?: number}}}
type Container = {name: string; image?: string; tty?: boolean}

/**
 * The query key of kubemu's own attach (attach-output.ts): the log as the container's terminal
 * shows it, its unfinished last line (a prompt, keys typed before Enter) too.
 */
export const terminalViewQuery = 'kubemuTerminal'
/**
 * Asks pods/exec, attach or portforward only for what refuses a stream before its upgrade (the pod,
 * the container, the kubelet's dial and its refusal): the front door asks it of a request it
 * cannot upgrade, and answers what comes back (400 "Upgrade request required" when nothing refused).
 * With the value `dial`, only whether the kubelet answers (200 when it does), before an attach's upgrade.
 */
export const upgradeCheckQuery = 'kubemuUpgradeCheck'

/** A --tail larger than this is read as this many lines (a bound; simulated logs are short). */
export const logLinesMax = 100_000

/** Reads the objects a container's environment and volumes name. */
export interface StreamObjectReader {
  get(resource: 'configmaps' | 'secrets', namespace: string, name: string): Promise<KubeObject | null>
  /** The Services of a namespace (a container's service links). */
  services(namespace: string): Promise<readonly KubeObject[]>
}

export interface ContainerRun {
  readonly startedAtMilliseconds: number
  readonly restartCount: number
}

/** The container runtime behind the kubelet, as the API server's log and exec subresources reach it. */
export interface ContainerStreams {
  /** The lines the run wrote up to `until` (its image's output, its command's, its server's access log). */
  logLines(pod: KubeObject, container: string, run: ContainerRun, until: number, reader: StreamObjectReader): Promise<ReadonlyArray<{atMilliseconds: number; text: string; partial?: boolean}>>
  /** Runs `argv` in the container; `stdin` is what the client sent on the exec's stdin (empty without -i). */
  exec(pod: KubeObject, container: string, run: ContainerRun, argv: readonly string[], now: number, reader: StreamObjectReader, stdin?: string): Promise<{stdout: string; stderr: string; exitCode: number; notFound: boolean}>
  /** Starts `argv` in the container on an open stdin (`exec -i`; `terminal`: with a tty, `-t`): what it printed until it waits for input or ends. */
  execSession(pod: KubeObject, container: string, run: ContainerRun, argv: readonly string[], now: number, reader: StreamObjectReader, terminal: boolean): Promise<ExecSessionAnswer>
  /** One piece of an exec session's stdin (`closes`: then its end); null for a session not running in that container. */
  execInput(pod: KubeObject, container: string, session: string, text: string, closes: boolean, now: number): Promise<ExecSessionAnswer | null>
  /** What an attach sends on the container's open stdin at `now` (and its end, with `closes`). */
  sendStdin(pod: KubeObject, container: string, run: ContainerRun, text: string, closes: boolean, now: number): Promise<void>
  /** Whether the node's kubelet accepts connections (a stopped kubelet does not). */
  kubeletListens(node: KubeObject): boolean
  /** A forwarded connection's bytes so far, answered by what listens on the pod's port (the runtime dials it inside the pod). */
  portForward(pod: KubeObject, port: number, input: Buffer, now: number, reader: StreamObjectReader): Promise<ForwardedBytes>
}

/** What a port-forward exchange gave back: the server's bytes, or the runtime's refusal. */
export interface ForwardedBytes {
  readonly refusal?: string
  readonly reply: Buffer
  /** Bytes of the input that answered requests (the rest waits for more). */
  readonly consumedBytes: number
  readonly closes: boolean
}

function statusesOf(pod: KubeObject): ContainerStatus[] {
  const statuses = (pod.status ?? {}) as {containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[]; ephemeralContainerStatuses?: ContainerStatus[]}
  return [...(statuses.containerStatuses ?? []), ...(statuses.initContainerStatuses ?? []), ...(statuses.ephemeralContainerStatuses ?? [])]
}

/** The named container (or the pod's first), kube's 400 when the pod has none by that name. */
export function containerOfRequest(pod: KubeObject, requested: string | undefined): Container {
  const spec = (pod.spec ?? {}) as {containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[]}
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]
  const name = requested || (spec.containers ?? [])[0]?.name || ''
  const container = containers.find((entry) => entry.name === name)
  if (!container) throw apiErrors.badRequest(`container ${name} is not valid for pod ${pod.metadata.name}`)
  return container
}

/** The container's current run, if it runs now (exec needs one). */
/**
 * Why a stream (exec, attach) to a pod's container cannot start, as kube-apiserver and the kubelet
 * refuse it before any upgrade: a pod on no node has no kubelet to reach; the kubelet finds only
 * running containers. Null when it can start.
 */
export function streamRefusal(pod: KubeObject, container: string): ApiError | null {
  if (!(pod.spec as {nodeName?: string} | undefined)?.nodeName) return apiErrors.badRequest(`pod ${pod.metadata.name ?? ''} does not have a host assigned`)
  return runningRun(pod, container) ? null : apiErrors.kubeletRefused(`container not found (${JSON.stringify(container)})`)
}

export function runningRun(pod: KubeObject, container: string): ContainerRun | null {
  const status = statusesOf(pod).find((entry) => entry.name === container)
  const startedAt = status?.state?.running?.startedAt
  return startedAt ? {startedAtMilliseconds: Date.parse(startedAt), restartCount: Number(status?.restartCount ?? 0)} : null
}

function rfc3339Nano(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')
}

/** How often a followed log looks for new lines (kubectl logs -f; the kubelet streams as the container writes). */
export const logFollowPollMilliseconds = 500
/**
 * A followed log's looks take at most this share of the time: a log that takes long to make (a
 * day of probe lines of a web server) is looked at less often, not at the cost of the loop.
 */
export const logFollowBusyShareMax = 0.2

/** The run a log request reads: the container's current one, or the one before (`previous`). */
interface LogRun {
  readonly container: Container
  readonly startedAtMilliseconds: number
  readonly restartCount: number
  /** Its end, for a run that ended (the log's lines stop there). */
  readonly finishedAtMilliseconds: number | null
}

function logRunOf(pod: KubeObject, query: Readonly<Record<string, string>>): LogRun {
  const podName = String(pod.metadata.name)
  const container = containerOfRequest(pod, query.container)
  const name = container.name
  const status = statusesOf(pod).find((entry) => entry.name === name)
  // A container waiting to restart (CrashLoopBackOff) is its last run still: its logs are that run's, as the kubelet answers.
  const waitingAfterRun = !status?.state?.running && !status?.state?.terminated && Boolean(status?.lastState?.terminated)
  const previous = query.previous === 'true' || waitingAfterRun
  if (previous) {
    if (!status?.lastState?.terminated) throw apiErrors.badRequest(`previous terminated container "${name}" in pod "${podName}" not found`)
  } else if (!status || (!status.state?.running && !status.state?.terminated)) {
    const reason = status?.state?.waiting?.reason ?? 'ContainerCreating'
    throw apiErrors.badRequest(`container "${name}" in pod "${podName}" is waiting to start: ${reason}`)
  }
  const run = previous ? status!.lastState!.terminated! : (status!.state!.running ?? status!.state!.terminated!)
  const finishedAt = (run as {finishedAt?: string}).finishedAt
  // A waiting container's count is still its last run's (it grows when the container runs again).
  const restartCount = Number(status!.restartCount ?? 0) - (previous && !waitingAfterRun ? 1 : 0)
  // finishedAt has whole seconds: the run ended within that second (an input on stdin at .773 ended it then).
  return {container, startedAtMilliseconds: Date.parse(run.startedAt ?? ''), restartCount, finishedAtMilliseconds: finishedAt ? Date.parse(finishedAt) + 999 : null}
}

type LogLine = {atMilliseconds: number; text: string; partial?: boolean}

async function runLines(pod: KubeObject, run: LogRun, until: number, streams: ContainerStreams | null, reader: StreamObjectReader): Promise<LogLine[]> {
  // Without a runtime (an API server alone) a container has written nothing.
  return [...((await streams?.logLines(pod, run.container.name, {startedAtMilliseconds: run.startedAtMilliseconds, restartCount: run.restartCount}, until, reader)) ?? [])]
}

function formatLines(lines: readonly LogLine[], run: LogRun, query: Readonly<Record<string, string>>): string {
  const tty = run.container.tty === true
  return lines.map((line) => `${query.timestamps === 'true' ? `${rfc3339Nano(line.atMilliseconds)} ` : ''}${line.text}${tty && line.partial ? '' : '\n'}`).join('')
}

export async function podLogs(pod: KubeObject, query: Readonly<Record<string, string>>, now: number, streams: ContainerStreams | null, reader: StreamObjectReader): Promise<string> {
  return (await podLogsUntil(pod, query, now, streams, reader)).text
}

/** The log as podLogs answers it, and up to when it reads (a follow goes on from there). */
async function podLogsUntil(pod: KubeObject, query: Readonly<Record<string, string>>, now: number, streams: ContainerStreams | null, reader: StreamObjectReader): Promise<{text: string; run: LogRun; until: number}> {
  const run = logRunOf(pod, query)
  const until = run.finishedAtMilliseconds === null ? now : Math.min(now, run.finishedAtMilliseconds)
  const lines = await runLines(pod, run, until, streams, reader)
  let selected = [...lines]
  // A container with a terminal: the runtime's log writer holds an unfinished last line back until a
  // newline comes, and writes it without one when the run ends (containerd's partial line).
  const tty = run.container.tty === true
  if (tty && query[terminalViewQuery] !== 'true' && run.finishedAtMilliseconds === null) selected = selected.filter((line) => !line.partial)
  const sinceSeconds = query.sinceSeconds === undefined ? undefined : Number(query.sinceSeconds)
  if (sinceSeconds !== undefined && Number.isFinite(sinceSeconds)) selected = selected.filter((line) => line.atMilliseconds >= now - sinceSeconds * 1000)
  if (query.sinceTime) {
    const since = Date.parse(query.sinceTime)
    if (Number.isFinite(since)) selected = selected.filter((line) => line.atMilliseconds >= since)
  }
  const tail = query.tailLines === undefined ? -1 : Math.min(Number(query.tailLines), logLinesMax)
  if (tail >= 0) selected = tail === 0 ? [] : selected.slice(-tail)
  let text = formatLines(selected, run, query)
  const limitBytes = query.limitBytes === undefined ? 0 : Number(query.limitBytes)
  if (limitBytes > 0) text = Buffer.from(text).subarray(0, limitBytes).toString('utf8')
  return {text, run, until}
}


/**
 * Up to when a followed run has written, as the pod shows it now: still running (now), ended (its
 * end, whether the container waits to restart or already runs its next run), or gone with its pod
 * (now: whatever it wrote until then).
 */
function followedRunEnd(latest: KubeObject | null, query: Readonly<Record<string, string>>, followed: LogRun, now: number): {at: number; ended: boolean} {
  if (!latest) return {at: now, ended: true}
  let run: LogRun | null = null
  try {
    run = logRunOf(latest, {...query, previous: 'false'})
  } catch {
    run = null
  }
  if (run && run.startedAtMilliseconds === followed.startedAtMilliseconds) return {at: run.finishedAtMilliseconds ?? now, ended: run.finishedAtMilliseconds !== null}
  // Restarted at once: the run before the current one is the followed one.
  const status = statusesOf(latest).find((entry) => entry.name === followed.container.name)
  const last = status?.lastState?.terminated
  if (last?.startedAt && Date.parse(last.startedAt) === followed.startedAtMilliseconds && last.finishedAt) return {at: Date.parse(last.finishedAt) + 999, ended: true}
  return {at: now, ended: true}
}

/**
 * A followed log (`follow=true`, kubectl logs -f): the log so far, then what the run writes as the
 * cluster clock moves on, looked for every logFollowPollMilliseconds of wall time, until the run
 * ends, the pod goes, the client goes away or limitBytes is reached.
 */
export async function followPodLogs(
  pod: KubeObject,
  query: Readonly<Record<string, string>>,
  clock: {nowMilliseconds(): number},
  streams: ContainerStreams | null,
  reader: StreamObjectReader,
  currentPod: () => Promise<KubeObject | null>,
): Promise<{text: string; follow: TextFollow}> {
  const first = await podLogsUntil(pod, query, clock.nowMilliseconds(), streams, reader)
  const limitBytes = query.limitBytes === undefined ? 0 : Number(query.limitBytes)
  let sentBytes = Buffer.byteLength(first.text)
  let until = first.until
  let ended = first.run.finishedAtMilliseconds !== null || (limitBytes > 0 && sentBytes >= limitBytes)
  let wake: (() => void) | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let lookMilliseconds = 0
  const follow: TextFollow = {
    async next() {
      if (ended) return null
      await new Promise<void>((resolve) => {
        wake = resolve
        timer = setTimeout(resolve, Math.max(logFollowPollMilliseconds, lookMilliseconds / logFollowBusyShareMax))
      })
      wake = null
      if (ended) return null
      const latest = await currentPod().catch(() => null)
      const end = followedRunEnd(latest, query, first.run, clock.nowMilliseconds())
      if (end.ended) ended = true
      if (end.at <= until) return ended ? null : ''
      const lookStarted = performance.now()
      const written = await runLines(latest ?? pod, first.run, end.at, streams, reader)
      lookMilliseconds = performance.now() - lookStarted
      const fresh = written.filter((line) => line.atMilliseconds > until && line.atMilliseconds <= end.at && (!line.partial || ended || first.run.container.tty !== true))
      until = end.at
      let text = formatLines(fresh, first.run, query)
      if (limitBytes > 0) {
        text = Buffer.from(text).subarray(0, Math.max(0, limitBytes - sentBytes)).toString('utf8')
        if (sentBytes + Buffer.byteLength(text) >= limitBytes) ended = true
      }
      sentBytes += Buffer.byteLength(text)
      return text
    },
    cancel() {
      ended = true
      if (timer !== null) clearTimeout(timer)
      ;(wake as (() => void) | null)?.()
    },
  }
  return {text: first.text, follow}
}

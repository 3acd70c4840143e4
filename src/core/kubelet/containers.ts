// The simulated container runtime: what a container's process does, computed from its spec,
// its start on the cluster clock and now (the run replayed in virtual time, with execs' changes
// and exec probes at their moments); its log, its exit or the probe failure that kills it, its
// readiness; and exec of a command into it. The kubelet and the API server's log and exec
// subresources ask it the same questions, so every process computes the same answers.
import {networkUnavailable, type PodNetwork, replayedNetwork, type ServedRequestRecorder} from '../network/types.js'
import type {ReplayedRequest} from './replayed-requests.js'
import {forwardedExchange, type ForwardedReply, podOnlyView} from '../network/port-forward.js'
import {filesOfListener, servedRequest} from '../network/container-servers.js'
import {imageServer} from '../network/image-servers.js'
import {imageStartupLines} from './image-output.js'
import {serverLogLines, stableByTime} from './container-log.js'
import type {SimulatedFileSystem} from './shell/filesystem.js'
import {runningRun} from '../apiserver/pod-logs.js'
import type {Container, Node, Pod, Probe} from '../api/kinds.js'
import {isStopped} from './heartbeat.js'
import {argvOf, containersOf, environmentOf, filesystemOf, type HostPathFiles, hostnameOf, type PodObjectReader, rewriteChangedVolumes, updatingVolumeSources} from './container-setup.js'
import {PodObjectVersions} from './object-versions.js'
import {containerRunKey, type ContainerStateStore, FileContainerState, MemoryContainerState} from './container-state.js'
import type {ServedRecord} from './served-requests.js'
import {firstFailureRun, firstSuccess, httpProbeRequest, networkProbe, type ProbeKind, type ProbeResult, probeTimes, latestProbeTimes, readinessAt} from './probes.js'
import {FileNodeImages, MemoryNodeImages, type NodeImageStore} from './node-images.js'
import {termReaction} from './termination.js'
import type {ContainerTools} from './shell/process-context.js'
import {isKnownProgram, type LogLine, logLinesMax, type RunResult, type RunSpec, runOverTime, runToEnd, startSession, type StdinInput, type TimedEvent} from './shell/run.js'
import {ExecSessions} from './exec-sessions.js'
import {identityOf} from './shell/identity.js'
import type {ExecSessionAnswer} from '../api/wire.js'
import type {Clock} from '../util/clock.js'

/** How far ahead of now the kubelet looks for a container's exit or a probe's verdict, so it wakes at that moment. */
export const lookaheadMilliseconds = 3_600_000

export const runSecondsAnnotation = 'kubemu.io/run-seconds'
export const exitCodeAnnotation = 'kubemu.io/exit-code'

/** How a container runs: through the simulated shell, or as the kubemu.io annotations (or the image's own command) say. */
export function followsCommand(pod: Pod, container: Container): boolean {
  // The run-seconds annotation times the pod's containers; a one-off init container always runs
  // its program out, its image's own when it names no command.
  if (isOneOffInit(pod, container)) return true
  return pod.metadata.annotations?.[runSecondsAnnotation] === undefined && hasCommand(container)
}

/** An init container that runs to its end before the next starts (not a sidecar, whose restartPolicy is Always). */
function isOneOffInit(pod: Pod, container: Container): boolean {
  return container.restartPolicy !== 'Always' && (pod.spec.initContainers ?? []).some((entry) => entry.name === container.name)
}

function hasCommand(container: Container): boolean {
  return [...(container.command ?? []), ...(container.args ?? [])].length > 0
}

/** A Job's or a one-off init container's unknown program finishes its work; any other runs as a server. Annotated and command-less containers end as the annotations say, not here. */
function unknownProgramOf(pod: Pod, container: Container): RunSpec['unknownProgram'] {
  // A one-off init container's program does its work and exits (a migration, a fetch), as a Job's does.
  if (isOneOffInit(pod, container)) return 'finishes'
  return followsCommand(pod, container) && (pod.metadata.ownerReferences ?? []).some((owner) => owner.controller && owner.kind === 'Job') ? 'finishes' : 'server'
}

export interface ContainerRunStart {
  readonly startedAtMilliseconds: number
  readonly restartCount: number
}

/** A container's end: its own exit, or a kill by a failed probe. */
export interface ContainerEnd {
  readonly atMilliseconds: number
  readonly exitCode: number
  readonly killedBy: 'liveness' | 'startup' | null
}

/** A probe that failed, of its kind: each is an Unhealthy event ("Liveness probe failed: …"). */
export interface ProbeFailure extends ProbeResult {
  readonly kind: ProbeKind
}

export interface ContainerOutcome {
  /** Set when the container ended by now. */
  readonly end: ContainerEnd | null
  readonly started: boolean
  readonly ready: boolean
  /**
   * Every probe failure of the run up to now (and up to its end), in time order, each an Unhealthy
   * event: the kubelet's prober records every failed probe, whether it kills (a liveness or
   * startup probe's failureThreshold-th in a row), makes the container unready, or neither (a
   * liveness probe that fails once and then passes).
   */
  readonly probeFailures: readonly ProbeFailure[]
  /** When something changes next (an exit, a kill, readiness), for the kubelet to look again. */
  readonly nextChangeAtMilliseconds: number | null
}

export interface ExecOutcome {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
  /** The runtime could not start the program (exec's OCI error). */
  readonly notFound: boolean
}

/** ContainerStreams' errors a caller shows as they are. */
export class ContainerRuntimeError extends Error {}

export class SimulatedContainers {
  constructor(
    private readonly state: ContainerStateStore = new MemoryContainerState(),
    /** The pod network curl, wget, nslookup and the network probes use (asked when needed: it may open later than the runtime). */
    private readonly networkOf: () => PodNetwork = () => networkUnavailable,
    /** The images each node holds (pulled by container starts). */
    readonly images: NodeImageStore = new MemoryNodeImages(),
    /** The cluster clock, for exec sessions whose commands sleep (null: the moments the API server gives). */
    clusterClock: Clock | null = null,
    /** The host's tools an exec may run (etcdctl in etcd's images); none without. */
    private readonly tools: ContainerTools | null = null,
    /** What the nodes keep under the host paths pods mount; nothing without. */
    private readonly hostPathFiles: HostPathFiles | null = null,
  ) {
    this.sessions = new ExecSessions(clusterClock)
  }

  private get network(): PodNetwork {
    return this.networkOf()
  }

  /** A node's kubelet listens unless `kubemu node stop` stopped it. */
  kubeletListens(node: Node): boolean {
    return !isStopped(node)
  }

  /** A forwarded connection's bytes so far, answered by what listens on the pod's port: the runtime dials it inside the pod, so no Service rule or NetworkPolicy stands between. */
  async portForward(pod: Pod, port: number, input: Buffer, now: number, reader: PodObjectReader): Promise<ForwardedReply> {
    const files = await filesOfListener(pod, port, (_pod, container) => this.filesAt(pod, container, now, reader))
    return forwardedExchange(podOnlyView(pod, now), pod, port, input, files, this.servedRequests)
  }

  /**
   * Records a request the container's web server answered in its current run's access log (the
   * pod network and port-forward tell it); a container that no longer runs keeps no line.
   */
  readonly servedRequests: ServedRequestRecorder = (pod, containerName, served, format) => {
    const run = runningRun(pod, containerName)
    if (run) this.state.addServedRequest(containerRunKey(String(pod.metadata.uid), containerName, run.restartCount), {...served, format})
  }

  /**
   * The files of the container's current run at `now` (its volumes, what its command and the
   * execs wrote until then), as its server reads them; null when it does not run.
   */
  async filesAt(pod: Pod, containerName: string, now: number, reader: PodObjectReader): Promise<SimulatedFileSystem | null> {
    const run = runningRun(pod, containerName)
    if (!run) return null
    return this.replayFiles(pod, this.containerOf(pod, containerName), run, Math.max(now, run.startedAtMilliseconds), reader)
  }

  private containerOf(pod: Pod, name: string): Container {
    const container = containersOf(pod).find((entry) => entry.name === name)
    if (!container) throw new ContainerRuntimeError(`container ${name} is not valid for pod ${pod.metadata.name}`)
    return container
  }

  /**
   * Keeps what a replay of the container's own command sent (see replayed-requests.ts), the run
   * looked at `lookedAt`; the moment its provisional requests were cut at, or null.
   */
  private keepReplayed(pod: Pod, container: string, run: ContainerRunStart, lookedAt: number, until: number, found: readonly ReplayedRequest[], endsAt: number | null = null, probesRan = false): number | null {
    return this.state.replayed.record(containerRunKey(String(pod.metadata.uid), container, run.restartCount), lookedAt, until, found, endsAt, probesRan)
  }

  /** The run ended at `atMilliseconds` (its pod deleted): requests its command would send after it were never sent. */
  runEnded(pod: Pod, containerName: string, run: ContainerRunStart, atMilliseconds: number): void {
    this.state.replayed.end(containerRunKey(String(pod.metadata.uid), containerName, run.restartCount), atMilliseconds)
  }

  /** Ends, at `now` at the latest, the kept runs of pods that are gone (deleted while no kubelet watched them). */
  endRunsOfGonePods(isLive: (podUid: string) => boolean, now: number): void {
    for (const client of this.state.replayed.openRuns()) if (!isLive(client.split('/')[0]!)) this.state.replayed.end(client, now)
  }

  /**
   * A recorder that adds each line a server's access log would keep to `found`, with the server's
   * container (its log takes the lines of its run's time: the replay answers with the network as
   * it is now, which may have had another run, or none, at the request's moment).
   */
  private collector(found: ReplayedRequest[], probe = false): ServedRequestRecorder {
    return (server, containerName, served, format) => {
      found.push({server: `${String(server.metadata.uid)}/${containerName}`, record: {...served, format}, ...(probe ? {probe: true as const} : {})})
    }
  }

  /** `found`: where a replay of the container's own command keeps its requests (none kept without it), `snapshot` the network reading it is answered by; an exec's (`argv`) are logged as they are served. */
  private async spec(pod: Pod, container: Container, run: ContainerRunStart, reader: PodObjectReader, unknownProgram: RunSpec['unknownProgram'], argv?: readonly string[], found: ReplayedRequest[] = [], snapshot?: PodNetwork): Promise<RunSpec> {
    const key = containerRunKey(String(pod.metadata.uid), container.name, run.restartCount)
    // The ConfigMaps and Secrets as they were when the run started (later changes reach its volumes by events).
    const atStart = new PodObjectVersions(reader, this.state, pod, run.startedAtMilliseconds).asOf(run.startedAtMilliseconds)
    const environment = await environmentOf(pod, container, atStart, {startedAtMilliseconds: run.startedAtMilliseconds, servicesOfStartSecond: this.state.servicesOfStartSecond(key)})
    return {
      // A container without a command runs its image's: a program the shell does not know.
      argv: argv ?? argvOf(container, environment) ?? [container.image || 'entrypoint'],
      environment,
      fs: await filesystemOf(pod, container, atStart, this.hostPathFiles ?? undefined, run.startedAtMilliseconds),
      hostname: hostnameOf(pod),
      source: {kind: 'pod', namespace: String(pod.metadata.namespace), name: String(pod.metadata.name)},
      unknownProgram,
      // The container's own command is replayed whenever its run is looked at: its requests are
      // kept with its run, once per moment (an exec's run now, and are logged as served).
      network: argv === undefined ? replayedNetwork(snapshot ?? this.network.snapshot(), this.collector(found)) : this.network,
      // The container's own command writes to a terminal when it asked for one (run -it); an exec here never does.
      terminal: argv === undefined && container.tty === true,
      // Its stdin stays open for attaches (run -i); an exec's has only what the exec sent.
      stdinOpen: argv === undefined && container.stdin === true,
      // The programs on PATH are the image's: busybox has wget but no curl, curlimages/curl has curl.
      ...(container.image ? {image: container.image} : {}),
      // The host's tools only for an exec: the container's own command is replayed again and again.
      ...(argv !== undefined && this.tools ? {tools: this.tools} : {}),
      // Its command, its execs and its probes run as its securityContext says.
      user: identityOf(pod, container),
    }
  }

  /** What happens to the run's files up to `until`: execs' changes, and the kubelet's writes of volumes whose objects changed. */
  private fileEvents(pod: Pod, container: Container, run: ContainerRunStart, reader: PodObjectReader, until: number): TimedEvent[] {
    const versions = new PodObjectVersions(reader, this.state, pod, run.startedAtMilliseconds)
    const changed = new Map<number, Set<string>>()
    for (const change of versions.changes(until, updatingVolumeSources(pod, container))) {
      const keys = changed.get(change.atMilliseconds) ?? new Set<string>()
      changed.set(change.atMilliseconds, keys.add(change.key))
    }
    const volumeWrites = [...changed].map(([atMilliseconds, keys]): TimedEvent => ({atMilliseconds, apply: (fs) => rewriteChangedVolumes(fs, pod, container, versions.asOf(atMilliseconds), keys, atMilliseconds)}))
    return [...this.execEvents(pod, container.name, run), ...volumeWrites]
  }

  private execEvents(pod: Pod, container: string, run: ContainerRunStart): TimedEvent[] {
    return this.state.records(containerRunKey(String(pod.metadata.uid), container, run.restartCount)).filter((record) => record.changes.length > 0).map((record) => ({
      atMilliseconds: record.atMilliseconds,
      apply: (fs) => fs.apply(record.changes),
    }))
  }

  /** What attaches sent on the run's open stdin, in order: text, then its end once one closed it. */
  private stdinInputs(pod: Pod, container: string, run: ContainerRunStart): StdinInput[] {
    const inputs: StdinInput[] = []
    for (const record of this.state.records(containerRunKey(String(pod.metadata.uid), container, run.restartCount))) {
      if (inputs.at(-1)?.text === null) break
      if (record.stdin) inputs.push({atMilliseconds: record.atMilliseconds, text: record.stdin})
      if (record.closesStdin) inputs.push({atMilliseconds: record.atMilliseconds, text: null})
    }
    return inputs
  }

  private readonly stdinListeners: Array<(pod: Pod) => void> = []

  /** Told of every input an attach sends (the kubelet looks at the pod again: its command may end on it). */
  onStdin(listener: (pod: Pod) => void): void {
    this.stdinListeners.push(listener)
  }

  /**
   * What an attach sends on the container's stdin at `now` (its end too, with `closes`: a
   * stdinOnce container's stdin closes when its first attach's does); its command reads it in
   * its run, as it reads the clock. A container without stdin: true reads none of it.
   */
  async sendStdin(pod: Pod, containerName: string, run: ContainerRunStart, text: string, closes: boolean, now: number): Promise<void> {
    const container = this.containerOf(pod, containerName)
    if (container.stdin !== true || (text === '' && !closes)) return
    this.state.add(containerRunKey(String(pod.metadata.uid), containerName, run.restartCount), {atMilliseconds: now, changes: [], ...(text ? {stdin: text} : {}), ...(closes ? {closesStdin: true} : {})})
    for (const listener of this.stdinListeners) listener(pod)
  }

  /** The run from its start to `until`, with execs' changes and (when asked) exec probes at their moments. */
  private async replay(pod: Pod, container: Container, run: ContainerRunStart, until: number, reader: PodObjectReader, found: ReplayedRequest[], probes: Partial<Record<ProbeKind, ProbeResult[]>> = {}): Promise<RunResult> {
    // The command and its exec probes are answered by one reading of the network.
    const probeNetwork = this.network.snapshot()
    const spec = await this.spec(pod, container, run, reader, unknownProgramOf(pod, container), undefined, found, probeNetwork)
    const events = this.fileEvents(pod, container, run, reader, until)
    for (const kind of Object.keys(probes) as ProbeKind[]) {
      const probe = probeOf(container, kind)
      const results = probes[kind]!
      if (!probe?.exec) continue
      const probeSpec = {...spec, argv: probe.exec.command ?? [], unknownProgram: 'not-found' as const, terminal: false, network: replayedNetwork(probeNetwork, this.collector(found, true))}
      for (const at of probeTimes(probe, run.startedAtMilliseconds, until)) {
        events.push({
          atMilliseconds: at,
          apply: async (fs) => {
            const answer = await runToEnd({...probeSpec, fs: fs.clone()}, at)
            results.push({atMilliseconds: at, success: answer.code === 0, output: `${answer.stdout}${answer.stderr}`.replace(/\n$/, '')})
          },
        })
      }
    }
    return runOverTime(spec, run.startedAtMilliseconds, until, events, this.stdinInputs(pod, container.name, run))
  }

  /** Where the container's run stands at `now`. */
  async outcome(pod: Pod, containerName: string, run: ContainerRunStart, now: number, reader: PodObjectReader): Promise<ContainerOutcome> {
    const container = this.containerOf(pod, containerName)
    const until = now + lookaheadMilliseconds
    const probes: Partial<Record<ProbeKind, ProbeResult[]>> = {}
    for (const kind of ['startup', 'liveness', 'readiness'] as const) {
      const probe = probeOf(container, kind)
      if (!probe) continue
      if (probe.exec) probes[kind] = []
      else {
        const answer = await networkProbe(probe, pod, container, this.network)
        probes[kind] = probeTimes(probe, run.startedAtMilliseconds, until).map((at) => ({atMilliseconds: at, ...answer}))
      }
    }
    const found: ReplayedRequest[] = []
    const result = await this.replay(pod, container, run, until, reader, found, probes)
    const startup = probeOf(container, 'startup')
    const startupResults = probes.startup ?? []
    const startedAt = startup ? firstSuccess(startupResults) : run.startedAtMilliseconds
    const ends: ContainerEnd[] = []
    if (result.exit && followsCommand(pod, container)) ends.push({atMilliseconds: result.exit.atMilliseconds, exitCode: result.exit.code, killedBy: null})
    // The probes that ran: the startup probe until it first passed, the others after (all of them without one).
    const startupRan = startupResults.filter((entry) => startedAt === null || entry.atMilliseconds < startedAt)
    if (startup) {
      const failed = firstFailureRun(startupRan, startup)
      if (failed) ends.push({atMilliseconds: failed.atMilliseconds, exitCode: 137, killedBy: 'startup'})
    }
    const liveness = probeOf(container, 'liveness')
    const livenessRan = startedAt === null ? [] : (probes.liveness ?? []).filter((entry) => entry.atMilliseconds > startedAt || !startup)
    if (liveness) {
      const failed = firstFailureRun(livenessRan, liveness)
      if (failed) ends.push({atMilliseconds: failed.atMilliseconds, exitCode: 137, killedBy: 'liveness'})
    }
    const end = ends.sort((a, b) => a.atMilliseconds - b.atMilliseconds)[0] ?? null
    const started = startedAt !== null && startedAt <= now
    const readiness = probeOf(container, 'readiness')
    const readinessResults = (probes.readiness ?? []).filter((entry) => startedAt !== null && (entry.atMilliseconds > startedAt || !startup))
    const readyState = readiness ? readinessAt(readinessResults, readiness, now) : {ready: started, changesAtMilliseconds: null, failure: null}
    // Each failed probe is an event, so the kubelet looks again at the next one (one look per period at most).
    const failures = [
      ...startupRan.map((entry) => ({...entry, kind: 'startup' as const})),
      ...livenessRan.map((entry) => ({...entry, kind: 'liveness' as const})),
      ...readinessResults.map((entry) => ({...entry, kind: 'readiness' as const})),
    ].filter((entry) => !entry.success && (end === null || entry.atMilliseconds <= end.atMilliseconds)).sort((a, b) => a.atMilliseconds - b.atMilliseconds)
    const nextFailure = failures.find((entry) => entry.atMilliseconds > now)?.atMilliseconds
    // A probe's kill is the run's end once it happened (a later one is a forecast the next look may change).
    const requestsCutAt = this.keepReplayed(pod, container.name, run, now, until, found, end && end.atMilliseconds <= now ? end.atMilliseconds : null, true)
    const changes = [end?.atMilliseconds, readyState.changesAtMilliseconds, nextFailure, startedAt !== null && startedAt > now ? startedAt : null, result.exit || result.wakesAtMilliseconds === null ? null : until, requestsCutAt]
      .filter((at): at is number => typeof at === 'number' && at > now)
    return {
      end: end && end.atMilliseconds <= now ? end : null,
      started,
      ready: started && readyState.ready,
      probeFailures: failures.filter((entry) => entry.atMilliseconds <= now),
      nextChangeAtMilliseconds: changes.length > 0 ? Math.min(...changes) : null,
    }
  }

  /**
   * When the container's process ends after the SIGTERM sent at `signalAt` (its pod deleted, or
   * its pod's sidecars stopped): at once, when its trap's foreground command ends, or when its
   * command ends by itself before `killAt` (a shell ignores TERM as PID 1 but still exits once its
   * script is done); null when it lives until the grace period's SIGKILL at `killAt`.
   */
  async endAfterTerm(pod: Pod, containerName: string, run: ContainerRunStart, signalAt: number, killAt: number, reader: PodObjectReader): Promise<{atMilliseconds: number; exitCode: number} | null> {
    const container = this.containerOf(pod, containerName)
    const reaction = termReaction(container)
    if (reaction.kind === 'exits') return {atMilliseconds: signalAt, exitCode: reaction.exitCode}
    if (!followsCommand(pod, container)) return null
    const found: ReplayedRequest[] = []
    const result = await this.replay(pod, container, run, signalAt, reader, found)
    this.keepReplayed(pod, container.name, run, signalAt, signalAt, found)
    if (result.exit) return {atMilliseconds: result.exit.atMilliseconds, exitCode: result.exit.code}
    if (reaction.kind === 'trap' && result.wakesAtMilliseconds !== null) return {atMilliseconds: result.wakesAtMilliseconds, exitCode: reaction.exitCode}
    // The signal changed nothing: the command runs on, and may end before the kill.
    if (killAt <= signalAt) return null
    const onward: ReplayedRequest[] = []
    const rest = await this.replay(pod, container, run, killAt, reader, onward)
    const exit = rest.exit && rest.exit.atMilliseconds <= killAt ? rest.exit : null
    this.keepReplayed(pod, container.name, run, signalAt, exit?.atMilliseconds ?? killAt, onward)
    return exit ? {atMilliseconds: exit.atMilliseconds, exitCode: exit.code} : null
  }

  /** Records the Services of the run's start second the kubelet knew as it started the run (see ContainerStateStore.servicesOfStartSecond). */
  recordServicesOfStartSecond(pod: Pod, containerName: string, run: ContainerRunStart, services: readonly string[]): void {
    if (services.length > 0) this.state.setServicesOfStartSecond(containerRunKey(String(pod.metadata.uid), containerName, run.restartCount), services)
  }

  /** Up to when a run's failures of one probe have their events; null before the first. */
  probeEventsRecordedUntil(pod: Pod, containerName: string, run: ContainerRunStart, kind: ProbeKind): number | null {
    return this.state.eventsRecordedUntil(`${containerRunKey(String(pod.metadata.uid), containerName, run.restartCount)}/${kind}`)
  }

  setProbeEventsRecordedUntil(pod: Pod, containerName: string, run: ContainerRunStart, kind: ProbeKind, atMilliseconds: number): void {
    this.state.setEventsRecordedUntil(`${containerRunKey(String(pod.metadata.uid), containerName, run.restartCount)}/${kind}`, atMilliseconds)
  }

  /**
   * The lines a run wrote up to `until` (its end, for a finished run): its image's start-up
   * output, what its command printed, and its web server's access log (the requests recorded as
   * they were served, and the kubelet's HTTP probes, computed from the spec: a line per probe is
   * never stored). Nothing for a container whose image kubemu does not know and that runs no command.
   */
  async logLines(pod: Pod, containerName: string, run: ContainerRunStart, until: number, reader: PodObjectReader): Promise<LogLine[]> {
    const container = this.containerOf(pod, containerName)
    const spec = await this.spec(pod, container, run, reader, unknownProgramOf(pod, container))
    const startup = imageStartupLines(pod, container, run.startedAtMilliseconds, spec.fs)
    // An annotated run time ends the run, but what its command printed until then is its log.
    const found: ReplayedRequest[] = []
    const printed = hasCommand(container) ? (await this.replay(pod, container, run, until, reader, found)).log : []
    this.keepReplayed(pod, containerName, run, until, until, found)
    const key = containerRunKey(String(pod.metadata.uid), containerName, run.restartCount)
    const served: ServedRecord[] = [...this.state.servedRequests(key), ...this.state.replayed.servedBy(`${String(pod.metadata.uid)}/${containerName}`, run.startedAtMilliseconds, until), ...(await this.probeRequests(pod, container, run, until, reader))]
    const lines = [...startup, ...printed, ...serverLogLines(served.filter((record) => record.atMilliseconds <= until))].filter((line) => line.atMilliseconds <= until)
    // Sorted by time; a stable sort keeps each source's own order within one millisecond.
    return lines.length > logLinesMax ? stableByTime(lines).slice(-logLinesMax) : stableByTime(lines)
  }

  /**
   * The kubelet's httpGet probes that reach this container's web server (probes of the pod's
   * containers aimed at its IP and the server's port) as the server saw them, one per probe run,
   * from the node's address, answered as the server answers the probe's request with its files at
   * `until` (the kubelet's prober reads the network once for a window the same way).
   */
  private async probeRequests(pod: Pod, container: Container, run: ContainerRunStart, until: number, reader: PodObjectReader): Promise<ServedRecord[]> {
    const server = imageServer(container as unknown as Record<string, unknown>)
    if (!server?.accessLog) return []
    const format = server.accessLog
    const nodeIp = String((pod.status as {hostIP?: string} | undefined)?.hostIP ?? '')
    const podIp = String((pod.status as {podIP?: string} | undefined)?.podIP ?? '')
    const records: ServedRecord[] = []
    let files: SimulatedFileSystem | null = null
    for (const prober of containersOf(pod)) {
      for (const kind of ['startup', 'liveness', 'readiness'] as const) {
        const probe = probeOf(prober, kind)
        const http = probe ? httpProbeRequest(probe, pod, prober) : null
        if (!probe || !http || http.host !== podIp || !server.ports.includes(http.port)) continue
        files ??= await this.replayFiles(pod, container, run, until, reader)
        const request = {method: 'GET', path: http.path, headers: {host: `${http.host}:${http.port}`, accept: '*/*', connection: 'close', ...http.headers}, clientIp: nodeIp}
        const response = server.answer({...request, podName: String(pod.metadata.name), nowMilliseconds: until, startedMilliseconds: run.startedAtMilliseconds, files}, http.port)
        if (response.status === 0) continue
        // A startup probe stops at its first success; the others' latest runs are what the log keeps.
        const times = kind === 'startup' && response.status >= 200 && response.status < 400
          ? probeTimes(probe, run.startedAtMilliseconds, until).slice(0, 1)
          : latestProbeTimes(probe, run.startedAtMilliseconds, until, logLinesMax)
        for (const at of times) records.push({...servedRequest(at, request, response), format})
      }
    }
    return records
  }

  /** Runs `argv` in the running container at `now`, `stdin` on its standard input; what it changes in the files stays with the run. */
  async exec(pod: Pod, containerName: string, run: ContainerRunStart, argv: readonly string[], now: number, reader: PodObjectReader, stdin = ''): Promise<ExecOutcome> {
    const container = this.containerOf(pod, containerName)
    if (argv.length === 0 || !isKnownProgram(argv[0]!, container.image || undefined)) return {stdout: '', stderr: '', exitCode: 126, notFound: true}
    const before = await this.replayFiles(pod, container, run, now, reader)
    const spec = await this.spec(pod, container, run, reader, 'not-found', argv)
    const fs = before.clone()
    const answer = await runToEnd({...spec, fs}, now, stdin)
    const changes = fs.changesSince(before)
    if (changes.length > 0) this.state.add(containerRunKey(String(pod.metadata.uid), containerName, run.restartCount), {atMilliseconds: now, changes})
    return {stdout: answer.stdout, stderr: answer.stderr, exitCode: answer.code, notFound: false}
  }

  /**
   * Starts `argv` in the running container at `now` on an open stdin (`exec -i`): it runs until it
   * waits for input or ends; `execInput` sends it each piece as it comes.
   */
  async execSession(pod: Pod, containerName: string, run: ContainerRunStart, argv: readonly string[], now: number, reader: PodObjectReader, terminal = false): Promise<ExecSessionAnswer> {
    const container = this.containerOf(pod, containerName)
    if (argv.length === 0 || !isKnownProgram(argv[0]!, container.image || undefined)) return {session: '', output: [], exitCode: 126, notFound: true}
    const before = await this.replayFiles(pod, container, run, now, reader)
    const spec = await this.spec(pod, container, run, reader, 'not-found', argv)
    const fs = before.clone()
    // On a terminal (exec -t) the command's stdout is one: a shell reading commands shows its prompt.
    const shell = await startSession({...spec, fs, terminal}, now, {text: '', open: true}, true)
    const key = containerRunKey(String(pod.metadata.uid), containerName, run.restartCount)
    const recorder = {record: (atMilliseconds: number, changes: ReturnType<typeof fs.changesSince>) => this.state.add(key, {atMilliseconds, changes})}
    return this.sessions.open(String(pod.metadata.uid), containerName, shell, {fs, before}, recorder, now, terminal)
  }

  /** One piece of an exec session's stdin at `now` (`closes`: then its end): what the command printed on it, and its exit once it ended; null for a session not running in this container. */
  async execInput(pod: Pod, containerName: string, session: string, text: string, closes: boolean, now: number): Promise<ExecSessionAnswer | null> {
    return this.sessions.send(String(pod.metadata.uid), containerName, session, text, closes, now)
  }

  private readonly sessions: ExecSessions

  private async replayFiles(pod: Pod, container: Container, run: ContainerRunStart, now: number, reader: PodObjectReader) {
    const found: ReplayedRequest[] = []
    const spec = await this.spec(pod, container, run, reader, unknownProgramOf(pod, container), undefined, found)
    await runOverTime(spec, run.startedAtMilliseconds, now, this.fileEvents(pod, container, run, reader, now), this.stdinInputs(pod, container.name, run))
    this.keepReplayed(pod, container.name, run, now, now, found)
    return spec.fs
  }
}

export function probeOf(container: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'startup' ? container.startupProbe : kind === 'liveness' ? container.livenessProbe : container.readinessProbe
}


/**
 * The runtime of a cluster kept in `folder`: execs' changes and the nodes' images in its state files, shared by one-shot
 * commands and `kubemu up`. The pod network is the one wiring point for curl/wget/nslookup and
 * the network probes.
 */
export function clusterContainers(folder: string, networkOf: () => PodNetwork = () => networkUnavailable, clock: Clock | null = null, tools: ContainerTools | null = null, hostPathFiles: HostPathFiles | null = null): SimulatedContainers {
  return new SimulatedContainers(new FileContainerState(folder), networkOf, new FileNodeImages(folder), clock, tools, hostPathFiles)
}

// `kubectl attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] [-q]`: kubectl 1.32's checks and
// texts, then what the container prints from now on, as its command runs on the cluster clock (a
// simulated container's output is its log: what it wrote before the attach is not shown, as a
// real attach shows none), until that run of the container ends or the pod goes. With -i, what
// this process reads on stdin goes, once it ends, to the container's open stdin (stdin: true),
// where a shell reads it (`run -i … -- sh`).
import {followAttachedOutput} from '../../apiserver/attach-output.js'
import {upgradeCheckQuery} from '../../apiserver/pod-logs.js'
import {parseGoDurationMilliseconds} from '../../util/go-duration.js'
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {containerFor, podForTarget, type TargetPod} from '../pod-target.js'
import type {KubectlSession} from '../session.js'

export const attachFlags: readonly KubectlFlag[] = [
  {name: 'container', shorthand: 'c', kind: 'string'},
  {name: 'pod-running-timeout', kind: 'duration', defaultValue: '1m0s'},
  {name: 'quiet', shorthand: 'q', kind: 'bool'},
  {name: 'stdin', shorthand: 'i', kind: 'bool'},
  {name: 'tty', shorthand: 't', kind: 'bool'},
]

export async function runAttach(session: KubectlSession, args: readonly string[]): Promise<number> {
  if (!(parseGoDurationMilliseconds(session.flag('pod-running-timeout')) > 0)) throw new KubectlError("--pod-running-timeout must be higher than zero\nSee 'kubectl attach -h' for help and examples")
  if (args.length === 0) throw new KubectlError('at least 1 argument is required for attach')
  if (args.length > 2) throw new KubectlError(`expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw ${args.length}: [${args.join(' ')}]`)
  const target = args.length === 2 ? `${args[0]}/${args[1]}` : args[0]!
  const {pod} = await podForTarget(session, target, 'attach to')
  const phase = pod.status?.phase
  if (phase === 'Succeeded' || phase === 'Failed') throw new KubectlError(`cannot attach a container in a completed pod; current phase is ${phase}`)
  const quiet = session.flag('quiet') === 'true'
  const container = containerFor(session, pod, session.flag('container'), quiet)
  return attachToContainer(session, pod, container, {stdin: session.flag('stdin') === 'true', tty: session.flag('tty') === 'true', quiet})
}

/** How an attach goes: -i, -t, -q. */
export interface AttachOptions {
  readonly stdin: boolean
  readonly tty: boolean
  readonly quiet: boolean
}

/** kubectl's attach to one container of a running pod (attach, debug): its output from now on, this process's stdin to it with -i. */
export async function attachToContainer(session: KubectlSession, pod: TargetPod, container: string, options: AttachOptions): Promise<number> {
  const {quiet, stdin} = options
  const ephemeral = ((pod.spec as {ephemeralContainers?: Array<{name: string}>} | undefined)?.ephemeralContainers ?? []).some((entry) => entry.name === container)
  const spec = [...(pod.spec?.containers ?? []), ...((pod.spec as {ephemeralContainers?: Array<{name: string}>} | undefined)?.ephemeralContainers ?? [])].find((entry) => entry.name === container) as {name: string; tty?: boolean} | undefined
  if (!spec) throw new KubectlError(`cannot attach to the container: container ${container} not found in pod ${pod.metadata.name}`)
  if (options.tty && !spec.tty && !quiet) session.io.stderr(`error: Unable to use a TTY - container ${container} did not allocate one\n`)
  if (!quiet) session.io.stderr("If you don't see a command prompt, try pressing enter.\n")
  // The attach's upgrade: the API server dials the node's kubelet first (a stopped one refuses).
  await session.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/attach`, {query: {container, [upgradeCheckQuery]: 'dial'}})
  // -i: what this process reads on stdin goes to the container's as it comes (its end closes a stdinOnce container's).
  const closes = Boolean((spec as {stdinOnce?: boolean}).stdinOnce)
  const sending: Array<Promise<void>> = []
  const raw = await withRawTerminal(session, stdin && spec.tty === true, (terminal) => followOutput(session, pod, container, !stdin ? undefined : async () => {
    sending.push(sendStdinAsItComes(session, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/attach`, container, closes))
  }, terminal))
  // The container's run ended: what stdin still holds has nowhere to go (kubectl-main stops reading it).
  void Promise.allSettled(sending)
  if (raw && !quiet && restartsAlways(pod)) session.io.stdout(`${sessionEndedMessage(String(pod.metadata.name), container, ephemeral)}\n`)
  return 0
}

/** Whether the pod's containers run again after they end (a session on it can be resumed). */
export function restartsAlways(pod: unknown): boolean {
  return ((pod as {spec?: {restartPolicy?: string}} | null)?.spec ?? {}).restartPolicy === 'Always'
}

/** What kubectl 1.32 prints when a session on a terminal ends (attach -it, run -it) and the pod restarts its containers. */
export function sessionEndedMessage(pod: string, container: string, ephemeral = false): string {
  // An ephemeral container never runs again once it ended; the attach may still find it running.
  if (ephemeral) return `Session ended, the ephemeral container will not be restarted but may be reattached using 'kubectl attach ${pod} -c ${container} -i -t' if it is still running`
  return `Session ended, resume using 'kubectl attach ${pod} -c ${container} -i -t' command when the pod is running`
}

/**
 * Runs `attached` with this process's terminal in raw mode when the container has one and stdin
 * goes to it (kubectl's SetupTTY): each key goes as typed, and the container's terminal echoes,
 * edits lines and turns Ctrl-C and Ctrl-D into what they do there.
 */
export async function withRawTerminal(session: KubectlSession, containerTerminal: boolean, attached: (raw: boolean) => Promise<void>): Promise<boolean> {
  const terminal = containerTerminal && session.io.stdinPieces ? session.io.terminalInput : undefined
  terminal?.setRaw(true)
  try {
    await attached(terminal !== undefined)
  } finally {
    terminal?.setRaw(false)
  }
  return terminal !== undefined
}

/** Sends this process's stdin to the container's, piece by piece as it comes (a line typed shows its answer before the next); its end closes the container's when `closes`. */
export async function sendStdinAsItComes(session: KubectlSession, attachPath: string, container: string, closes: boolean): Promise<void> {
  const send = (text: string, close: boolean) => session.request('POST', attachPath, {query: {container, stdin: 'true', ...(close ? {close: 'true'} : {})}, body: text, contentType: 'application/octet-stream', allow: [400]})
  if (!session.io.stdinPieces) {
    await send(await session.io.readStdin(), closes)
    return
  }
  for await (const piece of session.io.stdinPieces()) await send(piece, false)
  if (closes) await send('', true)
}

/**
 * Prints the container's output after what it had written when the attach began, until that run
 * ends. `raw`: this process's terminal is in raw mode, where Node still turns each NL into CR NL
 * (libuv keeps ONLCR), so the container terminal's CR NL is written as NL.
 */
export async function followOutput(session: KubectlSession, pod: Pick<TargetPod, 'metadata'>, container: string, attached?: () => Promise<void>, raw = false): Promise<void> {
  const podPath = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`
  await session.releaseWriter()
  const stop = new AbortController()
  let drivingError: unknown = null
  // The cluster keeps running meanwhile (one-shot mode: this process drives it now and then).
  const driving = session.driveWhileWaiting(stop.signal).catch((error: unknown) => {
    drivingError = error
  })
  try {
    await followAttachedOutput({
      ask: async (path, query) => session.request('GET', path, {query, allow: [400, 404]}),
      wait: async (milliseconds) => {
        await session.clock.sleep(milliseconds)
        if (drivingError) throw drivingError
      },
      now: () => session.clock.nowMilliseconds(),
      emit: (text) => session.io.stdout(raw ? rawTerminalText(text) : text),
      ...(attached ? {attached} : {}),
    }, podPath, container)
  } finally {
    stop.abort()
    await driving
  }
}

/** What goes to this process's terminal in raw mode for `text` the container's terminal shows: its CR NL as NL (the terminal adds the CR). */
export function rawTerminalText(text: string): string {
  return text.replace(/\r\n/g, '\n')
}

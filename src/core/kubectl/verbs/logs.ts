// `kubectl logs POD|TYPE/NAME [-c CONTAINER] [-p] [-f] [--tail N] [--timestamps] [--all-containers]
// [-l selector]`: a pod's simulated container output through pods/log, with kubectl's defaulting
// of the container and its messages; -f streams what the container writes (each followed log a
// request of its own, at most --max-log-requests at once) until it stops.
import type {KubeObject} from '../../api/object.js'
import {ConnectionRefusedError, KubectlError, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {containerFor, podForTarget, type TargetPod} from '../pod-target.js'
import type {KubectlSession} from '../session.js'
import {GoTimeError, parseRfc3339Milliseconds} from '../../util/go-time.js'
import {parseGoDurationMilliseconds} from '../../util/go-duration.js'

/** kubectl logs tries discovery 4 times when nothing listens at the server (each attempt logs a line). */
const logsRefusedAttempts = 4

export const logsFlags: readonly KubectlFlag[] = [
  {name: 'container', shorthand: 'c', kind: 'string'},
  {name: 'previous', shorthand: 'p', kind: 'bool'},
  {name: 'follow', shorthand: 'f', kind: 'bool'},
  {name: 'tail', kind: 'int', defaultValue: '-1'},
  {name: 'timestamps', kind: 'bool'},
  {name: 'all-containers', kind: 'bool'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'prefix', kind: 'bool'},
  {name: 'since', kind: 'duration', defaultValue: '0s'},
  {name: 'since-time', kind: 'string'},
  // kubectl waits this long for a pod of a selector or workload to run; kubemu's answer at once.
  {name: 'pod-running-timeout', kind: 'duration', defaultValue: '20s'},
  {name: 'limit-bytes', kind: 'int', defaultValue: '0'},
  {name: 'max-log-requests', kind: 'int', defaultValue: '5'},
]

async function podsFor(session: KubectlSession, args: readonly string[]): Promise<TargetPod[]> {
  const namespace = session.namespace()
  const selector = session.flag('selector')
  if (selector) {
    const listed = (await session.request('GET', `/api/v1/namespaces/${namespace}/pods`, {query: {labelSelector: selector}})).body as {items: TargetPod[]}
    // Not an error: kubectl says so on stderr and ends well.
    if (listed.items.length === 0) session.io.stderr(`No resources found in ${namespace} namespace.\n`)
    return listed.items
  }
  const [target] = args
  if (!target) throw new KubectlError(logsUsage)
  let found: Awaited<ReturnType<typeof podForTarget>>
  try {
    found = await podForTarget(session, target, 'get the logs from')
  } catch (error) {
    // kubectl logs names the namespace it looked in.
    if (error instanceof ServerError && error.code === 404) throw new KubectlError(`error from server (NotFound): ${error.status.message ?? ''} in namespace "${session.namespace()}"`)
    throw error
  }
  const {pod, matched} = found
  if (matched > 1) session.io.stderr(`Found ${matched} pods, using pod/${pod.metadata.name}\n`)
  return [pod]
}

const logsUsage = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples"

export async function runLogs(session: KubectlSession, args: readonly string[]): Promise<number> {
  // kubectl's Complete: the arguments, then --since-time read as Go reads RFC 3339, then the object.
  const selector = session.flag('selector')
  if ((args.length === 0 && !selector) || args.length > 2) throw new KubectlError(logsUsage)
  if (args.length === 1 && selector) throw new KubectlError("only a selector (-l) or a POD name is allowed\nSee 'kubectl logs -h' for help and examples")
  if (session.flag('since-time')) {
    try {
      parseRfc3339Milliseconds(session.flag('since-time'))
    } catch (error) {
      if (error instanceof GoTimeError) throw new KubectlError(error.message)
      throw error
    }
  }
  let pods: TargetPod[]
  try {
    pods = await podsFor(session, args)
  } catch (error) {
    // kubectl logs discovers even for a pod's name: with nothing listening, its attempts are logged.
    if (error instanceof ConnectionRefusedError) session.logRefusedDiscovery(error, logsRefusedAttempts)
    throw error
  }
  // Then its Validate.
  const inlineContainer = args.length === 2 ? args[1]! : ''
  if (session.flag('since-time') && parseGoDurationMilliseconds(session.flag('since')) > 0) throw new KubectlError('at most one of `sinceTime` or `sinceSeconds` may be specified')
  const named = session.flag('container') || inlineContainer
  if (session.flag('all-containers') === 'true' && named) throw new KubectlError(`--all-containers=true should not be specified with container name ${named}`)
  if (session.flags.changed.has('container') && args.length === 2) throw new KubectlError('only one of -c or an inline [CONTAINER] arg is allowed')
  if (Number(session.flag('limit-bytes')) < 0) throw new KubectlError('--limit-bytes must be greater than 0')
  if (parseGoDurationMilliseconds(session.flag('since')) < 0) throw new KubectlError('--since must be greater than 0')
  if (Number(session.flag('tail')) < -1) throw new KubectlError('--tail must be greater than or equal to -1')
  const explicit = session.flag('container') || (args[1] && !args[0]!.includes('/') ? args[1] : '')
  const requests: Array<{pod: TargetPod; container: string}> = []
  for (const pod of pods) {
    const names = (pod.spec?.containers ?? []).map((container) => container.name)
    if (session.flag('all-containers') === 'true') {
      for (const container of [...(pod.spec?.initContainers ?? []).map((each) => each.name), ...names]) requests.push({pod, container})
      continue
    }
    const container = containerFor(session, pod, explicit)
    // kubectl finds the container in the pod before it asks for its log.
    const known = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...((pod.spec as {ephemeralContainers?: Array<{name: string}>} | undefined)?.ephemeralContainers ?? [])]
    if (!known.some((each) => each.name === container)) throw new KubectlError(`container ${container} is not valid for pod ${pod.metadata.name}`)
    requests.push({pod, container})
  }
  const follow = session.flag('follow') === 'true'
  const concurrency = Number(session.flag('max-log-requests'))
  if (follow && requests.length > concurrency) {
    throw new KubectlError(`you are attempting to follow ${requests.length} log streams, but maximum allowed concurrency is ${concurrency}, use --max-log-requests to increase the limit`)
  }
  // Only --prefix prefixes the lines (kubectl 1.32 prints several pods' lines bare otherwise).
  const prefixed = session.flag('prefix') === 'true'
  const stream = async ({pod, container}: {pod: TargetPod; container: string}) => {
    const query: Record<string, string> = {container}
    if (follow) query.follow = 'true'
    if (session.flag('previous') === 'true') query.previous = 'true'
    if (session.flag('timestamps') === 'true') query.timestamps = 'true'
    if (Number(session.flag('tail')) >= 0) query.tailLines = session.flag('tail')
    // kubectl sends whole seconds, rounded up, and a since-time as given (the server checks it).
    const sinceMilliseconds = parseGoDurationMilliseconds(session.flag('since'))
    if (sinceMilliseconds > 0) query.sinceSeconds = String(Math.ceil(sinceMilliseconds / 1000))
    if (session.flag('since-time')) query.sinceTime = session.flag('since-time')
    if (Number(session.flag('limit-bytes')) > 0) query.limitBytes = session.flag('limit-bytes')
    const response = await session.request('GET', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/log`, {query})
    // With a prefix, each whole line is printed with it (a piece that ends mid-line waits for the rest).
    const prefix = prefixed ? `[pod/${pod.metadata.name}/${container}] ` : ''
    let unfinished = ''
    const print = (text: string, last: boolean) => {
      if (!prefix) return session.io.stdout(text)
      const lines = (unfinished + text).split('\n')
      unfinished = last ? '' : lines.pop()!
      session.io.stdout(lines.filter(Boolean).map((line) => `${prefix}${line}\n`).join(''))
    }
    print(String(response.body ?? ''), !response.textFollow)
    // A followed log goes on as the container writes, until it ends (or the command is stopped).
    const more = response.textFollow
    if (!more) return
    try {
      for (let piece = await more.next(); piece !== null; piece = await more.next()) if (piece !== '') print(piece, false)
    } finally {
      more.cancel()
    }
    print('', true)
  }
  if (follow) await Promise.all(requests.map(stream))
  else for (const request of requests) await stream(request)
  return 0
}

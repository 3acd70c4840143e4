// `kubectl logs POD|TYPE/NAME [-c CONTAINER] [-p] [-f] [--tail N] [--timestamps] [--all-containers]
// [-l selector]`: a pod's simulated container output through pods/log, with kubectl's defaulting
// of the container and its messages; -f keeps reading until the container stops.
import type {KubeObject} from '../../api/object.js'
import {ConnectionRefusedError, KubectlError, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {waitForObject} from '../object-watch.js'
import {ResourceMapper} from '../resources.js'
import {containerFor, podForTarget, type TargetPod} from '../pod-target.js'
import type {KubectlSession} from '../session.js'
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
  {name: 'limit-bytes', kind: 'int', defaultValue: '0'},
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
  if (!target) throw new KubectlError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples")
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

export async function runLogs(session: KubectlSession, args: readonly string[]): Promise<number> {
  if (session.flag('since-time') && parseGoDurationMilliseconds(session.flag('since')) > 0) throw new KubectlError('at most one of `sinceTime` or `sinceSeconds` may be specified')
  let pods: TargetPod[]
  try {
    pods = await podsFor(session, args)
  } catch (error) {
    // kubectl logs discovers even for a pod's name: with nothing listening, its attempts are logged.
    if (error instanceof ConnectionRefusedError) session.logRefusedDiscovery(error, logsRefusedAttempts)
    throw error
  }
  const explicit = session.flag('container') || (args[1] && !args[0]!.includes('/') ? args[1] : '')
  for (const pod of pods) {
    const names = (pod.spec?.containers ?? []).map((container) => container.name)
    let containers: string[]
    if (session.flag('all-containers') === 'true') containers = [...(pod.spec?.initContainers ?? []).map((container) => container.name), ...names]
    else {
      const container = containerFor(session, pod, explicit)
      // kubectl finds the container in the pod before it asks for its log.
      const known = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...((pod.spec as {ephemeralContainers?: Array<{name: string}>} | undefined)?.ephemeralContainers ?? [])]
      if (!known.some((each) => each.name === container)) throw new KubectlError(`container ${container} is not valid for pod ${pod.metadata.name}`)
      containers = [container]
    }
    for (const container of containers) {
      const query: Record<string, string> = {container}
      if (session.flag('previous') === 'true') query.previous = 'true'
      if (session.flag('timestamps') === 'true') query.timestamps = 'true'
      if (Number(session.flag('tail')) >= 0) query.tailLines = session.flag('tail')
      // kubectl sends whole seconds, rounded up, and a since-time as given (the server checks it).
      const sinceMilliseconds = parseGoDurationMilliseconds(session.flag('since'))
      if (sinceMilliseconds > 0) query.sinceSeconds = String(Math.ceil(sinceMilliseconds / 1000))
      if (session.flag('since-time')) query.sinceTime = session.flag('since-time')
      if (Number(session.flag('limit-bytes')) > 0) query.limitBytes = session.flag('limit-bytes')
      const response = await session.request('GET', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/log`, {query})
      const text = String(response.body ?? '')
      const prefix = session.flag('prefix') === 'true' || (pods.length > 1 && session.flag('selector')) ? `[pod/${pod.metadata.name}/${container}] ` : ''
      session.io.stdout(prefix ? text.split('\n').filter(Boolean).map((line) => `${prefix}${line}\n`).join('') : text)
      if (session.flag('follow') === 'true' && session.flag('previous') !== 'true') {
        // Simulated containers print no more: follow until this one stops (or the pod goes).
        const podsResource = (await ResourceMapper.discover(session)).resolve('pods')
        await waitForObject(session, podsResource, String(pod.metadata.namespace), String(pod.metadata.name), (object) => {
          if (!object) return true
          const statuses = ((object.status ?? {}) as {containerStatuses?: Array<{name: string; state?: {running?: unknown}}>}).containerStatuses ?? []
          return !statuses.find((status) => status.name === container)?.state?.running
        }, Number.POSITIVE_INFINITY)
      }
    }
  }
  return 0
}

// `kubectl logs POD|TYPE/NAME [-c CONTAINER] [-p] [-f] [--tail N] [--timestamps] [--all-containers]
// [-l selector]`: a pod's simulated container output through pods/log, with kubectl's defaulting
// of the container and its messages; -f keeps reading until the container stops.
import type {KubeObject} from '../../api/object.js'
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {waitForObject} from '../object-watch.js'
import {objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'

export const logsFlags: readonly KubectlFlag[] = [
  {name: 'container', shorthand: 'c', kind: 'string'},
  {name: 'previous', shorthand: 'p', kind: 'bool'},
  {name: 'follow', shorthand: 'f', kind: 'bool'},
  {name: 'tail', kind: 'int', defaultValue: '-1'},
  {name: 'timestamps', kind: 'bool'},
  {name: 'all-containers', kind: 'bool'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'prefix', kind: 'bool'},
  {name: 'since', kind: 'string'},
  {name: 'limit-bytes', kind: 'int', defaultValue: '0'},
]

type Pod = KubeObject & {spec?: {containers?: Array<{name: string}>; initContainers?: Array<{name: string}>}}

async function podsFor(session: KubectlSession, args: readonly string[]): Promise<Pod[]> {
  const namespace = session.namespace()
  const selector = session.flag('selector')
  if (selector) {
    const listed = (await session.request('GET', `/api/v1/namespaces/${namespace}/pods`, {query: {labelSelector: selector}})).body as {items: Pod[]}
    if (listed.items.length === 0) throw new KubectlError(`No resources found in ${namespace} namespace.`)
    return listed.items
  }
  const [target] = args
  if (!target) throw new KubectlError('expected POD or TYPE/NAME is a required argument for the logs command')
  if (!target.includes('/')) return [(await session.request('GET', `/api/v1/namespaces/${namespace}/pods/${target}`)).body as Pod]
  const mapper = await ResourceMapper.discover(session)
  const slash = target.indexOf('/')
  const resource = mapper.resolve(target.slice(0, slash))
  const object = (await session.request('GET', objectPath(resource, namespace, target.slice(slash + 1)))).body as KubeObject & {spec?: {selector?: {matchLabels?: Record<string, string>}}}
  if (resource.resource === 'pods') return [object as Pod]
  const labels = object.spec?.selector?.matchLabels ?? (object.spec as {selector?: Record<string, string>} | undefined)?.selector
  if (!labels || Object.keys(labels).length === 0) throw new KubectlError(`cannot get the logs from ${resource.group ? `${resource.kind.toLowerCase()}.${resource.group}` : resource.kind.toLowerCase()}`)
  const listed = (await session.request('GET', `/api/v1/namespaces/${namespace}/pods`, {query: {labelSelector: Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(',')}})).body as {items: Pod[]}
  if (listed.items.length === 0) throw new KubectlError(`timed out waiting for the condition`)
  if (listed.items.length > 1) session.io.stderr(`Found ${listed.items.length} pods, using pod/${listed.items[0]!.metadata.name}\n`)
  return [listed.items[0]!]
}

export async function runLogs(session: KubectlSession, args: readonly string[]): Promise<number> {
  const pods = await podsFor(session, args)
  const explicit = session.flag('container') || (args[1] && !args[0]!.includes('/') ? args[1] : '')
  for (const pod of pods) {
    const names = (pod.spec?.containers ?? []).map((container) => container.name)
    let containers: string[]
    if (session.flag('all-containers') === 'true') containers = [...(pod.spec?.initContainers ?? []).map((container) => container.name), ...names]
    else if (explicit) containers = [explicit]
    else {
      const preferred = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container']
      const chosen = preferred && names.includes(preferred) ? preferred : names[0]!
      if (names.length > 1 && !preferred) session.io.stderr(`Defaulted container "${chosen}" out of: ${names.join(', ')}\n`)
      containers = [chosen]
    }
    for (const container of containers) {
      const query: Record<string, string> = {container}
      if (session.flag('previous') === 'true') query.previous = 'true'
      if (session.flag('timestamps') === 'true') query.timestamps = 'true'
      if (Number(session.flag('tail')) >= 0) query.tailLines = session.flag('tail')
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

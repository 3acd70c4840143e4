// `kubectl exec POD -- COMMAND` and `kubectl port-forward POD PORT…`: kubectl's checks of the pod
// (a completed pod, a pod not running), then the streaming request, which kubemu's API server
// refuses with the reason (its kubelets run no processes), printed as the real kubectl prints it.
import type {KubeObject} from '../../api/object.js'
import {KubectlError, KubectlPlainError, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'

export const execFlags: readonly KubectlFlag[] = [
  {name: 'container', shorthand: 'c', kind: 'string'},
  {name: 'stdin', shorthand: 'i', kind: 'bool'},
  {name: 'tty', shorthand: 't', kind: 'bool'},
  {name: 'quiet', shorthand: 'q', kind: 'bool'},
  {name: 'pod-running-timeout', kind: 'string', defaultValue: '1m0s'},
]

export const portForwardFlags: readonly KubectlFlag[] = [
  {name: 'address', kind: 'string', defaultValue: 'localhost'},
  {name: 'pod-running-timeout', kind: 'string', defaultValue: '1m0s'},
]

type Pod = KubeObject & {spec?: {containers?: Array<{name: string}>}; status?: {phase?: string}}

/** The pod a POD or TYPE/NAME argument names (a workload's first pod by its selector). */
async function targetPod(session: KubectlSession, target: string): Promise<Pod> {
  const namespace = session.namespace()
  if (!target.includes('/')) return (await session.request('GET', `/api/v1/namespaces/${namespace}/pods/${target}`)).body as Pod
  const mapper = await ResourceMapper.discover(session)
  const slash = target.indexOf('/')
  const resource = mapper.resolve(target.slice(0, slash))
  const object = (await session.request('GET', objectPath(resource, namespace, target.slice(slash + 1)))).body as Pod & {spec?: {selector?: {matchLabels?: Record<string, string>}}}
  if (resource.resource === 'pods') return object
  const labels = object.spec?.selector?.matchLabels ?? {}
  const listed = (await session.request('GET', `/api/v1/namespaces/${namespace}/pods`, {query: {labelSelector: Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(',')}})).body as {items: Pod[]}
  if (listed.items.length === 0) throw new KubectlError('timed out waiting for the condition')
  return listed.items[0]!
}

export async function runExec(session: KubectlSession, args: readonly string[]): Promise<number> {
  const [target, ...command] = args
  if (!target) throw new KubectlError('pod or type/name must be specified')
  if (command.length === 0) throw new KubectlError('you must specify at least one command for the container')
  const pod = await targetPod(session, target)
  const phase = pod.status?.phase
  if (phase === 'Succeeded' || phase === 'Failed') throw new KubectlError(`cannot exec into a container in a completed pod; current phase is ${phase}`)
  const containers = (pod.spec?.containers ?? []).map((container) => container.name)
  const container = session.flag('container') || pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] || containers[0] || ''
  if (!session.flag('container') && containers.length > 1 && session.flag('quiet') !== 'true') {
    session.io.stderr(`Defaulted container "${container}" out of: ${containers.join(', ')}\n`)
  }
  const query: Record<string, string> = {container, command: command.join(' '), stdout: 'true', stderr: 'true'}
  if (session.flag('stdin') === 'true') query.stdin = 'true'
  if (session.flag('tty') === 'true') query.tty = 'true'
  await session.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/exec`, {query})
  return 0
}

export async function runPortForward(session: KubectlSession, args: readonly string[]): Promise<number> {
  const [target, ...ports] = args
  if (!target || ports.length === 0) throw new KubectlPlainError("error: TYPE/NAME and list of ports are required for port-forward\nSee 'kubectl port-forward -h' for help and examples")
  const pod = await targetPod(session, target)
  if (pod.status?.phase !== 'Running') throw new KubectlError(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? ''}`)
  try {
    await session.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/portforward`)
  } catch (error) {
    if (!(error instanceof ServerError)) throw error
    throw new KubectlError(`error upgrading connection: ${error.status.message ?? ''}`)
  }
  return 0
}

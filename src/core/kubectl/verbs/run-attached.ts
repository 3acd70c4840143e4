// `kubectl run --attach` and `run -i` (with --rm): the pod created, then, within
// --pod-running-timeout, kubectl's wait for it to run and be ready (a pod that already ended has
// its log printed instead), the attach (what the container prints from then on, stdin to it with
// -i), and, where the exit code tells something (restart Never or OnFailure, stdin not left
// open), the wait for its end, whose exit code becomes the command's.
import type {KubeObject} from '../../api/object.js'
import {parseGoDurationMilliseconds} from '../../util/go-duration.js'
import {KubectlError, KubectlPlainError} from '../errors.js'
import {waitForObject} from '../object-watch.js'
import {type ApiResource, objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {followOutput, restartsAlways, sendStdinAsItComes, sessionEndedMessage, withRawTerminal} from './attach.js'

/** --pod-running-timeout in milliseconds. */
export function podRunningTimeout(session: KubectlSession): number {
  return parseGoDurationMilliseconds(session.flag('pod-running-timeout'))
}

interface PodStatus {
  phase?: string
  conditions?: Array<{type?: string; status?: string}>
  containerStatuses?: Array<{name: string; state?: {running?: unknown; terminated?: {exitCode?: number; reason?: string; message?: string}}}>
}

const statusOf = (object: KubeObject | null) => (object?.status ?? {}) as PodStatus
const ended = (object: KubeObject | null) => ['Succeeded', 'Failed'].includes(statusOf(object).phase ?? '')

/** Waits (until --pod-running-timeout) for `satisfied`, failing as kubectl's watch does when the time runs out. */
async function waitForPod(session: KubectlSession, pods: ApiResource, namespace: string, name: string, satisfied: (object: KubeObject | null) => boolean): Promise<KubeObject | null> {
  let current: KubeObject | null = null
  const met = await waitForObject(session, pods, namespace, name, (object) => {
    current = object
    return satisfied(object)
  }, session.clock.nowMilliseconds() + podRunningTimeout(session))
  if (!met) throw new KubectlError('timed out waiting for the condition')
  // client-go's podRunningAndReady: a pod deleted meanwhile is NotFound.
  if (current === null) throw new KubectlPlainError('Error from server (NotFound): pods "" not found')
  return current
}

/** kubectl's podRunningAndReady: running with its Ready condition true, or already ended. */
function runningAndReady(object: KubeObject | null): boolean {
  if (object === null || ended(object)) return true
  const status = statusOf(object)
  return status.phase === 'Running' && (status.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True')
}

export async function runAttached(session: KubectlSession, pod: KubeObject): Promise<number> {
  const namespace = session.namespace()
  const name = String(pod.metadata.name)
  const mapper = await ResourceMapper.discover(session)
  const pods = mapper.resolve('pods')
  await session.request('POST', `/api/v1/namespaces/${namespace}/pods`, {body: pod, query: {fieldManager: session.flag('field-manager') || 'kubectl-run'}})
  // --rm removes the pod however the run ends, a failed wait included (kubectl defers the removal).
  let removed = false
  const remove = async () => {
    if (removed) return
    removed = true
    await removeRun(session, pods, namespace, name)
  }
  try {
    return await attachedRun(session, pod, pods, namespace, name, remove)
  } finally {
    await remove()
  }
}

async function attachedRun(session: KubectlSession, pod: KubeObject, pods: ApiResource, namespace: string, name: string, remove: () => Promise<void>): Promise<number> {
  await session.settleControlPlane()
  const ready = await waitForPod(session, pods, namespace, name, runningAndReady)
  const quiet = session.flag('quiet') === 'true'
  if (ended(ready)) {
    // Ended before the attach: its log instead.
    const logs = await session.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}/log`, {query: {container: name}, allow: [400, 404]})
    if (logs.status < 400) session.io.stdout(String(logs.body ?? ''))
  } else if (session.flag('stdin') === 'true') {
    await sendAttachedStdin(session, ready!, namespace, name, quiet)
  } else {
    if (!quiet) session.io.stderr("If you don't see a command prompt, try pressing enter.\n")
    await followOutput(session, {metadata: {namespace, name}}, name)
  }
  const restart = (pod.spec as {restartPolicy?: string} | undefined)?.restartPolicy
  if (session.flag('leave-stdin-open') === 'true' || (restart !== 'Never' && restart !== 'OnFailure')) {
    await remove()
    return 0
  }
  // The exit condition: any end for Never, success for OnFailure.
  const done = await waitForPod(session, pods, namespace, name, (object) => object === null || (restart === 'Never' ? ended(object) : statusOf(object).phase === 'Succeeded'))
  await remove()
  const status = statusOf(done)
  if (status.phase === 'Failed') {
    // kubectl exits with the container's own exit code and names how it terminated.
    const terminated = (status.containerStatuses ?? [])[0]?.state?.terminated
    const exitCode = Number(terminated?.exitCode ?? 0)
    if (!terminated || exitCode === 0) throw new KubectlError(`pod ${namespace}/${name} failed with unknown exit code`)
    const message = terminated.message ?? ''
    session.io.stderr(`pod ${namespace}/${name} terminated (${terminated.reason ?? 'Error'})\n${message}${message.endsWith('\n') || message === '' ? '' : '\n'}`)
    return exitCode
  }
  if (status.phase !== 'Succeeded') throw new KubectlError(`pod ${namespace}/${name} left in phase ${status.phase ?? ''}`)
  return 0
}

/** --rm: the pod goes once the attach ended, with kubectl's line. */
async function removeRun(session: KubectlSession, pods: ApiResource, namespace: string, name: string): Promise<void> {
  if (session.flag('rm') !== 'true') return
  await session.request('DELETE', objectPath(pods, namespace, name), {allow: [404]})
  session.io.stdout(`pod "${name}" deleted\n`)
  await session.settleControlPlane()
}

/**
 * `run -i` on a running container: what this process reads on stdin goes to its stdin as it
 * comes (its end closes it, stdinOnce) through pods/attach, and what the container prints shows
 * as it runs, until that run ends.
 */
async function sendAttachedStdin(session: KubectlSession, attached: KubeObject, namespace: string, name: string, quiet: boolean): Promise<void> {
  const closes = session.flag('leave-stdin-open') !== 'true'
  const sending: Array<Promise<void>> = []
  if (!quiet) session.io.stderr("If you don't see a command prompt, try pressing enter.\n")
  const raw = await withRawTerminal(session, session.flag('tty') === 'true', (terminal) => followOutput(session, {metadata: {namespace, name}}, name, async () => {
    sending.push(sendStdinAsItComes(session, `/api/v1/namespaces/${namespace}/pods/${name}/attach`, name, closes))
  }, terminal))
  // The run ended: what stdin still holds has nowhere to go (kubectl-main stops reading it).
  void Promise.allSettled(sending)
  if (raw && !quiet && restartsAlways(attached)) session.io.stdout(`${sessionEndedMessage(name, name)}\n`)
}

// Why a pod is where it is: not scheduled (the scheduler's verdicts, gates, claims, no scheduler
// by that name), scheduled but not Ready (node down, containers waiting or crashing, probes
// failing), or finished. Terminating is the lifecycle module's; it runs first.
import {stoppedAnnotation} from '../kubelet/heartbeat.js'
import type {KubeObject} from '../api/object.js'
import {resources} from '../client/resources.js'
import {condition, diagnosis, type Diagnosis, duration, fields, type Fields, list, listed, plural, text, timeOf} from './diagnosis.js'
import {eventFacts, type SchedulingAttempt, type WhyReader} from './reader.js'

/** The scheduler's per-node verdicts shown as facts. */
const attemptNodesShownMax = 8

/**
 * The scheduler's last attempt as facts: the outcome, the profile and its score weights, and each
 * node's filter verdict with, for the nodes that passed, every plugin's weighted score (why this
 * node and not another).
 */
function attemptFacts(attempt: SchedulingAttempt | null): string[] {
  if (!attempt) return []
  const facts = [`scheduler's last attempt${attempt.time ? ` at ${attempt.time}` : ''}${attempt.profile ? ` (profile ${attempt.profile})` : ''}: ${attempt.outcome ?? ''}, ${attempt.evaluatedNodes ?? 0} nodes evaluated, ${attempt.feasibleNodes ?? 0} feasible`]
  const weights = Object.entries(attempt.weights ?? {}).map(([plugin, weight]) => `${plugin}=${weight}`)
  if (weights.length > 0) facts.push(`  score weights: ${weights.join(' ')}`)
  for (const node of (attempt.nodes ?? []).slice(0, attemptNodesShownMax)) {
    const scores = Object.entries(node.scores ?? {}).map(([plugin, score]) => `${plugin}=${score}`)
    facts.push(`  node ${node.node}: ${node.filter}${node.total !== undefined ? `, score ${node.total}` : ''}${scores.length > 0 ? ` (${scores.join(' ')})` : ''}`)
  }
  return facts
}

export async function explainPod(pod: KubeObject, reader: WhyReader): Promise<Diagnosis> {
  const name = `pod/${text(pod.metadata.name)}`
  const namespace = text(pod.metadata.namespace)
  const spec = fields(pod.spec)
  const status = fields(pod.status)
  const phase = text(status.phase) || 'Pending'
  if (phase === 'Succeeded') return diagnosis(name, namespace, 'Completed', false, `Nothing is wrong: ${name} ran to completion (every container exited 0).`, containerFacts(pod))
  if (phase === 'Failed') {
    const reason = text(status.reason)
    if (reason === 'Evicted' || reason === 'Preempting') return diagnosis(name, namespace, 'Failed', true, `${name} was evicted from node ${text(spec.nodeName)}: ${text(status.message)}. An evicted pod stays as a record until deleted; its controller (if any) made a replacement.`, containerFacts(pod))
    // The kubelet refused it before any container ran (its admission): nothing to read in logs.
    if (text(status.message).startsWith('Pod was rejected: ')) {
      const node = text(spec.nodeName)
      return diagnosis(name, namespace, 'Failed', true, `the kubelet on node ${node} rejected ${name} before starting it (${reason}): ${text(status.message).slice('Pod was rejected: '.length)}. No container ran. If spec.nodeName was set by hand, the scheduler was skipped (it places a pod where it fits): create the pod without it, or see what the node holds with \`kubectl describe node ${node}\`.`, containerFacts(pod))
    }
    const failed = containers(pod).filter((entry) => fields(fields(entry.state).terminated).exitCode !== 0 && fields(entry.state).terminated !== undefined)
    const exits = failed.map((entry) => `container ${text(entry.name)} exited ${text(fields(fields(entry.state).terminated).exitCode)} (${text(fields(fields(entry.state).terminated).reason) || 'Error'})`)
    // An init container that failed ran alone: its own log tells why (the pod's containers never started).
    const failedInit = failed.find((entry) => list(status.initContainerStatuses).includes(entry))
    const logs = `kubectl logs ${text(pod.metadata.name)}${failedInit ? ` -c ${text(failedInit.name)}` : ''}`
    return diagnosis(name, namespace, 'Failed', true, `${name} failed and will not run again (restartPolicy ${text(spec.restartPolicy) || 'Always'}): ${listed(exits) || text(status.message) || 'its containers ended in error'}. Read its output with \`${logs}\`.`, containerFacts(pod))
  }
  if (!text(spec.nodeName)) return explainUnscheduled(pod, reader)
  return explainScheduled(pod, reader)
}

function containers(pod: KubeObject): Fields[] {
  const status = fields(pod.status)
  return [...list(status.initContainerStatuses), ...list(status.containerStatuses)]
}

function containerFacts(pod: KubeObject): string[] {
  const inits = new Set(list(fields(pod.status).initContainerStatuses))
  return containers(pod).map((entry) => {
    const state = fields(entry.state)
    const [kind, detail] = Object.entries(state)[0] ?? ['unknown', {}]
    const reason = text(fields(detail).reason)
    const exit = fields(detail).exitCode
    return `${inits.has(entry) ? 'init container' : 'container'} ${text(entry.name)}: ${kind}${reason ? ` (${reason}${exit !== undefined ? `, exit ${text(exit)}` : ''})` : ''}, ready=${entry.ready === true}, restarts=${Number(entry.restartCount ?? 0)}`
  })
}

async function explainUnscheduled(pod: KubeObject, reader: WhyReader): Promise<Diagnosis> {
  const name = `pod/${text(pod.metadata.name)}`
  const namespace = text(pod.metadata.namespace)
  const spec = fields(pod.spec)
  const gates = list(spec.schedulingGates).map((gate) => text(gate.name))
  if (gates.length > 0) return diagnosis(name, namespace, 'SchedulingGated', true, `${name} is not scheduled because it carries scheduling gates (${listed(gates)}): the scheduler leaves a gated pod alone until whoever added the gates removes them from spec.schedulingGates.`)
  const facts: string[] = []
  const claims = await claimProblems(pod, reader, facts)
  const scheduled = condition(pod, 'PodScheduled')
  const events = await reader.events(pod)
  const schedulerName = text(spec.schedulerName) || 'default-scheduler'
  facts.push(...attemptFacts(await reader.schedulingAttempt(pod)))
  facts.push(...eventFacts(events, ['FailedScheduling', 'Preempted', 'NotTriggerScaleUp']))
  const nominated = text(fields(pod.status).nominatedNodeName)
  if (scheduled && text(scheduled.status) === 'False') {
    const message = text(scheduled.message)
    const since = timeOf(scheduled.lastTransitionTime)
    const waited = since === null ? '' : ` for ${duration(reader.now - since)}`
    let cause = `${name} has been Pending${waited}: the scheduler (${schedulerName}) found no node for it. ${message}`
    if (nominated) cause += ` It preempted lower-priority pods on ${nominated} and waits for them to end.`
    else cause += ' It tries again when nodes or pods change (or after its back-off).'
    if (claims.length > 0) cause += ` ${listed(claims)}.`
    return diagnosis(name, namespace, 'Pending', true, cause, facts)
  }
  if (claims.length > 0) return diagnosis(name, namespace, 'Pending', true, `${name} is Pending: ${listed(claims)}.`, facts)
  if (schedulerName !== 'default-scheduler' && !scheduled && events.length === 0) {
    return diagnosis(name, namespace, 'Pending', true, `${name} asks for the scheduler "${schedulerName}" (spec.schedulerName) and no scheduler by that name has looked at it: no profile of kube-scheduler serves that name, so the pod stays Pending with no event, as in a real cluster. Use a profile name from the scheduler configuration, or leave spec.schedulerName out for default-scheduler.`, facts)
  }
  return diagnosis(name, namespace, 'Pending', false, `${name} is waiting for its first scheduling attempt: the scheduler (${schedulerName}) has not looked at it yet. Nothing is wrong yet; it is scheduled when the control plane next runs.`, facts)
}

/** Claims a pod waits on (missing, or not bound while binding is immediate). */
async function claimProblems(pod: KubeObject, reader: WhyReader, facts: string[]): Promise<string[]> {
  const namespace = text(pod.metadata.namespace)
  const problems: string[] = []
  for (const volume of list(fields(pod.spec).volumes)) {
    const claimName = text(fields(volume.persistentVolumeClaim).claimName)
    if (!claimName) continue
    const claim = await reader.get(resources.persistentVolumeClaims, namespace, claimName)
    if (!claim) {
      problems.push(`it uses the PersistentVolumeClaim "${claimName}", which does not exist`)
      continue
    }
    const phase = text(fields(claim.status).phase) || 'Pending'
    facts.push(`persistentvolumeclaim/${claimName}: ${phase}${text(fields(claim.spec).storageClassName) ? `, storage class ${text(fields(claim.spec).storageClassName)}` : ''}`)
    if (phase === 'Pending') {
      const claimEvents = await reader.events(claim)
      facts.push(...eventFacts(claimEvents).map((line) => `  ${line}`))
      const waitsForConsumer = claimEvents.some((event) => text(fields(event).reason) === 'WaitForFirstConsumer')
      if (!waitsForConsumer) problems.push(`its PersistentVolumeClaim "${claimName}" is not bound`)
    }
    if (claim.metadata.deletionTimestamp) problems.push(`its PersistentVolumeClaim "${claimName}" is being deleted`)
  }
  return problems
}

async function explainScheduled(pod: KubeObject, reader: WhyReader): Promise<Diagnosis> {
  const name = `pod/${text(pod.metadata.name)}`
  const namespace = text(pod.metadata.namespace)
  const nodeName = text(fields(pod.spec).nodeName)
  const facts = [`scheduled to node ${nodeName}`, ...attemptFacts(await reader.schedulingAttempt(pod)), ...containerFacts(pod)]
  const node = await reader.get(resources.nodes, '', nodeName)
  if (!node) return diagnosis(name, namespace, 'Unknown', true, `${name} is bound to node ${nodeName}, which no longer exists: nothing runs it. The pod garbage collector deletes pods bound to a deleted node.`, facts)
  const nodeReady = condition(node, 'Ready')
  if (text(nodeReady?.status) !== 'True') {
    const stopped = node.metadata.annotations?.[stoppedAnnotation] === 'true'
    facts.push(`node ${nodeName}: Ready=${text(nodeReady?.status) || 'Unknown'} ${text(nodeReady?.reason)}${stopped ? ' (its kubelet is stopped: kubemu node stop)' : ''}`)
    return diagnosis(name, namespace, 'NotReady', true, `${name} runs on node ${nodeName}, which is NotReady${stopped ? ' (its kubelet was stopped)' : ''}: the node lifecycle controller marks its pods not Ready, and after the not-ready toleration (300 s by default) evicts them so their controllers make replacements elsewhere.`, facts)
  }
  const events = await reader.events(pod)
  const problems: string[] = []
  for (const entry of containers(pod)) {
    const waiting = fields(fields(entry.state).waiting)
    const reason = text(waiting.reason)
    const last = fields(fields(entry.lastState).terminated)
    if (reason === 'CrashLoopBackOff') {
      problems.push(`container ${text(entry.name)} keeps crashing (CrashLoopBackOff, ${plural(Number(entry.restartCount ?? 0), 'restart')}; it last exited ${text(last.exitCode)}${text(last.reason) ? ` with ${text(last.reason)}` : ''}): the kubelet waits longer before each restart, up to 5 minutes; \`kubectl logs ${text(pod.metadata.name)} -c ${text(entry.name)} --previous\` shows its last output`)
    } else if (reason && reason !== 'ContainerCreating' && reason !== 'PodInitializing') {
      problems.push(`container ${text(entry.name)} is waiting: ${reason}${text(waiting.message) ? ` (${text(waiting.message)})` : ''}`)
    }
  }
  const unhealthy = events.filter((event) => text(fields(event).reason) === 'Unhealthy')
  facts.push(...eventFacts(events, ['Unhealthy', 'BackOff', 'Killing', 'Failed', 'FailedMount']))
  const ready = condition(pod, 'Ready')
  if (text(ready?.status) === 'True') {
    if (problems.length > 0) return diagnosis(name, namespace, 'Running', true, `${name} is Ready, but ${listed(problems)}.`, facts)
    return diagnosis(name, namespace, 'Running', false, `Nothing is wrong: ${name} is Running and Ready on node ${nodeName} (${containersReady(pod)}).`, facts)
  }
  if (problems.length > 0) return diagnosis(name, namespace, 'NotReady', true, `${name} is not Ready: ${listed(problems)}.`, facts)
  if (unhealthy.length > 0) {
    const lastProbe = text(fields(unhealthy.at(-1)).message)
    return diagnosis(name, namespace, 'NotReady', true, `${name} runs but is not Ready: its probes fail (${lastProbe}). A failing readiness probe keeps it out of its Services' endpoints; a failing liveness probe makes the kubelet restart the container.`, facts)
  }
  const started = timeOf(fields(pod.status).startTime)
  const since = started === null ? '' : ` (started ${duration(reader.now - started)} ago)`
  const initializing = initializingText(pod, name, nodeName, reader.now)
  if (initializing !== null) return diagnosis(name, namespace, 'Initializing', false, initializing, facts)
  return diagnosis(name, namespace, 'ContainerCreating', false, `${name} is starting on node ${nodeName}${since}: its containers are being created or wait for their first readiness probe. Nothing is wrong yet.`, facts)
}

/** What a pod whose init containers have not all completed is doing (null: it has none left to run). */
function initializingText(pod: KubeObject, name: string, nodeName: string, now: number): string | null {
  const inits = list(fields(pod.spec).initContainers)
  if (inits.length === 0 || text(condition(pod, 'Initialized')?.status) === 'True') return null
  const statuses = list(fields(pod.status).initContainerStatuses)
  const done = statuses.filter((entry) => fields(fields(entry.state).terminated).exitCode === 0).length
  const running = statuses.find((entry) => fields(entry.state).running !== undefined)
  const runningSince = running ? timeOf(fields(fields(running.state).running).startedAt) : null
  const what = running
    ? `init container ${text(running.name)} runs${runningSince === null ? '' : ` (for ${duration(now - runningSince)})`}; \`kubectl logs ${text(pod.metadata.name)} -c ${text(running.name)}\` shows what it does`
    : 'the next init container is being created'
  return `${name} is initializing on node ${nodeName}: ${done} of ${inits.length} init containers completed, ${what}. Its containers start once every init container has completed (Init:${done}/${inits.length}).`
}

function containersReady(pod: KubeObject): string {
  const all = list(fields(pod.status).containerStatuses)
  return `${all.filter((entry) => entry.ready === true).length}/${all.length} containers ready`
}

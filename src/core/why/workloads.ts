// Why a workload is not where its spec asks: a Deployment's rollout (paused, past its progress
// deadline, pods its ReplicaSet could not create), a ReplicaSet's or ReplicationController's
// missing replicas, a StatefulSet's ordered start, a DaemonSet's nodes, a Job that failed.
// The first pod that is not Ready is explained in turn: its cause is usually the workload's.
import type {KubeObject} from '../api/object.js'
import {formatLabelSelector, labelSelectorFromObject, type LabelSelectorObject} from '../api/selectors.js'
import type {ResourceRef} from '../client/client.js'
import {resources} from '../client/resources.js'
import {condition, diagnosis, type Diagnosis, fields, text} from './diagnosis.js'
import {explainPod} from './pod.js'
import {eventFacts, type WhyReader} from './reader.js'

/** Events a controller writes when it cannot create or delete what it owns. */
const creationFailureReasons = ['FailedCreate', 'FailedDelete', 'FailedCreatePodSandBox', 'ReplicaSetCreateError']

function selectorQuery(selector: unknown): string | undefined {
  const value = fields(selector)
  if ('matchLabels' in value || 'matchExpressions' in value) return formatLabelSelector(labelSelectorFromObject(value as LabelSelectorObject))
  // A ReplicationController's (or a Service's) selector is a map.
  const pairs = Object.entries(value).map(([key, item]) => `${key}=${text(item)}`)
  return pairs.length > 0 ? pairs.sort().join(',') : undefined
}

async function ownedBy(owner: KubeObject, resource: ResourceRef, selector: unknown, reader: WhyReader): Promise<KubeObject[]> {
  const query = selectorQuery(selector)
  const items = await reader.list(resource, String(owner.metadata.namespace ?? ''), query)
  return items.filter((item) => (item.metadata.ownerReferences ?? []).some((reference) => reference.uid === owner.metadata.uid && reference.controller === true))
}

function isPodReady(pod: KubeObject): boolean {
  return text(condition(pod, 'Ready')?.status) === 'True'
}

/** The first pod that is not Ready, explained, as one sentence and its facts. */
async function firstUnreadyPod(pods: readonly KubeObject[], reader: WhyReader): Promise<{sentence: string; facts: string[]} | null> {
  const live = pods.filter((pod) => !pod.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(text(fields(pod.status).phase)))
  const unready = live.filter((pod) => !isPodReady(pod)).sort((left, right) => text(left.metadata.name).localeCompare(text(right.metadata.name)))
  const first = unready[0]
  if (!first) return null
  const inner = await explainPod(first, reader)
  const others = unready.length > 1 ? ` (${unready.length - 1} more pods are not Ready either)` : ''
  return {sentence: `Its pod ${text(first.metadata.name)} is ${inner.state}${others}: ${inner.cause}`, facts: inner.facts.map((fact) => `pod/${text(first.metadata.name)}: ${fact.trimStart()}`)}
}

async function creationFailures(object: KubeObject, reader: WhyReader): Promise<{sentence: string | null; facts: string[]}> {
  const events = (await reader.events(object)).filter((event) => creationFailureReasons.includes(text(fields(event).reason)))
  const failure = condition(object, 'ReplicaFailure')
  const message = text(failure?.status) === 'True' ? text(failure?.message) : text(fields(events.at(-1)).message)
  return {sentence: message ? `the controller cannot create its pods: ${message}` : null, facts: eventFacts(events)}
}

export async function explainDeployment(deployment: KubeObject, label: string, reader: WhyReader): Promise<Diagnosis> {
  const namespace = text(deployment.metadata.namespace)
  const spec = fields(deployment.spec)
  const status = fields(deployment.status)
  const desired = Number(spec.replicas ?? 1)
  const counts = `${desired} desired, ${Number(status.updatedReplicas ?? 0)} updated, ${Number(status.readyReplicas ?? 0)} ready, ${Number(status.availableReplicas ?? 0)} available`
  const facts = [`replicas: ${counts}`]
  const progressing = condition(deployment, 'Progressing')
  if (progressing) facts.push(`condition Progressing=${text(progressing.status)} ${text(progressing.reason)}: ${text(progressing.message)}`)
  const sets = await ownedBy(deployment, resources.replicaSets, spec.selector, reader)
  const revision = (set: KubeObject) => Number(set.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)
  const newest = [...sets].sort((left, right) => revision(right) - revision(left))[0]
  if (newest) facts.push(`newest replicaset/${text(newest.metadata.name)} (revision ${revision(newest)}): ${Number(fields(newest.status).readyReplicas ?? 0)}/${Number(fields(newest.spec).replicas ?? 0)} ready`)
  if (spec.paused === true) return diagnosis(label, namespace, 'Paused', true, `${label}'s rollout is paused (spec.paused): the Deployment controller makes no new ReplicaSet and scales nothing for template changes until \`kubectl rollout resume deployment/${text(deployment.metadata.name)}\`.`, facts)
  const failures = newest ? await creationFailures(newest, reader) : {sentence: null, facts: []}
  facts.push(...failures.facts.map((fact) => `replicaset/${text(newest?.metadata.name)}: ${fact}`))
  const pods = (await Promise.all(sets.map((set) => ownedBy(set, resources.pods, fields(set.spec).selector, reader)))).flat()
  const podCause = await firstUnreadyPod(pods, reader)
  if (podCause) facts.push(...podCause.facts)
  const deadline = text(progressing?.reason) === 'ProgressDeadlineExceeded'
  const done = Number(status.updatedReplicas ?? 0) === desired && Number(status.availableReplicas ?? 0) >= desired && Number(status.replicas ?? 0) === desired && Number(status.observedGeneration ?? 0) >= Number(deployment.metadata.generation ?? 0)
  const causes = [failures.sentence, podCause?.sentence].filter((entry): entry is string => entry !== null && entry !== undefined)
  if (deadline) return diagnosis(label, namespace, 'ProgressDeadlineExceeded', true, `${label}'s rollout made no progress for spec.progressDeadlineSeconds (${Number(spec.progressDeadlineSeconds ?? 600)} s) and is marked failed; the controller keeps trying. ${causes.join(' ') || text(progressing?.message)}`, facts)
  if (done) return diagnosis(label, namespace, 'Available', false, `Nothing is wrong: ${label} has all ${desired} replicas updated and available.`, facts)
  if (causes.length > 0) return diagnosis(label, namespace, 'Progressing', true, `${label}'s rollout is not complete (${counts}). ${causes.join(' ')}`, facts)
  return diagnosis(label, namespace, 'Progressing', false, `${label} is rolling out (${counts}): new pods are starting; nothing is wrong yet.`, facts)
}

/** What keeps a workload's pods from being made or Ready: its controller's refusals, then its first unready pod. */
async function podFindings(owner: KubeObject, selector: unknown, reader: WhyReader, facts: string[]): Promise<{causes: string[]; podNotReady: boolean}> {
  const failures = await creationFailures(owner, reader)
  facts.push(...failures.facts)
  const pods = await ownedBy(owner, resources.pods, selector, reader)
  const podCause = await firstUnreadyPod(pods, reader)
  if (podCause) facts.push(...podCause.facts)
  return {causes: [failures.sentence, podCause?.sentence].filter((entry): entry is string => typeof entry === 'string'), podNotReady: podCause !== null}
}

/** ReplicaSets and ReplicationControllers: replicas made and Ready. */
export async function explainReplicaSet(set: KubeObject, label: string, reader: WhyReader): Promise<Diagnosis> {
  const namespace = text(set.metadata.namespace)
  const desired = Number(fields(set.spec).replicas ?? 1)
  const status = fields(set.status)
  const counts = `${desired} desired, ${Number(status.replicas ?? 0)} current, ${Number(status.readyReplicas ?? 0)} ready`
  const facts = [`replicas: ${counts}`]
  const {causes} = await podFindings(set, fields(set.spec).selector, reader, facts)
  if (Number(status.readyReplicas ?? 0) >= desired && Number(status.replicas ?? 0) === desired && causes.length === 0) return diagnosis(label, namespace, 'Ready', false, `Nothing is wrong: ${label} has all ${desired} replicas Ready.`, facts)
  if (causes.length > 0) return diagnosis(label, namespace, 'NotReady', true, `${label} has ${counts}. ${causes.join(' ')}`, facts)
  return diagnosis(label, namespace, 'Scaling', false, `${label} is bringing its replicas to ${desired} (${counts}); nothing is wrong yet.`, facts)
}

export async function explainStatefulSet(set: KubeObject, label: string, reader: WhyReader): Promise<Diagnosis> {
  const namespace = text(set.metadata.namespace)
  const spec = fields(set.spec)
  const desired = Number(spec.replicas ?? 1)
  const status = fields(set.status)
  const counts = `${desired} desired, ${Number(status.replicas ?? 0)} current, ${Number(status.readyReplicas ?? 0)} ready`
  const facts = [`replicas: ${counts}`, `podManagementPolicy ${text(spec.podManagementPolicy) || 'OrderedReady'}`]
  const {causes, podNotReady} = await podFindings(set, spec.selector, reader, facts)
  const ordered = (text(spec.podManagementPolicy) || 'OrderedReady') === 'OrderedReady'
  if (ordered && podNotReady) causes.push(`With podManagementPolicy OrderedReady the controller creates the next ordinal only once every lower one is Running and Ready, so this pod holds the rest back.`)
  if (Number(status.readyReplicas ?? 0) >= desired && causes.length === 0) return diagnosis(label, namespace, 'Ready', false, `Nothing is wrong: ${label} has all ${desired} replicas Ready.`, facts)
  if (causes.length > 0) return diagnosis(label, namespace, 'NotReady', true, `${label} has ${counts}. ${causes.join(' ')}`, facts)
  return diagnosis(label, namespace, 'Scaling', false, `${label} is bringing up its pods in order (${counts}); nothing is wrong yet.`, facts)
}

export async function explainDaemonSet(set: KubeObject, label: string, reader: WhyReader): Promise<Diagnosis> {
  const namespace = text(set.metadata.namespace)
  const status = fields(set.status)
  const desired = Number(status.desiredNumberScheduled ?? 0)
  const counts = `${desired} desired, ${Number(status.currentNumberScheduled ?? 0)} scheduled, ${Number(status.numberReady ?? 0)} ready, ${Number(status.numberMisscheduled ?? 0)} misscheduled`
  const facts = [`pods: ${counts}`]
  const {causes} = await podFindings(set, fields(set.spec).selector, reader, facts)
  if (desired === 0) return diagnosis(label, namespace, 'NoNodes', true, `${label} wants no pod: no node matches its pod template's node selector, affinity and tolerations (a DaemonSet runs one pod on each node its pods can run on).`, facts)
  if (Number(status.numberReady ?? 0) >= desired && causes.length === 0) return diagnosis(label, namespace, 'Ready', false, `Nothing is wrong: ${label} runs a Ready pod on each of its ${desired} nodes.`, facts)
  if (causes.length > 0) return diagnosis(label, namespace, 'NotReady', true, `${label} has ${counts}. ${causes.join(' ')}`, facts)
  return diagnosis(label, namespace, 'Scaling', false, `${label} is starting its pods (${counts}); nothing is wrong yet.`, facts)
}

export async function explainJob(job: KubeObject, label: string, reader: WhyReader): Promise<Diagnosis> {
  const namespace = text(job.metadata.namespace)
  const spec = fields(job.spec)
  const status = fields(job.status)
  const facts = [`completions ${Number(status.succeeded ?? 0)}/${Number(spec.completions ?? 1)}, active ${Number(status.active ?? 0)}, failed ${Number(status.failed ?? 0)} (backoffLimit ${Number(spec.backoffLimit ?? 6)})`]
  const failed = condition(job, 'Failed')
  if (text(failed?.status) === 'True') return diagnosis(label, namespace, 'Failed', true, `${label} failed (${text(failed?.reason)}): ${text(failed?.message)}. A failed Job starts no more pods; fix its template and create it again.`, facts)
  if (text(condition(job, 'Complete')?.status) === 'True') return diagnosis(label, namespace, 'Complete', false, `Nothing is wrong: ${label} completed.`, facts)
  if (spec.suspend === true) return diagnosis(label, namespace, 'Suspended', true, `${label} is suspended (spec.suspend): it starts no pods until resumed.`, facts)
  const {causes} = await podFindings(job, spec.selector, reader, facts)
  if (causes.length > 0) return diagnosis(label, namespace, 'Running', true, `${label} is not complete. ${causes.join(' ')}`, facts)
  return diagnosis(label, namespace, 'Running', false, `${label} is running its pods; nothing is wrong yet.`, facts)
}


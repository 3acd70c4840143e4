// `kubectl rollout status|history|undo|restart|pause|resume` for Deployments, StatefulSets and
// DaemonSets, with kubectl 1.32's messages: status follows the object (a watch) until it has
// rolled out; history and undo read a Deployment's ReplicaSets or the ControllerRevisions of the
// others; restart stamps kubectl.kubernetes.io/restartedAt; pause and resume are Deployments' only.
import type {KubeObject} from '../../api/object.js'
import {formatTimestamp, sameJson} from '../../api/object.js'
import {formatLabelSelector, isLabelSelectorObject, labelSelectorFromObject} from '../../api/selectors.js'
import {parseGoDuration} from '../../etcdctl/flags.js'
import {DescribeWriter} from '../describe/writer.js'
import {describePodTemplate} from '../describe/pods.js'
import {GatheredErrors, KubectlError} from '../errors.js'
import {ChangedObjectPrinter} from '../output.js'
import {asTypedObject} from '../typed-object.js'
import {type DryRun, dryRunOf, dryRunSuffix} from './apply.js'
import {type SyncEvent, untilWithSync} from '../until-with-sync.js'
import type {KubectlFlag} from '../flags.js'
import type {KubectlVerb} from '../verb.js'
import {type ApiResource, kindName, objectPath, requestList, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {parseResourceArguments, refuseNamesWithSelection, requestsFromFiles} from './get.js'

const revisionAnnotation = 'deployment.kubernetes.io/revision'
const changeCauseAnnotation = 'kubernetes.io/change-cause'

const common: readonly KubectlFlag[] = [
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
]

/** kubectl's PrintFlags on undo, restart, pause and resume. */
const printFlags: readonly KubectlFlag[] = [
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'template', kind: 'string'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
]

interface Target {
  readonly resource: ApiResource
  readonly name: string
  readonly namespace: string
}

const rolloutKinds = new Set(['deployments', 'statefulsets', 'daemonsets'])

type RolloutVerbName = 'status' | 'history' | 'undo' | 'restart' | 'pause' | 'resume'

/** What kubectl says of a kind it cannot roll out, each verb in its own words. */
function unsupportedKind(verb: RolloutVerbName, resource: ApiResource, name: string): KubectlError {
  if (verb === 'status') return new KubectlError(`no status viewer has been implemented for ${resource.kind}`)
  if (verb === 'history') return new KubectlError(`error retrieving history for "${resource.kind}", no visitor method exists for {${resource.group} ${resource.kind}}`)
  if (verb === 'undo') return new KubectlError(`error retrieving rollbacker for "${resource.kind}", no visitor method exists for {${resource.group} ${resource.kind}}`)
  const words = {restart: 'restarting', pause: 'pausing', resume: 'resuming'}[verb]
  return new KubectlError(`${resource.resource}${resource.group ? `.${resource.group}` : ''} ${JSON.stringify(name)} ${words} is not supported`)
}

/** That some object is named, which kubectl checks before a verb's own flags (status --revision). */
function requireTargets(session: KubectlSession, args: readonly string[]): void {
  if (args.length === 0 && !fromFiles(session)) throw new KubectlError('required resource not specified')
}

/** Whether the objects come from -f or -k. */
function fromFiles(session: KubectlSession): boolean {
  return session.list('filename').length > 0 || session.flag('kustomize') !== ''
}

async function targetsOf(session: KubectlSession, args: readonly string[], verb: RolloutVerbName): Promise<Target[]> {
  const files = session.list('filename')
  requireTargets(session, args)
  if (args.length > 0 && fromFiles(session)) throw new KubectlError('resource/name arguments cannot be provided when a path is specified')
  const mapper = await ResourceMapper.discover(session)
  const targets: Target[] = []
  refuseNamesWithSelection(args, session.flag('selector') !== '')
  // -f or -k: each object the files or the kustomization name, in its own namespace.
  for (const request of fromFiles(session) ? await requestsFromFiles(session, mapper, files, `rollout ${verb}`) : parseResourceArguments(mapper, args)) {
    const namespace = request.namespace ?? session.namespace()
    if (request.resource.group !== 'apps' || !rolloutKinds.has(request.resource.resource)) {
      // kubectl reads the object before it asks what the kind supports: one not there is NotFound.
      for (const name of request.names) await session.request('GET', objectPath(request.resource, namespace, name))
      throw unsupportedKind(verb, request.resource, request.names[0] ?? '')
    }
    for (const name of request.names) targets.push({resource: request.resource, name, namespace})
    if (request.names.length === 0) {
      // A kind alone means all of that kind in the namespace (or those -l selects).
      const selector = session.flag('selector')
      const listed = (await requestList(session, request.resource, namespace, {query: selector ? {labelSelector: selector} : {}})).body as {items?: KubeObject[]}
      for (const item of listed.items ?? []) targets.push({resource: request.resource, name: String(item.metadata.name), namespace})
    }
  }
  return targets
}

/** The objects a rollout verb works on; none found is kubectl's notice on stderr (history says nothing), not an error. */
async function targetsOrNotice(session: KubectlSession, args: readonly string[], verb: RolloutVerbName): Promise<Target[]> {
  const targets = await targetsOf(session, args, verb)
  if (targets.length === 0 && verb !== 'history') session.io.stderr(`No resources found in ${session.namespace()} namespace.\n`)
  return targets
}

type Deployment = KubeObject & {spec: {replicas?: number; paused?: boolean; template?: {metadata?: {labels?: Record<string, string>; annotations?: Record<string, string>}}}; status?: Record<string, unknown>}

/**
 * kubectl's DeploymentStatusViewer: the line for the current state, and whether it is done; with
 * a --revision, a deployment at another revision is an error.
 */
export function deploymentStatus(deployment: Deployment, revision = 0): {message: string; done: boolean} {
  const name = deployment.metadata.name
  if (revision > 0) {
    const running = Number(deployment.metadata.annotations?.[revisionAnnotation] ?? 0)
    if (revision !== running) throw new KubectlError(`desired revision (${revision}) is different from the running revision (${running})`)
  }
  const status = (deployment.status ?? {}) as {observedGeneration?: number; updatedReplicas?: number; replicas?: number; availableReplicas?: number; conditions?: Array<{type: string; reason?: string}>}
  if ((deployment.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) return {message: 'Waiting for deployment spec update to be observed...\n', done: false}
  const progressing = (status.conditions ?? []).find((condition) => condition.type === 'Progressing')
  if (progressing?.reason === 'ProgressDeadlineExceeded') throw new KubectlError(`deployment ${JSON.stringify(name)} exceeded its progress deadline`)
  const desired = deployment.spec.replicas ?? 1
  const updated = status.updatedReplicas ?? 0
  const replicas = status.replicas ?? 0
  const available = status.availableReplicas ?? 0
  if (updated < desired) return {message: `Waiting for deployment ${JSON.stringify(name)} rollout to finish: ${updated} out of ${desired} new replicas have been updated...\n`, done: false}
  if (replicas > updated) return {message: `Waiting for deployment ${JSON.stringify(name)} rollout to finish: ${replicas - updated} old replicas are pending termination...\n`, done: false}
  if (available < updated) return {message: `Waiting for deployment ${JSON.stringify(name)} rollout to finish: ${available} of ${updated} updated replicas are available...\n`, done: false}
  return {message: `deployment ${JSON.stringify(name)} successfully rolled out\n`, done: true}
}

type Workload = KubeObject & {spec: Record<string, unknown> & {replicas?: number; updateStrategy?: {type?: string; rollingUpdate?: {partition?: number}}}; status?: Record<string, unknown>}

/** kubectl's StatefulSetStatusViewer. */
export function statefulSetStatus(set: Workload): {message: string; done: boolean} {
  const status = (set.status ?? {}) as {observedGeneration?: number; readyReplicas?: number; updatedReplicas?: number; currentReplicas?: number; updateRevision?: string; currentRevision?: string}
  const strategy = set.spec.updateStrategy ?? {}
  if (strategy.type !== 'RollingUpdate') throw new KubectlError('rollout status is only available for RollingUpdate strategy type')
  if (!status.observedGeneration || (set.metadata.generation ?? 0) > status.observedGeneration) return {message: 'Waiting for statefulset spec update to be observed...\n', done: false}
  const replicas = set.spec.replicas ?? 1
  if ((status.readyReplicas ?? 0) < replicas) return {message: `Waiting for ${replicas - (status.readyReplicas ?? 0)} pods to be ready...\n`, done: false}
  if (strategy.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition
    if (partition !== undefined && (status.updatedReplicas ?? 0) < replicas - partition) {
      return {message: `Waiting for partitioned roll out to finish: ${status.updatedReplicas ?? 0} out of ${replicas - partition} new pods have been updated...\n`, done: false}
    }
    return {message: `partitioned roll out complete: ${status.updatedReplicas ?? 0} new pods have been updated...\n`, done: true}
  }
  if (status.updateRevision !== status.currentRevision) return {message: `waiting for statefulset rolling update to complete ${status.updatedReplicas ?? 0} pods at revision ${status.updateRevision}...\n`, done: false}
  return {message: `statefulset rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision}...\n`, done: true}
}

/** kubectl's DaemonSetStatusViewer. */
export function daemonSetStatus(set: Workload): {message: string; done: boolean} {
  const status = (set.status ?? {}) as {observedGeneration?: number; updatedNumberScheduled?: number; desiredNumberScheduled?: number; numberAvailable?: number}
  if (set.spec.updateStrategy?.type !== 'RollingUpdate') throw new KubectlError('rollout status is only available for RollingUpdate strategy type')
  if ((set.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) return {message: 'Waiting for daemon set spec update to be observed...\n', done: false}
  const name = JSON.stringify(set.metadata.name)
  const desired = status.desiredNumberScheduled ?? 0
  if ((status.updatedNumberScheduled ?? 0) < desired) return {message: `Waiting for daemon set ${name} rollout to finish: ${status.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...\n`, done: false}
  if ((status.numberAvailable ?? 0) < desired) return {message: `Waiting for daemon set ${name} rollout to finish: ${status.numberAvailable ?? 0} of ${desired} updated pods are available...\n`, done: false}
  return {message: `daemon set ${name} successfully rolled out\n`, done: true}
}

async function runStatus(session: KubectlSession, args: readonly string[]): Promise<number> {
  const timeout = parseGoDuration(session.flag('timeout'), 'timeout')
  requireTargets(session, args)
  if (Number(session.flag('revision')) < 0) throw new KubectlError(`revision must be a positive integer: ${session.flag('revision')}`)
  const clock = session.clock
  // status follows each object in turn and reports what failed at the end.
  const errors = new GatheredErrors()
  for (const target of await targetsOrNotice(session, args, 'status')) {
    try {
      await followStatus(session, target, timeout > 0 ? clock.nowMilliseconds() + timeout : Number.POSITIVE_INFINITY)
    } catch (error) {
      errors.add(error)
    }
  }
  return errors.report(session.io, session)
}

async function followStatus(session: KubectlSession, target: Target, deadline: number): Promise<void> {
  const viewer = target.resource.resource === 'statefulsets' ? statefulSetStatus : target.resource.resource === 'daemonsets' ? daemonSetStatus : (object: Workload) => deploymentStatus(object as Deployment, Number(session.flag('revision')))
  // A missing object is the server's NotFound, as kubectl's first GET reports it.
  await session.request('GET', objectPath(target.resource, target.namespace, target.name))
  // kubectl prints the status of every ADDED or MODIFIED event its informer sees, a message the
  // same as the one before included.
  const show = (event: SyncEvent) => {
    // A deleted object ends the wait: a new one by the name would be another rollout.
    if (event.type === 'DELETED') throw new KubectlError('object has been deleted')
    const {message, done} = viewer(event.object as Workload)
    session.io.stdout(message)
    // Without --watch, one look is all.
    return done || session.flag('watch') === 'false'
  }
  if (!(await untilWithSync(session, target.resource, target.namespace, target.name, {condition: show, deadline}))) throw new KubectlError('timed out waiting for the condition')
}

async function ownedReplicaSets(session: KubectlSession, deployment: Deployment): Promise<KubeObject[]> {
  // kubectl lists the ReplicaSets its selector selects, then keeps the ones the Deployment controls.
  const selector = (deployment.spec as {selector?: unknown}).selector
  const labelSelector = isLabelSelectorObject(selector) ? formatLabelSelector(labelSelectorFromObject(selector)) : ''
  const query = labelSelector === '' ? undefined : {labelSelector}
  const listed = (await session.request('GET', `/apis/apps/v1/namespaces/${deployment.metadata.namespace}/replicasets`, {query})).body as {items: KubeObject[]}
  return listed.items
    .filter((set) => (set.metadata.ownerReferences ?? []).some((owner) => owner.controller && owner.uid === deployment.metadata.uid))
    .sort((left, right) => Number(left.metadata.annotations?.[revisionAnnotation] ?? 0) - Number(right.metadata.annotations?.[revisionAnnotation] ?? 0))
}

/** One entry of an object's history: a Deployment's ReplicaSet or a ControllerRevision. */
interface HistoryEntry {
  readonly revision: number
  readonly object: KubeObject
  readonly template: Record<string, unknown>
}

/** A StatefulSet's or DaemonSet's ControllerRevisions (kubectl's controlledHistory), oldest first. */
async function controllerRevisions(session: KubectlSession, owner: KubeObject): Promise<HistoryEntry[]> {
  const listed = (await session.request('GET', `/apis/apps/v1/namespaces/${owner.metadata.namespace}/controllerrevisions`)).body as {items: Array<KubeObject & {revision?: number; data?: {spec?: {template?: Record<string, unknown>}}}>}
  return listed.items
    .filter((revision) => (revision.metadata.ownerReferences ?? []).some((reference) => reference.controller && reference.uid === owner.metadata.uid))
    .map((revision) => {
      const {$patch: _directive, ...template} = revision.data?.spec?.template ?? {}
      return {revision: Number(revision.revision ?? 0), object: revision as KubeObject, template}
    })
    .sort((left, right) => left.revision - right.revision)
}

async function historyOf(session: KubectlSession, target: Target, object: KubeObject): Promise<HistoryEntry[]> {
  if (target.resource.resource !== 'deployments') return controllerRevisions(session, object)
  return (await ownedReplicaSets(session, object as Deployment)).map((set) => ({
    revision: Number(set.metadata.annotations?.[revisionAnnotation] ?? 0),
    object: set,
    template: templateWithoutHash(set),
  }))
}

async function runHistory(session: KubectlSession, args: readonly string[]): Promise<number> {
  const printer = session.flag('output') !== '' || session.flag('template') !== '' ? printerOf(session) : null
  // history goes on past an object that fails and reports every failure at the end.
  const errors = new GatheredErrors()
  for (const target of await targetsOrNotice(session, args, 'history')) {
    try {
      await showHistory(session, target, printer)
    } catch (error) {
      errors.add(error)
    }
  }
  return errors.report(session.io, session)
}

async function showHistory(session: KubectlSession, target: Target, printer: ChangedObjectPrinter | null): Promise<void> {
  // kubectl reads the object twice: its builder, then the history viewer, which reads it afresh.
  await session.request('GET', objectPath(target.resource, target.namespace, target.name))
  const object = (await session.request('GET', objectPath(target.resource, target.namespace, target.name))).body as KubeObject
  const history = await historyOf(session, target, object)
  const revision = Number(session.flag('revision'))
  if (printer) {
    // With -o kubectl prints the history's objects themselves (ReplicaSets or ControllerRevisions), oldest first.
    for (const entry of history.filter((candidate) => revision <= 0 || candidate.revision === revision)) {
      // A Deployment's history is its ReplicaSets (a list's items carry no kind; the typed
      // printer names it); the others' is the object with each revision's template applied.
      const shown = target.resource.resource === 'deployments'
        ? {...entry.object, kind: 'ReplicaSet', apiVersion: 'apps/v1'}
        : {...object, spec: {...(object as {spec?: Record<string, unknown>}).spec, template: entry.template}}
      const kind = target.resource.resource === 'deployments' ? 'replicaset.apps' : kindName(target.resource)
      session.io.stdout(printer.print(asTypedObject(shown), `${kind}/${shown.metadata.name ?? ''}`, '', true))
    }
    return
  }
  const header = `${kindName(target.resource)}/${target.name} ${revision > 0 ? `with revision #${revision}` : ''}`
  if (history.length === 0) {
    session.io.stdout(`${header}\nNo rollout history found.\n`)
    return
  }
  if (revision > 0) {
    const entry = history.find((candidate) => candidate.revision === revision)
    if (!entry) throw new KubectlError(`unable to find the specified revision`)
    const writer = new DescribeWriter()
    describePodTemplate(writer, target.resource.resource === 'deployments' ? ((entry.object as {spec?: {template?: Record<string, unknown>}}).spec?.template ?? {}) : entry.template)
    session.io.stdout(`${header}\n${writer.withoutTabwriter()}\n`)
    return
  }
  let out = `${header}\nREVISION  CHANGE-CAUSE\n`
  const rows = history.map((entry) => [String(entry.revision), entry.object.metadata.annotations?.[changeCauseAnnotation] || '<none>'])
  const width = Math.max('REVISION'.length, ...rows.map(([revisionText]) => revisionText!.length))
  for (const [revisionText, cause] of rows) out += `${revisionText!.padEnd(width)}  ${cause}\n`
  session.io.stdout(`${out}\n`)
}

function templateWithoutHash(set: KubeObject): Record<string, unknown> {
  const template = structuredClone((set as {spec?: {template?: {metadata?: {labels?: Record<string, string>}}}}).spec?.template ?? {}) as {metadata?: {labels?: Record<string, string>}}
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash']
  return template as Record<string, unknown>
}

/** A pod template as kubectl's rollback describes it for a client dry run. */
function describedTemplate(template: Record<string, unknown>): string {
  const writer = new DescribeWriter()
  describePodTemplate(writer, template)
  return writer.withoutTabwriter()
}

/**
 * kubectl's StatefulSetRollbacker and DaemonSetRollbacker: the revision's patch, applied as it
 * is; returns the words kubectl prints after the object's name.
 */
async function undoControllerRevision(session: KubectlSession, object: KubeObject & {spec?: {template?: Record<string, unknown>}}, path: string, dryRun: DryRun): Promise<string> {
  const history = await controllerRevisions(session, object)
  const wanted = Number(session.flag('to-revision'))
  if (wanted < 0) throw new KubectlError(`unable to find specified revision ${wanted} in history`)
  if (wanted === 0 && history.length <= 1) throw new KubectlError('no last revision to roll back to')
  const entry = wanted === 0 ? history[history.length - 2] : history.find((candidate) => candidate.revision === wanted)
  if (!entry) throw new KubectlError(`unable to find specified revision ${wanted} in history`)
  if (dryRun === 'client') {
    const applied = {...(object.spec?.template ?? {}), ...entry.template}
    return `will roll back to ${describedTemplate(applied)}`
  }
  if (sameJson(entry.template, object.spec?.template ?? {})) return `skipped rollback (current template already matches revision ${wanted})`
  await session.request('PATCH', path, {body: (entry.object as {data?: unknown}).data, contentType: 'application/strategic-merge-patch+json', query: dryRun === 'server' ? {dryRun: 'All'} : undefined})
  return 'rolled back'
}

/** Annotations a rollback keeps from the Deployment rather than taking the ReplicaSet's (kubectl's annotationsToSkip). */
const annotationsKeptOnRollback = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
])

/** kubectl's DeploymentRollbacker: the ReplicaSet's template and annotations back on the Deployment. */
async function undoDeployment(session: KubectlSession, target: Target, deployment: Deployment, path: string, dryRun: DryRun): Promise<string> {
  const sets = await ownedReplicaSets(session, deployment)
  const wanted = Number(session.flag('to-revision'))
  if (wanted < 0) throw new KubectlError(`unable to find specified revision ${wanted} in history`)
  const current = Number(deployment.metadata.annotations?.[revisionAnnotation] ?? 0)
  const candidates = sets.filter((set) => Number(set.metadata.annotations?.[revisionAnnotation] ?? 0) !== current)
  const set = wanted > 0 ? sets.find((entry) => Number(entry.metadata.annotations?.[revisionAnnotation]) === wanted) : candidates[candidates.length - 1]
  if (!set) throw new KubectlError(wanted > 0 ? `unable to find specified revision ${wanted} in history` : 'no rollout history found for deployment ' + JSON.stringify(target.name))
  if (dryRun === 'client') return describedTemplate((set as {spec?: {template?: Record<string, unknown>}}).spec?.template ?? {})
  if (deployment.spec.paused) throw new KubectlError(`you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again`)
  const template = templateWithoutHash(set)
  // kubectl names the revision it was asked for: 0 when none was.
  if (sameJson(template, deployment.spec.template)) return `skipped rollback (current template already matches revision ${wanted})`
  const annotations: Record<string, string> = {}
  for (const [key, value] of Object.entries(deployment.metadata.annotations ?? {})) if (annotationsKeptOnRollback.has(key)) annotations[key] = value
  for (const [key, value] of Object.entries(set.metadata.annotations ?? {})) if (!annotationsKeptOnRollback.has(key)) annotations[key] = value
  const patch = [
    {op: 'replace', path: '/spec/template', value: template},
    {op: 'replace', path: '/metadata/annotations', value: annotations},
  ]
  await session.request('PATCH', path, {body: patch, contentType: 'application/json-patch+json', query: dryRun === 'server' ? {dryRun: 'All'} : undefined})
  return 'rolled back'
}

/** The printer for rollout's -o/--template: objects typed, as its builder decodes them. */
const printerOf = (session: KubectlSession) => new ChangedObjectPrinter(session.flag('output'), session.flag('template'), session.flag('show-managed-fields') === 'true', session.flag('allow-missing-template-keys'))

async function runUndo(session: KubectlSession, args: readonly string[]): Promise<number> {
  const dryRun = dryRunOf(session)
  const printer = printerOf(session)
  // undo goes on past an object that fails and reports every failure at the end.
  const errors = new GatheredErrors()
  for (const target of await targetsOrNotice(session, args, 'undo')) {
    try {
      const path = objectPath(target.resource, target.namespace, target.name)
      const object = (await session.request('GET', path)).body as Deployment
      const result = target.resource.resource === 'deployments' ? await undoDeployment(session, target, object, path, dryRun) : await undoControllerRevision(session, object, path, dryRun)
      // kubectl prints the object as it read it, before the rollback.
      session.io.stdout(printer.print(asTypedObject(object), `${kindName(target.resource)}/${target.name}`, `${result}${dryRunSuffix(dryRun)}`, true))
    } catch (error) {
      errors.add(error)
    }
  }
  return errors.report(session.io, session)
}

/**
 * kubectl's way for restart, pause and resume: it reads every object first (what it cannot read
 * is reported first), then patches each one, reporting each failure at the end.
 */
async function patchEach(session: KubectlSession, args: readonly string[], verb: RolloutVerbName, change: (target: Target, object: Deployment, errors: GatheredErrors) => Promise<void>): Promise<number> {
  const errors = new GatheredErrors()
  const read: Array<{target: Target; object: Deployment}> = []
  for (const target of await targetsOrNotice(session, args, verb)) {
    try {
      read.push({target, object: (await session.request('GET', objectPath(target.resource, target.namespace, target.name))).body as Deployment})
    } catch (error) {
      errors.add(error)
    }
  }
  for (const {target, object} of read) {
    try {
      await change(target, object, errors)
    } catch (error) {
      errors.add(error)
    }
  }
  return errors.report(session.io, session)
}

/** kubectl's words for an object its patch function refused: `error: deployments.apps "a" …`. */
const refusal = (target: Target, words: string) => new KubectlError(`error: ${target.resource.resource}${target.resource.group ? `.${target.resource.group}` : ''} ${JSON.stringify(target.name)} ${words}`)

/** Go's time.Now().Format(time.RFC3339): local time with its offset, `Z` where the offset is zero. */
function goLocalRfc3339(milliseconds: number): string {
  const offsetMinutes = -new Date(milliseconds).getTimezoneOffset()
  const local = formatTimestamp(milliseconds + offsetMinutes * 60_000).slice(0, -1)
  if (offsetMinutes === 0) return `${local}Z`
  const magnitude = Math.abs(offsetMinutes)
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(magnitude / 60)).padStart(2, '0')}:${String(magnitude % 60).padStart(2, '0')}`
}

/** restart, pause and resume name themselves in the object's managedFields as kubectl's do. */
const fieldManagerFlag: KubectlFlag = {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-rollout'}

async function runRestart(session: KubectlSession, args: readonly string[]): Promise<number> {
  const clock = session.clock
  const printer = printerOf(session)
  return patchEach(session, args, 'restart', async (target, deployment, errors) => {
    if (deployment.spec.paused) return errors.add(refusal(target, `can't restart paused deployment (run rollout resume first)`))
    const restartedAt = goLocalRfc3339(clock.nowMilliseconds())
    // A restart stamped in the same second changes nothing: kubectl has no patch to send.
    if (deployment.spec.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] === restartedAt) {
      return errors.add(new KubectlError(`failed to create patch for ${target.name}: if restart has already been triggered within the past second, please wait before attempting to trigger another`))
    }
    const patch = {spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': restartedAt}}}}}
    const answer = (await session.request('PATCH', objectPath(target.resource, target.namespace, target.name), {body: patch, contentType: 'application/strategic-merge-patch+json', query: {fieldManager: session.flag('field-manager')}})).body as KubeObject
    session.io.stdout(printer.print(asTypedObject(answer), `${kindName(target.resource)}/${target.name}`, 'restarted', true))
  })
}

function pauseVerb(paused: boolean) {
  return async (session: KubectlSession, args: readonly string[]): Promise<number> => {
    const printer = printerOf(session)
    return patchEach(session, args, paused ? 'pause' : 'resume', async (target, deployment, errors) => {
      if (target.resource.resource !== 'deployments') return errors.add(refusal(target, `${paused ? 'pausing' : 'resuming'} is not supported`))
      if ((deployment.spec.paused ?? false) === paused) return errors.add(refusal(target, paused ? 'is already paused' : 'is not paused'))
      const path = objectPath(target.resource, target.namespace, target.name)
      const answer = (await session.request('PATCH', path, {body: {spec: {paused: paused ? true : null}}, contentType: 'application/merge-patch+json', query: {fieldManager: session.flag('field-manager')}})).body as KubeObject
      session.io.stdout(printer.print(asTypedObject(answer), `${kindName(target.resource)}/${target.name}`, paused ? 'paused' : 'resumed', true))
    })
  }
}

export const rolloutVerb: KubectlVerb = {
  name: 'rollout',
  flags: [],
  subverbs: [
    {name: 'status', flags: [...common, {name: 'watch', shorthand: 'w', kind: 'bool', defaultValue: 'true'}, {name: 'timeout', kind: 'duration', defaultValue: '0s'}, {name: 'revision', kind: 'int', defaultValue: '0'}], run: runStatus},
    {name: 'history', flags: [...common, {name: 'revision', kind: 'int', defaultValue: '0'}, ...printFlags], run: runHistory},
    {name: 'undo', flags: [...common, ...printFlags, {name: 'to-revision', kind: 'int', defaultValue: '0'}, {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'}], run: runUndo},
    {name: 'restart', flags: [...common, ...printFlags, fieldManagerFlag], run: runRestart},
    {name: 'pause', flags: [...common, ...printFlags, fieldManagerFlag], run: pauseVerb(true)},
    {name: 'resume', flags: [...common, ...printFlags, fieldManagerFlag], run: pauseVerb(false)},
  ],
}

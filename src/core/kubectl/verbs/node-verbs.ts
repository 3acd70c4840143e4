// `kubectl cordon`, `uncordon`, `taint` and `drain` on nodes, with kubectl 1.32's messages.
import {isMirrorPod} from '../../api/mirror-pods.js'
import {isQualifiedName} from '../../api/names.js'
import {parseLabelSelector, SelectorError} from '../../api/selectors.js'
import type {KubeObject} from '../../api/object.js'
import {parseGoDuration} from '../../etcdctl/flags.js'
import {formatGoDuration} from '../../util/go-duration.js'
import {KubectlError, listError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {waitForObject} from '../object-watch.js'
import {chunkSizeOf, kindName, objectPath, requestList, ResourceMapper, type ApiResource} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {ChangedObjectPrinter} from '../output.js'
import {asTypedObject} from '../typed-object.js'
import {dryRunOf} from './apply.js'
import {fieldValidationOf} from '../field-validation.js'

type Taint = {key: string; value?: string; effect: string; timeAdded?: string}
type Node = KubeObject & {spec?: {unschedulable?: boolean; taints?: Taint[]}}

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute']

export const cordonFlags: readonly KubectlFlag[] = [{name: 'selector', shorthand: 'l', kind: 'string'}, {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'}]
export const taintFlags: readonly KubectlFlag[] = [
  ...cordonFlags,
  {name: 'overwrite', kind: 'bool'},
  {name: 'all', kind: 'bool'},
  {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-taint'},
  {name: 'validate', kind: 'string', defaultValue: 'strict', noValueDefault: 'strict'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'template', kind: 'string'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
]

async function nodesNamed(session: KubectlSession, names: readonly string[]): Promise<{resource: ApiResource; nodes: Node[]}> {
  const mapper = await ResourceMapper.discover(session)
  const resource = mapper.resolve('nodes')
  const selector = session.flag('selector')
  if (names.length === 0 && !selector && session.flag('all') !== 'true') throw new KubectlError('resource(s) were provided, but no name was specified')
  if (names.length === 0) {
    const query: Record<string, string> = selector ? {labelSelector: selector} : {}
    // A list the server refuses is the resource builder's error, naming what it looked for.
    const listed = (await session.request('GET', '/api/v1/nodes', {query}).catch((error: unknown) => {
      throw listError(error, {group: '', version: 'v1', resource: 'nodes'}, query)
    })).body as {items: Node[]}
    return {resource, nodes: listed.items}
  }
  const nodes: Node[] = []
  for (const name of names) nodes.push((await session.request('GET', objectPath(resource, '', name))).body as Node)
  return {resource, nodes}
}

/** kubectl's usage error for cordon, uncordon and drain without a node or a selector. */
function requireNodeArgument(session: KubectlSession, verb: string, args: readonly string[]): void {
  if (args.length === 0 && !session.flag('selector')) throw new KubectlError(`USAGE: ${verb} NODE [flags]\nSee 'kubectl ${verb} -h' for help and examples`)
}

function cordonVerb(unschedulable: boolean) {
  return async (session: KubectlSession, args: readonly string[]): Promise<number> => {
    requireNodeArgument(session, unschedulable ? 'cordon' : 'uncordon', args)
    const {resource, nodes} = await nodesNamed(session, args)
    const dryRun = session.flag('dry-run') !== 'none'
    const dryRunSuffix = dryRunOf(session) === 'server' ? ' (server dry run)' : ' (dry run)'
    const word = unschedulable ? 'cordoned' : 'uncordoned'
    for (const node of nodes) {
      const name = `${kindName(resource)}/${node.metadata.name}`
      if ((node.spec?.unschedulable ?? false) === unschedulable) {
        session.io.stdout(`${name} already ${word}${dryRun ? dryRunSuffix : ''}\n`)
        continue
      }
      if (!dryRun) await session.request('PATCH', objectPath(resource, '', String(node.metadata.name)), {body: {spec: {unschedulable: unschedulable ? true : null}}, contentType: 'application/strategic-merge-patch+json'})
      session.io.stdout(`${name} ${word}${dryRun ? dryRunSuffix : ''}\n`)
    }
    return 0
  }
}

export const runCordon = cordonVerb(true)
export const runUncordon = cordonVerb(false)

/** `key=value:Effect`, `key:Effect` to add; `key:Effect-`, `key-` to remove. */
function parseTaints(specs: readonly string[]): {add: Taint[]; remove: Array<{key: string; effect?: string}>} {
  const add: Taint[] = []
  const remove: Array<{key: string; effect?: string}> = []
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const [key, effect] = spec.slice(0, -1).split(':')
      if (effect !== undefined && !taintEffects.includes(effect)) throw new KubectlError(`invalid taint effect: ${effect}, unsupported taint effect`)
      remove.push({key: key!, ...(effect ? {effect} : {})})
      continue
    }
    const match = /^([^=:]*)(?:=([^:]*))?:(.*)$/.exec(spec)
    if (!match) throw new KubectlError(`invalid taint spec: ${spec}, unknown taint spec: ${spec}`)
    const keyErrors = isQualifiedName(match[1]!)
    if (keyErrors.length > 0) throw new KubectlError(`invalid taint spec: ${spec}, ${keyErrors.join('; ')}`)
    if (!taintEffects.includes(match[3]!)) throw new KubectlError(`invalid taint effect: ${match[3]}, unsupported taint effect`)
    const taint: Taint = {key: match[1]!, ...(match[2] !== undefined && match[2] !== '' ? {value: match[2]} : {}), effect: match[3]!}
    // kubectl names the later of two taints of one key and effect as Go prints the struct.
    if (add.some((other) => other.key === taint.key && other.effect === taint.effect)) throw new KubectlError(`duplicated taints with the same key and effect: {${taint.key} ${taint.value ?? ''} ${taint.effect} <nil>}`)
    add.push(taint)
  }
  return {add, remove}
}

export async function runTaint(session: KubectlSession, args: readonly string[]): Promise<number> {
  // kubectl's Complete reads --dry-run and --validate before the arguments.
  const dryRun = dryRunOf(session)
  // kubectl's helper sends its field manager and --validate's directive with the patch.
  const query = {fieldManager: session.flag('field-manager'), fieldValidation: fieldValidationOf(session), ...(dryRun === 'server' ? {dryRun: 'All'} : {})}
  const [type, ...rest] = args
  if (!type) throw new KubectlError('one or more resources must be specified as <resource> <name>')
  const slash = type.indexOf('/')
  const typeName = slash >= 0 ? type.slice(0, slash) : type
  if (!['node', 'nodes', 'no'].includes(typeName)) throw new KubectlError(`invalid resource type ${typeName}, only node types are supported`)
  const names = slash >= 0 ? [type.slice(slash + 1)] : rest.filter((argument) => !/[=:]|-$/.test(argument))
  const specs = slash >= 0 ? rest : rest.filter((argument) => /[=:]|-$/.test(argument))
  if (specs.length === 0) throw new KubectlError('at least one taint update is required')
  // A spec kubectl cannot parse is a usage error: its help line follows.
  const {add, remove} = (() => {
    try {
      return parseTaints(specs)
    } catch (error) {
      if (error instanceof KubectlError) throw new KubectlError(`${error.message}\nSee 'kubectl taint -h' for help and examples`)
      throw error
    }
  })()
  const {resource, nodes} = await nodesNamed(session, names)
  const printer = new ChangedObjectPrinter(session.flag('output'), session.flag('template'), session.flag('show-managed-fields') === 'true', session.flag('allow-missing-template-keys'))
  for (const node of nodes) {
    const before = node.spec?.taints ?? []
    for (const taint of add) {
      const same = before.filter((existing) => existing.key === taint.key && existing.effect === taint.effect)
      if (same.length > 0 && session.flag('overwrite') !== 'true') throw new KubectlError(`node ${node.metadata.name} already has ${taint.key} taint(s) with same effect(s) and --overwrite is false`)
    }
    // As kubectl reorganizes them: the taints given first, then the node's others not replaced.
    let taints = [...add, ...before.filter((existing) => !add.some((taint) => existing.key === taint.key && existing.effect === taint.effect))]
    for (const removal of remove) {
      const kept = taints.filter((existing) => !(existing.key === removal.key && (removal.effect === undefined || existing.effect === removal.effect)))
      if (kept.length === taints.length) throw new KubectlError(`taint ${JSON.stringify(removal.effect ? `${removal.key}:${removal.effect}` : removal.key)} not found`)
      taints = kept
    }
    // kubectl says "modified" whenever --overwrite is given, even for a new taint.
    const operation = session.flag('overwrite') === 'true' || (add.length > 0 && remove.length > 0) ? 'modified' : add.length > 0 ? 'tainted' : 'untainted'
    const {taints: _before, ...untainted} = node.spec ?? {}
    const spec = taints.length > 0 ? {...untainted, taints} : untainted
    // A client dry run prints the node as kubectl changed it, through its Go type; otherwise the server's answer.
    const printed = dryRun === 'client'
      ? asTypedObject({...node, spec})
      : ((await session.request('PATCH', objectPath(resource, '', String(node.metadata.name)), {body: {spec: {taints: taints.length > 0 ? taints : null}}, contentType: 'application/merge-patch+json', query})).body as KubeObject)
    // taint never says dry run; the server's answer is decoded into the Go type, the client's change is not.
    session.io.stdout(printer.print(printed, `${kindName(resource)}/${node.metadata.name}`, operation, dryRun !== 'client'))
  }
  return 0
}

export const drainFlags: readonly KubectlFlag[] = [
  ...cordonFlags,
  {name: 'force', kind: 'bool'},
  {name: 'ignore-daemonsets', kind: 'bool'},
  {name: 'delete-emptydir-data', kind: 'bool'},
  {name: 'grace-period', kind: 'int', defaultValue: '-1'},
  {name: 'timeout', kind: 'duration', defaultValue: '0s'},
  {name: 'disable-eviction', kind: 'bool'},
  {name: 'pod-selector', kind: 'string'},
  {name: 'chunk-size', kind: 'int', defaultValue: '500'},
  {name: 'skip-wait-for-delete-timeout', kind: 'int', defaultValue: '0'},
]

/** A PodDisruptionBudget refusal is retried this many times (kubectl retries every 5 s until its timeout). */
export const drainEvictionAttemptsMax = 20
const drainRetryMilliseconds = 5_000

type DrainPod = KubeObject & {spec?: {nodeName?: string; volumes?: Array<{emptyDir?: unknown}>}; status?: {phase?: string}}

/**
 * `kubectl drain NODE`: cordon, then evict every pod on the node (through pods/eviction, which
 * honours PodDisruptionBudgets) except those kubectl refuses without a flag, and wait until
 * they are gone — the control plane runs meanwhile, so replacements start elsewhere.
 */
export async function runDrain(session: KubectlSession, args: readonly string[]): Promise<number> {
  requireNodeArgument(session, 'drain', args)
  try {
    parseLabelSelector(session.flag('pod-selector'))
  } catch (error) {
    if (error instanceof SelectorError) throw new KubectlError('--pod-selector=<pod_selector> must be a valid label selector')
    throw error
  }
  const {resource, nodes} = await nodesNamed(session, args)
  const podsResource = (await ResourceMapper.discover(session)).resolve('pods')
  const clock = session.clock
  const timeout = parseGoDuration(session.flag('timeout'), 'timeout')
  const deadline = timeout > 0 ? clock.nowMilliseconds() + timeout : Number.POSITIVE_INFINITY
  // kubectl cordons every node first, then drains them one by one.
  for (const node of nodes) await cordonVerb(true)(session, [String(node.metadata.name)])
  for (const node of nodes) {
    const name = String(node.metadata.name)
    const podQuery = {fieldSelector: `spec.nodeName=${name}`, ...(session.flag('pod-selector') ? {labelSelector: session.flag('pod-selector')} : {})}
    const listed = (await requestList(session, podsResource, '', {query: podQuery, chunkSize: chunkSizeOf(session)})).body as {items: DrainPod[]}
    const unmanaged: string[] = []
    const daemons: string[] = []
    const localStorage: string[] = []
    const forcedUnmanaged: string[] = []
    const deletedLocalStorage: string[] = []
    const evictable: DrainPod[] = []
    for (const pod of listed.items) {
      const qualified = `${pod.metadata.namespace}/${pod.metadata.name}`
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
        evictable.push(pod)
        continue
      }
      const controller = (pod.metadata.ownerReferences ?? []).find((owner) => owner.controller)
      if (controller?.kind === 'DaemonSet') {
        daemons.push(qualified)
        continue
      }
      // A mirror pod is its node's static pod: drain leaves it, without a word, as kubectl's mirror pod filter does.
      if (isMirrorPod(pod)) continue
      if (!controller) (session.flag('force') === 'true' ? forcedUnmanaged : unmanaged).push(qualified)
      if ((pod.spec?.volumes ?? []).some((volume) => volume.emptyDir !== undefined)) (session.flag('delete-emptydir-data') === 'true' ? deletedLocalStorage : localStorage).push(qualified)
      evictable.push(pod)
    }
    const problems: string[] = []
    // kubectl's message for these pods already begins "cannot delete", and it prefixes every reason with it again.
    if (unmanaged.length > 0) problems.push(`cannot delete cannot delete Pods that declare no controller (use --force to override): ${unmanaged.join(', ')}`)
    if (daemons.length > 0 && session.flag('ignore-daemonsets') !== 'true') problems.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemons.join(', ')}`)
    if (localStorage.length > 0) problems.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${localStorage.join(', ')}`)
    if (problems.length > 0) {
      session.io.stderr(`error: unable to drain node "${name}" due to error: ${problems.join(', ')}, continuing command...\nThere are pending nodes to be drained:\n ${name}\n${problems.join('\n')}\n`)
      return 1
    }
    const warnings = [
      ...(daemons.length > 0 ? [`ignoring DaemonSet-managed Pods: ${daemons.join(', ')}`] : []),
      ...(forcedUnmanaged.length > 0 ? [`deleting Pods that declare no controller: ${forcedUnmanaged.join(', ')}`] : []),
      ...(deletedLocalStorage.length > 0 ? [`deleting Pods with local storage: ${deletedLocalStorage.join(', ')}`] : []),
    ]
    if (warnings.length > 0) session.io.stderr(`Warning: ${warnings.join('; ')}\n`)
    const grace = Number(session.flag('grace-period'))
    const dryRun = dryRunOf(session)
    if (dryRun === 'client') {
      for (const pod of evictable) session.io.stdout(`evicting pod ${pod.metadata.namespace}/${pod.metadata.name} (dry run)\n`)
      session.io.stdout(`${kindName(resource)}/${name} drained (dry run)\n`)
      continue
    }
    if (session.flag('disable-eviction') === 'true') {
      // Deleted, not evicted: disruption budgets do not hold them back.
      for (const pod of evictable) {
        await session.request('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, {body: {kind: 'DeleteOptions', apiVersion: 'v1', ...(grace >= 0 ? {gracePeriodSeconds: grace} : {}), ...(dryRun === 'server' ? {dryRun: ['All']} : {})}, allow: [404]})
      }
      if (dryRun !== 'server') await waitGone(session, podsResource, evictable, deadline, name, timeout, 'deleted')
      session.io.stdout(`${kindName(resource)}/${name} drained${dryRun === 'server' ? ' (server dry run)' : ''}\n`)
      continue
    }
    const pending = [...evictable]
    // Each pod as kubectl's goroutine for it: say so, stop there once the timeout has passed,
    // else evict; a refusal waits the full retry interval before the next attempt.
    const timedOut: DrainPod[] = []
    for (let attempt = 0; pending.length > 0 && timedOut.length === 0 && attempt < drainEvictionAttemptsMax; attempt++) {
      for (const pod of [...pending]) {
        session.io.stdout(`evicting pod ${pod.metadata.namespace}/${pod.metadata.name}${dryRun === 'server' ? ' (server dry run)' : ''}\n`)
        if (clock.nowMilliseconds() >= deadline) {
          timedOut.push(pod)
          continue
        }
        const deleteOptions = {...(grace >= 0 ? {gracePeriodSeconds: grace} : {}), ...(dryRun === 'server' ? {dryRun: ['All']} : {})}
        const eviction = {apiVersion: 'policy/v1', kind: 'Eviction', metadata: {name: pod.metadata.name, namespace: pod.metadata.namespace}, ...(Object.keys(deleteOptions).length > 0 ? {deleteOptions} : {})}
        const response = await session.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/eviction`, {body: eviction, allow: [404, 429]})
        if (response.status === 429) {
          const message = (response.body as {message?: string}).message ?? ''
          session.io.stderr(`error when evicting pods/"${pod.metadata.name}" -n "${pod.metadata.namespace}" (will retry after 5s): ${message}\n`)
          continue
        }
        pending.splice(pending.indexOf(pod), 1)
      }
      // Replacements start elsewhere (and disruption budgets free up) while the control plane runs.
      await session.settleControlPlane()
      if (pending.length > 0 && timedOut.length === 0) await clock.sleep(drainRetryMilliseconds)
    }
    if (pending.length > 0) {
      // One reason per pod that ran out of time, several as Go's aggregate prints them; then every pod of the node.
      const reasons = (timedOut.length > 0 ? timedOut : pending).map((pod) => `error when evicting pods/"${pod.metadata.name}" -n "${pod.metadata.namespace}": global timeout reached: ${formatGoDuration(timeout)}`)
      const reason = reasons.length === 1 ? reasons[0]! : `[${reasons.join(', ')}]`
      session.io.stderr(`There are pending pods in node "${name}" when an error occurred: ${reason}\n${evictable.map((pod) => `pod/${pod.metadata.name}\n`).join('')}`)
      throw new KubectlError(`unable to drain node "${name}" due to error: ${reason}, continuing command...\nThere are pending nodes to be drained:\n ${name}\n${reasons.join('\n')}`)
    }
    if (dryRun !== 'server') await waitGone(session, podsResource, evictable, deadline, name, timeout, 'evicted')
    session.io.stdout(`${kindName(resource)}/${name} drained${dryRun === 'server' ? ' (server dry run)' : ''}\n`)
  }
  return 0
}

/** Waits until each pod is gone (or replaced by one of the same name), printing `pod/NAME WORD` for each. */
async function waitGone(session: KubectlSession, podsResource: ApiResource, pods: readonly DrainPod[], deadline: number, node: string, timeout: number, word: string): Promise<void> {
  for (const pod of pods) {
    const gone = await waitForObject(session, podsResource, String(pod.metadata.namespace), String(pod.metadata.name), (object) => object === null || object.metadata.uid !== pod.metadata.uid, deadline)
    if (!gone) throw new KubectlError(`unable to drain node "${node}" due to error: global timeout reached: ${timeout / 1000}s, continuing command...`)
    session.io.stdout(`pod/${pod.metadata.name} ${word}\n`)
  }
}

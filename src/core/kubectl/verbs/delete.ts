// `kubectl delete`: by TYPE NAME…, TYPE/NAME…, -f files, -l selector or --all, with --cascade
// (background, foreground, orphan), --grace-period, --now, --force, --ignore-not-found and
// --dry-run; prints `kind "name" deleted` as kubectl does, then (--wait, the default) waits until
// each object is gone: finalizers removed, graceful termination over.
import {parseGoDuration} from '../../etcdctl/flags.js'
import type {KubeObject} from '../../api/object.js'
import {collectServerError, KubectlError, noResourcesMessage, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {hasManifestSource, readManifestsOrKustomization} from '../kustomize/manifests.js'
import {untilWithSync} from '../until-with-sync.js'
import {type ApiResource, collectionPath, kindName, objectPath, ResourceMapper, requestList} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {dryRunOf, dryRunSuffix, errorWithSource, placeObject} from './apply.js'
import {parseResourceArguments, refuseNamesWithSelection} from './get.js'

export const deleteFlags: readonly KubectlFlag[] = [
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'field-selector', kind: 'string'},
  {name: 'all', kind: 'bool'},
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'cascade', kind: 'string', defaultValue: 'background', noValueDefault: 'background'},
  {name: 'grace-period', kind: 'int', defaultValue: '-1'},
  {name: 'now', kind: 'bool'},
  {name: 'force', kind: 'bool'},
  {name: 'ignore-not-found', kind: 'bool'},
  {name: 'wait', kind: 'bool', defaultValue: 'true'},
  {name: 'timeout', kind: 'duration', defaultValue: '0s'},
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'interactive', shorthand: 'i', kind: 'bool'},
  {name: 'raw', kind: 'string'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
]

/** kubectl waits this long when --timeout is 0: a week. */
const deleteWaitDefaultMilliseconds = 168 * 3_600_000

interface Target {
  readonly resource: ApiResource
  readonly namespace: string
  readonly name: string
  /** The file it was read from: the server's errors name it (kubectl's AddSourceToErr). */
  readonly source?: string
}

function deleteBody(session: KubectlSession): Record<string, unknown> {
  const cascade = session.flag('cascade')
  const policies: Record<string, string> = {background: 'Background', foreground: 'Foreground', orphan: 'Orphan', true: 'Background', false: 'Orphan'}
  const policy = policies[cascade]
  if (!policy) throw new KubectlError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`)
  const body: Record<string, unknown> = {kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: policy}
  let grace = Number(session.flag('grace-period'))
  if (session.flag('now') === 'true') {
    if (grace >= 0) throw new KubectlError('--now and --grace-period cannot be specified together')
    grace = 1
  }
  const force = session.flag('force') === 'true'
  // --grace-period=0 alone is taken as 1 (no accidental immediate deletion); --force asks for 0.
  if (grace === 0 && !force) grace = 1
  if (force && grace < 0) grace = 0
  if (force && grace > 0) throw new KubectlError('--force and --grace-period greater than 0 cannot be specified together')
  if (force) session.io.stderr('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n')
  if (grace >= 0) body.gracePeriodSeconds = grace
  if (dryRunOf(session) === 'server') body.dryRun = ['All']
  return body
}

export async function runDelete(session: KubectlSession, args: readonly string[]): Promise<number> {
  const dryRun = dryRunOf(session)
  const body = deleteBody(session)
  const mapper = await ResourceMapper.discover(session)
  const targets: Target[] = []
  const errors: string[] = []
  const namespace = session.namespace()
  if (hasManifestSource(session)) {
    if (args.length > 0) throw new KubectlError('cannot specify both filenames and resource names/types')
    for (const manifest of await readManifestsOrKustomization(session, 'delete')) {
      const {resource, namespace: objectNamespace} = placeObject(session, mapper, manifest)
      targets.push({resource, namespace: objectNamespace, name: manifest.object.metadata.name ?? '', source: manifest.source})
    }
    if (targets.length === 0) {
      // From files, kubectl's delete prints this on stdout (its selector path prints on stderr).
      session.io.stdout('No resources found\n')
      return 0
    }
  } else {
    const requests = parseResourceArguments(mapper, args)
    if (requests.length === 0) {
      throw new KubectlError(noResourcesMessage)
    }
    const selector = session.flag('selector')
    const fieldSelector = session.flag('field-selector')
    const all = session.flag('all') === 'true'
    const allNamespaces = session.flag('all-namespaces') === 'true'
    // The trailing space is kubectl's.
    if (all && (selector || fieldSelector)) throw new KubectlError("setting 'all' parameter but found a non empty selector. ")
    // --all selects everything, as a selector does: names beside it are refused alike.
    refuseNamesWithSelection(args, selector !== '' || fieldSelector !== '' || all)
    for (const {resource, names} of requests) {
      if (names.length > 0) {
        if (selector || fieldSelector) throw new KubectlError('name cannot be provided when a selector is specified')
        for (const name of names) targets.push({resource, namespace, name})
        continue
      }
      if (!selector && !fieldSelector && !all) {
        throw new KubectlError(`resource(s) were provided, but no name was specified`)
      }
      const query: Record<string, string> = {}
      if (selector) query.labelSelector = selector
      if (fieldSelector) query.fieldSelector = fieldSelector
      const listed = await requestList(session, resource, resource.namespaced && !allNamespaces ? namespace : '', {query})
      for (const item of ((listed.body as {items?: KubeObject[]}).items ?? [])) {
        // -n with --all-namespaces: kubectl requires every object to be in the namespace of
        // all namespaces (""), so each one listed is refused, and nothing is deleted.
        if (allNamespaces && session.namespaceExplicit() && item.metadata.namespace) {
          errors.push(`the namespace from the provided object "${item.metadata.namespace}" does not match the namespace "". You must pass '--namespace=${item.metadata.namespace}' to perform this operation.`)
          continue
        }
        targets.push({resource, namespace: item.metadata.namespace ?? '', name: item.metadata.name ?? ''})
      }
    }
    if (targets.length === 0 && errors.length === 0 && (selector || fieldSelector || all)) {
      // Unlike get, delete says it on stdout and names no namespace.
      session.io.stdout('No resources found\n')
      return 0
    }
  }
  const deleted: Array<Target & {uid: string}> = []
  // An explicit -n does not scope cluster-scoped kinds: kubectl says so once.
  let warnClusterScope = session.namespaceExplicit() && session.flag('all-namespaces') !== 'true'
  for (const target of targets) {
    if (warnClusterScope && !target.resource.namespaced) {
      session.io.stderr('Warning: deleting cluster-scoped resources, not scoped to the provided namespace\n')
      warnClusterScope = false
    }
    const label = `${kindName(target.resource)} "${target.name}"`
    try {
      const path = objectPath(target.resource, target.namespace, target.name)
      const response = dryRun !== 'client' ? await session.request('DELETE', path, {body}) : await session.request('GET', path)
      // The object deleted answers with itself, or with a Status whose details name its uid.
      const answer = response.body as Partial<KubeObject> & {details?: {uid?: string}}
      if (dryRun === 'none') deleted.push({...target, uid: String(answer.metadata?.uid ?? answer.details?.uid ?? '')})
      const deletedWord = body.gracePeriodSeconds === 0 ? 'force deleted' : 'deleted'
      session.io.stdout(session.flag('output') === 'name' ? `${kindName(target.resource)}/${target.name}\n` : `${label} ${deletedWord}${dryRunSuffix(dryRun)}\n`)
    } catch (error) {
      collectServerError(target.source && error instanceof ServerError ? errorWithSource(error, 'deleting', target.source) : error, errors, session.flag('ignore-not-found') === 'true', session)
    }
  }
  if (session.flag('wait') === 'true' && deleted.length > 0) {
    // Graceful deletion and finalizers are carried out by the control plane: let it run first.
    await session.settleControlPlane()
    const timeout = parseGoDuration(session.flag('timeout'), 'timeout')
    const deadline = session.clock.nowMilliseconds() + (timeout > 0 ? timeout : deleteWaitDefaultMilliseconds)
    for (const target of deleted) {
      if (!(await waitUntilGone(session, target, deadline))) {
        errors.push(`error: timed out waiting for the condition on ${target.resource.resource}/${target.name}`)
        break
      }
    }
  }
  for (const error of errors) session.io.stderr(`${error}\n`)
  return errors.length > 0 ? 1 : 0
}

/**
 * Whether the object (this uid) is gone before the deadline, as wait --for=delete finds out: a
 * GET, then the informer of its name until it is deleted.
 */
async function waitUntilGone(session: KubectlSession, target: Target & {uid: string}, deadline: number): Promise<boolean> {
  const current = await session.request('GET', objectPath(target.resource, target.namespace, target.name), {allow: [404]})
  if (current.status === 404) return true
  if (target.uid !== '' && (current.body as KubeObject).metadata.uid !== target.uid) return true
  return untilWithSync(session, target.resource, target.namespace, target.name, {precondition: (object) => object === null, condition: (event) => event.type === 'DELETED', deadline})
}

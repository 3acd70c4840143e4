// `kubectl apply --prune` (kubectl 1.32 without an ApplySet): after applying, deletes the objects
// of the default allow-list kinds that match the selector (or --all), carry a last-applied
// configuration, and were not applied this time: namespaced kinds in the namespaces the applied
// objects were in, cluster-scoped kinds everywhere. `kubectl diff --prune` shows the same objects
// as deleted.
import type {KubeObject} from '../../api/object.js'
import {KubectlError, ServerError} from '../errors.js'
import {klogLine} from '../request-log.js'
import {type ApiResource, kindName, objectPath, requestList, type ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'

/** kubectl's default prune allow-list: group, version and kind, in its order. */
const defaultPruneKinds: ReadonlyArray<readonly [string, string]> = [
  ['v1', 'ConfigMap'],
  ['v1', 'Endpoints'],
  ['v1', 'Namespace'],
  ['v1', 'PersistentVolumeClaim'],
  ['v1', 'PersistentVolume'],
  ['v1', 'Pod'],
  ['v1', 'ReplicationController'],
  ['v1', 'Secret'],
  ['v1', 'Service'],
  ['batch/v1', 'Job'],
  ['batch/v1', 'CronJob'],
  ['networking.k8s.io/v1', 'Ingress'],
  ['apps/v1', 'DaemonSet'],
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'ReplicaSet'],
  ['apps/v1', 'StatefulSet'],
]

/** What an apply touched: the namespaces of its objects and the uids it applied. */
export interface AppliedSet {
  readonly namespaces: Set<string>
  readonly uids: Set<string>
}

/** How apply runs: its dry run, the words it adds for it, its -o, the annotation that marks what apply made. */
export interface PruneOptions {
  readonly dryRun: 'none' | 'client' | 'server'
  readonly dryRunSuffix: string
  readonly output: string
  readonly lastAppliedAnnotation: string
}

/** The kinds --prune-allowlist names, each `group/version/kind` (`core` for the core group). */
export function pruneAllowlistOf(session: KubectlSession): Array<readonly [string, string]> {
  return session.list('prune-allowlist').map((entry) => {
    const parts = entry.split('/')
    if (parts.length !== 3) throw new KubectlError(`invalid GroupVersionKind format: ${entry}, please follow <group/version/kind>`)
    const [group, version, kind] = parts as [string, string, string]
    return [group === 'core' ? version : `${group}/${version}`, kind] as const
  })
}

/**
 * The resources apply --prune looks at: those the allowlist names (each must exist: kubectl's
 * mapping error otherwise), or kubectl's defaults, which the kinds the server lacks leave out.
 */
export function pruneKindsOf(mapper: ResourceMapper, allowlist: ReadonlyArray<readonly [string, string]>): PruneKinds {
  if (allowlist.length === 0) return {resources: defaultPruneKinds.map(([apiVersion, kind]) => mapper.forKind(apiVersion, kind)).filter((resource): resource is ApiResource => resource !== null), defaulted: true}
  return {
    resources: allowlist.map(([apiVersion, kind]) => {
      const resource = mapper.forKind(apiVersion, kind)
      if (!resource) throw new KubectlError(`no matches for kind "${kind}" in version "${apiVersion}"`)
      return resource
    }),
    defaulted: false,
  }
}

export interface PruneKinds {
  readonly resources: readonly ApiResource[]
  /** kubectl's default list (no --prune-allowlist): it warns that cluster-scoped kinds will leave it. */
  readonly defaulted: boolean
}

/** kubectl's deprecation warning for its default kinds (no --prune-allowlist): its namespace is always set, so it comes with every defaulted prune. */
export function warnOfDefaultedPrune(session: KubectlSession, kinds: PruneKinds): void {
  if (!kinds.defaulted) return
  session.io.stderr(klogLine('W', 'prune.go:71', 'Deprecated: kubectl apply will no longer prune non-namespaced resources by default when used with the --namespace flag in a future release. To preserve the current behaviour, list the resources you want to target explicitly in the --prune-allowlist flag.'))
}

/** An object a prune would delete, with its resource. */
/** A list of a kind to prune that the server refused, in kubectl's pruner's words. */
export class PruneListError extends KubectlError {
  constructor(resource: ApiResource, error: ServerError) {
    super(`error pruning ${resource.namespaced ? 'namespaced' : 'nonNamespaced'} object ${resource.group}/${resource.version}, Kind=${resource.kind}: ${error.status.message ?? ''}`)
  }
}

export interface Prunable {
  readonly resource: ApiResource
  readonly object: KubeObject
}

/**
 * The objects of the kinds to prune that match the selector, carry a last-applied configuration
 * and were not applied this time: namespaced kinds in the namespaces applied to, cluster-scoped
 * kinds everywhere. Each has its apiVersion and kind, as the dynamic client's list items have.
 */
export async function prunableObjects(session: KubectlSession, applied: AppliedSet, kinds: PruneKinds, lastApplied: string): Promise<Prunable[]> {
  const query: Record<string, string> = session.flag('selector') ? {labelSelector: session.flag('selector')} : {}
  const scopes: Array<[ApiResource, string]> = []
  for (const namespace of applied.namespaces) for (const resource of kinds.resources) if (resource.namespaced) scopes.push([resource, namespace])
  for (const resource of kinds.resources) if (!resource.namespaced) scopes.push([resource, ''])
  const found: Prunable[] = []
  for (const [resource, namespace] of scopes) {
    let listed: {apiVersion?: string; items?: KubeObject[]}
    try {
      listed = (await requestList(session, resource, namespace, {query})).body as typeof listed
    } catch (error) {
      if (error instanceof ServerError) throw new PruneListError(resource, error)
      throw error
    }
    for (const object of listed.items ?? []) {
      if (object.metadata.annotations?.[lastApplied] === undefined) continue
      if (applied.uids.has(object.metadata.uid ?? '')) continue
      found.push({resource, object: {...object, apiVersion: object.apiVersion ?? listed.apiVersion ?? resource.version, kind: object.kind ?? resource.kind}})
    }
  }
  return found
}

export async function pruneUnapplied(session: KubectlSession, applied: AppliedSet, kinds: PruneKinds, options: PruneOptions): Promise<void> {
  const {dryRun, output} = options
  warnOfDefaultedPrune(session, kinds)
  for (const {resource, object} of await prunableObjects(session, applied, kinds, options.lastAppliedAnnotation)) {
    const name = object.metadata.name ?? ''
    if (dryRun !== 'client') {
      const body = {kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...(dryRun === 'server' ? {dryRun: ['All']} : {})}
      await session.request('DELETE', objectPath(resource, object.metadata.namespace ?? '', name), {body})
    }
    session.io.stdout(output === 'name' ? `${kindName(resource)}/${name}\n` : `${kindName(resource)}/${name} pruned${options.dryRunSuffix}\n`)
  }
}

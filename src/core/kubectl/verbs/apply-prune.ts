// `kubectl apply --prune` (kubectl 1.32 without an ApplySet): after applying, deletes the objects
// of the default allow-list kinds that match the selector (or --all), carry a last-applied
// configuration, and were not applied this time: namespaced kinds in the namespaces the applied
// objects were in, cluster-scoped kinds everywhere.
import type {KubeObject} from '../../api/object.js'
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

export async function pruneUnapplied(session: KubectlSession, mapper: ResourceMapper, applied: AppliedSet, options: PruneOptions): Promise<void> {
  const {dryRun, output} = options
  if (session.namespaceExplicit()) {
    session.io.stderr(klogLine('W', 'prune.go:71', 'Deprecated: kubectl apply will no longer prune non-namespaced resources by default when used with the --namespace flag in a future release. To preserve the current behaviour, list the resources you want to target explicitly in the --prune-allowlist flag.'))
  }
  const resources = defaultPruneKinds.map(([apiVersion, kind]) => mapper.forKind(apiVersion, kind)).filter((resource): resource is ApiResource => resource !== null)
  const query: Record<string, string> = session.flag('selector') ? {labelSelector: session.flag('selector')} : {}
  const scopes: Array<[ApiResource, string]> = []
  for (const namespace of applied.namespaces) for (const resource of resources) if (resource.namespaced) scopes.push([resource, namespace])
  for (const resource of resources) if (!resource.namespaced) scopes.push([resource, ''])
  for (const [resource, namespace] of scopes) {
    const listed = await requestList(session, resource, namespace, {query})
    for (const object of (listed.body as {items?: KubeObject[]}).items ?? []) {
      if (object.metadata.annotations?.[options.lastAppliedAnnotation] === undefined) continue
      if (applied.uids.has(object.metadata.uid ?? '')) continue
      const name = object.metadata.name ?? ''
      if (dryRun !== 'client') {
        const body = {kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...(dryRun === 'server' ? {dryRun: ['All']} : {})}
        await session.request('DELETE', objectPath(resource, object.metadata.namespace ?? '', name), {body})
      }
      session.io.stdout(output === 'name' ? `${kindName(resource)}/${name}\n` : `${kindName(resource)}/${name} pruned${options.dryRunSuffix}\n`)
    }
  }
}

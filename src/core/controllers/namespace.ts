// The namespace controller (kube-controller-manager 1.32): a Terminating namespace is emptied —
// every namespaced resource the server lists is deleted in it — and once nothing is left, the
// "kubernetes" finalizer is removed through namespaces/NAME/finalize, which deletes it.
import {formatTimestamp, type KubeObject} from '../api/object.js'
import {ApiClient, isConflict, isNotFound, type ResourceRef} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'

/** A namespace with objects that will not go (foreign finalizers) is looked at again this much later. */
export const namespaceRecheckMilliseconds = 5_000
/** The namespace controller's rate limiter after a failed deletion (a discovery failure): 5 ms, doubling, at most 60 s. */
export const namespaceRetryInitialMilliseconds = 5
export const namespaceRetryMaxMilliseconds = 60_000
/** What client-go's discovery client asks /api and /apis for: the aggregated documents first. */
const aggregatedDiscoveryAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'

interface NamespaceCondition {
  type: string
  status: 'True' | 'False'
  lastTransitionTime: string
  reason: string
  message: string
}

/** What is left in a namespace being emptied, as the controller counts it on each pass. */
interface ContentTotals {
  /** `configmaps.` (core) or `deployments.apps` → instances left. */
  readonly resources: Map<string, number>
  /** finalizer → instances that carry it. */
  readonly finalizers: Map<string, number>
}

/**
 * The deletion conditions kube-controller-manager writes on a Terminating namespace, in its order
 * and words (pkg/controller/namespace/deletion), so `describe ns` and `why` can say what is left.
 */
function deletionConditions(totals: ContentTotals, discoveryFailure: string | null, previous: readonly NamespaceCondition[], at: string): NamespaceCondition[] {
  const sorted = (entries: Map<string, number>, verb: string) => [...entries].map(([name, count]) => `${name} ${verb} ${count} resource instances`).sort().join(', ')
  const wanted: Array<Omit<NamespaceCondition, 'lastTransitionTime'>> = [
    discoveryFailure === null
      ? {type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered'}
      : {type: 'NamespaceDeletionDiscoveryFailure', status: 'True', reason: 'DiscoveryFailed', message: discoveryFailure},
    {type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed'},
    {type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization'},
    totals.resources.size > 0
      ? {type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${sorted(totals.resources, 'has')}`}
      : {type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed'},
    totals.finalizers.size > 0
      ? {type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${sorted(totals.finalizers, 'in')}`}
      : {type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished'},
  ]
  return wanted.map((condition) => {
    const before = previous.find((entry) => entry.type === condition.type)
    return {...condition, lastTransitionTime: before && before.status === condition.status ? before.lastTransitionTime : at}
  })
}

interface AggregatedVersion {
  version?: string
  freshness?: string
  resources?: Array<{resource?: string; scope?: string; verbs?: string[]}>
}

/** The namespaced resources discovery lists, and the group versions it could not (client-go's ErrGroupDiscoveryFailed). */
interface DiscoveredResources {
  readonly resources: ResourceRef[]
  /** `example.com/v1beta1: stale GroupVersion discovery: example.com/v1beta1`, sorted. */
  readonly failed: string[]
}

export class NamespaceController extends Controller {
  private readonly namespaces: Informer<KubeObject>
  /** Namespaces whose deletion failed on discovery, and how many times in a row (the rate limiter's count). */
  private readonly discoveryFailures = new Map<string, number>()

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
  ) {
    super('namespace-controller', clock)
    this.namespaces = informers.informer<KubeObject>(resources.namespaces)
    this.namespaces.onEvent((event) => {
      if (event.type !== 'DELETED' && event.object.metadata.deletionTimestamp) this.queue.add(String(event.object.metadata.name))
    })
    // Pods end on their kubelet's time: look again when one in a Terminating namespace is gone.
    informers.informer<KubeObject>(resources.pods).onEvent((event) => {
      const namespace = this.namespaces.get(String(event.object.metadata.namespace))
      if (event.type === 'DELETED' && namespace?.metadata.deletionTimestamp) this.queue.add(String(namespace.metadata.name))
    })
  }

  /**
   * The namespaced resources that can be listed and deleted, from the aggregated discovery as
   * kube-controller-manager's discovery client reads it: each group's preferred (first) version
   * that is not Stale; a Stale version (an APIService whose server does not answer) is a failure.
   */
  private async deletableResources(): Promise<DiscoveredResources> {
    const resources: ResourceRef[] = []
    const failed: string[] = []
    for (const path of ['/api', '/apis']) {
      const answer = (await this.client.request('GET', path, {accept: aggregatedDiscoveryAccept})).body
      const list = (typeof answer === 'string' ? JSON.parse(answer) : answer) as {items?: Array<{metadata?: {name?: string}; versions?: AggregatedVersion[]}>}
      for (const item of list.items ?? []) {
        const group = item.metadata?.name ?? ''
        const versions = item.versions ?? []
        for (const entry of versions) {
          const groupVersion = group ? `${group}/${entry.version}` : String(entry.version)
          if (entry.freshness === 'Stale') failed.push(`${groupVersion}: stale GroupVersion discovery: ${groupVersion}`)
        }
        const preferred = versions.find((entry) => entry.freshness !== 'Stale')
        if (!preferred || group === 'events.k8s.io') continue
        for (const entry of preferred.resources ?? []) {
          const verbs = entry.verbs ?? []
          if (entry.scope !== 'Namespaced' || !verbs.includes('list') || !verbs.includes('delete')) continue
          resources.push({group, version: String(preferred.version), resource: String(entry.resource), namespaced: true})
        }
      }
    }
    return {resources, failed: failed.sort()}
  }

  /** Writes the deletion conditions when they say something new (the status stays as it is otherwise). */
  private async writeConditions(namespace: KubeObject, totals: ContentTotals, discoveryFailure: string | null): Promise<void> {
    const status = (namespace as {status?: {phase?: string; conditions?: NamespaceCondition[]}}).status ?? {}
    const previous = status.conditions ?? []
    const conditions = deletionConditions(totals, discoveryFailure, previous, formatTimestamp(this.clock.nowMilliseconds()))
    const same = conditions.length === previous.length && conditions.every((condition, index) => JSON.stringify(condition) === JSON.stringify(previous[index]))
    if (same) return
    try {
      await this.client.update(resources.namespaces, {...namespace, kind: 'Namespace', apiVersion: 'v1', status: {...status, conditions}}, 'status')
    } catch (error) {
      // A newer namespace (or one already gone) is looked at again from its own event.
      if (!isNotFound(error) && !isConflict(error)) throw error
    }
  }

  protected async reconcile(name: string): Promise<void> {
    const namespace = this.namespaces.get(name)
    if (!namespace?.metadata.deletionTimestamp) {
      this.discoveryFailures.delete(name)
      return
    }
    let remaining = 0
    let deleted = 0
    const totals: ContentTotals = {resources: new Map(), finalizers: new Map()}
    const discovered = await this.deletableResources()
    // client-go's ErrGroupDiscoveryFailed, in the namespace deleter's words; the content it could discover is deleted all the same.
    const discoveryFailure = discovered.failed.length > 0 ? `Discovery failed for some groups, ${discovered.failed.length} failing: unable to retrieve the complete list of server APIs: ${discovered.failed.join(', ')}` : null
    for (const resource of discovered.resources) {
      const {items} = await this.client.list(resource, name)
      remaining += items.length
      if (items.length > 0) totals.resources.set(`${resource.resource}.${resource.group}`, items.length)
      for (const item of items) {
        for (const finalizer of item.metadata.finalizers ?? []) totals.finalizers.set(finalizer, (totals.finalizers.get(finalizer) ?? 0) + 1)
        if (item.metadata.deletionTimestamp) continue
        try {
          await this.client.delete(resource, name, String(item.metadata.name), {propagationPolicy: 'Background', preconditions: {uid: String(item.metadata.uid)}})
          deleted++
        } catch (error) {
          if (!isNotFound(error)) throw error
        }
      }
    }
    await this.writeConditions(namespace, totals, discoveryFailure)
    if (discoveryFailure !== null) {
      // The deletion failed: the namespace stays until discovery is complete, tried again by the controller's rate limiter.
      const failures = (this.discoveryFailures.get(name) ?? 0) + 1
      this.discoveryFailures.set(name, failures)
      this.queue.addAfter(name, Math.min(namespaceRetryMaxMilliseconds, namespaceRetryInitialMilliseconds * 2 ** Math.min(failures - 1, 30)))
      return
    }
    this.discoveryFailures.delete(name)
    if (remaining > 0) {
      if (deleted > 0) this.queue.add(name)
      else this.queue.addAfter(name, namespaceRecheckMilliseconds)
      return
    }
    const spec = (namespace as {spec?: {finalizers?: string[]}}).spec ?? {}
    const finalizers = (spec.finalizers ?? []).filter((finalizer) => finalizer !== 'kubernetes')
    await this.client.request('PUT', ApiClient.objectPath(resources.namespaces, '', name, 'finalize'), {
      body: {kind: 'Namespace', apiVersion: 'v1', metadata: {name, uid: namespace.metadata.uid}, spec: {finalizers}},
    })
  }
}

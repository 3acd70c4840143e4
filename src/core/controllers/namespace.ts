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
function deletionConditions(totals: ContentTotals, previous: readonly NamespaceCondition[], at: string): NamespaceCondition[] {
  const sorted = (entries: Map<string, number>, verb: string) => [...entries].map(([name, count]) => `${name} ${verb} ${count} resource instances`).sort().join(', ')
  const wanted: Array<Omit<NamespaceCondition, 'lastTransitionTime'>> = [
    {type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered'},
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

interface ApiResourceList {
  groupVersion: string
  resources: Array<{name: string; namespaced: boolean; verbs: string[]}>
}

export class NamespaceController extends Controller {
  private readonly namespaces: Informer<KubeObject>

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

  /** The namespaced resources that can be listed and deleted, from discovery. */
  private async deletableResources(): Promise<ResourceRef[]> {
    const lists: ApiResourceList[] = [(await this.client.request('GET', '/api/v1')).body as ApiResourceList]
    const groups = (await this.client.request('GET', '/apis')).body as {groups: Array<{preferredVersion: {groupVersion: string}}>}
    for (const group of groups.groups) lists.push((await this.client.request('GET', `/apis/${group.preferredVersion.groupVersion}`)).body as ApiResourceList)
    const found: ResourceRef[] = []
    for (const list of lists) {
      const [group, version] = list.groupVersion.includes('/') ? list.groupVersion.split('/') : ['', list.groupVersion]
      for (const entry of list.resources) {
        if (!entry.namespaced || entry.name.includes('/') || !entry.verbs.includes('list') || !entry.verbs.includes('delete')) continue
        if (group === 'events.k8s.io') continue
        found.push({group: group!, version: version!, resource: entry.name, namespaced: true})
      }
    }
    return found
  }

  /** Writes the deletion conditions when they say something new (the status stays as it is otherwise). */
  private async writeConditions(namespace: KubeObject, totals: ContentTotals): Promise<void> {
    const status = (namespace as {status?: {phase?: string; conditions?: NamespaceCondition[]}}).status ?? {}
    const previous = status.conditions ?? []
    const conditions = deletionConditions(totals, previous, formatTimestamp(this.clock.nowMilliseconds()))
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
    if (!namespace?.metadata.deletionTimestamp) return
    let remaining = 0
    let deleted = 0
    const totals: ContentTotals = {resources: new Map(), finalizers: new Map()}
    for (const resource of await this.deletableResources()) {
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
    await this.writeConditions(namespace, totals)
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

// The namespace controller (kube-controller-manager 1.32): a Terminating namespace is emptied —
// every namespaced resource the server lists is deleted in it — and once nothing is left, the
// "kubernetes" finalizer is removed through namespaces/NAME/finalize, which deletes it.
import type {KubeObject} from '../api/object.js'
import {ApiClient, isNotFound, type ResourceRef} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'

/** A namespace with objects that will not go (foreign finalizers) is looked at again this much later. */
export const namespaceRecheckMilliseconds = 5_000

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

  protected async reconcile(name: string): Promise<void> {
    const namespace = this.namespaces.get(name)
    if (!namespace?.metadata.deletionTimestamp) return
    let remaining = 0
    let deleted = 0
    for (const resource of await this.deletableResources()) {
      const {items} = await this.client.list(resource, name)
      remaining += items.length
      for (const item of items) {
        if (item.metadata.deletionTimestamp) continue
        try {
          await this.client.delete(resource, name, String(item.metadata.name), {propagationPolicy: 'Background', preconditions: {uid: String(item.metadata.uid)}})
          deleted++
        } catch (error) {
          if (!isNotFound(error)) throw error
        }
      }
    }
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

// The ServiceAccount controller (kube-controller-manager 1.32's serviceaccount-controller): every
// active namespace has a ServiceAccount named "default"; one deleted is made again.
import type {KubeObject} from '../api/object.js'
import {type ApiClient, isAlreadyExists} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {Clock} from '../util/clock.js'
import {Controller, isActiveNamespace} from './controller.js'

export class ServiceAccountController extends Controller {
  private readonly namespaces: Informer<KubeObject>
  private readonly accounts: Informer<KubeObject>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
  ) {
    super('serviceaccount-controller', clock)
    this.namespaces = informers.informer<KubeObject>(resources.namespaces)
    this.accounts = informers.informer<KubeObject>(resources.serviceAccounts)
    this.namespaces.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(String(event.object.metadata.name))
    })
    this.accounts.onEvent((event) => {
      if (event.type === 'DELETED' && event.object.metadata.name === 'default') this.queue.add(String(event.object.metadata.namespace))
    })
  }

  protected async reconcile(namespace: string): Promise<void> {
    const found = this.namespaces.get(namespace)
    if (!isActiveNamespace(found)) return
    if (this.accounts.get(`${namespace}/default`)) return
    try {
      await this.client.create(resources.serviceAccounts, {kind: 'ServiceAccount', apiVersion: 'v1', metadata: {name: 'default', namespace}})
    } catch (error) {
      if (!isAlreadyExists(error)) throw error
    }
  }
}

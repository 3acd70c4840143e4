// The root CA publisher (kube-controller-manager 1.32's root-ca-cert-publisher): every active
// namespace holds a ConfigMap "kube-root-ca.crt" with the cluster's CA, the one each pod's
// service-account volume projects as ca.crt; a deleted or edited one is put back.
import {areObjectsOrAbsent, jsonEqual, type KubeObject} from '../api/object.js'
import {type ApiClient, isAlreadyExists, isForbidden, isNotFound} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {kindRef, resources} from '../client/resources.js'
import type {Clock} from '../util/clock.js'
import {Controller, isActiveNamespace} from './controller.js'

export const rootCaConfigMapName = 'kube-root-ca.crt'
const descriptionAnnotation = 'kubernetes.io/description'
const description =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.'

interface ConfigMap extends KubeObject {
  data?: Record<string, string>
}

export class RootCaPublisher extends Controller {
  private readonly namespaces: Informer<KubeObject>
  private readonly configMaps: Informer<ConfigMap>
  private certificate: string | null = null

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
    /** The cluster CA's certificate (PEM), read when first needed. */
    private readonly rootCertificate: () => string,
  ) {
    super('root-ca-cert-publisher', clock)
    this.namespaces = informers.informer<KubeObject>(resources.namespaces)
    this.configMaps = informers.informer(kindRef(resources.configMaps, 'ConfigMap', (object): object is ConfigMap => areObjectsOrAbsent(object, 'data')))
    this.namespaces.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(String(event.object.metadata.name))
    })
    this.configMaps.onEvent((event) => {
      // ADDED too: the informer's first list may come after the namespaces' (an edit made meanwhile shows only then).
      if (event.object.metadata.name === rootCaConfigMapName) this.queue.add(String(event.object.metadata.namespace))
    })
  }

  protected async reconcile(namespace: string): Promise<void> {
    const found = this.namespaces.get(namespace)
    if (!isActiveNamespace(found)) return
    this.certificate ??= this.rootCertificate()
    const data = {'ca.crt': this.certificate}
    const current = this.configMaps.get(`${namespace}/${rootCaConfigMapName}`)
    if (!current) {
      try {
        await this.client.create(resources.configMaps, {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: rootCaConfigMapName, namespace, annotations: {[descriptionAnnotation]: description}}, data} as KubeObject)
      } catch (error) {
        // Already made (the cache lags), or the namespace began terminating meanwhile.
        if (!isAlreadyExists(error) && !isNotFound(error) && !isForbidden(error)) throw error
      }
      return
    }
    if (jsonEqual(current.data ?? {}, data) && current.metadata.annotations?.[descriptionAnnotation]) return
    // A merge patch: the whole data map is the CA again, whatever keys an edit added.
    const removed = Object.fromEntries(Object.keys(current.data ?? {}).filter((key) => !(key in data)).map((key) => [key, null]))
    await this.client.patch(resources.configMaps, namespace, rootCaConfigMapName, {metadata: {annotations: {[descriptionAnnotation]: description}}, data: {...removed, ...data}})
  }
}

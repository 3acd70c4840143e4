// The resource quota controller (kube-controller-manager 1.32): each ResourceQuota's status.used
// recomputed from the objects its namespace holds (admission charges a create at once; this
// releases what deletions, terminated pods and shrunk requests no longer use), status.hard
// mirrored from spec.hard.
import {areObjectsOrAbsent, type KubeObject, sameJson} from '../api/object.js'
import {countedResource, totalUsage} from '../api/quota.js'
import {quotaMatches} from '../api/quota-scopes.js'
import {type ApiClient, isNotFound, objectKey} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {kindRef, resources} from '../client/resources.js'
import type {Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'

type Quota = KubeObject & {spec?: {hard?: Record<string, string>}; status?: {hard?: Record<string, string>; used?: Record<string, string>}}

/** The versions of the groups whose objects a quota may count. */
const groupVersions: Record<string, string> = {'': 'v1', apps: 'v1', batch: 'v1', 'networking.k8s.io': 'v1', policy: 'v1', 'rbac.authorization.k8s.io': 'v1', 'autoscaling': 'v2', 'coordination.k8s.io': 'v1', 'discovery.k8s.io': 'v1'}

export class ResourceQuotaController extends Controller {
  private readonly quotas: Informer<Quota>
  private readonly pods: Informer<Pod>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
  ) {
    super('resourcequota-controller', clock)
    this.quotas = informers.informer(kindRef(resources.resourceQuotas, 'ResourceQuota', (object): object is Quota => areObjectsOrAbsent(object, 'spec', 'status')))
    this.pods = informers.informer<Pod>(resources.pods)
    this.quotas.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(objectKey(event.object))
    })
    // Pods come and go most: their quotas are looked at again (other kinds on a quota's own change).
    this.pods.onEvent((event) => {
      for (const quota of this.quotas.list()) if (quota.metadata.namespace === event.object.metadata.namespace) this.queue.add(objectKey(quota))
    })
  }

  protected async reconcile(key: string): Promise<void> {
    const quota = this.quotas.get(key)
    if (!quota) return
    const namespace = String(quota.metadata.namespace)
    const hardNames = Object.keys(quota.spec?.hard ?? {})
    const listed = new Map<string, KubeObject[]>()
    for (const name of hardNames) {
      const counted = countedResource(name)
      if (!counted || listed.has(`${counted.group}/${counted.resource}`)) continue
      const version = groupVersions[counted.group]
      if (!version) continue
      let items: KubeObject[] = []
      if (counted.group === '' && counted.resource === 'pods') items = this.pods.list().filter((pod) => pod.metadata.namespace === namespace && !pod.metadata.deletionTimestamp)
      else {
        try {
          items = (await this.client.list({group: counted.group, version, resource: counted.resource, namespaced: true}, namespace)).items
        } catch (error) {
          if (!isNotFound(error)) throw error
        }
      }
      listed.set(`${counted.group}/${counted.resource}`, items)
    }
    const used = totalUsage(hardNames, (group, resource) => (listed.get(`${group}/${resource}`) ?? []).filter((object) => quotaMatches(quota, group, resource, object)))
    const status = {hard: {...(quota.spec?.hard ?? {})}, used}
    if (sameJson(status, quota.status ?? {})) return
    await this.client.update(resources.resourceQuotas, {...quota, kind: 'ResourceQuota', apiVersion: 'v1', status}, 'status')
  }
}

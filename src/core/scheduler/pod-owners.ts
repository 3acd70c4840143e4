// helper.DefaultSelector, for PodTopologySpread's default constraints: the labels every Service
// selecting a pod asks for, plus the selector of the ReplicaSet or StatefulSet that controls it.
import {areObjectsOrAbsent, type KubeObject} from '../api/object.js'
import {labelSelectorFromObject, matchesLabels} from '../api/selectors.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {kindRef, resources} from '../client/resources.js'
import type {LabelSelectorObject} from './framework.js'
import type {Pod} from '../api/kinds.js'

type Workload = KubeObject & {spec?: {selector?: LabelSelectorObject}}
type Service = KubeObject & {spec?: {selector?: Record<string, string>}}
const isSelecting = (object: KubeObject): object is Workload => areObjectsOrAbsent(object, 'spec')

export class PodOwners {
  private readonly services: Informer<Service>
  private readonly controllers: ReadonlyMap<string, Informer<Workload>>

  constructor(informers: InformerFactory) {
    this.services = informers.informer(kindRef(resources.services, 'Service', (object): object is Service => areObjectsOrAbsent(object, 'spec')))
    this.controllers = new Map([
      ['apps/v1/ReplicaSet', informers.informer(kindRef(resources.replicaSets, 'ReplicaSet', isSelecting))],
      ['apps/v1/StatefulSet', informers.informer(kindRef(resources.statefulSets, 'StatefulSet', isSelecting))],
    ])
  }

  selectorOf(pod: Pod): LabelSelectorObject | null {
    const namespace = pod.metadata.namespace ?? ''
    const matchLabels: Record<string, string> = {}
    for (const service of this.services.list()) {
      const selector = service.spec?.selector ?? {}
      if (service.metadata.namespace !== namespace || Object.keys(selector).length === 0) continue
      if (matchesLabels(labelSelectorFromObject({matchLabels: selector}), pod.metadata.labels)) Object.assign(matchLabels, selector)
    }
    const matchExpressions: NonNullable<LabelSelectorObject['matchExpressions']> = []
    const owner = (pod.metadata.ownerReferences ?? []).find((reference) => reference.controller)
    const controller = owner ? this.controllers.get(`${owner.apiVersion}/${owner.kind}`)?.get(`${namespace}/${owner.name}`) : undefined
    const selector = controller?.spec?.selector
    if (selector) {
      for (const [key, value] of Object.entries(selector.matchLabels ?? {})) matchExpressions.push({key, operator: 'In', values: [value]})
      matchExpressions.push(...(selector.matchExpressions ?? []))
    }
    if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) return null
    return {matchLabels, matchExpressions}
  }
}

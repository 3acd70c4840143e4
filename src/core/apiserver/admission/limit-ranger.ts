// The LimitRanger admission plugin on pod creation: containers without requests or limits get
// the defaults of the namespace's LimitRanges of type Container (noted in the
// kubernetes.io/limit-ranger annotation), then every Container and Pod min, max and
// limit/request ratio is checked, refusing with kube's messages.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {compareQuantities, formatQuantity, type Quantity, parseQuantity, QuantityError, addQuantities, zeroQuantity} from '../../api/quantity.js'
import {objects} from '../../api/strategies/json-fields.js'
import {apiErrors} from '../api-errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'
import {allContainers, createdPod, createsPod, podSpecOf} from './pod-plugins.js'

export const limitRangerAnnotation = 'kubernetes.io/limit-ranger'

type ResourceList = Record<string, string>

const resourceList = (value: unknown): ResourceList => (isJsonObject(value) ? (Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, String(entry)])) as ResourceList) : {})

function quantity(text: string | undefined): Quantity | null {
  if (text === undefined) return null
  try {
    return parseQuantity(text)
  } catch (error) {
    if (error instanceof QuantityError) return null
    throw error
  }
}

function resourcesOf(container: Record<string, unknown>): {requests: ResourceList; limits: ResourceList} {
  const resources = isJsonObject(container.resources) ? container.resources : {}
  return {requests: resourceList(resources.requests), limits: resourceList(resources.limits)}
}

interface LimitItem {
  readonly type: string
  readonly min: ResourceList
  readonly max: ResourceList
  readonly default: ResourceList
  readonly defaultRequest: ResourceList
  readonly maxLimitRequestRatio: ResourceList
}

function limitItems(ranges: readonly KubeObject[]): LimitItem[] {
  const items: LimitItem[] = []
  for (const range of ranges) {
    const spec = isJsonObject(range.spec) ? range.spec : {}
    for (const limit of objects(spec.limits)) {
      items.push({
        type: String(limit.type ?? ''),
        min: resourceList(limit.min),
        max: resourceList(limit.max),
        default: resourceList(limit.default),
        defaultRequest: resourceList(limit.defaultRequest),
        maxLimitRequestRatio: resourceList(limit.maxLimitRequestRatio),
      })
    }
  }
  return items
}

/** Go's %f: six decimals. */
const goFloat = (value: number) => value.toFixed(6)

function checkBounds(item: LimitItem, scope: 'Container' | 'Pod', requests: ResourceList, limits: ResourceList, errors: string[]): void {
  for (const [resource, minimumText] of Object.entries(item.min)) {
    const minimum = quantity(minimumText)
    const request = quantity(requests[resource])
    if (!minimum) continue
    if (!request) errors.push(`minimum ${resource} usage per ${scope} is ${formatQuantity(minimum)}.  No request is specified`)
    else if (compareQuantities(request, minimum) < 0) errors.push(`minimum ${resource} usage per ${scope} is ${formatQuantity(minimum)}, but request is ${formatQuantity(request)}`)
  }
  for (const [resource, maximumText] of Object.entries(item.max)) {
    const maximum = quantity(maximumText)
    const limit = quantity(limits[resource])
    if (!maximum) continue
    if (!limit) errors.push(`maximum ${resource} usage per ${scope} is ${formatQuantity(maximum)}.  No limit is specified`)
    else if (compareQuantities(limit, maximum) > 0) errors.push(`maximum ${resource} usage per ${scope} is ${formatQuantity(maximum)}, but limit is ${formatQuantity(limit)}`)
  }
  for (const [resource, ratioText] of Object.entries(item.maxLimitRequestRatio)) {
    const ratio = quantity(ratioText)
    const request = quantity(requests[resource])
    const limit = quantity(limits[resource])
    if (!ratio) continue
    if (!request || !limit) {
      errors.push(`${resource} max limit to request ratio per ${scope} is ${formatQuantity(ratio)}, but no ${!request ? 'request' : 'limit'} is specified or ${!request ? 'request' : 'limit'} is 0`)
      continue
    }
    if (request.nanos === 0n) continue
    const actual = Number(limit.nanos) / Number(request.nanos)
    if (actual > Number(ratio.nanos) / 1e9) {
      errors.push(`${resource} max limit to request ratio per ${scope} is ${formatQuantity(ratio)}, but provided ratio is ${goFloat(actual)}`)
    }
  }
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger'
  readonly mayChange = createsPod

  constructor(private readonly reader: AdmissionReader) {}

  async admit(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    const pod = createdPod(attributes, object)
    if (!pod) return
    const items = limitItems(await this.reader.list('', 'limitranges', attributes.namespace)).filter((item) => item.type === 'Container')
    if (items.length === 0) return
    const defaults = {limits: {} as ResourceList, requests: {} as ResourceList}
    for (const item of items) {
      Object.assign(defaults.limits, item.default)
      Object.assign(defaults.requests, item.defaultRequest)
    }
    const notes: string[] = []
    for (const {container, kind} of allContainers(podSpecOf(pod))) {
      const resources = isJsonObject(container.resources) ? container.resources : {}
      const requests = resourceList(resources.requests)
      const limits = resourceList(resources.limits)
      const setRequests: string[] = []
      const setLimits: string[] = []
      for (const [resource, value] of Object.entries(defaults.limits)) {
        if (limits[resource] === undefined) {
          limits[resource] = value
          setLimits.push(resource)
        }
      }
      for (const [resource, value] of Object.entries(defaults.requests)) {
        if (requests[resource] === undefined) {
          requests[resource] = value
          setRequests.push(resource)
        }
      }
      if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for ${kind} ${String(container.name)}`)
      if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for ${kind} ${String(container.name)}`)
      if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) {
        container.resources = {...resources, ...(Object.keys(limits).length > 0 ? {limits} : {}), ...(Object.keys(requests).length > 0 ? {requests} : {})}
      }
    }
    if (notes.length > 0) pod.metadata.annotations = {...pod.metadata.annotations, [limitRangerAnnotation]: `LimitRanger plugin set: ${notes.join('; ')}`}
  }

  async validate(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    const pod = createdPod(attributes, object)
    if (!pod) return
    const items = limitItems(await this.reader.list('', 'limitranges', attributes.namespace))
    if (items.length === 0) return
    const errors: string[] = []
    const containers = allContainers(podSpecOf(pod)).filter(({kind}) => kind === 'container')
    for (const item of items) {
      if (item.type === 'Container') {
        for (const {container} of allContainers(podSpecOf(pod))) {
          const {requests, limits} = resourcesOf(container)
          checkBounds(item, 'Container', requests, limits, errors)
        }
      } else if (item.type === 'Pod') {
        const sum = (field: 'requests' | 'limits'): ResourceList => {
          const totals: Record<string, Quantity> = {}
          for (const {container} of containers) {
            for (const [resource, text] of Object.entries(resourcesOf(container)[field])) {
              const value = quantity(text)
              if (value) totals[resource] = addQuantities(totals[resource] ?? zeroQuantity, value)
            }
          }
          return Object.fromEntries(Object.entries(totals).map(([resource, total]) => [resource, formatQuantity(total)]))
        }
        checkBounds(item, 'Pod', sum('requests'), sum('limits'), errors)
      }
    }
    if (errors.length > 0) throw apiErrors.forbidden(attributes.definition, attributes.name, errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`)
  }
}

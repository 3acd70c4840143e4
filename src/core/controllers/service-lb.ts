// The LoadBalancer address pool of a kind cluster with MetalLB (or cloud-provider-kind): every
// Service of type LoadBalancer gets the first free address of 172.18.255.200-250 (or the
// spec.loadBalancerIP it asks for, when that one is in the pool and free) in
// status.loadBalancer.ingress; a Service that stops being a LoadBalancer gives its address back.
import {areObjectsOrAbsent, type KubeObject, sameJson} from '../api/object.js'
import type {ApiClient} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {kindRef, resources} from '../client/resources.js'
import type {Clock} from '../util/clock.js'
import {Controller} from './controller.js'

/** The pool: 172.18.255.200 to 172.18.255.250, as kind's documentation configures MetalLB. */
export const loadBalancerPoolPrefix = '172.18.255.'
export const loadBalancerPoolFirst = 200
export const loadBalancerPoolLast = 250

type LoadBalancerService = KubeObject & {spec?: {type?: string; loadBalancerIP?: string}; status?: {loadBalancer?: {ingress?: Array<{ip?: string; ipMode?: string}>}}}

function ingressIps(service: LoadBalancerService): string[] {
  return (service.status?.loadBalancer?.ingress ?? []).flatMap((ingress) => (ingress.ip ? [ingress.ip] : []))
}

function inPool(ip: string): boolean {
  if (!ip.startsWith(loadBalancerPoolPrefix)) return false
  const last = Number(ip.slice(loadBalancerPoolPrefix.length))
  return Number.isInteger(last) && last >= loadBalancerPoolFirst && last <= loadBalancerPoolLast
}

export class ServiceLoadBalancerController extends Controller {
  private readonly services: Informer<LoadBalancerService>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
  ) {
    super('service-lb-controller', clock)
    this.services = informers.informer(kindRef(resources.services, 'Service', (object): object is LoadBalancerService => areObjectsOrAbsent(object, 'spec', 'status')))
    this.services.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(`${event.object.metadata.namespace}/${event.object.metadata.name}`)
    })
  }

  /** The address this Service should hold: the one it has, the one it asks for, or the first free one; null when the pool is exhausted. */
  private addressFor(service: LoadBalancerService): string | null {
    const key = `${service.metadata.namespace}/${service.metadata.name}`
    const taken = new Set(this.services.list().filter((other) => `${other.metadata.namespace}/${other.metadata.name}` !== key && other.spec?.type === 'LoadBalancer').flatMap(ingressIps))
    const held = ingressIps(service).find((ip) => inPool(ip) && !taken.has(ip))
    if (held) return held
    const asked = service.spec?.loadBalancerIP
    if (asked) return inPool(asked) && !taken.has(asked) ? asked : null
    for (let last = loadBalancerPoolFirst; last <= loadBalancerPoolLast; last++) {
      if (!taken.has(`${loadBalancerPoolPrefix}${last}`)) return `${loadBalancerPoolPrefix}${last}`
    }
    return null
  }

  protected async reconcile(key: string): Promise<void> {
    const service = this.services.get(key)
    if (!service || service.metadata.deletionTimestamp) return
    const isLoadBalancer = service.spec?.type === 'LoadBalancer'
    const address = isLoadBalancer ? this.addressFor(service) : null
    const wanted = address ? {ingress: [{ip: address, ipMode: 'VIP'}]} : {}
    if (!isLoadBalancer && ingressIps(service).length === 0) return
    if (sameJson(service.status?.loadBalancer ?? {}, wanted)) return
    await this.client.update(resources.services, {...service, kind: 'Service', apiVersion: 'v1', status: {...(service.status ?? {}), loadBalancer: wanted}}, 'status')
  }
}

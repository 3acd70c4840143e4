// One informer per resource, shared by every component of a process (client-go's
// SharedInformerFactory), and the contract the runner drives loops by.
import type {KubeObject} from '../api/object.js'
import {type ApiClient, type ResourceRef, resourceKey} from './client.js'
import {Informer} from './informer.js'

export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>()

  constructor(private readonly client: ApiClient) {}

  informer<T extends KubeObject>(resource: ResourceRef): Informer<T> {
    const key = resourceKey(resource)
    let found = this.informers.get(key)
    if (!found) {
      found = new Informer<KubeObject>(this.client, resource)
      this.informers.set(key, found)
    }
    return found as unknown as Informer<T>
  }

  all(): Informer<KubeObject>[] {
    return [...this.informers.values()]
  }
}

/** A control loop (the scheduler, a controller, the kubelets) as the runner drives it. */
export interface ControlLoop {
  readonly name: string
  /** Processes the work that is due; `collapseDelays` makes simulated delays due at once. Returns the items processed. */
  process(collapseDelays: boolean): Promise<number>
  /** Whether work is due now (with `collapseDelays`, also work scheduled for later that may collapse). */
  hasWork(collapseDelays: boolean): boolean
  /** The clock time of the earliest work scheduled for later, or null. */
  nextDue(): number | null
}

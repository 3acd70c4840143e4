// One informer per resource, shared by every component of a process (client-go's
// SharedInformerFactory), and the contract the runner drives loops by.
import type {KubeObject} from '../api/object.js'
import {type ApiClient, resourceKey} from './client.js'
import {Informer} from './informer.js'
import type {KindRef} from './resources.js'
import {SharedInformer} from './shared-informer.js'

/** A loop built by the factory, with the informers it reads. */
export interface BuiltLoop {
  readonly loop: ControlLoop
  readonly informers: ReadonlySet<SharedInformer>
}

export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer>()
  /** The loop being built: the informers it asks for and the handlers it adds are its own. */
  private building: {owner: string; informers: Set<SharedInformer>} | null = null
  private readonly handlerFailures: Array<{owner: string; error: unknown}> = []
  private readonly owners = {
    current: () => this.building?.owner ?? null,
    failed: (owner: string, error: unknown) => void this.handlerFailures.push({owner, error}),
  }

  constructor(private readonly client: ApiClient) {}

  /** The resource's informer, read as the ref's kind (a view of the one shared informer of the resource). */
  informer<T extends KubeObject>(ref: KindRef<T>): Informer<T> {
    const key = resourceKey(ref)
    let found = this.informers.get(key)
    if (!found) {
      found = new SharedInformer(this.client, {group: ref.group, version: ref.version, resource: ref.resource, namespaced: ref.namespaced}, this.owners)
      this.informers.set(key, found)
    }
    this.building?.informers.add(found)
    return new Informer(found, ref)
  }

  /** Builds a loop as `owner` (its constructor asks for its informers and adds its handlers synchronously). */
  build(owner: string, construct: () => ControlLoop): BuiltLoop {
    this.building = {owner, informers: new Set()}
    try {
      return {loop: construct(), informers: this.building.informers}
    } finally {
      this.building = null
    }
  }

  /** Drops what a loop built as `owner` added to the informers. */
  drop(owner: string): void {
    for (const informer of this.informers.values()) informer.removeHandlersOf(owner)
  }

  /** The handlers that threw since the last call, by owner. */
  takeHandlerFailures(): Array<{owner: string; error: unknown}> {
    return this.handlerFailures.splice(0)
  }

  all(): SharedInformer[] {
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
  /** How many keys its work queue holds: due now, and added for later (read-only, for `kubemu status`). */
  queueDepth?(): {readonly queued: number; readonly waiting: number}
}

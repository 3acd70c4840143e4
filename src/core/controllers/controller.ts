// What every controller shares (client-go's controller pattern): informer events map to keys in
// a work queue; process() reconciles each due key once; a 409 Conflict puts the key back for the
// next round (the reconcile reads the newer object then); a 404 means the work is moot.
import type {KubeObject} from '../api/object.js'
import {type ApiClient, ApiClientError, isConflict, isNotFound, objectKey} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {ControlLoop, InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {type KindRef, resources} from '../client/resources.js'
import {objectsByControllerUid} from '../client/pod-indexes.js'
import type {Pod} from '../api/kinds.js'
import {controllerOf} from './pod-control.js'
import {WorkQueue} from '../client/work-queue.js'
import type {Clock} from '../util/clock.js'
import {forEachConcurrently} from '../util/concurrency.js'

/** Whether a namespace takes new objects: it exists and is not being deleted (as the namespace controllers check it). */
export function isActiveNamespace(namespace: KubeObject | undefined): boolean {
  return namespace !== undefined && !namespace.metadata.deletionTimestamp && (namespace as {status?: {phase?: string}}).status?.phase !== 'Terminating'
}

/** client-go's default controller rate limiter: 5 ms, doubling per failure of a key, at most 1000 s. */
export const failureBackoffInitialMilliseconds = 5
export const failureBackoffMaxMilliseconds = 1_000_000

export abstract class Controller implements ControlLoop {
  protected readonly queue: WorkQueue
  private readonly failures = new Map<string, number>()

  constructor(
    readonly name: string,
    protected readonly clock: Clock,
  ) {
    this.queue = new WorkQueue(name, clock)
  }

  /** Reconciles one key: idempotent, from the informers' state, at the clock's `now`. */
  protected abstract reconcile(key: string, now: number): Promise<void>

  /** Keys reconciled at once (kube-controller-manager's --concurrent-…-syncs); never the same key twice. */
  protected readonly workers: number = 1

  /** Whether this controller's delays are simulated ones that collapse in one-shot mode. */
  protected readonly delaysCollapse: boolean = false

  hasWork(collapseDelays: boolean): boolean {
    if (this.queue.length > 0) return true
    const due = this.queue.nextDue()
    return due !== null && ((collapseDelays && this.delaysCollapse) || due <= this.clock.nowMilliseconds())
  }

  nextDue(): number | null {
    return this.queue.nextDue()
  }

  queueDepth(): {queued: number; waiting: number} {
    return {queued: this.queue.length, waiting: this.queue.waitingLength}
  }

  async process(collapseDelays: boolean): Promise<number> {
    this.queue.promoteDue(collapseDelays && this.delaysCollapse)
    const keys = this.queue.take()
    await forEachConcurrently(keys, this.workers, async (key) => {
      try {
        await this.reconcile(key, this.clock.nowMilliseconds())
        this.failures.delete(key)
      } catch (error) {
        if (isConflict(error)) this.queue.add(key)
        else if (isNotFound(error)) this.failures.delete(key)
        else if (error instanceof ApiClientError) {
          // The server refused (Forbidden, Invalid, quota…): try again later, less and less often.
          const failures = (this.failures.get(key) ?? 0) + 1
          this.failures.set(key, failures)
          this.queue.addAfter(key, Math.min(failureBackoffMaxMilliseconds, failureBackoffInitialMilliseconds * 2 ** (failures - 1)))
        } else throw error
      }
    })
    return keys.length
  }
}

/**
 * A controller of workloads that own pods (ReplicaSet, Job, StatefulSet, DaemonSet): its own
 * objects and the pods are watched; a pod's change queues the workload that controls it.
 */
export abstract class PodOwnerController<T extends KubeObject> extends Controller {
  protected readonly owners: Informer<T>
  protected readonly pods: Informer<Pod>

  constructor(
    name: string,
    protected readonly client: ApiClient,
    informers: InformerFactory,
    protected readonly recorder: EventRecorder,
    clock: Clock,
    ownerResource: KindRef<T>,
    readonly ownerKind: string,
  ) {
    super(name, clock)
    this.owners = informers.informer(ownerResource)
    this.pods = informers.informer<Pod>(resources.pods)
    this.pods.addIndex(objectsByControllerUid)
    this.owners.onEvent((event) => this.queue.add(objectKey(event.object)))
    this.pods.onEvent((event) => {
      const owner = controllerOf(event.object) ?? (event.previous ? controllerOf(event.previous) : undefined)
      if (owner?.kind === ownerKind) this.queue.add(`${event.object.metadata.namespace}/${owner.name}`)
      else if (!owner) this.onOrphanPod(event.object)
    })
  }

  /** A pod without a controller changed (the ReplicaSet controller adopts such pods). */
  protected onOrphanPod(_pod: Pod): void {}

  /** The pods of the namespace this workload controls. */
  protected ownedPods(owner: T): Pod[] {
    return this.pods.byIndex(objectsByControllerUid.name, String(owner.metadata.uid)).filter((pod) => pod.metadata.namespace === owner.metadata.namespace)
  }
}

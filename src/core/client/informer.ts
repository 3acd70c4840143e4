// An informer typed by its kind: a view of the resource's SharedInformer that checks each object
// it hands out is that kind (its KindRef's guard), so no consumer casts. The objects come from the
// API server, which decoded and validated them against the kind's schema; a guard that fails
// means a wrong KindRef for the resource, a KindShapeError.
import type {KubeObject} from '../api/object.js'
import {type ResourceRef, resourceKey} from './client.js'
import type {KindRef} from './resources.js'
import type {SharedInformer} from './shared-informer.js'

export {informerBatchesPerSyncMax, informerRelistsPerSyncMax, type InformerEvent, type InformerEventType, type InformerHandlerOwners, type InformerIndex} from './shared-informer.js'
import type {InformerEvent, InformerIndex} from './shared-informer.js'

/** An object in an informer's cache that is not the kind its informer reads. */
export class KindShapeError extends Error {
  constructor(ref: KindRef<KubeObject>, object: KubeObject) {
    super(`the ${resourceKey(ref)} informer holds ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name ?? ''}, which is not a ${ref.kind}`)
    this.name = 'KindShapeError'
  }
}

export class Informer<T extends KubeObject> {
  constructor(
    readonly shared: SharedInformer,
    private readonly ref: KindRef<T>,
  ) {}

  private checked(object: KubeObject): T {
    if (!this.ref.is(object)) throw new KindShapeError(this.ref, object)
    return object
  }

  private checkedEvent(event: InformerEvent<KubeObject>): InformerEvent<T> {
    return {type: event.type, object: this.checked(event.object), previous: event.previous === null ? null : this.checked(event.previous)}
  }

  get resource(): ResourceRef {
    return this.shared.resource
  }

  /** The resourceVersion the cache is at. */
  get resourceVersion(): number {
    return this.shared.resourceVersion
  }

  get size(): number {
    return this.shared.size
  }

  /** Adds a handler (SharedInformer.onEvent): it gets the objects as this kind. */
  onEvent(handler: (event: InformerEvent<T>) => void): void {
    this.shared.onEvent((event) => handler(this.checkedEvent(event)))
  }

  get(key: string): T | undefined {
    const object = this.shared.get(key)
    return object === undefined ? undefined : this.checked(object)
  }

  list(): T[] {
    return this.shared.list().map((object) => this.checked(object))
  }

  /** Adds an index (once per name: the shared informer keeps the first). */
  addIndex(index: InformerIndex<T>): void {
    this.shared.addIndex({name: index.name, valueOf: (object) => index.valueOf(this.checked(object))})
  }

  /** The cached objects an index has under `value`. */
  byIndex(name: string, value: string): T[] {
    return this.shared.byIndex(name, value).map((object) => this.checked(object))
  }
}

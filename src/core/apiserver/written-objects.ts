// What the registry last wrote of each object, so that an update can start from it instead of
// reading the store first, as kube-apiserver's GuaranteedUpdate starts from its watch cache's
// copy. A copy may be stale (another API server wrote since): the write's guard on the stored
// revision then fails, or the update's checks do, and the update reads the store and tries again.
import type {StoredObject} from '../store/store.js'

/** Objects remembered at most (a pod's JSON is a few KiB: about 12 MiB at this bound). */
export const writtenObjectsMax = 4096

export class WrittenObjects {
  /** In the order they were written: the first is the one to forget. */
  private readonly byKey = new Map<string, StoredObject>()

  get(key: string): StoredObject | undefined {
    return this.byKey.get(key)
  }

  remember(stored: StoredObject): void {
    this.byKey.delete(stored.key)
    this.byKey.set(stored.key, stored)
    if (this.byKey.size > writtenObjectsMax) this.byKey.delete(this.byKey.keys().next().value!)
  }

  forget(key: string): void {
    this.byKey.delete(key)
  }

  get size(): number {
    return this.byKey.size
  }
}

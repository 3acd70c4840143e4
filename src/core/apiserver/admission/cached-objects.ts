// Objects every write consults (webhook configurations, admission policies and their bindings),
// kept in memory as kube-apiserver's informers keep them: a list serves while this process holds
// the store alone and no such object was written through it since the list was read (the store's
// write listeners say so at once). Otherwise the objects are read again, as the RBAC cache does.
import type {KubeObject} from '../../api/object.js'
import type {ResourceDefinition} from '../../api/scheme.js'
import type {Store} from '../../store/store.js'
import {listPrefix} from '../keys.js'
import {objectFromStored} from '../stored-objects.js'

export class CachedObjects {
  private cached: Promise<KubeObject[]> | null = null
  private epoch: number | null = null
  private readonly prefix: string

  constructor(
    private readonly store: Store,
    definition: ResourceDefinition,
  ) {
    this.prefix = listPrefix(definition, null)
    store.onWrite?.((key) => {
      if (key.startsWith(this.prefix)) this.cached = null
    })
  }

  /** Every object of the resource, by name. */
  objects(): Promise<KubeObject[]> {
    const epoch = this.store.exclusiveWriterEpoch?.() ?? null
    if (epoch === null || epoch !== this.epoch) {
      this.cached = null
      this.epoch = epoch
      if (epoch === null) return this.read()
    }
    if (this.cached) return this.cached
    const reading = this.read()
    this.cached = reading
    // A failed read is not kept: the next request reads again.
    reading.catch(() => {
      if (this.cached === reading) this.cached = null
    })
    return reading
  }

  private async read(): Promise<KubeObject[]> {
    const {objects: stored} = await this.store.list(this.prefix)
    const objects = stored.map((entry) => objectFromStored(entry))
    const nameOf = (object: KubeObject) => object.metadata.name ?? ''
    return objects.sort((left, right) => (nameOf(left) < nameOf(right) ? -1 : nameOf(left) > nameOf(right) ? 1 : 0))
  }
}

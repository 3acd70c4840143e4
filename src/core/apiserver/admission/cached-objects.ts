// Objects every write consults (webhook configurations, admission policies and their bindings;
// the namespaces, service accounts, limit ranges, quotas and priority classes of pod admission),
// kept in memory as kube-apiserver's informers keep them: a list serves while this process holds
// the store alone and no such object was written through it since the list was read (the store's
// write listeners say so at once), nor past the API servers (the watch of cached-changes.ts, under
// `up`). Otherwise the objects are read again, as the RBAC cache does.
import type {KubeObject} from '../../api/object.js'
import type {ResourceDefinition} from '../../api/scheme.js'
import type {Store, StoredObject} from '../../store/store.js'
import type {CachedChangesFeed} from '../cached-changes.js'
import {listPrefix} from '../keys.js'
import {objectFromStored} from '../stored-objects.js'

/**
 * What pod admission reads on every write in a namespace (NamespaceLifecycle, ServiceAccount,
 * LimitRanger, ResourceQuota, Priority): each was a quorum read of the store per write, more
 * reads than the writes themselves. kube-apiserver reads them from informers.
 */
export const admissionCachedResources = [
  {group: '', resource: 'namespaces'},
  {group: '', resource: 'serviceaccounts'},
  {group: '', resource: 'limitranges'},
  {group: '', resource: 'resourcequotas'},
  {group: 'scheduling.k8s.io', resource: 'priorityclasses'},
] as const

/** Their keys' prefixes (checked against the scheme by the tests): the watch of cached-changes.ts covers them. */
export const admissionCachedKeyPrefixes = ['/registry/namespaces/', '/registry/serviceaccounts/', '/registry/limitranges/', '/registry/resourcequotas/', '/registry/priorityclasses/'] as const

/** A resource's stored values as listed, in key order, and by key. */
interface Listed {
  readonly entries: StoredObject[]
  readonly byKey: Map<string, StoredObject>
}

export class CachedObjects {
  private cached: Promise<Listed> | null = null
  private epoch: number | null = null
  private readonly prefix: string
  /**
   * Each value decoded once, when first asked for: a value that does not decode fails the reads
   * that meet it (those of its namespace, or of it), as the store's reads of it would, not all.
   */
  private readonly decoded = new WeakMap<StoredObject, KubeObject>()

  constructor(
    private readonly store: Store,
    definition: ResourceDefinition,
    changes?: CachedChangesFeed,
  ) {
    this.prefix = listPrefix(definition, null)
    store.onWrite?.((key) => {
      if (key.startsWith(this.prefix)) this.cached = null
    })
    changes?.subscribe((prefix) => {
      if (prefix === null || prefix === this.prefix) this.cached = null
    })
  }

  /**
   * The objects whose keys start with `prefix` (all by default), in key order (by name for a
   * cluster-scoped resource): shared with every other caller, so a caller that changes one copies it first.
   */
  async objects(prefix = this.prefix): Promise<KubeObject[]> {
    return (await this.listed()).entries.filter((entry) => entry.key.startsWith(prefix)).map((entry) => this.decode(entry))
  }

  /** The object stored under `key`, null when there is none (shared as objects() are). */
  async object(key: string): Promise<KubeObject | null> {
    const entry = (await this.listed()).byKey.get(key)
    return entry ? this.decode(entry) : null
  }

  private decode(entry: StoredObject): KubeObject {
    let object = this.decoded.get(entry)
    if (!object) {
      object = objectFromStored(entry)
      this.decoded.set(entry, object)
    }
    return object
  }

  private listed(): Promise<Listed> {
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

  private async read(): Promise<Listed> {
    const {objects: entries} = await this.store.list(this.prefix)
    return {entries, byKey: new Map(entries.map((entry) => [entry.key, entry]))}
  }
}

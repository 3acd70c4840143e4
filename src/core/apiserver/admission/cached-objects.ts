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
import {StoreReadMemo} from '../store-read-memo.js'

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

/**
 * Objects a cache keeps at most: a resource with more (thousands of namespaces' service accounts)
 * is read from the store on each use instead, as before the caches, rather than held whole.
 */
export const cachedObjectsMax = 10_000
/** Pages of the store's list one read of a resource takes at most (each listPageObjectsMax objects). */
export const cachedListPagesMax = 10_000

/** A resource's stored values as listed, in key order, and by key. */
interface Listed {
  readonly entries: StoredObject[]
  readonly byKey: Map<string, StoredObject>
}

export class CachedObjects {
  private readonly memo: StoreReadMemo
  /** The last read found more than cachedObjectsMax objects (and none was written since). */
  private overBound = false
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
    /** Read again at once after every change, as an informer (not for resources written in bulk: each burst reads all). */
    keptCurrent = false,
  ) {
    this.prefix = listPrefix(definition, null)
    this.memo = new StoreReadMemo(store, [this.prefix], 1, changes)
    if (keptCurrent) this.memo.keepCurrent('list', () => this.read())
    this.memo.onForget(() => {
      this.overBound = false
    })
  }

  /**
   * The objects whose keys start with `prefix` (all by default), in key order (by name for a
   * cluster-scoped resource): shared with every other caller, so a caller that changes one copies it first.
   */
  async objects(prefix = this.prefix): Promise<KubeObject[]> {
    return this.under(await this.listed(), prefix)
  }

  /**
   * As objects(), or null when nothing is kept: another process may write the store (this one
   * does not hold it), or the resource has more objects than a cache keeps. The caller then reads
   * the store itself, only what it needs.
   */
  async keptObjects(prefix: string): Promise<KubeObject[] | null> {
    const listed = await this.keptListed()
    return listed ? this.under(listed, prefix) : null
  }

  /** The object stored under `key` (shared as objects() are), null when there is none, undefined when nothing is kept (as keptObjects()). */
  async object(key: string): Promise<KubeObject | null | undefined> {
    const listed = await this.keptListed()
    if (!listed) return undefined
    const entry = listed.byKey.get(key)
    return entry ? this.decode(entry) : null
  }

  private async keptListed(): Promise<Listed | null> {
    if (!this.memo.keeps() || this.overBound) return null
    const listed = await this.listed()
    if (listed.entries.length <= cachedObjectsMax) return listed
    // Not kept until the resource is written again (it may have shrunk).
    this.overBound = true
    this.memo.clear()
    return null
  }

  private under(listed: Listed, prefix: string): KubeObject[] {
    return listed.entries.filter((entry) => entry.key.startsWith(prefix)).map((entry) => this.decode(entry))
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
    return this.memo.read('list', () => this.read())
  }

  /** The whole resource at one revision: the store answers a page at a time (a first page alone was taken for all, so the 10,001st namespace did not exist). */
  private async read(): Promise<Listed> {
    const first = await this.store.list(this.prefix)
    const entries = [...first.objects]
    let continueAfter = first.continueAfter
    for (let page = 1; continueAfter !== null; page++) {
      if (page >= cachedListPagesMax) throw new RangeError(`${this.prefix} holds more than ${cachedListPagesMax} pages of objects`)
      const next = await this.store.list(this.prefix, {revision: first.revision, continueAfter})
      entries.push(...next.objects)
      continueAfter = next.continueAfter
    }
    return {entries, byKey: new Map(entries.map((entry) => [entry.key, entry]))}
  }
}

// What admission plugins read: objects of a namespace or one object, through the registry at the
// newest revision (the informer caches of kube-apiserver's plugins, without the staleness); what
// pod admission reads on every write comes from caches kept current the same way (cached-objects.ts).
import {cloneJson, type KubeObject} from '../../api/object.js'
import type {Scheme} from '../../api/scheme.js'
import {assert} from '../../util/assert.js'
import {listPrefix, objectKey} from '../keys.js'
import type {Registry} from '../registry.js'
import {objectFromStored} from '../stored-objects.js'
import {ApiError} from '../api-errors.js'
import type {Attributes, Decision} from '../authorization/rbac.js'
import {systemClock} from '../../util/clock.js'
import type {CachedChangesFeed} from '../cached-changes.js'
import {admissionCachedResources, CachedObjects} from './cached-objects.js'

export class AdmissionReader {
  /** By `group/resource`. */
  private readonly caches = new Map<string, CachedObjects>()

  constructor(
    readonly registry: Registry,
    readonly scheme: Scheme,
    readonly random: () => number,
    /** The API server's authorizer, for CEL's authorizer checks (none: every check is denied with an error). */
    readonly authorize: ((attributes: Attributes) => Promise<Decision>) | null = null,
    /** Waits on the API server's clock (a plugin that looks again for what a controller is about to write). */
    readonly sleep: (milliseconds: number) => Promise<void> = (milliseconds) => systemClock.sleep(milliseconds),
    /** Changes made past this process's API servers to the cached objects (the watch of `up`). */
    changes?: CachedChangesFeed,
  ) {
    for (const {group, resource} of admissionCachedResources) {
      // A token's ServiceAccount is kept current: it authenticates while etcd has no quorum.
      this.caches.set(`${group}/${resource}`, new CachedObjects(registry.store, this.definition(group, resource), changes, resource === 'serviceaccounts'))
    }
  }

  private definition(group: string, resource: string) {
    const definition = this.scheme.preferredResource(group, resource)
    assert(definition !== null, `admission reads an unknown resource ${resource}.${group}`)
    return definition
  }

  /** The objects in key order; the caller's own copies. */
  async list(group: string, resource: string, namespace: string | null): Promise<KubeObject[]> {
    const prefix = listPrefix(this.definition(group, resource), namespace)
    const kept = await this.caches.get(`${group}/${resource}`)?.keptObjects(prefix)
    if (kept) return kept.map((object) => cloneJson(object))
    const {objects} = await this.registry.store.list(prefix)
    return objects.map((stored) => objectFromStored(stored))
  }

  /** One object, null when there is none; the caller's own copy. */
  async get(group: string, resource: string, namespace: string, name: string): Promise<KubeObject | null> {
    const found = await this.caches.get(`${group}/${resource}`)?.object(objectKey(this.definition(group, resource), namespace, name))
    if (found !== undefined) return found ? cloneJson(found) : null
    try {
      return await this.registry.get(this.definition(group, resource), namespace, name)
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return null
      throw error
    }
  }
}

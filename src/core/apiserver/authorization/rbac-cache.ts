// The RBAC objects the authorizer reads on every request, kept in memory as kube-apiserver keeps
// them in its informers: an entry serves only while this process holds the store alone (no other
// process can have written), no RBAC object was written through it since the entry was read,
// and the watch of cached objects (cached-changes.ts, under `up`) saw no change made past the API servers.
// Otherwise the read goes to the store, as it always did.
import type {KubeObject} from '../../api/object.js'
import type {Store} from '../../store/store.js'
import type {CachedChangesFeed} from '../cached-changes.js'
import type {RbacReader} from './rbac.js'
import {StoreReadMemo} from '../store-read-memo.js'

/** The key prefixes of the RBAC resources (rbac.authorization.k8s.io adds no group segment). */
export const rbacKeyPrefixes = ['/registry/clusterroles/', '/registry/clusterrolebindings/', '/registry/roles/', '/registry/rolebindings/'] as const
/** Cached reads at most; past it the cache starts over (namespaces' role bindings, roles by name). */
export const rbacCacheEntriesMax = 10_000

export class CachingRbacReader implements RbacReader {
  private readonly memo: StoreReadMemo

  constructor(
    private readonly inner: RbacReader,
    store: Pick<Store, 'exclusiveWriterEpoch' | 'onWrite'>,
    changes?: CachedChangesFeed,
  ) {
    // A key under an RBAC prefix makes every entry stale.
    this.memo = new StoreReadMemo(store, rbacKeyPrefixes, rbacCacheEntriesMax, changes)
  }

  clusterRoleBindings(): Promise<KubeObject[]> {
    return this.cached('clusterrolebindings', () => this.inner.clusterRoleBindings())
  }

  roleBindings(namespace: string): Promise<KubeObject[]> {
    return this.cached(`rolebindings/${namespace}`, () => this.inner.roleBindings(namespace))
  }

  clusterRoles(): Promise<KubeObject[]> {
    return this.cached('clusterroles', () => this.inner.clusterRoles())
  }

  clusterRole(name: string): Promise<KubeObject | null> {
    return this.cached(`clusterrole/${name}`, () => this.inner.clusterRole(name))
  }

  role(namespace: string, name: string): Promise<KubeObject | null> {
    return this.cached(`role/${namespace}/${name}`, () => this.inner.role(namespace, name))
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.memo.read(key, read)
  }
}

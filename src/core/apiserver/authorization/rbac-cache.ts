// The RBAC objects the authorizer reads on every request, kept in memory as kube-apiserver keeps
// them in its informers: all of them, read at once, so that a question never asked before is
// answered from memory too (a request authorizes while etcd has no quorum). The copy serves only
// while this process holds the store alone (no other process can have written), no RBAC object
// was written through it since it was read, and the watch of cached objects (cached-changes.ts,
// under `up`) saw no change made past the API servers. Otherwise each question goes to the store,
// as it always did.
import type {KubeObject} from '../../api/object.js'
import type {Store} from '../../store/store.js'
import type {CachedChangesFeed} from '../cached-changes.js'
import type {RbacReader} from './rbac.js'
import {StoreReadMemo} from '../store-read-memo.js'

/** The key prefixes of the RBAC resources (rbac.authorization.k8s.io adds no group segment). */
export const rbacKeyPrefixes = ['/registry/clusterroles/', '/registry/clusterrolebindings/', '/registry/roles/', '/registry/rolebindings/'] as const

/** Every RBAC object, as the informers hold them. */
export interface RbacObjects {
  readonly clusterRoleBindings: readonly KubeObject[]
  readonly roleBindings: readonly KubeObject[]
  readonly clusterRoles: readonly KubeObject[]
  readonly roles: readonly KubeObject[]
}

const namespaceOf = (object: KubeObject) => object.metadata?.namespace ?? ''
const nameOf = (object: KubeObject) => object.metadata?.name ?? ''

export class CachingRbacReader implements RbacReader {
  private readonly memo: StoreReadMemo

  constructor(
    private readonly inner: RbacReader,
    /** Reads every RBAC object at once. */
    private readonly everything: () => Promise<RbacObjects>,
    store: Pick<Store, 'exclusiveWriterEpoch' | 'onWrite'>,
    changes?: CachedChangesFeed,
  ) {
    // A key under an RBAC prefix makes the copy stale.
    this.memo = new StoreReadMemo(store, rbacKeyPrefixes, 1, changes)
    this.memo.keepCurrent('everything', everything)
  }

  clusterRoleBindings(): Promise<KubeObject[]> {
    return this.answer(() => this.inner.clusterRoleBindings(), (all) => [...all.clusterRoleBindings])
  }

  roleBindings(namespace: string): Promise<KubeObject[]> {
    return this.answer(() => this.inner.roleBindings(namespace), (all) => all.roleBindings.filter((binding) => namespaceOf(binding) === namespace))
  }

  clusterRoles(): Promise<KubeObject[]> {
    return this.answer(() => this.inner.clusterRoles(), (all) => [...all.clusterRoles])
  }

  clusterRole(name: string): Promise<KubeObject | null> {
    return this.answer(() => this.inner.clusterRole(name), (all) => all.clusterRoles.find((role) => nameOf(role) === name) ?? null)
  }

  role(namespace: string, name: string): Promise<KubeObject | null> {
    return this.answer(() => this.inner.role(namespace, name), (all) => all.roles.find((role) => namespaceOf(role) === namespace && nameOf(role) === name) ?? null)
  }

  /** From the copy of everything while it can be kept, else the one question asked of the store. */
  private async answer<T>(alone: () => Promise<T>, fromAll: (all: RbacObjects) => T): Promise<T> {
    if (!this.memo.keeps()) return alone()
    return fromAll(await this.memo.read('everything', this.everything))
  }
}

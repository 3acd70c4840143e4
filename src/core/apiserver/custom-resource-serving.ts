// Serving CustomResourceDefinitions as apiextensions-apiserver does: the scheme follows the CRDs
// in etcd, a new CRD becomes NamesAccepted and Established, and deleting a CRD deletes its objects
// first. The CRDs are read again whenever a request may concern one, unless the read kept in
// memory is current (this process holds the store alone and neither a write through it nor the
// watch of cached objects under `up` saw a CRD change), as apiextensions-apiserver serves from its
// informer: discovery then touches no etcd, and answers while etcd has no quorum.
import {definitionsFromCrd} from '../api/custom-resources.js'
import {formatTimestamp, isJsonObject, type KubeObject} from '../api/object.js'
import {builtinResources} from '../api/resources.js'
import type {ResourceDefinition, Scheme} from '../api/scheme.js'
import {listPageObjectsMax, StoreError} from '../store/store.js'
import {listPrefix} from './keys.js'
import type {Registry} from './registry.js'
import {objectFromStored} from './stored-objects.js'
import type {CachedChangesFeed} from './cached-changes.js'
import {StoreReadMemo} from './store-read-memo.js'

/** Deleting a CRD's objects reads this many pages at most (each listPageObjectsMax keys). */
export const cleanupPagesMax = 1000

export const builtinGroups = new Set(builtinResources.map((definition) => definition.group ?? ''))

export function isCustomResourceDefinitions(definition: ResourceDefinition): boolean {
  return definition.group === 'apiextensions.k8s.io' && definition.resource === 'customresourcedefinitions'
}

/** Where the CRDs are kept in etcd (apiextensions.k8s.io's own prefix). */
export const crdKeyPrefix = '/registry/apiextensions.k8s.io/customresourcedefinitions/'

export class CustomResourceServing {
  private served: ResourceDefinition[] = []
  private readonly memo: StoreReadMemo

  constructor(
    private readonly scheme: Scheme,
    private readonly registry: Registry,
    changes?: CachedChangesFeed,
  ) {
    this.memo = new StoreReadMemo(registry.store, [crdKeyPrefix], 1, changes)
    this.memo.keepCurrent('crds', () => this.load())
  }

  /**
   * Whether a request must see the CRDs as they are now: one for a group that is not built in,
   * or the discovery (and OpenAPI) of /apis or of such a group. /api, /version and built-in groups never do.
   */
  needsSync(group: string, isDiscovery: boolean, path: string): boolean {
    if (!isDiscovery) return !builtinGroups.has(group)
    const match = /^(?:\/openapi\/v3)?\/apis(?:\/([^/]+))?/.exec(path)
    if (['/openapi/v3', '/openapi/v2'].includes(path.replace(/\/+$/, ''))) return true
    return match !== null && (match[1] === undefined || !builtinGroups.has(match[1]))
  }

  private crdDefinition(): ResourceDefinition {
    return this.scheme.resource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!
  }

  /** Brings the scheme's custom resources in line with the CRDs (a no-op while the kept read is current). */
  sync(): Promise<void> {
    return this.memo.read('crds', () => this.load())
  }

  private async load(): Promise<void> {
    const {objects} = await this.registry.store.list(listPrefix(this.crdDefinition(), null))
    for (const definition of this.served) this.scheme.remove(definition.group, definition.resource)
    this.served = []
    for (const stored of objects) {
      const crd = objectFromStored(stored)
      if (!isEstablished(crd)) continue
      for (const definition of definitionsFromCrd(crd)) {
        // A CRD may not take over a built-in resource.
        if (builtinGroups.has(definition.group)) continue
        this.scheme.add(definition)
        this.served.push(definition)
      }
    }
  }

  /** What the establishing controller does for a new CRD: names accepted, established. */
  async establish(name: string, nowMilliseconds: number): Promise<KubeObject> {
    const now = formatTimestamp(nowMilliseconds)
    return this.registry.guaranteedUpdate(this.crdDefinition(), '', name, (current) => {
      const crd = current!
      const status = isJsonObject(crd.status) ? crd.status : {}
      status.conditions = [
        {type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found'},
        {type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted'},
      ]
      crd.status = status
      return crd
    })
  }

  /** Deletes every object of a CRD (the customresourcecleanup finalizer's work). */
  async deleteObjects(crd: KubeObject): Promise<void> {
    const spec = isJsonObject(crd.spec) ? crd.spec : {}
    const names = isJsonObject(spec.names) ? spec.names : {}
    const prefix = `/registry/${String(spec.group)}/${String(names.plural)}/`
    for (let page = 0; page < cleanupPagesMax; page++) {
      const {objects} = await this.registry.store.list(prefix, {limit: listPageObjectsMax})
      if (objects.length === 0) return
      for (const object of objects) {
        try {
          await this.registry.store.delete(object.key)
        } catch (error) {
          if (!(error instanceof StoreError && error.code === 'NotFound')) throw error
        }
      }
    }
  }
}

function isEstablished(crd: KubeObject): boolean {
  const status = isJsonObject(crd.status) ? crd.status : {}
  const conditions = Array.isArray(status.conditions) ? status.conditions : []
  return conditions.some((condition) => isJsonObject(condition) && condition.type === 'Established' && condition.status === 'True')
}

// What admission plugins read: objects of a namespace or one object, through the registry at the
// newest revision (the informer caches of kube-apiserver's plugins, without the staleness).
import type {KubeObject} from '../../api/object.js'
import type {Scheme} from '../../api/scheme.js'
import {assert} from '../../util/assert.js'
import {listPrefix} from '../keys.js'
import type {Registry} from '../registry.js'
import {objectFromStored} from '../stored-objects.js'
import {ApiError} from '../api-errors.js'
import type {Attributes, Decision} from '../authorization/rbac.js'
import {systemClock} from '../../util/clock.js'

export class AdmissionReader {
  constructor(
    readonly registry: Registry,
    readonly scheme: Scheme,
    readonly random: () => number,
    /** The API server's authorizer, for CEL's authorizer checks (none: every check is denied with an error). */
    readonly authorize: ((attributes: Attributes) => Promise<Decision>) | null = null,
    /** Waits on the API server's clock (a plugin that looks again for what a controller is about to write). */
    readonly sleep: (milliseconds: number) => Promise<void> = (milliseconds) => systemClock.sleep(milliseconds),
  ) {}

  private definition(group: string, resource: string) {
    const definition = this.scheme.preferredResource(group, resource)
    assert(definition !== null, `admission reads an unknown resource ${resource}.${group}`)
    return definition
  }

  async list(group: string, resource: string, namespace: string | null): Promise<KubeObject[]> {
    const {objects} = await this.registry.store.list(listPrefix(this.definition(group, resource), namespace))
    return objects.map((stored) => objectFromStored(stored))
  }

  async get(group: string, resource: string, namespace: string, name: string): Promise<KubeObject | null> {
    try {
      return await this.registry.get(this.definition(group, resource), namespace, name)
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return null
      throw error
    }
  }
}

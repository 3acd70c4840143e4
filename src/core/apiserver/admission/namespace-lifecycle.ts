// The NamespaceLifecycle admission plugin: no new objects in a namespace that is missing or
// being terminated, and the four system namespaces can never be deleted.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import type {ResourceDefinition} from '../../api/scheme.js'
import type {Registry} from '../registry.js'
import {ApiError, apiErrors} from '../status.js'

export const undeletableNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const

const namespaces = {group: '', resource: 'namespaces'}

export class NamespaceLifecycle {
  constructor(private readonly registry: Registry, private readonly namespaceDefinition: ResourceDefinition) {}

  /** Before a create in `namespace`: the namespace must exist and not be terminating. */
  async admitCreate(definition: ResourceDefinition, namespace: string, object: KubeObject): Promise<void> {
    if (!definition.namespaced || definition.etcdPrefix === null) return
    let current: KubeObject
    try {
      current = await this.registry.get(this.namespaceDefinition, '', namespace)
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) throw apiErrors.notFound(namespaces, namespace)
      throw error
    }
    const phase = isJsonObject(current.status) ? current.status.phase : undefined
    if (phase === 'Terminating' || current.metadata.deletionTimestamp !== undefined) {
      const message = `unable to create new content in namespace ${namespace} because it is being terminated`
      const forbidden = apiErrors.forbidden(definition, object.metadata.name ?? '', message)
      forbidden.details!.causes = [{reason: 'NamespaceTerminating', message, field: 'metadata.namespace'}]
      throw forbidden
    }
  }

  admitDelete(definition: ResourceDefinition, name: string): void {
    if (definition.group !== '' || definition.resource !== 'namespaces') return
    if ((undeletableNamespaces as readonly string[]).includes(name)) throw apiErrors.forbidden(namespaces, name, 'this namespace may not be deleted')
  }
}

// The NamespaceLifecycle admission plugin: no new objects in a namespace that is missing or
// being terminated, and the four system namespaces can never be deleted.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {apiErrors} from '../api-errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'

export const undeletableNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const

const namespaces = {group: '', resource: 'namespaces'}

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle'

  constructor(private readonly reader: AdmissionReader) {}

  /** It refuses writes; it never changes an object. */
  mayChange(): boolean {
    return false
  }

  async admit(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    const {definition, namespace} = attributes
    if (attributes.operation === 'DELETE') {
      if (definition.group === '' && definition.resource === 'namespaces' && (undeletableNamespaces as readonly string[]).includes(attributes.name)) {
        throw apiErrors.forbidden(namespaces, attributes.name, 'this namespace may not be deleted')
      }
      return
    }
    if (attributes.operation !== 'CREATE' || !definition.namespaced || namespace.length === 0) return
    // Reviews and token requests are not stored: they need no live namespace.
    if (definition.etcdPrefix === null && !['bindings', 'serviceaccounts', 'pods'].includes(definition.resource)) return
    const current = await this.reader.get('', 'namespaces', '', namespace)
    if (!current) throw apiErrors.notFound(namespaces, namespace)
    const phase = isJsonObject(current.status) ? current.status.phase : undefined
    if (attributes.subresource.length === 0 && (phase === 'Terminating' || current.metadata.deletionTimestamp !== undefined)) {
      const message = `unable to create new content in namespace ${namespace} because it is being terminated`
      const forbidden = apiErrors.forbidden(definition, object?.metadata.name ?? attributes.name, message)
      forbidden.details!.causes = [{reason: 'NamespaceTerminating', message, field: 'metadata.namespace'}]
      throw forbidden
    }
  }
}

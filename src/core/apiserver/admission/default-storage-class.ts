// The DefaultStorageClass admission plugin of kube-apiserver: a claim created without a
// storageClassName (absent, not "") gets the default StorageClass, the newest of those annotated
// as default when there are several; without a default the claim is left as it is.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {isDefaultStorageClass} from '../../api/volume-binding.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'

const betaClaimClassAnnotation = 'volume.beta.kubernetes.io/storage-class'

/** The default StorageClass among these (util.GetDefaultClass): the newest, then by name; null when none is. */
export function defaultStorageClass(classes: readonly KubeObject[]): KubeObject | null {
  const defaults = classes.filter(isDefaultStorageClass)
  defaults.sort((left, right) => String(right.metadata.creationTimestamp).localeCompare(String(left.metadata.creationTimestamp)) || String(left.metadata.name).localeCompare(String(right.metadata.name)))
  return defaults[0] ?? null
}

export class DefaultStorageClassAdmission implements AdmissionPlugin {
  readonly name = 'DefaultStorageClass'

  constructor(private readonly reader: AdmissionReader) {}

  mayChange(attributes: AdmissionAttributes): boolean {
    return attributes.operation === 'CREATE' && attributes.subresource === '' && attributes.definition.group === '' && attributes.definition.resource === 'persistentvolumeclaims'
  }

  async admit(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    if (attributes.operation !== 'CREATE' || attributes.subresource !== '' || object === null) return
    if (attributes.definition.group !== '' || attributes.definition.resource !== 'persistentvolumeclaims') return
    if (!isJsonObject(object.spec)) object.spec = {}
    const claimSpec = object.spec as Record<string, unknown>
    if (typeof claimSpec.storageClassName === 'string' || object.metadata.annotations?.[betaClaimClassAnnotation] !== undefined) return
    const found = defaultStorageClass(await this.reader.list('storage.k8s.io', 'storageclasses', null))
    if (found) claimSpec.storageClassName = found.metadata.name
  }
}

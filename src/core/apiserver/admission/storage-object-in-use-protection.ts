// The StorageObjectInUseProtection admission plugin of kube-apiserver: every new claim gets the
// kubernetes.io/pvc-protection finalizer and every new volume kubernetes.io/pv-protection, so
// neither goes while in use (the protection controllers remove them once it is safe).
import type {KubeObject} from '../../api/object.js'
import {pvcProtectionFinalizer, pvProtectionFinalizer} from '../../api/volume-binding.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'

export class StorageObjectInUseProtection implements AdmissionPlugin {
  readonly name = 'StorageObjectInUseProtection'

  mayChange(attributes: AdmissionAttributes): boolean {
    const {operation, subresource, definition} = attributes
    return operation === 'CREATE' && subresource === '' && definition.group === '' && (definition.resource === 'persistentvolumeclaims' || definition.resource === 'persistentvolumes')
  }

  async admit(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    if (attributes.operation !== 'CREATE' || attributes.subresource !== '' || object === null || attributes.definition.group !== '') return
    const finalizer = {persistentvolumeclaims: pvcProtectionFinalizer, persistentvolumes: pvProtectionFinalizer}[attributes.definition.resource]
    if (!finalizer) return
    const finalizers = object.metadata.finalizers ?? []
    if (!finalizers.includes(finalizer)) object.metadata.finalizers = [...finalizers, finalizer]
  }
}

// The PersistentVolumeClaimResize admission plugin of kube-apiserver: a claim's storage request
// may grow only once it is bound, and only when its StorageClass sets allowVolumeExpansion.
import type {KubeObject} from '../../api/object.js'
import {compareQuantities, parseQuantity} from '../../api/quantity.js'
import {claimClassName, type PersistentVolumeClaim} from '../../api/volume-binding.js'
import {apiErrors} from '../api-errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'

const requestedStorage = (claim: KubeObject) => String((claim as PersistentVolumeClaim).spec?.resources?.requests?.storage ?? '0')

export class PersistentVolumeClaimResize implements AdmissionPlugin {
  readonly name = 'PersistentVolumeClaimResize'

  constructor(private readonly reader: AdmissionReader) {}

  async validate(attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<void> {
    if (attributes.operation !== 'UPDATE' || attributes.subresource !== '' || object === null || old === null) return
    if (attributes.definition.group !== '' || attributes.definition.resource !== 'persistentvolumeclaims') return
    if (compareQuantities(parseQuantity(requestedStorage(object)), parseQuantity(requestedStorage(old))) <= 0) return
    if ((old as PersistentVolumeClaim).status?.phase !== 'Bound') {
      throw apiErrors.forbidden(attributes.definition, attributes.name, 'Only bound persistent volume claims can be resized')
    }
    const className = claimClassName(object as PersistentVolumeClaim)
    const storageClass = className.length > 0 ? await this.reader.get('storage.k8s.io', 'storageclasses', '', className) : null
    if (storageClass?.allowVolumeExpansion !== true) {
      throw apiErrors.forbidden(attributes.definition, attributes.name, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize')
    }
  }
}

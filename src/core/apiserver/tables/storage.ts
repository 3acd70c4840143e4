// kube's printers for the storage kinds (kubectl 1.32's columns): PersistentVolumeClaims,
// PersistentVolumes and StorageClasses (the default one named `<name> (default)`).
import {accessModesText} from '../../api/field-text.js'
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {str} from '../../api/strategies/json-fields.js'
import {isDefaultStorageClass} from '../../api/volume-binding.js'
import {age, ageColumn, column, nameColumn, type Printer} from './table.js'

type Json = Record<string, unknown>
const record = (value: unknown): Json => (isJsonObject(value) ? value : {})

/** Quantity.String() of a storage amount, or '' when there is none. */
function storageText(resources: unknown): string {
  const value = record(resources).storage
  return value === undefined ? '' : canonicalQuantity(String(value))
}

const phaseOf = (object: KubeObject) => (object.metadata.deletionTimestamp ? 'Terminating' : str(record(object.status).phase))

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', 0, 'Phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'string', 0, 'VolumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'string', 0, 'Capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'string', 0, 'AccessModes contains all ways the volume backing the PVC can be mounted.'),
    column('StorageClass', 'string', 0, 'StorageClassName is the name of the StorageClass required by the claim.'),
    column('VolumeAttributesClass', 'string', 0, 'VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'),
    ageColumn,
    column('VolumeMode', 'string', 1, 'volumeMode defines what type of volume is required by the claim.'),
  ],
  row: (object, now) => {
    const spec = record(object.spec)
    const status = record(object.status)
    const bound = str(spec.volumeName) !== ''
    return [
      object.metadata.name ?? '',
      phaseOf(object),
      str(spec.volumeName),
      bound ? storageText(status.capacity) : '',
      bound ? accessModesText(status.accessModes) : '',
      object.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? str(spec.storageClassName),
      str(spec.volumeAttributesClassName) || '<unset>',
      age(object, now),
      str(spec.volumeMode) || '<unset>',
    ]
  },
}

export const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn,
    column('Capacity', 'string', 0, "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
    column('Access Modes', 'string', 0, 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes'),
    column('Reclaim Policy', 'string', 0, 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming'),
    column('Status', 'string', 0, 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase'),
    column('Claim', 'string', 0, 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding'),
    column('StorageClass', 'string', 0, 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 0, 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', 0, 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn,
    column('VolumeMode', 'string', 1, 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.'),
  ],
  row: (object, now) => {
    const spec = record(object.spec)
    const claimRef = isJsonObject(spec.claimRef) ? `${str(spec.claimRef.namespace)}/${str(spec.claimRef.name)}` : ''
    return [
      object.metadata.name ?? '',
      storageText(spec.capacity),
      accessModesText(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      phaseOf(object),
      claimRef,
      object.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? str(spec.storageClassName),
      str(spec.volumeAttributesClassName) || '<unset>',
      str(record(object.status).reason),
      age(object, now),
      str(spec.volumeMode) || '<unset>',
    ]
  },
}

export const storageClassPrinter: Printer = {
  columns: [
    nameColumn,
    column('Provisioner', 'string', 0, 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'string', 0, 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
    column('VolumeBindingMode', 'string', 0, 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.'),
    column('AllowVolumeExpansion', 'string', 0, 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn,
  ],
  row: (object, now) => [
    `${object.metadata.name ?? ''}${isDefaultStorageClass(object) ? ' (default)' : ''}`,
    str(object.provisioner),
    str(object.reclaimPolicy) || 'Delete',
    str(object.volumeBindingMode) || 'Immediate',
    object.allowVolumeExpansion === true,
    age(object, now),
  ],
}

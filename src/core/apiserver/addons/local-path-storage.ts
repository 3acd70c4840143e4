// The storage addon as kind installs it: the `standard` StorageClass, the cluster's default,
// served by Rancher's local-path provisioner (simulated by the controller manager's
// local-path provisioner loop), binding each claim once its first pod is scheduled.
import type {BootstrapObject} from '../bootstrap-object.js'

export const defaultStorageClassName = 'standard'
export const localPathProvisionerName = 'rancher.io/local-path'
/** Where the provisioner makes each volume's folder on the selected node. */
export const localPathVolumesFolder = '/opt/local-path-provisioner'
export const defaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class'

export function localPathStorageObjects(): BootstrapObject[] {
  return [{
    group: 'storage.k8s.io',
    resource: 'storageclasses',
    namespace: '',
    body: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {name: defaultStorageClassName, annotations: {[defaultClassAnnotation]: 'true'}},
      provisioner: localPathProvisionerName,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    },
  }]
}

// The storage kinds: core/v1 PersistentVolume and storage.k8s.io/v1 StorageClass, with the
// volume sources kubemu models (hostPath and local, as kind's local-path provisioner writes
// them); the other sources are kept as they are.
import {anyValue, arrayOf, boolean, dateTime, object, string, stringMap} from '../schema.js'
import {nodeSelectorTerm, objectReference, resourceList} from './core.js'
import {kind} from './meta.js'

const volumeNodeAffinity = object('v1.VolumeNodeAffinity', {required: object('v1.NodeSelector', {nodeSelectorTerms: arrayOf(nodeSelectorTerm)})})

export const persistentVolume = kind('v1.PersistentVolume', {
  spec: object('v1.PersistentVolumeSpec', {
    capacity: resourceList,
    accessModes: arrayOf(string),
    claimRef: objectReference,
    persistentVolumeReclaimPolicy: string,
    storageClassName: string,
    mountOptions: arrayOf(string),
    volumeMode: string,
    nodeAffinity: volumeNodeAffinity,
    volumeAttributesClassName: string,
    hostPath: object('v1.HostPathVolumeSource', {path: string, type: string}),
    local: object('v1.LocalVolumeSource', {path: string, fsType: string}),
    nfs: object('v1.NFSVolumeSource', {server: string, path: string, readOnly: boolean}),
    csi: anyValue, iscsi: anyValue, glusterfs: anyValue, rbd: anyValue, flexVolume: anyValue, cinder: anyValue, cephfs: anyValue,
    flocker: anyValue, fc: anyValue, azureFile: anyValue, azureDisk: anyValue, vsphereVolume: anyValue, quobyte: anyValue,
    photonPersistentDisk: anyValue, portworxVolume: anyValue, scaleIO: anyValue, storageos: anyValue, awsElasticBlockStore: anyValue,
    gcePersistentDisk: anyValue,
  }),
  status: object('v1.PersistentVolumeStatus', {phase: string, message: string, reason: string, lastPhaseTransitionTime: dateTime}),
})

export const storageClass = kind('v1.StorageClass', {
  provisioner: string,
  parameters: stringMap,
  reclaimPolicy: string,
  mountOptions: arrayOf(string),
  allowVolumeExpansion: boolean,
  volumeBindingMode: string,
  allowedTopologies: arrayOf(object('v1.TopologySelectorTerm', {
    matchLabelExpressions: arrayOf(object('v1.TopologySelectorLabelRequirement', {key: string, values: arrayOf(string)})),
  })),
})


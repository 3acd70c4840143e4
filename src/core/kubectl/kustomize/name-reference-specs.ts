// Which fields name which kinds, as kustomize's default nameReference configuration lists them:
// when a ConfigMap, Secret, Service, ServiceAccount … is renamed (prefix, suffix, hash), these
// fields in the objects that point at it are rewritten to its new name.
import {type FieldSpec, spec} from './fieldspecs.js'

export interface NameReference {
  /** The kind (and group) of the object being pointed at. */
  readonly kind: string
  readonly group?: string
  readonly referrers: readonly FieldSpec[]
}

/** Where a pod spec sits in each kind that carries one. */
const podSpecHomes: ReadonlyArray<readonly [string, string]> = [
  ['Pod', 'spec'],
  ['PodTemplate', 'template/spec'],
  ['Deployment', 'spec/template/spec'],
  ['ReplicaSet', 'spec/template/spec'],
  ['DaemonSet', 'spec/template/spec'],
  ['StatefulSet', 'spec/template/spec'],
  ['Job', 'spec/template/spec'],
  ['CronJob', 'spec/jobTemplate/spec/template/spec'],
]
const withReplicationController = [...podSpecHomes.filter(([kind]) => kind !== 'PodTemplate'), ['ReplicationController', 'spec/template/spec'] as const]

function inPodSpecs(homes: ReadonlyArray<readonly [string, string]>, paths: readonly string[]): FieldSpec[] {
  return homes.flatMap(([kind, home]) => paths.map((path) => spec(`${home}/${path}`, false, kind)))
}

const configMapPaths = ['volumes/configMap/name', 'containers/env/valueFrom/configMapKeyRef/name', 'initContainers/env/valueFrom/configMapKeyRef/name', 'containers/envFrom/configMapRef/name', 'initContainers/envFrom/configMapRef/name', 'volumes/projected/sources/configMap/name']
const secretPaths = ['volumes/secret/secretName', 'containers/env/valueFrom/secretKeyRef/name', 'initContainers/env/valueFrom/secretKeyRef/name', 'containers/envFrom/secretRef/name', 'initContainers/envFrom/secretRef/name', 'imagePullSecrets/name', 'volumes/projected/sources/secret/name']
const rbac = 'rbac.authorization.k8s.io'

export const nameReferences: readonly NameReference[] = [
  ...['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map((kind) => ({kind, referrers: [spec('spec/scaleTargetRef/name', false, 'HorizontalPodAutoscaler')]})),
  {
    kind: 'ConfigMap',
    referrers: [
      ...inPodSpecs(podSpecHomes, configMapPaths),
      spec('spec/configSource/configMap', false, 'Node'),
      spec('rules/resourceNames', false, 'Role'),
      spec('rules/resourceNames', false, 'ClusterRole'),
      spec('metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap', false, 'Ingress'),
    ],
  },
  {
    kind: 'Secret',
    referrers: [
      ...inPodSpecs(podSpecHomes, secretPaths),
      spec('spec/tls/secretName', false, 'Ingress'),
      spec('metadata/annotations/ingress.kubernetes.io\\/auth-secret', false, 'Ingress'),
      spec('metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret', false, 'Ingress'),
      spec('metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret', false, 'Ingress'),
      spec('imagePullSecrets/name', false, 'ServiceAccount'),
      ...['secretName', 'adminSecretName', 'userSecretName', 'secretRef'].map((field) => spec(`parameters/${field}`, false, 'StorageClass')),
      spec('rules/resourceNames', false, 'Role'),
      spec('rules/resourceNames', false, 'ClusterRole'),
      spec('spec/template/spec/containers/env/valueFrom/secretKeyRef/name', false, 'Service', 'serving.knative.dev', 'v1'),
      spec('spec/azureFile/secretName', false, 'PersistentVolume'),
    ],
  },
  {
    kind: 'Service',
    referrers: [
      spec('spec/serviceName', false, 'StatefulSet', 'apps'),
      spec('spec/rules/http/paths/backend/serviceName', false, 'Ingress'),
      spec('spec/backend/serviceName', false, 'Ingress'),
      spec('spec/rules/http/paths/backend/service/name', false, 'Ingress'),
      spec('spec/defaultBackend/service/name', false, 'Ingress'),
      spec('spec/service/name', false, 'APIService', 'apiregistration.k8s.io'),
      spec('webhooks/clientConfig/service', false, 'ValidatingWebhookConfiguration', 'admissionregistration.k8s.io'),
      spec('webhooks/clientConfig/service', false, 'MutatingWebhookConfiguration', 'admissionregistration.k8s.io'),
    ],
  },
  {kind: 'Role', group: rbac, referrers: [spec('roleRef/name', false, 'RoleBinding', rbac)]},
  {kind: 'ClusterRole', group: rbac, referrers: [spec('roleRef/name', false, 'RoleBinding', rbac), spec('roleRef/name', false, 'ClusterRoleBinding', rbac)]},
  {
    kind: 'ServiceAccount',
    referrers: [
      spec('subjects', false, 'RoleBinding', rbac),
      spec('subjects', false, 'ClusterRoleBinding', rbac),
      ...withReplicationController.filter(([kind]) => kind !== 'ReplicaSet').map(([kind, home]) => spec(`${home}/serviceAccountName`, false, kind)),
    ],
  },
  {kind: 'PersistentVolumeClaim', referrers: inPodSpecs(withReplicationController.filter(([kind]) => kind !== 'ReplicaSet'), ['volumes/persistentVolumeClaim/claimName'])},
  {kind: 'PersistentVolume', referrers: [spec('spec/volumeName', false, 'PersistentVolumeClaim'), spec('rules/resourceNames', false, 'ClusterRole')]},
  {
    kind: 'StorageClass',
    referrers: [spec('spec/storageClassName', false, 'PersistentVolume'), spec('spec/storageClassName', false, 'PersistentVolumeClaim'), spec('spec/volumeClaimTemplates/spec/storageClassName', false, 'StatefulSet')],
  },
  {kind: 'PriorityClass', referrers: inPodSpecs(withReplicationController.filter(([kind]) => kind !== 'ReplicaSet'), ['priorityClassName'])},
  {kind: 'IngressClass', referrers: [spec('spec/ingressClassName', false, 'Ingress')]},
  {kind: 'ValidatingAdmissionPolicy', group: 'admissionregistration.k8s.io', referrers: [spec('spec/policyName', false, 'ValidatingAdmissionPolicyBinding', 'admissionregistration.k8s.io')]},
]

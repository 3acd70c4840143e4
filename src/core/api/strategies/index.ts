// The strategy of each kind, by group and kind; kinds without one get the generic strategy.
import {clusterRoleBindingStrategy, clusterRoleStrategy, customResourceDefinitionStrategy, endpointSliceStrategy, leaseStrategy, podDisruptionBudgetStrategy, priorityClassStrategy, roleBindingStrategy, roleStrategy} from './access.js'
import {mutatingWebhookConfigurationStrategy, validatingWebhookConfigurationStrategy} from './admissionregistration.js'
import {apiServiceStrategy} from './apiregistration.js'
import {validatingAdmissionPolicyBindingStrategy, validatingAdmissionPolicyStrategy} from './admission-policy.js'
import {horizontalPodAutoscalerStrategy} from './autoscaling.js'
import {defineStrategy} from './base.js'
import {certificateSigningRequestStrategy} from './certificates.js'
import {configMapStrategy, endpointsStrategy, eventStrategy, limitRangeStrategy, namespaceStrategy, nodeStrategy, persistentVolumeClaimStrategy, podTemplateStrategy, resourceQuotaStrategy, secretStrategy, serviceAccountStrategy} from './core.js'
import {podStrategy} from './pod.js'
import {serviceStrategy} from './service.js'
import {ingressClassStrategy, ingressStrategy} from './ingress.js'
import {networkPolicyStrategy} from './networking.js'
import {replicationControllerStrategy} from './replication.js'
import {persistentVolumeStrategy, storageClassStrategy} from './storage.js'
import type {Strategy} from './strategy.js'
import {controllerRevisionStrategy, daemonSetStrategy, deploymentStrategy, replicaSetStrategy, statefulSetStrategy} from './workloads.js'
import {cronJobStrategy, jobStrategy} from './batch.js'

const strategies = new Map<string, Strategy>([
  ['/Pod', podStrategy],
  ['/Namespace', namespaceStrategy],
  ['/Node', nodeStrategy],
  ['/Service', serviceStrategy],
  ['/ConfigMap', configMapStrategy],
  ['/Secret', secretStrategy],
  ['/ServiceAccount', serviceAccountStrategy],
  ['/Endpoints', endpointsStrategy],
  ['/Event', eventStrategy],
  ['/ResourceQuota', resourceQuotaStrategy],
  ['/LimitRange', limitRangeStrategy],
  ['/PersistentVolumeClaim', persistentVolumeClaimStrategy],
  ['/PodTemplate', podTemplateStrategy],
  ['/ReplicationController', replicationControllerStrategy],
  ['/PersistentVolume', persistentVolumeStrategy],
  ['storage.k8s.io/StorageClass', storageClassStrategy],
  ['apps/Deployment', deploymentStrategy],
  ['apps/ReplicaSet', replicaSetStrategy],
  ['apps/StatefulSet', statefulSetStrategy],
  ['apps/DaemonSet', daemonSetStrategy],
  ['apps/ControllerRevision', controllerRevisionStrategy],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerStrategy],
  ['batch/Job', jobStrategy],
  ['batch/CronJob', cronJobStrategy],
  ['rbac.authorization.k8s.io/Role', roleStrategy],
  ['rbac.authorization.k8s.io/ClusterRole', clusterRoleStrategy],
  ['rbac.authorization.k8s.io/RoleBinding', roleBindingStrategy],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', clusterRoleBindingStrategy],
  ['networking.k8s.io/NetworkPolicy', networkPolicyStrategy],
  ['networking.k8s.io/Ingress', ingressStrategy],
  ['networking.k8s.io/IngressClass', ingressClassStrategy],
  ['policy/PodDisruptionBudget', podDisruptionBudgetStrategy],
  ['coordination.k8s.io/Lease', leaseStrategy],
  ['discovery.k8s.io/EndpointSlice', endpointSliceStrategy],
  ['scheduling.k8s.io/PriorityClass', priorityClassStrategy],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinitionStrategy],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', validatingWebhookConfigurationStrategy],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', mutatingWebhookConfigurationStrategy],
  ['admissionregistration.k8s.io/ValidatingAdmissionPolicy', validatingAdmissionPolicyStrategy],
  ['admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding', validatingAdmissionPolicyBindingStrategy],
  ['certificates.k8s.io/CertificateSigningRequest', certificateSigningRequestStrategy],
  ['apiregistration.k8s.io/APIService', apiServiceStrategy],
])

const genericStrategy = defineStrategy()
/** Custom resources: generation counts every change but metadata and status. */
const customResourceStrategy = defineStrategy({generation: true})
const customResourceWithStatusStrategy = defineStrategy({generation: true, hasStatus: true})

export function strategyFor(group: string, kind: string, custom = false, hasStatus = false): Strategy {
  if (custom) return hasStatus ? customResourceWithStatusStrategy : customResourceStrategy
  return strategies.get(`${group}/${kind}`) ?? genericStrategy
}

export type {Strategy} from './strategy.js'
